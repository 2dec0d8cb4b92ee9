//! text-decode / text-encode, and text staying whole characters.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{build, run, same_every_way};
use pipewright::core::{Driver, Error, Piece};
use proptest::prelude::*;
use serde_json::json;

const MIXED: &[&[u8]] = &[
    b"plain ascii",
    "caf\u{e9} \u{65e5}\u{672c} \u{1F600}!".as_bytes(),
    b"bad \xff byte",
    b"cut \xe6\x97",
    b"\xf0\x9f\x98 then more",
    b"\xc0\xaf overlong",
    b"\xed\xa0\x80 surrogate",
    b"",
];

#[test]
fn replace_mode_matches_from_utf8_lossy_on_any_chunking() {
    for input in MIXED {
        let out = same_every_way("text-decode", json!({ "replace": true }), input);
        assert_eq!(out.error, None);
        assert_eq!(
            String::from_utf8(out.bytes).unwrap(),
            String::from_utf8_lossy(input),
            "{input:?}"
        );
    }
}

#[test]
fn strict_mode_fails_at_the_first_bad_byte_after_the_good_text() {
    let out = same_every_way("text-decode", json!({}), b"good text \xff more");
    assert_eq!(out.bytes, b"good text ");
    assert_eq!(
        out.error,
        Some(Error::Codec {
            stage: "text-decode",
            offset: 10,
            detail: "invalid UTF-8".into()
        })
    );
    // A character cut by the end of the input.
    let out = same_every_way("text-decode", json!({}), b"ok \xe6\x97");
    assert_eq!(
        (out.bytes.as_slice(), out.error.and_then(|e| e.offset())),
        (&b"ok "[..], Some(3))
    );
    // Valid text passes whole.
    let text = "caf\u{e9} \u{1F600}".as_bytes();
    assert_eq!(same_every_way("text-decode", json!({}), text).bytes, text);
}

#[test]
fn every_decoded_piece_is_whole_characters() {
    // Each piece the driver emits must be valid UTF-8 on its own: the glue
    // turns each into a JS string. Split inside characters on purpose.
    let text = "\u{65e5}\u{672c}\u{8a9e} \u{1F600} ".repeat(50);
    let bytes = text.as_bytes();
    for chunk in [1, 2, 5, 7] {
        let mut d = Driver::with_step(build("text-decode", json!({})), 3);
        let mut pieces = Vec::new();
        for c in bytes.chunks(chunk) {
            d.push(c, &mut |p| {
                if let Piece::Bytes(b) = p {
                    pieces.push(b.to_vec())
                }
            })
            .unwrap();
        }
        d.finish(&mut |_| {}).unwrap();
        assert!(
            pieces.iter().all(|p| std::str::from_utf8(p).is_ok()),
            "chunk {chunk}"
        );
        assert_eq!(pieces.concat(), bytes);
    }
}

#[test]
fn a_huge_chunk_is_cut_on_a_character_boundary() {
    // 1 MiB of 3-byte characters plus one: the driver flushes at 1 MiB and
    // must not split a character.
    let text = "\u{65e5}".repeat((1 << 20) / 3 + 2);
    let mut d = Driver::new(build("text-decode", json!({})));
    let mut pieces = Vec::new();
    d.push(text.as_bytes(), &mut |p| {
        if let Piece::Bytes(b) = p {
            pieces.push(b.to_vec())
        }
    })
    .unwrap();
    assert!(pieces.len() >= 2, "it was flushed in parts");
    assert!(pieces.iter().all(|p| std::str::from_utf8(p).is_ok()));
    assert_eq!(pieces.concat(), text.as_bytes());
}

#[test]
fn text_encode_passes_utf8_on() {
    let out = same_every_way("text-encode", json!({}), "h\u{e9}llo".as_bytes());
    assert_eq!(out.bytes, "h\u{e9}llo".as_bytes());
}

proptest! {
    #[test]
    fn lossy_decoding_is_chunking_independent(data in prop::collection::vec(prop_oneof![any::<u8>(), 0x80u8..0xC0, 0xE0u8..0xF0], 0..200), chunk in 1usize..9) {
        let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
        let out = run("text-decode", &json!({ "replace": true }), &chunks, 2);
        prop_assert_eq!(String::from_utf8(out.bytes).unwrap(), String::from_utf8_lossy(&data).into_owned());
    }
}
