#![no_main]
//! `csv-to-ndjson` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::fuzz_one("csv_to_ndjson", data));
