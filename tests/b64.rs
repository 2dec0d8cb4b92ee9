//! base64-encode / base64-decode against the `base64` crate's one-shot API,
//! on any chunking, and on bad input.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{run, same_every_way};
use pipewright::core::Error;
use proptest::prelude::*;
use serde_json::json;

fn url() -> serde_json::Value {
    json!({ "variant": "url" })
}

#[test]
fn encoding_matches_the_crate_on_any_chunking() {
    for input in [
        &b""[..],
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        b"foobar",
        &[0xfb, 0xff, 0xfe, 0x00, 0x3e],
    ] {
        let out = same_every_way("base64-encode", json!({}), input);
        assert_eq!(out.bytes, STANDARD.encode(input).into_bytes(), "{input:?}");
        let out = same_every_way("base64-encode", url(), input);
        assert_eq!(
            out.bytes,
            URL_SAFE_NO_PAD.encode(input).into_bytes(),
            "{input:?}"
        );
    }
}

#[test]
fn decoding_reverses_the_crate_on_any_chunking() {
    for input in [
        &b""[..],
        b"f",
        b"fo",
        b"foo",
        b"foobar",
        &[0xfb, 0xff, 0xfe, 0x00, 0x3e],
    ] {
        let out = same_every_way(
            "base64-decode",
            json!({}),
            STANDARD.encode(input).as_bytes(),
        );
        assert_eq!((out.bytes.as_slice(), out.error), (input, None));
        let out = same_every_way(
            "base64-decode",
            url(),
            URL_SAFE_NO_PAD.encode(input).as_bytes(),
        );
        assert_eq!((out.bytes.as_slice(), out.error), (input, None));
    }
}

#[test]
fn decoding_skips_wrapped_lines_and_accepts_missing_padding() {
    let data: Vec<u8> = (0..=255).collect();
    let encoded = STANDARD.encode(&data);
    let wrapped: String = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| format!("{}\r\n", std::str::from_utf8(l).unwrap()))
        .collect();
    let out = run(
        "base64-decode",
        &json!({}),
        &[wrapped.as_bytes()],
        usize::MAX,
    );
    assert_eq!((out.bytes, out.error), (data, None));
    let out = same_every_way("base64-decode", json!({}), b"Zm9vYg");
    assert_eq!(out.bytes, b"foob");
}

fn decode_error(input: &[u8], variant: serde_json::Value) -> Error {
    let out = same_every_way("base64-decode", variant, input);
    out.error.expect("bad base64")
}

#[test]
fn bad_base64_is_an_error_at_its_offset_after_the_good_bytes() {
    let out = same_every_way("base64-decode", json!({}), b"Zm9v YmFy !!!!");
    assert_eq!(
        out.bytes, b"foobar",
        "the good groups before the fault reach downstream"
    );
    assert_eq!(
        out.error.unwrap().to_string(),
        "base64-decode: invalid data at byte 10: byte 0x21 is not a base64 character"
    );
    // URL-safe characters are not standard ones, and the other way round.
    assert_eq!(decode_error(b"ab-_", json!({})).offset(), Some(2));
    assert_eq!(decode_error(b"ab+/", url()).offset(), Some(2));
    // Truncated: one character left over, or padding cut short.
    assert!(matches!(
        decode_error(b"Zm9vY", json!({})),
        Error::Truncated { offset: 5, .. }
    ));
    assert!(matches!(
        decode_error(b"Zg=", json!({})),
        Error::Truncated { offset: 3, .. }
    ));
    // Data after padding, and padding in the wrong place.
    assert_eq!(
        decode_error(b"Zg==Zg==", json!({})).to_string(),
        "base64-decode: invalid data at byte 4: data after the padding"
    );
    assert_eq!(decode_error(b"Z===", json!({})).offset(), Some(1));
    // Non-zero bits after the last symbol ("Zh" is not a canonical "f").
    assert_eq!(decode_error(b"Zh==", json!({})).offset(), Some(1));
    // Invalid UTF-8 where text is expected is just a bad character here.
    assert_eq!(decode_error(b"Zm\xff9v", json!({})).offset(), Some(2));
}

proptest! {
    #[test]
    fn round_trip_under_random_chunking(data in prop::collection::vec(any::<u8>(), 0..500), chunk in 1usize..40, url_safe: bool) {
        let variant = if url_safe { url() } else { json!({}) };
        let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
        let enc = run("base64-encode", &variant, &chunks, usize::MAX);
        prop_assert_eq!(enc.error, None);
        let enc_chunks: Vec<&[u8]> = enc.bytes.chunks(chunk + 1).collect();
        let dec = run("base64-decode", &variant, &enc_chunks, 2);
        prop_assert_eq!(dec.error, None);
        prop_assert_eq!(dec.bytes, data);
    }
}
