//! Bindings to browser globals the stages need, bound on the global object
//! so they work in a Window and in a Worker alike. The bindings to
//! `glue.js` sit beside the Rust types that use them.

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;

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
