//! `gzip`/`gunzip` and `deflate`/`inflate` in the `deflate` (zlib) and
//! `deflate-raw` formats, the same three formats as the platform's
//! `CompressionStream`. The codec is zlib-rs through flate2's low-level
//! `Compress`/`Decompress`, which already have this crate's transform shape:
//! caller-owned buffers, bytes consumed and written per call.

use flate2::{
    Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status as ZStatus,
};

use crate::core::{Deferred, Error, Progress, Shape, Status, Transform};

/// A container format, named as `CompressionStream` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Gzip,
    Deflate,
    DeflateRaw,
}

impl Format {
    fn what(self) -> &'static str {
        match self {
            Format::Gzip => "a gzip member",
            Format::Deflate => "a zlib stream",
            Format::DeflateRaw => "a raw deflate stream",
        }
    }
}

/// zlib's default and largest window: 2^15 bytes.
const WINDOW_BITS: u8 = 15;

fn progress(consumed: u64, written: u64, status: Status) -> Progress {
    // Per-call deltas of zlib's counters are bounded by the slices' lengths.
    Progress {
        consumed: consumed as usize,
        written: written as usize,
        status,
    }
}

/// The encoder hands zlib input in whole blocks of this size only (the last
/// one at the end excepted), and output space of `STAGE` bytes only, always
/// empty: zlib-rs's output depends on both (fed a byte at a time it emits
/// different, equally valid, bytes; and measured, a 300 KB chunk given in one
/// call with a large output buffer gave 2 bytes more than the same chunk cut
/// in 7 KB pieces). Calling zlib the same way whatever the caller's chunks
/// and buffers is what makes the compressed bytes independent of both.
/// 32 KiB is the deflate window; zlib holds about that much back anyway.
const BLOCK: usize = 32 * 1024;
/// zlib's output space per call: what a block can compress to at worst
/// (deflateBound: stored blocks' 5 bytes per 16 KiB, and the header and
/// trailer), rounded up.
const STAGE: usize = BLOCK + 1024;

pub struct Encoder {
    kind: &'static str,
    z: Compress,
    /// Input waiting for a whole block, or the block being fed.
    block: Vec<u8>,
    /// How much of a full `block` zlib has consumed.
    fed: usize,
    /// zlib's output, `STAGE` bytes; `staged` of it not yet handed out.
    stage: Box<[u8]>,
    staged: std::ops::Range<usize>,
    /// zlib said the stream ended.
    ended: bool,
}

impl Encoder {
    /// `level` is 0–9 (validated by the catalogue).
    pub fn new(kind: &'static str, format: Format, level: u32) -> Self {
        let level = Compression::new(level.min(9));
        let z = match format {
            Format::Gzip => Compress::new_gzip(level, WINDOW_BITS),
            Format::Deflate => Compress::new(level, true),
            Format::DeflateRaw => Compress::new(level, false),
        };
        Encoder {
            kind,
            z,
            block: Vec::with_capacity(BLOCK),
            fed: 0,
            stage: vec![0; STAGE].into_boxed_slice(),
            staged: 0..0,
            ended: false,
        }
    }

    /// Hands out what zlib wrote and is still staged; returns the count.
    fn drain(&mut self, output: &mut [u8]) -> usize {
        let n = self.staged.len().min(output.len());
        let from = self.staged.start;
        output[..n].copy_from_slice(&self.stage[from..from + n]);
        self.staged.start += n;
        n
    }

    /// Compresses the unfed rest of `block` into the empty stage.
    fn feed(&mut self, flush: FlushCompress) -> Result<(), Error> {
        debug_assert!(self.staged.is_empty());
        let (in0, out0) = (self.z.total_in(), self.z.total_out());
        let status = self
            .z
            .compress(&self.block[self.fed..], &mut self.stage, flush)
            .map_err(|e| Error::Codec {
                stage: self.kind,
                offset: self.z.total_in(),
                detail: e.to_string(),
            })?;
        // Per-call deltas are bounded by the slices' lengths.
        let (c, w) = (
            (self.z.total_in() - in0) as usize,
            (self.z.total_out() - out0) as usize,
        );
        self.ended = status == ZStatus::StreamEnd;
        // zlib always moves with room on both sides; if it ever did not, an
        // error beats a driver spinning on the same call.
        if c == 0 && w == 0 && !self.ended {
            return Err(Error::Codec {
                stage: self.kind,
                offset: self.z.total_in(),
                detail: "the encoder made no progress".to_string(),
            });
        }
        self.fed += c;
        self.staged = 0..w;
        Ok(())
    }
}

impl Transform for Encoder {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let (mut consumed, mut written) = (0, 0);
        loop {
            written += self.drain(&mut output[written..]);
            if !self.staged.is_empty() {
                return Ok(progress(
                    consumed as u64,
                    written as u64,
                    Status::OutputFull,
                ));
            }
            if self.block.len() == BLOCK {
                if self.fed < BLOCK {
                    self.feed(FlushCompress::None)?;
                    continue;
                }
                self.block.clear();
                self.fed = 0;
            }
            let take = (BLOCK - self.block.len()).min(input.len() - consumed);
            self.block
                .extend_from_slice(&input[consumed..consumed + take]);
            consumed += take;
            if self.block.len() < BLOCK {
                return Ok(progress(consumed as u64, written as u64, Status::NeedInput));
            }
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        let mut written = 0;
        loop {
            written += self.drain(&mut output[written..]);
            if !self.staged.is_empty() {
                return Ok(progress(0, written as u64, Status::OutputFull));
            }
            if self.ended {
                return Ok(progress(0, written as u64, Status::Finished));
            }
            self.feed(FlushCompress::Finish)?;
        }
    }
}

pub struct Decoder {
    kind: &'static str,
    format: Format,
    z: Decompress,
    /// Input bytes consumed by earlier gzip members.
    base: u64,
    /// Whether the current member (or stream) reached its end.
    ended: bool,
    members: u64,
    deferred: Deferred,
}

impl Decoder {
    pub fn new(kind: &'static str, format: Format) -> Self {
        Decoder {
            kind,
            format,
            z: Self::fresh(format),
            base: 0,
            ended: false,
            members: 0,
            deferred: Deferred::default(),
        }
    }

    fn fresh(format: Format) -> Decompress {
        match format {
            Format::Gzip => Decompress::new_gzip(WINDOW_BITS),
            Format::Deflate => Decompress::new(true),
            Format::DeflateRaw => Decompress::new(false),
        }
    }

    /// Offset in the stage's whole input.
    fn offset(&self) -> u64 {
        self.base + self.z.total_in()
    }

    fn trailing(&self) -> Error {
        Error::TrailingData {
            stage: self.kind,
            offset: self.offset(),
        }
    }
}

impl Transform for Decoder {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        if input.is_empty() {
            return Ok(progress(0, 0, Status::NeedInput));
        }
        if self.ended {
            // gzip input may hold several members (as `cat a.gz b.gz`); the
            // other formats end with their one stream.
            if self.format != Format::Gzip {
                return Err(self.trailing());
            }
            self.base += self.z.total_in();
            self.z = Self::fresh(self.format);
            self.ended = false;
        }
        let (in0, out0) = (self.z.total_in(), self.z.total_out());
        let result = self.z.decompress(input, output, FlushDecompress::None);
        let (c, w) = (self.z.total_in() - in0, self.z.total_out() - out0);
        match result {
            Err(_) => {
                // A bad header right after a finished member is not a second
                // member: it is data after the end.
                if self.members > 0 && self.z.total_in() < 10 {
                    return Err(Error::TrailingData {
                        stage: self.kind,
                        offset: self.base,
                    });
                }
                // zlib-rs words the same fault differently depending on how
                // the input was fed ("invalid distance too far back" one way,
                // "repeated call with bad state" another), so the message
                // names the format, and the offset says where.
                let error = Error::Codec {
                    stage: self.kind,
                    offset: self.offset(),
                    detail: format!("this is not {}, or it is corrupt", self.format.what()),
                };
                // What inflated before the fault in this call is good output.
                self.deferred.defer(error, c as usize, w as usize)
            }
            Ok(ZStatus::StreamEnd) => {
                self.ended = true;
                self.members += 1;
                let status = if c as usize == input.len() {
                    Status::NeedInput
                } else {
                    Status::OutputFull
                };
                Ok(progress(c, w, status))
            }
            Ok(_) if c == 0 && w == 0 && output.is_empty() => {
                Ok(progress(0, 0, Status::OutputFull))
            }
            Ok(_) if c == 0 && w == 0 => Err(Error::Codec {
                stage: self.kind,
                offset: self.offset(),
                detail: "the decoder made no progress".to_string(),
            }),
            Ok(_) => {
                let status = if c as usize == input.len() && (w as usize) < output.len() {
                    Status::NeedInput
                } else {
                    Status::OutputFull
                };
                Ok(progress(c, w, status))
            }
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        if !self.ended {
            // Drain what the decoder still holds, then insist on the end.
            let out0 = self.z.total_out();
            let result = self.z.decompress(&[], output, FlushDecompress::None);
            let w = self.z.total_out() - out0;
            if result.is_err() {
                // The input held a fault the decoder reaches only while
                // draining (the same fault a 1-byte output buffer meets
                // during the input): it is corrupt, not merely cut short.
                let error = Error::Codec {
                    stage: self.kind,
                    offset: self.offset(),
                    detail: format!("this is not {}, or it is corrupt", self.format.what()),
                };
                return self.deferred.defer(error, 0, w as usize);
            }
            if w > 0 {
                return Ok(progress(0, w, Status::OutputFull));
            }
            if self.offset() == 0 && self.members == 0 {
                return Err(Error::Codec {
                    stage: self.kind,
                    offset: 0,
                    detail: format!("the input is empty; expected {}", self.format.what()),
                });
            }
            return Err(Error::Truncated {
                stage: self.kind,
                offset: self.offset(),
                what: self.format.what(),
            });
        }
        Ok(progress(0, 0, Status::Finished))
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::pgzip::BlockCodec;
use crate::core::stage::{DataType::Bytes, Extension, StageDef};

const LEVEL: ParamSpec = ParamSpec::int(
    "level",
    6,
    0,
    9,
    "0 stores, 1 is fastest, 9 compresses most.",
);

const DEFLATE_FORMAT: ParamSpec = ParamSpec::choice(
    "format",
    "deflate",
    &["deflate", "deflate-raw"],
    "\"deflate\" is zlib-wrapped, \"deflate-raw\" has no header: the CompressionStream formats.",
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GzipOptions {
    level: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeflateOptions {
    format: Format,
    level: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InflateOptions {
    format: Format,
}

pub const GZIP: StageDef = StageDef {
    kind: "gzip",
    title: "Gzip",
    summary: "Compresses to gzip (zlib-rs), readable by DecompressionStream(\"gzip\") and gunzip.",
    params: &[LEVEL],
    cpu_bound: true,
    blocks: Some(|o| {
        let GzipOptions { level } = o.typed()?;
        Ok(BlockCodec {
            stage: o.kind(),
            level,
        })
    }),
    extension: Some(Extension {
        add: ".gz",
        strip: "",
    }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let GzipOptions { level } = o.typed()?;
        Ok(Box::new(Encoder::new(o.kind(), Format::Gzip, level)))
    })
};

pub const GUNZIP: StageDef = StageDef {
    kind: "gunzip",
    title: "Gunzip",
    summary: "Decompresses gzip, several members in a row included; corrupt, truncated or trailing data is an error naming the byte offset.",
    cpu_bound: true,
    extension: Some(Extension { add: "", strip: ".gz" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        Ok(Box::new(Decoder::new(o.kind(), Format::Gzip)))
    })
};

pub const DEFLATE: StageDef = StageDef {
    kind: "deflate",
    title: "Deflate",
    summary: "Compresses to zlib-wrapped or raw deflate, as CompressionStream(\"deflate\" | \"deflate-raw\").",
    params: &[DEFLATE_FORMAT, LEVEL],
    cpu_bound: true,
    extension: Some(Extension { add: ".deflate", strip: "" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let DeflateOptions { format, level } = o.typed()?;
        Ok(Box::new(Encoder::new(o.kind(), format, level)))
    })
};

pub const INFLATE: StageDef = StageDef {
    kind: "inflate",
    title: "Inflate",
    summary: "Decompresses zlib-wrapped or raw deflate; corrupt, truncated or trailing data is an error naming the byte offset.",
    params: &[DEFLATE_FORMAT],
    cpu_bound: true,
    extension: Some(Extension { add: "", strip: ".deflate" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let InflateOptions { format } = o.typed()?;
        Ok(Box::new(Decoder::new(o.kind(), format)))
    })
};
