//! The Rust object behind a sink's `WritableStream`
//! (<https://streams.spec.whatwg.org/#underlying-sink-api>). A write that
//! returns a promise holds the stream: the queue fills to its high-water
//! mark, the writer's `desiredSize` drops to 0, and a pipe stops reading.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::WritableStreamDefaultController;

use crate::core::sink::SinkLogic;
use crate::web::metrics::{reason_text, Phase, StageHandle};
use crate::web::sys::{performance_now, sleep};

/// A delay shorter than this resolves at once: a timer costs more than it
/// would pace.
const MIN_DELAY_MS: f64 = 1.0;

#[wasm_bindgen(skip_typescript)]
pub struct SinkStage {
    handle: Rc<StageHandle>,
    logic: RefCell<SinkLogic>,
}

impl SinkStage {
    pub fn new(handle: Rc<StageHandle>, logic: SinkLogic) -> Self {
        SinkStage {
            handle,
            logic: RefCell::new(logic),
        }
    }
}

/// Bytes in a chunk: a byte array's length, a string's UTF-8 length, 0 for
/// anything else (records are counted as chunks).
fn chunk_bytes(chunk: &JsValue) -> u64 {
    if let Some(a) = chunk.dyn_ref::<Uint8Array>() {
        return u64::from(a.length());
    }
    if let Some(s) = chunk.dyn_ref::<JsString>() {
        return String::from(s).len() as u64;
    }
    0
}

#[wasm_bindgen]
impl SinkStage {
    pub fn start(&self, _controller: WritableStreamDefaultController, queued: js_sys::Object) {
        self.handle.set_queued_counter(queued);
    }

    /// Returns `undefined`, or a promise when the write must take time.
    pub fn write(&self, chunk: JsValue) -> JsValue {
        self.handle.running();
        let len = chunk_bytes(&chunk);
        {
            let mut c = self.handle.counters.borrow_mut();
            c.chunks_in += 1;
            c.bytes_in += len;
        }
        let delay = self
            .logic
            .borrow_mut()
            .write_delay_ms(len as usize, performance_now());
        if delay < MIN_DELAY_MS {
            self.handle.counters.borrow_mut().finished += 1;
            return JsValue::UNDEFINED;
        }
        let handle = Rc::clone(&self.handle);
        future_to_promise(async move {
            JsFuture::from(sleep(delay)).await?;
            handle.counters.borrow_mut().finished += 1;
            Ok(JsValue::UNDEFINED)
        })
        .into()
    }

    pub fn close(&self) {
        self.handle.end(Phase::Done, None);
    }

    pub fn abort(&self, reason: JsValue) {
        self.handle
            .end(Phase::Cancelled, Some(reason_text(&reason)));
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }
}
