//! `head`, `rechunk` and `cache`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run, same_every_way};
use serde_json::json;

#[test]
fn head_keeps_the_first_lines_with_their_newlines() {
    let out = same_every_way("head", json!({ "count": 2 }), b"one\ntwo\r\nthree\nfour\n");
    assert_eq!(out.bytes, b"one\ntwo\r\n");
    let out = same_every_way("head", json!({ "count": 5 }), b"a\nb");
    assert_eq!(out.bytes, b"a\nb", "fewer lines than asked: all of them");
    let out = same_every_way("head", json!({ "count": 0 }), b"a\nb\n");
    assert!(out.bytes.is_empty());
}

#[test]
fn head_keeps_the_first_bytes() {
    let out = same_every_way(
        "head",
        json!({ "count": 5, "unit": "bytes" }),
        b"hello, world",
    );
    assert_eq!(out.bytes, b"hello");
}

#[test]
fn head_stops_taking_input_once_satisfied() {
    // The chunks after the one that completes line 2 are never looked at: a
    // chunk of invalid data there changes nothing, and `run` stops feeding.
    let chunks: [&[u8]; 3] = [b"1\n2", b"\n3\n", b"4\n"];
    let out = run("head", &json!({ "count": 2 }), &chunks, usize::MAX);
    assert_eq!(out.bytes, b"1\n2\n");
}

#[test]
fn rechunk_cuts_exact_sizes_whatever_the_input_chunks() {
    let input: Vec<u8> = (0..=255).cycle().take(1000).collect();
    let out = same_every_way("rechunk", json!({ "size": 64 }), &input);
    assert_eq!(out.records.len(), 16);
    assert!(out.records[..15].iter().all(|r| r.len() == 64));
    assert_eq!(out.records[15].len(), 1000 - 15 * 64);
    assert_eq!(out.records.concat(), input);
    let empty = same_every_way("rechunk", json!({ "size": 8 }), b"");
    assert!(empty.records.is_empty());
}

#[test]
fn primes_emits_one_line_per_block_whatever_the_chunking() {
    let input: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let out = same_every_way("primes", json!({ "blockSize": 300, "limit": 1000 }), &input);
    let lines: Vec<String> = out
        .records
        .iter()
        .map(|r| String::from_utf8(r.clone()).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "300 + 300 + 300 + 100 bytes");
    // Block 1 is bytes 0..=255 then 0..=43: its sum mod 1000 decides the limit.
    let sum: u64 = input[..300].iter().map(|&b| u64::from(b)).sum();
    let below = 1000 + sum % 1000;
    let expected = pipewright::core::primes::count_primes_below(below);
    assert_eq!(
        lines[0],
        format!("block 1: {expected} primes below {below}")
    );
    assert!(lines[3].starts_with("block 4: "));
}

#[test]
fn head_records_passes_the_first_records_then_wants_no_more() {
    let input = b"{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n";
    let out = same_every_way("head-records", json!({ "count": 2 }), input);
    assert_eq!(
        out.records,
        vec![b"{\"n\":1}".to_vec(), b"{\"n\":2}".to_vec()]
    );
    // It stops taking input: the driver reports Enough.
    let mut d = pipewright::core::Driver::new(common::build("head-records", json!({ "count": 1 })));
    let flow = d.push(input, &mut |_| {}).unwrap();
    assert_eq!(flow, pipewright::core::Flow::Enough);
    let none = same_every_way("head-records", json!({ "count": 0 }), input);
    assert!(none.records.is_empty());
}

/// `cache` (the memory lesson): the bytes pass unchanged, whatever the
/// chunking; it keeps the last `maxChunks` chunks, or every one with 0.
#[test]
fn cache_passes_chunks_on_and_keeps_the_last_max_chunks_or_all() {
    use pipewright::core::text::Cache;
    use pipewright::core::Transform;

    let input: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let out = same_every_way("cache", json!({ "maxChunks": 3 }), &input);
    assert_eq!(out.bytes, input);
    assert_eq!(out.error, None);

    let mut bounded = Cache::new(3);
    let mut leaky = Cache::new(0);
    let mut out = vec![0; 1000];
    for chunk in input.chunks(1000) {
        for c in [&mut bounded, &mut leaky] {
            let p = c.transform(chunk, &mut out).unwrap();
            assert_eq!(p.consumed, chunk.len());
            assert_eq!(&out[..p.written], chunk);
        }
    }
    assert_eq!(bounded.held(), (3, 3000), "the last three chunks");
    assert_eq!(leaky.held(), (10, 10_000), "every chunk: a leak");
    assert_eq!(
        leaky.result().as_deref(),
        Some("holds 10 chunks, 10000 bytes")
    );
    let mut in_place = input[..500].to_vec();
    assert!(bounded.map_in_place(&mut in_place));
    assert_eq!(in_place, input[..500], "unchanged in place");
    assert_eq!(bounded.held(), (3, 2500), "the oldest dropped for it");
}
