//! Raw bindings: the stream-building snippet (`glue.js`) and the few globals
//! the stages need, bound on the global object so they work in a Window and
//! in a Worker alike.

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;

use crate::web::sink::SinkStage;
use crate::web::source::SourceStage;
use crate::web::transformer::TransformStage;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeReadable)]
    pub fn make_readable(stage: SourceStage, high_water_mark: f64) -> web_sys::ReadableStream;

    #[wasm_bindgen(js_name = makeTransform)]
    pub fn make_transform(stage: TransformStage, high_water_mark: f64) -> web_sys::TransformStream;

    #[wasm_bindgen(js_name = makeWritable)]
    pub fn make_writable(stage: SinkStage, high_water_mark: f64) -> web_sys::WritableStream;

    #[wasm_bindgen(js_name = makeWorkerTransform)]
    pub fn make_worker_transform(
        proxy: crate::web::worker::WorkerProxy,
        worker_url: &str,
        module: &JsValue,
        kind: &str,
        options: &JsValue,
        high_water_mark: f64,
        in_flight: f64,
    ) -> web_sys::TransformStream;

    #[wasm_bindgen(js_name = makePoolTransform)]
    #[allow(clippy::too_many_arguments)]
    pub fn make_pool_transform(
        control: crate::web::worker::PoolControl,
        worker_url: &str,
        module: &JsValue,
        kind: &str,
        options: &JsValue,
        workers: f64,
        high_water_mark: f64,
        faults: &JsValue,
    ) -> web_sys::TransformStream;

    #[wasm_bindgen(js_name = workerCounts)]
    pub fn worker_counts() -> JsValue;

    pub fn retire(stream: &JsValue);

    #[wasm_bindgen(js_name = killWorker)]
    pub fn kill_worker(stream: &JsValue, k: f64) -> bool;

    #[wasm_bindgen(js_name = snapshotOf)]
    pub fn snapshot_of(stream: &JsValue) -> JsValue;

    /// "a string", "a Uint8Array", "null": for error messages.
    pub fn describe(value: &JsValue) -> String;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &js_sys::Uint8Array);

    /// The global `fetch`, in a Window or a Worker.
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch(url: &str) -> js_sys::Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub fn performance_now() -> f64;

    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub fn console_error(message: &str, value: &JsValue);

    #[wasm_bindgen(js_namespace = Object, js_name = entries)]
    pub fn object_entries(object: &Object) -> js_sys::Array;
}

/// A promise that resolves after `ms` milliseconds. The timer's callback is
/// the promise's own `resolve`, so no Rust closure is kept alive.
pub fn sleep(ms: f64) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, ms);
    })
}

/// Fills `buf` from `crypto.getRandomValues` (a CSPRNG in every browser and
/// Worker).
pub fn random_bytes(buf: &mut [u8]) {
    let js = js_sys::Uint8Array::new_with_length(buf.len() as u32);
    get_random_values(&js);
    js.copy_to(buf);
}
