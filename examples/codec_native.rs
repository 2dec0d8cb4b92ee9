//! Issue 12's limits for targets 3 and 6, natively: `gunzip` and `sha256`
//! run through the same `Driver` the page uses, over the bench's data (16
//! MiB of lorem, seed 2, in 64 KiB chunks), best of 9 runs. Compare the
//! figures with the same stages as wasm in `npm run bench`.
//!
//! `cargo run --release --example codec_native` uses what this CPU has
//! (zlib-rs's PCLMULQDQ CRC-32 and AVX2 inflate, the SHA extensions).
//! `RUSTFLAGS='--cfg sha2_backend="soft"' cargo run --release --example
//! codec_native --target-dir target/soft` gives SHA-256 in portable code:
//! the speed of SHA-256 with no SHA instructions, which wasm lacks.

use pipewright::core::source::{Lorem, Source};
use pipewright::core::stage::Role;
use pipewright::core::{catalog, Driver, Piece};
use serde_json::Map;
use std::time::Instant;

fn stage(kind: &str) -> Driver {
    let (info, o) = catalog::resolve(Role::Transform, kind, &Map::new()).expect("valid options");
    let mut random = |b: &mut [u8]| b.fill(7);
    Driver::new(info.build_transform(&o, &mut random).expect("builds"))
}

/// Runs `kind` over `chunks`: the best time of 9 and everything it emitted.
fn best_of_9(kind: &str, chunks: &[Vec<u8>]) -> (f64, Vec<u8>) {
    let mut best = f64::MAX;
    let mut out = Vec::new();
    for _ in 0..9 {
        let mut driver = stage(kind);
        out.clear();
        let t = Instant::now();
        let mut emit = |p: Piece<'_>| match p {
            Piece::Bytes(b) | Piece::Record(b) | Piece::Canonical(b) => out.extend_from_slice(b),
        };
        for chunk in chunks {
            driver.push(chunk, &mut emit).expect("good data");
        }
        driver.finish(&mut emit).expect("good data");
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() {
    const CHUNK: usize = 1 << 16;
    let mut lorem = Lorem::new(16 << 20, CHUNK, 2);
    let mut text = Vec::new();
    let mut chunk = Vec::new();
    while lorem.fill(&mut chunk) {
        text.extend_from_slice(&chunk);
    }
    let split = |bytes: &[u8]| bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect::<Vec<_>>();
    let (_, gz) = best_of_9("gzip", &split(&text));
    let (s, back) = best_of_9("gunzip", &split(&gz));
    assert_eq!(back, text, "gunzip gives the text back");
    let mb = text.len() as f64 / 1e6;
    println!(
        "gunzip: {:.0} MB/s of output ({} MiB from {} bytes of gzip)",
        mb / s,
        text.len() >> 20,
        gz.len()
    );
    let (s, digest) = best_of_9("sha256", &split(&text));
    println!(
        "sha256: {:.0} MB/s ({})",
        mb / s,
        String::from_utf8_lossy(&digest)
    );
}
