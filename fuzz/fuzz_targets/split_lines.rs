#![no_main]
//! `split-lines` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::check_chunking("split-lines", r#"{"maxLineBytes": 256}"#, data));
