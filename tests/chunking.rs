//! The central invariant: a transform's output does not depend on how its
#![cfg(not(target_arch = "wasm32"))]
//! input was split into chunks, nor on how much output room it gets per call.

mod common;

use common::{build, run, same_every_way};
use pipewright::core::catalog;
use pipewright::core::stage::{Role, StageInfo};
use pipewright::core::Error;
use proptest::prelude::*;
use serde_json::json;

fn lines(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

const SAMPLES: &[&[u8]] = &[
    b"",
    b"a",
    b"hello, World!\n",
    b"one\ntwo\r\nthree",
    b"\r\n\r\n\n",
    b"lone\rcarriage\r",
    "caf\u{e9} \u{1F600} na\u{ef}ve\nzw\u{f6}lf".as_bytes(),
];

/// A stage's example options (what it cannot do without), with every
/// deliberately costly option (PBKDF2 rounds, sieve size) at its minimum
/// and small encryption frames, so the every-split runs stay quick.
fn minimal_options(info: &StageInfo) -> serde_json::Value {
    let mut o: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(info.example).expect("an example is a JSON object");
    for p in &info.params {
        if ["iterations", "limit", "frameSize"].contains(&p.name) {
            let least = p
                .min
                .unwrap_or(1.0)
                .max(if p.name == "frameSize" { 7.0 } else { 1.0 });
            o.insert(p.name.to_string(), json!(least as u64));
        }
    }
    serde_json::Value::Object(o)
}

#[test]
fn every_transform_is_chunking_independent_on_samples() {
    for info in catalog::catalog()
        .iter()
        .filter(|s| s.role == Role::Transform)
    {
        for sample in SAMPLES {
            same_every_way(info.kind, minimal_options(info), sample);
        }
    }
}

#[test]
fn catalogue_kinds_build_the_matching_transform() {
    for info in catalog::catalog()
        .iter()
        .filter(|s| s.role == Role::Transform)
    {
        assert_eq!(build(info.kind, minimal_options(info)).kind(), info.kind);
    }
}

#[test]
fn identity_passes_bytes_unchanged() {
    let out = same_every_way("identity", json!({}), b"any \x00\xff bytes");
    assert_eq!(out.bytes, b"any \x00\xff bytes");
}

#[test]
fn uppercase_changes_ascii_letters_only() {
    let input = "abc xyz ABC 09 {} é ñ ß \u{1F600}\n".as_bytes();
    let out = same_every_way("uppercase", json!({}), input);
    assert_eq!(out.bytes, "ABC XYZ ABC 09 {} é ñ ß \u{1F600}\n".as_bytes());
}

#[test]
fn split_lines_handles_lf_crlf_and_the_last_line() {
    let out = same_every_way("split-lines", json!({}), b"one\ntwo\r\nthree");
    assert_eq!(out.records, lines(&["one", "two", "three"]));
    assert_eq!(out.error, None);

    let out = same_every_way("split-lines", json!({}), b"a\n\nb\r\n");
    assert_eq!(
        out.records,
        lines(&["a", "", "b"]),
        "a trailing newline adds no empty line"
    );

    let out = same_every_way("split-lines", json!({}), b"");
    assert!(out.records.is_empty());
}

#[test]
fn split_lines_keeps_a_lone_cr_as_data() {
    let out = same_every_way("split-lines", json!({}), b"a\rb\nc\r");
    assert_eq!(out.records, lines(&["a\rb", "c\r"]));
}

#[test]
fn split_lines_rejects_a_long_line_with_its_number_after_the_good_lines() {
    let input = b"ok\nfine\r\nthis one is too long\nnever reached\n";
    let out = same_every_way("split-lines", json!({ "maxLineBytes": 8 }), input);
    assert_eq!(
        out.records,
        lines(&["ok", "fine"]),
        "lines before the fault reach downstream"
    );
    let err = out.error.expect("line 3 is over the limit");
    assert_eq!(
        err,
        Error::LineTooLong {
            stage: "split-lines",
            line: 3,
            offset: 9,
            max: 8
        }
    );
    assert_eq!(
        err.to_string(),
        "split-lines: line 3 (starting at byte 9) is longer than maxLineBytes (8)"
    );
}

#[test]
fn split_lines_allows_a_line_of_exactly_the_limit() {
    let out = same_every_way("split-lines", json!({ "maxLineBytes": 4 }), b"abcd\r\nefgh");
    assert_eq!(out.records, lines(&["abcd", "efgh"]));
    assert_eq!(out.error, None);
    // A lone CR is data, so it counts towards the limit.
    let out = same_every_way("split-lines", json!({ "maxLineBytes": 4 }), b"abcd\rx\n");
    assert!(matches!(
        out.error,
        Some(Error::LineTooLong { line: 1, .. })
    ));
}

#[test]
fn split_lines_rejects_invalid_utf8_with_line_and_offset() {
    let out = same_every_way("split-lines", json!({}), b"good\nbad \xff here\n");
    assert_eq!(out.records, lines(&["good"]));
    assert_eq!(
        out.error,
        Some(Error::InvalidUtf8 {
            stage: "split-lines",
            line: 2,
            offset: 9
        })
    );
    // A sequence cut by the newline, and one cut by the end of input.
    let cut = same_every_way("split-lines", json!({}), b"x\xe2\x82\ny");
    assert_eq!(
        cut.error,
        Some(Error::InvalidUtf8 {
            stage: "split-lines",
            line: 1,
            offset: 1
        })
    );
    let end = same_every_way("split-lines", json!({}), b"ok\n\xf0\x9f");
    assert_eq!(
        end.error,
        Some(Error::InvalidUtf8 {
            stage: "split-lines",
            line: 2,
            offset: 3
        })
    );
}

fn splits(input: Vec<u8>, cuts: Vec<usize>) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.into_iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    let mut parts = Vec::new();
    let mut last = 0;
    for p in points {
        parts.push(input[last..p].to_vec());
        last = p;
    }
    parts.push(input[last..].to_vec());
    parts
}

/// Inputs rich in the bytes that matter: newlines, CRs, multi-byte UTF-8,
/// invalid bytes, letters.
fn interesting_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b'\n'),
            Just(b'\r'),
            Just(b'a'),
            Just(b'Z'),
            Just(0xC3),
            Just(0xA9),
            Just(0xF0),
            Just(0x9F),
            any::<u8>()
        ],
        0..200,
    )
}

proptest! {
    #[test]
    fn random_splits_give_the_same_output(
        input in interesting_bytes(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
        max in 1u64..12,
        step in prop_oneof![Just(1usize), Just(3), Just(usize::MAX)],
    ) {
        let parts = splits(input.clone(), cuts);
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        for (kind, options) in [
            ("identity", json!({})),
            ("uppercase", json!({})),
            ("split-lines", json!({})),
            ("split-lines", json!({ "maxLineBytes": max })),
        ] {
            let whole = run(kind, &options, &[&input], usize::MAX);
            prop_assert_eq!(run(kind, &options, &refs, step), whole);
        }
    }

    #[test]
    fn split_lines_matches_a_reference_split(text in "[a-c\r\n]{0,60}") {
        // Reference: split on '\n', strip one '\r' before it, drop the
        // empty piece after a final newline.
        let mut expected: Vec<Vec<u8>> = text
            .split('\n')
            .map(|l| l.as_bytes().to_vec())
            .collect();
        if text.is_empty() || text.ends_with('\n') {
            expected.pop();
        }
        let n = expected.len();
        for (i, line) in expected.iter_mut().enumerate() {
            let terminated = i + 1 < n || text.ends_with('\n');
            if terminated && line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let out = run("split-lines", &json!({}), &[text.as_bytes()], usize::MAX);
        prop_assert_eq!(out.records, expected);
    }
}
