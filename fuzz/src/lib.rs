//! What every fuzz target checks: a stage given arbitrary bytes never
//! panics, and its outcome (output bytes, records, the error and its
//! position) is the same whole and split into the chunks the input's first
//! bytes choose, with a 1-byte output buffer too. The same invariant as
//! `tests/chunking.rs`, over inputs nobody wrote.

use pipewright::core::catalog;
use pipewright::core::stage::Role;
use pipewright::core::{Driver, Error, Flow, Piece};
use serde_json::{Map, Value};

#[derive(Debug, PartialEq)]
struct Outcome {
    bytes: Vec<u8>,
    records: Vec<Vec<u8>>,
    error: Option<Error>,
}

fn fixed_random(buf: &mut [u8]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
}

fn run(kind: &str, options: &Map<String, Value>, chunks: &[&[u8]], step: usize) -> Outcome {
    let (info, o) = catalog::resolve(Role::Transform, kind, options).expect("fuzz options are valid");
    let transform = info
        .build_transform(&o, &mut fixed_random)
        .expect("fuzz options build");
    let mut driver = Driver::with_step(transform, step);
    let mut out = Outcome { bytes: Vec::new(), records: Vec::new(), error: None };
    let mut emit = |p: Piece<'_>| match p {
        Piece::Bytes(b) => out.bytes.extend_from_slice(b),
        Piece::Record(r) => out.records.push(r.to_vec()),
    };
    let mut result = Ok(());
    for c in chunks {
        match driver.push(c, &mut emit) {
            Ok(Flow::More) => {}
            Ok(Flow::Enough) => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if result.is_ok() {
        result = driver.finish(&mut emit);
    }
    out.error = result.err();
    out
}

/// Runs `kind` (with `options`, JSON) over `data` whole and in chunks, and
/// panics (a libFuzzer finding) if the outcomes differ.
pub fn check_chunking(kind: &str, options: &str, data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let options: Map<String, Value> = serde_json::from_str(options).expect("fuzz options are JSON");
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
    let whole = run(kind, &options, &[input], usize::MAX);
    let split = run(kind, &options, &chunks, usize::MAX);
    assert_eq!(whole, split, "{kind}: whole vs split into {} chunks", chunks.len());
    let tiny = run(kind, &options, &chunks, 1);
    assert_eq!(whole, tiny, "{kind}: split, with a 1-byte output buffer");
}
