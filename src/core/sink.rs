//! Sink logic. `count` and `null` need none beyond the stage's counters; the
//! `throttle` sink paces writes with [`Pacer`], a slow consumer whose writes
//! resolve only when the rate allows, which is what makes backpressure visible.

use std::collections::VecDeque;

use sha2::{Digest, Sha256};

use crate::core::{digest, Error};

/// Rate limit without bursts: after `total` units, the earliest moment the
/// next write may finish is `start + total / rate`.
#[derive(Debug, Clone)]
pub struct Pacer {
    per_second: f64,
    start_ms: Option<f64>,
    total: f64,
}

impl Pacer {
    /// `per_second` must be positive.
    pub fn new(per_second: f64) -> Self {
        Pacer {
            per_second,
            start_ms: None,
            total: 0.0,
        }
    }

    /// Accounts `amount` units written at `now_ms`; returns how many ms the
    /// write must still take so the average rate stays at the limit.
    pub fn delay_ms(&mut self, amount: u64, now_ms: f64) -> f64 {
        let start = *self.start_ms.get_or_insert(now_ms);
        self.total += amount as f64;
        let due = start + self.total * 1000.0 / self.per_second;
        (due - now_ms).max(0.0)
    }
}

/// What a sink does with each chunk, beyond counting it.
#[derive(Debug, Clone)]
pub enum SinkLogic {
    /// Counts chunks and bytes; its report is those counts.
    Count,
    /// Discards.
    Null,
    /// A slow consumer, limited by bytes and/or chunks per second.
    Throttle {
        bytes: Option<Pacer>,
        chunks: Option<Pacer>,
    },
    /// The SHA-256 of every byte, as hex once the stream closed.
    Digest { hasher: Sha256, hex: Option<String> },
    /// The last `cap` bytes, shown as text.
    Preview { cap: usize, tail: VecDeque<u8> },
    /// Everything, up to `max` bytes; the glue keeps the chunks and makes a
    /// `Blob` of them at the end.
    Collect { max: u64, total: u64 },
}

impl SinkLogic {
    pub fn digest() -> Self {
        SinkLogic::Digest {
            hasher: Sha256::new(),
            hex: None,
        }
    }

    pub fn preview(cap: usize) -> Self {
        SinkLogic::Preview {
            cap,
            tail: VecDeque::with_capacity(cap),
        }
    }

    /// Whether [`SinkLogic::write`] needs the chunk's bytes, not only its
    /// length (the glue copies them into wasm only then).
    pub fn wants_bytes(&self) -> bool {
        matches!(self, SinkLogic::Digest { .. } | SinkLogic::Preview { .. })
    }

    /// Accounts one chunk of `len` bytes written at `now_ms` (`data` holds
    /// them when [`SinkLogic::wants_bytes`]). Returns how many ms the write
    /// must still take.
    ///
    /// # Errors
    ///
    /// `collect` past its `maxBytes`; nothing of that chunk is kept.
    pub fn write(&mut self, len: u64, data: &[u8], now_ms: f64) -> Result<f64, Error> {
        match self {
            SinkLogic::Count | SinkLogic::Null => {}
            SinkLogic::Throttle { bytes, chunks } => {
                let b = bytes.as_mut().map_or(0.0, |p| p.delay_ms(len, now_ms));
                let c = chunks.as_mut().map_or(0.0, |p| p.delay_ms(1, now_ms));
                return Ok(b.max(c));
            }
            SinkLogic::Digest { hasher, .. } => hasher.update(data),
            SinkLogic::Preview { cap, tail } => {
                let keep = &data[data.len().saturating_sub(*cap)..];
                let overflow = (tail.len() + keep.len()).saturating_sub(*cap);
                tail.drain(..overflow);
                tail.extend(keep);
            }
            SinkLogic::Collect { max, total } => {
                if *total + len > *max {
                    return Err(Error::LimitExceeded {
                        stage: "collect",
                        option: "maxBytes",
                        limit: *max,
                        offset: *max,
                    });
                }
                *total += len;
            }
        }
        Ok(0.0)
    }

    /// The input ended.
    pub fn close(&mut self) {
        if let SinkLogic::Digest { hasher, hex } = self {
            *hex = Some(digest::hex(&std::mem::take(hasher).finalize()));
        }
    }

    /// What the sink has to show: the digest once closed, the preview text.
    pub fn result(&self) -> Option<String> {
        match self {
            SinkLogic::Digest { hex, .. } => hex.clone(),
            SinkLogic::Preview { tail, .. } => {
                let (a, b) = tail.as_slices();
                let bytes = [a, b].concat();
                // The cut may fall inside a character: skip its tail bytes.
                let start = bytes
                    .iter()
                    .take(3)
                    .take_while(|&&b| b & 0xC0 == 0x80)
                    .count();
                Some(String::from_utf8_lossy(&bytes[start..]).into_owned())
            }
            _ => None,
        }
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{StageDef, View};
use crate::core::OptionProblem;

pub const COUNT: StageDef = StageDef {
    kind: "count",
    title: "Count",
    summary: "Counts chunks and bytes (strings count their UTF-8 bytes).",
    ..StageDef::sink(|_| Ok(SinkLogic::Count))
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ThrottleOptions {
    bytes_per_second: f64,
    chunks_per_second: f64,
}

pub const THROTTLE: StageDef = StageDef {
    kind: "throttle",
    title: "Throttled consumer",
    summary: "A slow consumer: each write resolves only when the rate allows, so backpressure builds upstream.",
    params: &[
        ParamSpec::num("bytesPerSecond", 1_048_576.0, 0.0, 1e12, "Byte rate limit; 0 for none."),
        ParamSpec::num("chunksPerSecond", 0.0, 0.0, 1e6, "Chunk rate limit; 0 for none."),
    ],
    ..StageDef::sink(|o| {
        let t: ThrottleOptions = o.typed()?;
        let pacer = |rate: f64| Some(rate).filter(|r| *r > 0.0).map(Pacer::new);
        let (bytes, chunks) = (pacer(t.bytes_per_second), pacer(t.chunks_per_second));
        if bytes.is_none() && chunks.is_none() {
            return Err(Error::BadOption {
                stage: o.kind().to_string(),
                option: "bytesPerSecond".to_string(),
                message: "or `chunksPerSecond` must be above 0".to_string(),
                problem: OptionProblem::Range,
            });
        }
        Ok(SinkLogic::Throttle { bytes, chunks })
    })
};

pub const NULL: StageDef = StageDef {
    kind: "null",
    title: "Null",
    summary: "Discards everything as fast as it comes.",
    ..StageDef::sink(|_| Ok(SinkLogic::Null))
};

pub const DIGEST: StageDef = StageDef {
    kind: "digest",
    title: "Digest",
    summary: "The SHA-256 of every byte that arrives (strings as UTF-8), shown as its result.",
    view: Some(View::Value),
    ..StageDef::sink(|_| Ok(SinkLogic::digest()))
};

/// The upload lesson. In the browser and Node the glue sends the stream to
/// an upload server (src/web/glue.js, makeUploadSink; the server is
/// scripts/upload.mjs, which `npm start` runs); natively it only counts.
pub const UPLOAD: StageDef = StageDef {
    kind: "upload",
    title: "Upload to the server",
    summary: "Sends the stream to the upload server npm start runs, which hashes it and counts its lines; its result is the server's SHA-256. Streamed where the engine can, else a request per chunk.",
    params: &[
        ParamSpec::string("url", "/api/upload", "The upload API's URL (absolute in Node)."),
        ParamSpec::choice(
            "body",
            "auto",
            &["auto", "streamed", "chunked"],
            "streamed, chunked (a request per chunk), or auto.",
        ),
        ParamSpec::num(
            "serverDelayMs",
            0.0,
            0.0,
            1000.0,
            "Asks the server to wait this long per piece it reads.",
        ),
    ],
    view: Some(View::Value),
    ..StageDef::sink(|o| {
        // Its options are the glue's to read (src/web/duplex.rs).
        if o.text("url").is_empty() {
            return Err(crate::core::Error::BadOption {
                stage: o.kind().to_string(),
                option: "url".to_string(),
                message: "must be the upload API's address, got an empty string".to_string(),
                problem: OptionProblem::Type,
            });
        }
        Ok(SinkLogic::Count)
    })
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewOptions {
    kib: u64,
}

pub const PREVIEW: StageDef = StageDef {
    kind: "preview",
    title: "Preview",
    summary: "Keeps the last `kib` KiB and shows them as text.",
    params: &[ParamSpec::int(
        "kib",
        4,
        1,
        1024,
        "How many KiB of the end to keep.",
    )],
    view: Some(View::Text),
    ..StageDef::sink(|o| {
        let PreviewOptions { kib } = o.typed()?;
        Ok(SinkLogic::preview(
            usize::try_from(kib * 1024).unwrap_or(usize::MAX),
        ))
    })
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CollectOptions {
    max_bytes: u64,
}

pub const COLLECT: StageDef = StageDef {
    kind: "collect",
    title: "Collect",
    summary: "Keeps everything and makes a Blob to download at the end; more than `maxBytes` is an error.",
    params: &[ParamSpec::int("maxBytes", 256 << 20, 1, 1 << 32, "The most bytes to keep.")],
    ..StageDef::sink(|o| {
        let CollectOptions { max_bytes } = o.typed()?;
        Ok(SinkLogic::Collect { max: max_bytes, total: 0 })
    })
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spreads_writes_at_the_rate() {
        let mut p = Pacer::new(1000.0); // 1000 bytes per second
        assert_eq!(p.delay_ms(500, 0.0), 500.0);
        // Written at 500 ms: due at 1000 ms.
        assert_eq!(p.delay_ms(500, 500.0), 500.0);
        // A late writer owes nothing.
        assert_eq!(p.delay_ms(100, 5000.0), 0.0);
    }
}
