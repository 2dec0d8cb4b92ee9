//! Byte-for-byte transforms: `identity` and ASCII `uppercase`.

use crate::core::transform::copy_through;
use crate::core::{Error, Progress, Shape, Transform};

/// Passes every byte through unchanged.
#[derive(Debug, Default)]
pub struct Identity;

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
use crate::core::stage::{DataType::Bytes, StageDef};

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
