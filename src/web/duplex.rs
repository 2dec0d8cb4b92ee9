//! The duplex stage, `loopback`: a `{ readable, writable }` pair whose two
//! sides are streams of their own around an echo server in a Worker, as a
//! socket's are around the network (src/web/glue.js, makeLoopback, moves the
//! chunks and keeps each side's queue). Rust keeps its counters and state
//! for the metrics, like every stage's.

use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::core::options::Options;
use crate::core::stage::StageInfo;
use crate::core::text::LoopbackOptions;
use crate::core::Error;
use crate::web::metrics::{Phase, StageHandle};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The pair, typed as a `TransformStream` (it has its two properties)
    /// so that it pipes as one.
    #[wasm_bindgen(js_name = makeLoopback)]
    fn make_loopback(
        stage: LoopbackStage,
        kind: &str,
        writable_hwm: f64,
        readable_hwm: f64,
        server_chunks: f64,
        latency_ms: f64,
    ) -> web_sys::TransformStream;
}

#[wasm_bindgen(skip_typescript)]
pub struct LoopbackStage {
    handle: Rc<StageHandle>,
}

#[wasm_bindgen]
impl LoopbackStage {
    /// `queued`: the writable side's counts; `sides`: the readable side's
    /// and the server's, shown in the snapshot.
    pub fn start(&self, queued: Object, sides: Object) {
        self.handle.set_queued_counter(queued);
        self.handle.set_sides(sides);
    }

    /// A chunk written (its bytes).
    pub fn took(&self, bytes: f64) {
        self.handle.running();
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_in += 1;
        c.bytes_in += bytes as u64;
    }

    /// A chunk the readable side gave out (its bytes).
    pub fn gave(&self, bytes: f64) {
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += 1;
        c.bytes_out += bytes as u64;
    }

    /// How the stage ended: "done", "errored" or "cancelled".
    pub fn ended(&self, how: &str, error: Option<String>) {
        let phase = match how {
            "done" => Phase::Done,
            "errored" => Phase::Errored,
            _ => Phase::Cancelled,
        };
        self.handle.end(phase, error);
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }
}

/// The loopback stage's pair and its metrics handle.
///
/// # Errors
///
/// Options valid one by one but not together.
pub fn stream(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::TransformStream, Rc<StageHandle>), Error> {
    let LoopbackOptions {
        readable_high_water_mark,
        server_chunks,
        latency_ms,
    } = o.typed()?;
    let hwm = o.high_water_mark();
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let stage = LoopbackStage {
        handle: Rc::clone(&handle),
    };
    let pair = make_loopback(
        stage,
        info.kind,
        hwm,
        readable_high_water_mark as f64,
        server_chunks as f64,
        latency_ms,
    );
    Ok((pair, handle))
}
