//! What every fuzz target checks: a stage given arbitrary bytes never
//! panics, and its outcome (output bytes, records, the error and its
//! position) is the same whole and split into the chunks the input's first
//! bytes choose, with a 1-byte output buffer too. The same invariant as
//! `tests/chunking.rs`, over inputs nobody wrote.

// The native tests' runner, shared rather than copied: run a transform
// over chunks the way the web glue does.
#[path = "../../tests/common/mod.rs"]
mod common;

use serde_json::Value;

/// Runs `kind` (with `options`, JSON) over `data` whole and in chunks, and
/// panics (a libFuzzer finding) if the outcomes differ.
pub fn check_chunking(kind: &str, options: &str, data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let options: Value = serde_json::from_str(options).expect("fuzz options are JSON");
    // Chunk lengths 1..=seed%64+1, cycling: a cheap, varied cut of the input.
    let most = usize::from(seed % 64) + 1;
    let mut chunks = Vec::new();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = (i % most + 1).min(rest.len());
        let (a, b) = rest.split_at(n);
        chunks.push(a);
        rest = b;
        i += 7;
    }
    let whole = common::run(kind, &options, &[input], usize::MAX);
    let split = common::run(kind, &options, &chunks, usize::MAX);
    assert_eq!(whole, split, "{kind}: whole vs split into {} chunks", chunks.len());
    let tiny = common::run(kind, &options, &chunks, 1);
    assert_eq!(whole, tiny, "{kind}: split, with a 1-byte output buffer");
}
