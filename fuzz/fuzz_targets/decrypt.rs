#![no_main]
//! `decrypt` over arbitrary frames (valid magic, rounds pinned), whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::fuzz_one("decrypt", data));
