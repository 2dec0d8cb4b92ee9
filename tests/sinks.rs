//! Sink logic: digest, preview, collect's limit, throttle's pacing.
#![cfg(not(target_arch = "wasm32"))]

use pipewright::core::sink::{Pacer, SinkLogic};

#[test]
fn digest_hashes_every_byte() {
    let mut d = SinkLogic::digest();
    assert!(d.wants_bytes());
    for part in [&b"ab"[..], b"", b"c"] {
        d.write(part.len() as u64, part, 0.0).unwrap();
    }
    assert_eq!(d.result(), None, "no digest before the end");
    d.close();
    assert_eq!(
        d.result().as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
}

#[test]
fn preview_keeps_the_last_bytes_and_whole_characters() {
    let mut p = SinkLogic::preview(4);
    for part in [&b"hello "[..], b"w", "\u{f6}rld".as_bytes()] {
        p.write(part.len() as u64, part, 0.0).unwrap();
    }
    // The last 4 bytes start inside the two bytes of "ö": that half is dropped.
    assert_eq!(p.result().as_deref(), Some("rld"));
    p.write(2, b"!!", 0.0).unwrap();
    assert_eq!(p.result().as_deref(), Some("ld!!"));
    let mut big = SinkLogic::preview(3);
    big.write(6, b"abcdef", 0.0).unwrap();
    assert_eq!(big.result().as_deref(), Some("def"));
}

#[test]
fn collect_refuses_a_chunk_past_max_bytes() {
    let mut c = SinkLogic::Collect { max: 10, total: 0 };
    assert!(
        !c.wants_bytes(),
        "collect keeps JS chunks; no copy into wasm"
    );
    assert_eq!(c.write(6, &[], 0.0), Ok(0.0));
    assert_eq!(c.write(4, &[], 0.0), Ok(0.0));
    let e = c.write(1, &[], 0.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "collect: the stream passes maxBytes (10) at byte 10"
    );
}

#[test]
fn throttle_paces_by_the_slower_limit() {
    let mut t = SinkLogic::Throttle {
        bytes: Some(Pacer::new(1000.0)),
        chunks: Some(Pacer::new(1.0)),
    };
    assert_eq!(t.write(10, &[], 0.0), Ok(1000.0));
}
