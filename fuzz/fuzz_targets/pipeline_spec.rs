#![no_main]
//! The spec validator over arbitrary JSON: an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::fuzz_one("pipeline_spec", data));
