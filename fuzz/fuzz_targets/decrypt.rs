#![no_main]
//! `decrypt` over arbitrary bytes (after a valid magic, so the header and
//! frame parsing are reached), whole and split: never a panic. The rounds
//! field is pinned to 1,000 so each input stays cheap (the refusal of other
//! counts is tested in tests/crypt.rs).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Vec::with_capacity(data.len() + 6);
    if let Some((&seed, rest)) = data.split_first() {
        input.push(seed);
        input.extend_from_slice(b"PWGCM1");
        input.extend_from_slice(rest);
        // After the seed: magic (6), salt (16), then the rounds.
        if input.len() >= 27 {
            input[23..27].copy_from_slice(&1000u32.to_be_bytes());
        }
    }
    pipewright_fuzz::check_chunking("decrypt", r#"{"passphrase": "fuzz"}"#, &input);
});
