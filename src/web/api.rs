//! The public JS API of DESIGN.md: the catalogue, the three factories,
//! metrics and the Worker debug calls. `runPipeline` and `validateSpec` are
//! in `pipeline.rs`.

use wasm_bindgen::prelude::*;

use crate::core::catalog;
use crate::core::stage::Role;
use crate::web::options::{js_input, resolve};
use crate::web::{build, metrics, worker};

/// Every stage: kind, role, title, summary, params (type, default, range,
/// help, group), input/output data types, whether it is CPU-bound or
/// poolable, and what the page needs to name and show its output.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsValue> {
    let json =
        serde_json::to_string(catalog::catalog()).map_err(|e| JsValue::from_str(&e.to_string()))?;
    js_sys::JSON::parse(&json)
}

/// Debug API: terminates worker `k` of a stage in Workers mid-stream, as a
/// crash would; a pool replaces it and runs its chunks again, a pinned
/// stage fails. Returns false if there is no such live worker.
#[wasm_bindgen(js_name = killWorker)]
pub fn kill_worker(stream: &JsValue, k: f64) -> bool {
    worker::kill_worker(stream, k)
}

/// How many Workers Pipewright has started and terminated, and how many
/// are running now (`active`): `{ created, terminated, active }`.
#[wasm_bindgen(js_name = workerCounts)]
pub fn worker_counts() -> JsValue {
    worker::worker_counts()
}

/// A pull-based `ReadableStream` of the source `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createSource)]
pub fn create_source(kind: &str, options: JsValue) -> Result<web_sys::ReadableStream, JsValue> {
    let (info, o) = resolve(Role::Source, kind, &options)?;
    let input = js_input(info, &options)?;
    Ok(build::source(info, &o, input)?.0)
}

/// A native `TransformStream` whose transformer runs the Rust stage `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createTransform)]
pub fn create_transform(kind: &str, options: JsValue) -> Result<web_sys::TransformStream, JsValue> {
    let (info, o) = resolve(Role::Transform, kind, &options)?;
    Ok(build::transform(info, &o)?.0)
}

/// A `WritableStream` for the sink `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createSink)]
pub fn create_sink(kind: &str, options: JsValue) -> Result<web_sys::WritableStream, JsValue> {
    let (info, o) = resolve(Role::Sink, kind, &options)?;
    Ok(build::sink(info, &o)?.0)
}

/// The live counters of a stream made by `createSource`/`createTransform`/
/// `createSink`; `undefined` for any other value.
#[wasm_bindgen(js_name = stageMetrics)]
pub fn stage_metrics(stream: &JsValue) -> JsValue {
    metrics::snapshot_of(stream)
}
