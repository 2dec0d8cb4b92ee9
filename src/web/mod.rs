//! The wasm-bindgen glue: the only code that touches JS values; all meaning
//! lives in `crate::core`. Rooms by purpose:
//!
//! - `api`, `pipeline`: the public JS API.
//! - `options`: a JS options object read into JSON once.
//! - `build`: a stage's stream from its catalogue entry and options.
//! - `source`, `transformer`, `sink`: the Rust objects behind the native
//!   streams' underlying source, transformer and sink.
//! - `worker`: transforms pinned to a Worker or pooled over several.
//! - `chunk`: what a chunk's bytes and length are, everywhere.
//! - `metrics`, `error`: what JS sees of a stage's state and failures.
//! - `sys`: bindings to browser globals.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod build;
pub mod chunk;
pub mod error;
pub mod metrics;
pub mod options;
pub mod pipeline;
pub mod sink;
pub mod source;
pub mod sys;
pub mod transformer;
pub mod worker;

pub use api::{catalog, create_sink, create_source, create_transform, stage_metrics};

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
