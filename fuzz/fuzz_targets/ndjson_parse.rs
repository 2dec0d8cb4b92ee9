#![no_main]
//! `ndjson-parse` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::fuzz_one("ndjson_parse", data));
