//! Stages whose streams glue.js keeps, Rust keeping their counters and
//! state for the metrics as for every stage (`GlueStage`):
//!
//! - the duplex stage, `loopback`: a `{ readable, writable }` pair whose
//!   two sides are streams of their own around an echo server in a Worker,
//!   as a socket's are around the network (glue.js, makeLoopback);
//! - the `upload` sink: a `WritableStream` that sends what it gets to the
//!   upload server (glue.js, makeUploadSink).

use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::core::options::Options;
use crate::core::sink::UploadOptions;
use crate::core::stage::StageInfo;
use crate::core::text::LoopbackOptions;
use crate::core::Error;
use crate::web::metrics::{Phase, StageHandle};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The pair, typed as a `TransformStream` (it has its two properties)
    /// so that it pipes as one.
    #[wasm_bindgen(js_name = makeUploadSink)]
    fn make_upload_sink(
        stage: GlueStage,
        kind: &str,
        high_water_mark: f64,
        url: &str,
        body: &str,
        server_delay_ms: f64,
    ) -> web_sys::WritableStream;

    #[wasm_bindgen(js_name = makeLoopback)]
    fn make_loopback(
        stage: GlueStage,
        kind: &str,
        writable_hwm: f64,
        readable_hwm: f64,
        server_chunks: f64,
        latency_ms: f64,
    ) -> web_sys::TransformStream;
}

#[wasm_bindgen(skip_typescript)]
pub struct GlueStage {
    handle: Rc<StageHandle>,
}

#[wasm_bindgen]
impl GlueStage {
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

    /// What the stage concluded (the upload server's SHA-256).
    pub fn conclude(&self, result: String) {
        self.handle.set_result(Some(result));
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }
}

/// The upload sink's `WritableStream` and its metrics handle.
///
/// # Errors
///
/// Options valid one by one but not together.
pub fn upload(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::WritableStream, Rc<StageHandle>), Error> {
    let UploadOptions {
        url,
        body,
        server_delay_ms,
    } = o.typed()?;
    let hwm = o.high_water_mark();
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let stage = GlueStage {
        handle: Rc::clone(&handle),
    };
    let sink = make_upload_sink(stage, info.kind, hwm, &url, &body, server_delay_ms);
    Ok((sink, handle))
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
    let stage = GlueStage {
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
