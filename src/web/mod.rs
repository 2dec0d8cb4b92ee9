//! The wasm-bindgen glue: the only code that touches JS values; all meaning
//! lives in `crate::core`. Rooms by purpose:
//!
//! - `api`, `pipeline`: the public JS API.
//! - `options`: a JS options object read into JSON once.
//! - `build`: a stage's stream from its catalogue entry and options.
//! - `source`, `transformer`, `sink`: the Rust objects behind the native
//!   streams' underlying source, transformer and sink.
//! - `worker`: transforms pinned to a Worker or pooled over several.
//! - `duplex`: the loopback stage, two streams around an echo server.
//! - `chunk`: what a chunk's bytes and length are, everywhere.
//! - `metrics`, `error`: what JS sees of a stage's state and failures.
//! - `sys`: bindings to browser globals.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod build;
pub mod chunk;
pub mod duplex;
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

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = notePanic)]
    fn note_panic(message: &str);
}

/// A panic is a bug; with `panic = "abort"` it traps the instance, and
/// every later call into it would fail. So the hook logs it, schedules a
/// fresh instance and tells the glue, which makes the switch at once
/// (through [`restart`]) before the trap unwinds: the stream that panicked
/// errors with a `PipewrightError` naming its stage, objects of the old
/// instance are refused as stale, and the next pipeline runs normally.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        wasm_bindgen::handler::schedule_reinit();
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        note_panic(message);
    }));
}

/// Does nothing; calling it from JS lets wasm-bindgen's call guard replace
/// an instance scheduled for reinit (see [`start`]). Not public API.
#[wasm_bindgen(js_name = "__pwRestart", skip_typescript)]
pub fn restart() {}

/// Schedules a fresh instance after a trap that was not a panic (so the
/// hook never ran): a bad indirect call, a stack overflow. The glue then
/// calls [`restart`]. Not public API.
#[wasm_bindgen(js_name = "__pwScheduleRestart", skip_typescript)]
pub fn schedule_restart() {
    wasm_bindgen::handler::schedule_reinit();
}
