//! Byte-for-byte transforms: `identity`, ASCII `uppercase`, and `cache`,
//! which passes chunks on unchanged and keeps copies (the memory lesson).

use std::collections::VecDeque;

use crate::core::transform::copy_through;
use crate::core::{Error, Progress, Shape, Transform};

/// Passes every byte through unchanged.
#[derive(Debug, Default)]
pub struct Identity;

/// The loopback stage's bytes when it runs natively: unchanged, as its echo
/// server sends them back.
pub struct Loopback;

impl Transform for Loopback {
    fn kind(&self) -> &'static str {
        "loopback"
    }
    fn shape(&self) -> Shape {
        Shape::Passthrough
    }
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        Identity.transform(input, output)
    }
    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        Identity.finish(output)
    }
    fn map_in_place(&mut self, buf: &mut [u8]) -> bool {
        Identity.map_in_place(buf)
    }
}

impl Transform for Identity {
    fn kind(&self) -> &'static str {
        "identity"
    }
    fn shape(&self) -> Shape {
        Shape::Passthrough
    }
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        Ok(copy_through(input, output, |_| {}))
    }
    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
    fn map_in_place(&mut self, _buf: &mut [u8]) -> bool {
        true
    }
}

/// Passes every chunk on unchanged and keeps a copy of it, as a cache keyed
/// by chunk would: the last `max_chunks` of them (the oldest dropped
/// first), or with `max_chunks` 0 every one — an unbounded cache, the
/// classic leak. Its result says what it holds.
#[derive(Debug)]
pub struct Cache {
    max_chunks: usize,
    kept: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl Cache {
    pub fn new(max_chunks: usize) -> Self {
        Cache {
            max_chunks,
            kept: VecDeque::new(),
            bytes: 0,
        }
    }

    fn keep(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.kept.push_back(chunk.to_vec());
        self.bytes += chunk.len();
        while self.max_chunks > 0 && self.kept.len() > self.max_chunks {
            if let Some(old) = self.kept.pop_front() {
                self.bytes -= old.len();
            }
        }
    }

    /// Chunks and bytes held now.
    pub fn held(&self) -> (usize, usize) {
        (self.kept.len(), self.bytes)
    }
}

impl Transform for Cache {
    fn kind(&self) -> &'static str {
        "cache"
    }
    // Not Passthrough, which the glue forwards without calling in: each
    // chunk comes through map_in_place, which keeps its copy.
    fn shape(&self) -> Shape {
        Shape::SameLength
    }
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let progress = copy_through(input, output, |_| {});
        self.keep(&input[..progress.consumed]);
        Ok(progress)
    }
    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
    fn map_in_place(&mut self, buf: &mut [u8]) -> bool {
        self.keep(buf);
        true
    }
    fn result(&self) -> Option<String> {
        let (chunks, bytes) = self.held();
        Some(format!("holds {chunks} chunks, {bytes} bytes"))
    }
}

/// ASCII `a`–`z` become `A`–`Z`; every other byte, UTF-8 included, is left as
/// it is (a UTF-8 continuation or lead byte is ≥ 0x80, so never touched).
#[derive(Debug, Default)]
pub struct Uppercase;

/// Branch-free so that LLVM vectorises it with `simd128` on wasm32 and SSE2
/// natively: subtract 0x20 exactly where the byte is in `a..=z`.
pub fn ascii_uppercase(buf: &mut [u8]) {
    for b in buf {
        let is_lower = b.wrapping_sub(b'a') < 26;
        *b -= u8::from(is_lower) << 5;
    }
}

impl Transform for Uppercase {
    fn kind(&self) -> &'static str {
        "uppercase"
    }
    fn shape(&self) -> Shape {
        Shape::SameLength
    }
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        Ok(copy_through(input, output, ascii_uppercase))
    }
    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
    fn map_in_place(&mut self, buf: &mut [u8]) -> bool {
        ascii_uppercase(buf);
        true
    }
}

/// `throttle` (bytes per second, no bursts) and `delay` (ms per chunk):
/// chunks pass unchanged; the glue holds each for [`Transform::pace_ms`].
pub struct Paced {
    kind: &'static str,
    pacer: Option<crate::core::sink::Pacer>,
    delay_ms: f64,
}

impl Paced {
    pub fn throttle(bytes_per_second: f64) -> Self {
        Paced {
            kind: "throttle",
            pacer: Some(crate::core::sink::Pacer::new(bytes_per_second)),
            delay_ms: 0.0,
        }
    }

    pub fn delay(ms: f64) -> Self {
        Paced {
            kind: "delay",
            pacer: None,
            delay_ms: ms,
        }
    }
}

impl Transform for Paced {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn shape(&self) -> Shape {
        Shape::Passthrough
    }
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        Ok(copy_through(input, output, |_| {}))
    }
    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
    fn map_in_place(&mut self, _buf: &mut [u8]) -> bool {
        true
    }
    fn pace_ms(&mut self, len: usize, now_ms: f64) -> f64 {
        match &mut self.pacer {
            Some(p) => p.delay_ms(len as u64, now_ms),
            None => self.delay_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_matches_std_on_every_byte() {
        let mut all: Vec<u8> = (0..=255).collect();
        let mut expected = all.clone();
        expected.make_ascii_uppercase();
        ascii_uppercase(&mut all);
        assert_eq!(all, expected);
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType::Bytes, StageDef, View, MAX_SAFE};

pub const IDENTITY: StageDef = StageDef {
    kind: "identity",
    title: "Identity",
    summary: "Passes every chunk on unchanged: the cost of a stage itself.",
    poolable: true,
    ..StageDef::transform(Bytes, Bytes, |_, _| Ok(Box::new(Identity)))
};

pub const UPPERCASE: StageDef = StageDef {
    kind: "uppercase",
    title: "Uppercase",
    summary: "ASCII a–z to A–Z; every other byte, UTF-8 included, unchanged. Works in place on the chunk it is handed.",
    poolable: true,
    ..StageDef::transform(Bytes, Bytes, |_, _| Ok(Box::new(Uppercase)))
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CacheOptions {
    max_chunks: u64,
}

pub const CACHE: StageDef = StageDef {
    kind: "cache",
    title: "Cache (memory lesson)",
    summary: "Passes chunks on unchanged and keeps a copy of each, like a cache: the last maxChunks, or with 0 every one, a leak that only grows. Its result says what it holds.",
    params: &[ParamSpec::int(
        "maxChunks",
        16,
        0,
        MAX_SAFE,
        "Chunks kept, the oldest dropped first; 0 keeps every one (an unbounded cache: a leak).",
    )],
    view: Some(View::Value),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let CacheOptions { max_chunks } = o.typed()?;
        Ok(Box::new(Cache::new(
            usize::try_from(max_chunks).unwrap_or(usize::MAX),
        )))
    })
};

/// The duplex lesson. In the browser and Node its two sides are streams
/// of their own around an echo server in a Worker (src/web/glue.js,
/// makeLoopback); the bytes come back unchanged, which is all a native run
/// of it does.
pub const LOOPBACK: StageDef = StageDef {
    kind: "loopback",
    title: "Loopback socket (duplex)",
    summary: "A duplex, like a net.Socket: the writable side sends each chunk to an echo server in a Worker, the readable side gives what comes back. Each side has its own queue; the server holds serverChunks.",
    params: &[
        ParamSpec::int(
            "readableHighWaterMark",
            4,
            0,
            65_536,
            "The readable side's queue.",
        ),
        ParamSpec::int(
            "serverChunks",
            2,
            1,
            1_024,
            "Chunks the server holds before writes wait.",
        ),
        ParamSpec::num(
            "latencyMs",
            0.0,
            0.0,
            10_000.0,
            "The server's delay per chunk.",
        ),
    ],
    // Its options are the glue's to read (src/web/duplex.rs).
    ..StageDef::transform(Bytes, Bytes, |_, _| Ok(Box::new(Loopback)))
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ThrottleOptions {
    bytes_per_second: f64,
}

pub const THROTTLE: StageDef = StageDef {
    kind: "throttle",
    title: "Throttle",
    summary:
        "Passes chunks on at no more than bytesPerSecond on average; the wait pushes back upstream.",
    params: &[ParamSpec::num(
        "bytesPerSecond",
        1_048_576.0,
        1.0,
        1e12,
        "The rate limit.",
    )],
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let ThrottleOptions { bytes_per_second } = o.typed()?;
        Ok(Box::new(Paced::throttle(bytes_per_second)))
    })
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DelayOptions {
    ms: f64,
}

pub const DELAY: StageDef = StageDef {
    kind: "delay",
    title: "Delay",
    summary: "Holds each chunk for ms milliseconds before passing it on.",
    params: &[ParamSpec::num(
        "ms",
        100.0,
        0.0,
        60_000.0,
        "Milliseconds per chunk.",
    )],
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let DelayOptions { ms } = o.typed()?;
        Ok(Box::new(Paced::delay(ms)))
    })
};
