#![no_main]
//! `csv-to-ndjson` over arbitrary bytes, whole and split.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pipewright_fuzz::check_chunking("csv-to-ndjson", r#"{"maxErrors": 3, "maxRecordBytes": 4096}"#, data));
