//! Stages whose streams glue.js keeps, Rust keeping their counters and
//! state for the metrics as for every stage (`GlueStage`):
//!
//! - the duplex stage, `loopback`: a `{ readable, writable }` pair whose
//!   two sides are streams of their own around an echo server in a Worker,
//!   as a socket's are around the network (glue.js, makeLoopback);
//! - the `upload` sink: a `WritableStream` that sends what it gets to the
//!   upload server (glue.js, makeUploadSink);
//! - the `iterable` source: a pull-based `ReadableStream` over a JS
//!   iterator, one `next()` per `pull()` (glue.js, makeIterableSource).

use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::core::options::{Group, Options};
use crate::core::stage::StageInfo;
use crate::web::metrics::{Phase, StageHandle};
use crate::web::worker::to_js_value;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The pair, typed as a `TransformStream` (it has its two properties)
    /// so that it pipes as one.
    /// `options`: the stage's own and its stream options, as JSON.
    #[wasm_bindgen(js_name = makeUploadSink)]
    fn make_upload_sink(stage: GlueStage, kind: &str, options: JsValue) -> web_sys::WritableStream;

    #[wasm_bindgen(js_name = makeIterableSource)]
    fn make_iterable_source(
        stage: GlueStage,
        kind: &str,
        high_water_mark: f64,
        iterable: &JsValue,
    ) -> web_sys::ReadableStream;

    #[wasm_bindgen(js_name = makeLoopback)]
    fn make_loopback(stage: GlueStage, kind: &str, options: JsValue) -> web_sys::TransformStream;
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

    /// A source's controller, whose `desiredSize` gives its queue.
    pub fn controls(&self, controller: web_sys::ReadableStreamDefaultController) {
        self.handle.set_source_controller(controller);
    }

    /// A chunk taken in (`out` false) or given out (its bytes).
    pub fn count(&self, out: bool, bytes: f64) {
        self.handle.running();
        let mut guard = self.handle.counters.borrow_mut();
        let c = &mut *guard;
        if out {
            c.chunks_out += 1;
            c.bytes_out += bytes as u64;
        } else {
            c.chunks_in += 1;
            c.bytes_in += bytes as u64;
        }
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

/// A stage's own and stream options as a JS object, for glue.js.
fn js_options(o: &Options) -> JsValue {
    to_js_value(&o.to_json(&[Group::Stage, Group::Stream]))
}

/// A new stage's metrics handle and the `GlueStage` that reports to it.
fn glue_stage(info: &'static StageInfo, o: &Options) -> (GlueStage, Rc<StageHandle>) {
    let handle = Rc::new(StageHandle::new(info, o.high_water_mark(), None));
    let stage = GlueStage {
        handle: Rc::clone(&handle),
    };
    (stage, handle)
}

/// The upload sink's `WritableStream` and its metrics handle.
pub fn upload(info: &'static StageInfo, o: &Options) -> (web_sys::WritableStream, Rc<StageHandle>) {
    let (stage, handle) = glue_stage(info, o);
    (make_upload_sink(stage, info.kind, js_options(o)), handle)
}

/// The loopback stage's pair and its metrics handle.
pub fn stream(
    info: &'static StageInfo,
    o: &Options,
) -> (web_sys::TransformStream, Rc<StageHandle>) {
    let (stage, handle) = glue_stage(info, o);
    (make_loopback(stage, info.kind, js_options(o)), handle)
}

/// The iterable source's pull-based `ReadableStream`: glue.js calls the
/// iterator's `next()` once per `pull()`, so a generator's body runs only
/// when the stream asks (makeIterableSource).
pub fn iterable(
    info: &'static StageInfo,
    o: &Options,
    iterable: &JsValue,
) -> (web_sys::ReadableStream, Rc<StageHandle>) {
    let (stage, handle) = glue_stage(info, o);
    (
        make_iterable_source(stage, info.kind, o.high_water_mark(), iterable),
        handle,
    )
}
