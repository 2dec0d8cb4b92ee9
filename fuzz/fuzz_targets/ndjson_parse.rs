#![no_main]
//! `ndjson-parse` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::check_chunking("ndjson-parse", r#"{"maxErrors": 3}"#, data));
