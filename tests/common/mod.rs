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
