//! Pipewright: streams stages written in Rust, handed to JavaScript as native
//! WHATWG `ReadableStream`, `TransformStream` and `WritableStream` objects.
//!
//! [`core`] holds all stage logic and builds natively; `web` (wasm32 only) is
//! the wasm-bindgen glue.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
