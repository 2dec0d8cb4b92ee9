#![no_main]
//! `text-decode` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::check_chunking("text-decode", r#"{}"#, data));
