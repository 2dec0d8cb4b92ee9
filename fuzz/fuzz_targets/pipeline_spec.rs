#![no_main]
//! The spec validator over arbitrary JSON: an error with a path, never a
//! panic.
use libfuzzer_sys::fuzz_target;
use pipewright::core::pipeline::PipelineSpec;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = PipelineSpec::parse(&value);
    }
});
