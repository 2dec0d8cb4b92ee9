#![no_main]
//! `base64-decode` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::fuzz_one("base64_decode", data));
