//! Shared by the native test files: run a transform over chunks the way the
//! web glue does, and demand the same outcome however the input is split.
#![allow(dead_code)]

use pipewright::core::catalog;
use pipewright::core::stage::Role;
use pipewright::core::{Driver, Error, Flow, Piece, Transform};
use serde_json::{Map, Value};

/// What downstream sees: byte-stream output concatenated (its chunking is
/// free), records one by one, and the error if the stream failed.
#[derive(PartialEq)]
pub struct Outcome {
    pub bytes: Vec<u8>,
    pub records: Vec<Vec<u8>>,
    pub error: Option<Error>,
}

/// Lengths and a few bytes: whole buffers would bury a failure's message.
impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = |b: &[u8]| format!("{:?}", String::from_utf8_lossy(&b[..b.len().min(24)]));
        f.debug_struct("Outcome")
            .field("bytes.len", &self.bytes.len())
            .field("bytes.head", &head(&self.bytes))
            .field("records", &self.records.len())
            .field("first_record", &self.records.first().map(|r| head(r)))
            .field("error", &self.error)
            .finish()
    }
}

/// Stands in for crypto.getRandomValues: the same bytes every time, so
/// encryption is reproducible in tests.
pub fn fixed_random(buf: &mut [u8]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
}

pub fn build(kind: &str, options: Value) -> Box<dyn Transform> {
    let given: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
    let (info, opts) =
        catalog::resolve(Role::Transform, kind, &given).expect("test options are valid");
    info.build_transform(&opts, &mut fixed_random)
        .expect("test options build")
}

pub fn run(kind: &str, options: &Value, chunks: &[&[u8]], step: usize) -> Outcome {
    let mut driver = Driver::with_step(build(kind, options.clone()), step);
    let mut out = Outcome {
        bytes: Vec::new(),
        records: Vec::new(),
        error: None,
    };
    let mut emit = |p: Piece<'_>| match p {
        Piece::Bytes(b) => out.bytes.extend_from_slice(b),
        Piece::Record(r) | Piece::Canonical(r) => out.records.push(r.to_vec()),
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

/// Runs `input` whole, a byte at a time, split at every point, and with a
/// 1-byte output buffer; all must agree. Returns the whole-input outcome.
pub fn same_every_way(kind: &str, options: Value, input: &[u8]) -> Outcome {
    let whole = run(kind, &options, &[input], usize::MAX);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let shown = String::from_utf8_lossy(&input[..input.len().min(40)]).into_owned();
    assert_eq!(
        run(kind, &options, &bytes, usize::MAX),
        whole,
        "{kind}: byte at a time, {shown:?}"
    );
    assert_eq!(
        run(kind, &options, &[input], 1),
        whole,
        "{kind}: 1-byte output, {shown:?}"
    );
    assert_eq!(
        run(kind, &options, &bytes, 1),
        whole,
        "{kind}: both, {shown:?}"
    );
    for at in 0..=input.len() {
        let (a, b) = input.split_at(at);
        assert_eq!(
            run(kind, &options, &[a, b], usize::MAX),
            whole,
            "{kind}: split at {at}, {shown:?}"
        );
    }
    whole
}

/// What each fuzz target in `fuzz/` checks, by its name, so the fuzzer and
/// the regression test (`tests/fuzz_regressions.rs`) run the same code:
/// arbitrary bytes never panic, and a stage's outcome (output, records, the
/// error and its position) is the same whole, split into the chunks the
/// input's first byte chooses, and with a 1-byte output buffer.
pub fn fuzz_one(target: &str, data: &[u8]) {
    match target {
        "split_lines" => check_chunking("split-lines", r#"{"maxLineBytes": 256}"#, data),
        "csv_to_ndjson" => check_chunking(
            "csv-to-ndjson",
            r#"{"maxErrors": 3, "maxRecordBytes": 4096}"#,
            data,
        ),
        "ndjson_parse" => check_chunking("ndjson-parse", r#"{"maxErrors": 3}"#, data),
        "gunzip" => check_chunking("gunzip", "{}", data),
        "inflate" => check_chunking("inflate", "{}", data),
        "base64_decode" => check_chunking("base64-decode", "{}", data),
        "text_decode" => check_chunking("text-decode", "{}", data),
        // After the chunking seed: a valid magic, so the header and frame
        // parsing are reached, and the rounds pinned to 1,000 so each input
        // stays cheap (the refusal of other counts is in tests/crypt.rs).
        "decrypt" => {
            let Some((&seed, rest)) = data.split_first() else {
                return;
            };
            let mut input = Vec::with_capacity(data.len() + 6);
            input.push(seed);
            input.extend_from_slice(b"PWGCM1");
            input.extend_from_slice(rest);
            // After the seed: magic (6), salt (16), then the rounds.
            if input.len() >= 27 {
                input[23..27].copy_from_slice(&1000u32.to_be_bytes());
            }
            check_chunking("decrypt", r#"{"passphrase": "fuzz"}"#, &input);
        }
        // The spec validator over arbitrary JSON: an error, never a panic.
        "pipeline_spec" => {
            if let Ok(value) = serde_json::from_slice::<Value>(data) {
                let _ = pipewright::core::pipeline::PipelineSpec::parse(&value);
            }
        }
        other => panic!("no fuzz target {other}"),
    }
}

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
    let whole = run(kind, &options, &[input], usize::MAX);
    let split = run(kind, &options, &chunks, usize::MAX);
    assert_eq!(
        whole,
        split,
        "{kind}: whole vs split into {} chunks",
        chunks.len()
    );
    let tiny = run(kind, &options, &chunks, 1);
    assert_eq!(whole, tiny, "{kind}: split, with a 1-byte output buffer");
}
