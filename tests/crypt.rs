//! encrypt / decrypt: round trips, and every way the data can go wrong.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use common::{run, same_every_way};
use pipewright::core::Error;
use proptest::prelude::*;
use serde_json::json;

fn enc_options(frame: u64) -> serde_json::Value {
    json!({ "passphrase": "correct horse", "iterations": 1000, "frameSize": frame })
}

fn encrypt(data: &[u8], frame: u64) -> Vec<u8> {
    let out = run("encrypt", &enc_options(frame), &[data], usize::MAX);
    assert_eq!(out.error, None);
    out.bytes
}

fn decrypt(data: &[u8], passphrase: &str, chunk: usize) -> common::Outcome {
    let chunks: Vec<&[u8]> = data.chunks(chunk.max(1)).collect();
    run(
        "decrypt",
        &json!({ "passphrase": passphrase }),
        &chunks,
        usize::MAX,
    )
}

fn text(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"stream of consciousness "[i % 24])
        .collect()
}

#[test]
fn round_trips_exactly_for_any_size_and_chunking() {
    for n in [0, 1, 99, 100, 101, 1000] {
        let data = text(n);
        let sealed = encrypt(&data, 100);
        for chunk in [1, 7, 100, 5000] {
            let out = decrypt(&sealed, "correct horse", chunk);
            assert_eq!(
                (out.bytes.as_slice(), out.error),
                (data.as_slice(), None),
                "n {n}, chunk {chunk}"
            );
        }
        same_every_way("decrypt", json!({ "passphrase": "correct horse" }), &sealed);
    }
}

#[test]
fn the_format_is_as_documented() {
    // Open frame 0 by hand: header fields, PBKDF2, nonce = prefix || 0,
    // associated data = 0u64 || flags.
    let sealed = encrypt(b"hello", 100);
    assert_eq!(&sealed[..6], b"PWGCM1");
    let (salt, rounds, prefix) = (
        &sealed[6..22],
        u32::from_be_bytes(sealed[22..26].try_into().unwrap()),
        &sealed[26..30],
    );
    assert_eq!(rounds, 1000);
    let flags = sealed[30];
    assert_eq!(flags, 1, "one frame, and it is the final one");
    let len = u32::from_be_bytes(sealed[31..35].try_into().unwrap()) as usize;
    assert_eq!(len, 5 + 16);
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"correct horse", salt, rounds, &mut key);
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(prefix);
    let mut aad = [0u8; 9];
    aad[8] = flags;
    let mut body = sealed[35..35 + len].to_vec();
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
        .decrypt_in_place(&Nonce::from(nonce), &aad, &mut body)
        .unwrap();
    assert_eq!(body, b"hello");
}

fn frame_error(out: &common::Outcome) -> (u64, String) {
    match out.error.clone() {
        Some(Error::Codec { offset, detail, .. }) => (offset, detail),
        other => panic!("expected a codec error, got {other:?}"),
    }
}

#[test]
fn a_wrong_passphrase_fails_on_frame_zero() {
    let out = decrypt(&encrypt(&text(500), 100), "wrong horse", 64);
    assert!(out.bytes.is_empty());
    let (offset, detail) = frame_error(&out);
    assert_eq!(offset, 30, "frame 0 starts after the 30-byte header");
    assert_eq!(
        detail,
        "frame 0 failed authentication: a wrong passphrase, or the data was altered"
    );
}

#[test]
fn a_tampered_frame_is_named_after_the_good_frames() {
    let data = text(500);
    let mut sealed = encrypt(&data, 100);
    // Frames are 5 + 100 + 16 = 121 bytes; flip a byte inside frame 2.
    sealed[30 + 2 * 121 + 50] ^= 1;
    let out = decrypt(&sealed, "correct horse", 33);
    assert_eq!(out.bytes, &data[..200], "frames 0 and 1 reached downstream");
    assert!(frame_error(&out)
        .1
        .starts_with("frame 2 failed authentication"));
    // The same, whole.
    assert_eq!(
        decrypt(&sealed, "correct horse", 100_000).bytes,
        &data[..200]
    );
}

#[test]
fn reordered_dropped_and_reflagged_frames_fail() {
    let data = text(500);
    let sealed = encrypt(&data, 100);
    let frame = |k: usize| sealed[30 + k * 121..30 + (k + 1) * 121].to_vec();
    let head = sealed[..30].to_vec();
    // Frames 1 and 2 swapped.
    let swapped = [
        head.clone(),
        frame(0),
        frame(2),
        frame(1),
        sealed[30 + 3 * 121..].to_vec(),
    ]
    .concat();
    assert!(frame_error(&decrypt(&swapped, "correct horse", 50))
        .1
        .starts_with("frame 1 failed"));
    // The last frame dropped: no final frame, so it is truncated.
    let dropped = sealed[..30 + 4 * 121].to_vec();
    let out = decrypt(&dropped, "correct horse", 50);
    assert_eq!(out.bytes, &data[..400]);
    assert_eq!(
        out.error,
        Some(Error::Truncated {
            stage: "decrypt",
            offset: dropped.len() as u64,
            what: "the frames (the final frame is missing)"
        })
    );
    // Frame 0 re-flagged as final.
    let mut reflagged = sealed.clone();
    reflagged[30] |= 1;
    assert!(frame_error(&decrypt(&reflagged, "correct horse", 50))
        .1
        .starts_with("frame 0 failed"));
}

#[test]
fn truncated_trailing_and_hostile_input() {
    let sealed = encrypt(&text(300), 100);
    let out = decrypt(&sealed[..100], "correct horse", 10);
    assert!(matches!(
        out.error,
        Some(Error::Truncated {
            what: "a frame",
            ..
        })
    ));
    let out = decrypt(&sealed[..12], "correct horse", 10);
    assert!(matches!(
        out.error,
        Some(Error::Truncated {
            what: "the header",
            ..
        })
    ));
    let out = decrypt(b"", "correct horse", 10);
    assert!(matches!(
        out.error,
        Some(Error::Truncated {
            offset: 0,
            what: "the header",
            ..
        })
    ));
    let mut trailing = sealed.clone();
    trailing.push(0);
    assert_eq!(
        decrypt(&trailing, "correct horse", 10).error,
        Some(Error::TrailingData {
            stage: "decrypt",
            offset: sealed.len() as u64
        })
    );
    let garbage = vec![7u8; 100];
    assert!(frame_error(&decrypt(&garbage, "x", 10))
        .1
        .contains("not Pipewright-encrypted"));
    // A header asking for absurd PBKDF2 work, and a frame claiming 4 GiB.
    let mut rounds = sealed.clone();
    rounds[22..26].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(frame_error(&decrypt(&rounds, "correct horse", 10))
        .1
        .contains("PBKDF2 rounds"));
    // One flipped bit in the rounds field (1000 = 0x3E8 → 0x8003E8 =
    // 8,389,608 rounds) is refused at once, naming what encrypt writes;
    // so is a count below encrypt's least.
    for asked in [1000 | (1 << 23), 999, 0] {
        let mut bad = sealed.clone();
        bad[22..26].copy_from_slice(&u32::to_be_bytes(asked));
        assert_eq!(
            frame_error(&decrypt(&bad, "correct horse", 10)).1,
            format!("the header asks for {asked} PBKDF2 rounds; encrypt writes 1000 to 1000000"),
        );
    }
    let mut huge = sealed.clone();
    huge[31..35].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(frame_error(&decrypt(&huge, "correct horse", 10))
        .1
        .starts_with("frame 0 declares 4294967295 bytes"));
}

#[test]
fn an_empty_passphrase_is_refused() {
    let given = json!({ "passphrase": "" }).as_object().cloned().unwrap();
    let (info, o) = pipewright::core::catalog::resolve(
        pipewright::core::stage::Role::Transform,
        "encrypt",
        &given,
    )
    .unwrap();
    let e = info
        .build_transform(&o, &mut common::fixed_random)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "encrypt: option `passphrase` must not be empty"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_round_trips(data in prop::collection::vec(any::<u8>(), 0..700), frame in 1u64..200, chunk in 1usize..100) {
        let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
        let sealed = run("encrypt", &enc_options(frame), &chunks, usize::MAX);
        prop_assert_eq!(sealed.error, None);
        let out = decrypt(&sealed.bytes, "correct horse", chunk + 3);
        prop_assert_eq!((out.bytes, out.error), (data, None));
    }
}
