//! The Rust object behind a sink's `WritableStream`
//! (<https://streams.spec.whatwg.org/#underlying-sink-api>). A write that
//! returns a promise holds the stream: the queue fills to its high-water
//! mark, the writer's `desiredSize` drops to 0, and a pipe stops reading.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{Blob, WritableStreamDefaultController};

use crate::core::sink::SinkLogic;
use crate::web::chunk::ChunkBytes;
use crate::web::error::to_js;
use crate::web::metrics::{reason_text, Phase, StageHandle};
use crate::web::sys::{performance_now, sleep};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeWritable)]
    fn make_writable(stage: SinkStage, kind: &str, high_water_mark: f64)
        -> web_sys::WritableStream;
}

/// A delay shorter than this resolves at once: a timer costs more than it
/// would pace.
const MIN_DELAY_MS: f64 = 1.0;

#[wasm_bindgen(skip_typescript)]
pub struct SinkStage {
    handle: Rc<StageHandle>,
    logic: RefCell<SinkLogic>,
    /// `collect`'s chunks, kept as the JS values they arrived as.
    parts: Option<Array>,
    /// Where chunks are copied into wasm for sinks that read the bytes.
    scratch: RefCell<Vec<u8>>,
}

impl SinkStage {
    /// The `WritableStream` whose underlying sink is this stage.
    pub fn stream(
        handle: Rc<StageHandle>,
        logic: SinkLogic,
        high_water_mark: f64,
    ) -> web_sys::WritableStream {
        let kind = handle.info.kind;
        let parts = matches!(logic, SinkLogic::Collect { .. }).then(Array::new);
        let stage = SinkStage {
            handle,
            logic: RefCell::new(logic),
            parts,
            scratch: RefCell::new(Vec::new()),
        };
        make_writable(stage, kind, high_water_mark)
    }
}

#[wasm_bindgen]
impl SinkStage {
    pub fn start(&self, _controller: WritableStreamDefaultController, queued: js_sys::Object) {
        self.handle.set_queued_counter(queued);
    }

    /// Returns `undefined`, or a promise when the write must take time.
    ///
    /// # Errors
    ///
    /// `collect` past its `maxBytes`: the stream errors, naming the offset.
    pub fn write(&self, chunk: JsValue) -> Result<JsValue, JsValue> {
        self.handle.running();
        let bytes = ChunkBytes::of(&chunk);
        let len = bytes.byte_len();
        {
            let mut c = self.handle.counters.borrow_mut();
            c.chunks_in += 1;
            c.bytes_in += len;
        }
        let mut logic = self.logic.borrow_mut();
        let mut scratch = self.scratch.borrow_mut();
        let data: &[u8] = match &bytes {
            _ if !logic.wants_bytes() => &[],
            ChunkBytes::Array(a) => {
                scratch.resize(a.length() as usize, 0);
                a.copy_to(&mut scratch);
                &scratch
            }
            ChunkBytes::Text(s) => s.as_bytes(),
            ChunkBytes::None => &[],
        };
        let delay = match logic.write(len, data, performance_now()) {
            Ok(delay) => delay,
            Err(e) => {
                self.handle.end(Phase::Errored, Some(e.to_string()));
                *scratch = Vec::new();
                return Err(to_js(&e));
            }
        };
        if let Some(parts) = &self.parts {
            parts.push(&chunk);
        }
        if delay < MIN_DELAY_MS {
            return Ok(JsValue::UNDEFINED);
        }
        Ok(future_to_promise(async move {
            JsFuture::from(sleep(delay)).await?;
            Ok(JsValue::UNDEFINED)
        })
        .into())
    }

    /// # Errors
    ///
    /// Only if the browser refuses to make the `Blob`.
    pub fn close(&self) -> Result<(), JsValue> {
        let mut logic = self.logic.borrow_mut();
        logic.close();
        self.handle.set_result(logic.result());
        if let Some(parts) = &self.parts {
            let blob = Blob::new_with_buffer_source_sequence(parts)?;
            self.handle.set_artifact("blob", blob.into());
        }
        self.handle.end(Phase::Done, None);
        self.release();
        Ok(())
    }

    pub fn abort(&self, reason: JsValue) {
        self.handle
            .end(Phase::Cancelled, Some(reason_text(&reason)));
        self.release();
    }

    /// The stream ended: the copy buffer goes now, not when JS collects the
    /// stream (what the sink reports, its logic, stays for the snapshot).
    pub fn release(&self) {
        if let Ok(mut scratch) = self.scratch.try_borrow_mut() {
            *scratch = Vec::new();
        }
    }

    pub fn snapshot(&self) -> JsValue {
        // A preview shows its text while the stream runs.
        if matches!(*self.logic.borrow(), SinkLogic::Preview { .. }) {
            self.handle.set_result(self.logic.borrow().result());
        }
        self.handle.snapshot()
    }
}
