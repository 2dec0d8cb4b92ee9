//! `base64-encode` / `base64-decode`, standard (RFC 4648 §4, padded) or
//! URL-safe (§5, unpadded), on the `base64` crate. The decoder skips ASCII
//! whitespace (wrapped lines), accepts missing padding, and names the byte
//! offset of the first character it cannot take.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::core::{Deferred, Error, Progress, Shape, Status, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Variant {
    #[serde(rename = "standard")]
    Standard,
    #[serde(rename = "url")]
    UrlSafe,
}

impl Variant {
    fn engine(self) -> GeneralPurpose {
        let config = GeneralPurposeConfig::new()
            .with_encode_padding(self == Variant::Standard)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent);
        match self {
            Variant::Standard => GeneralPurpose::new(&alphabet::STANDARD, config),
            Variant::UrlSafe => GeneralPurpose::new(&alphabet::URL_SAFE, config),
        }
    }

    fn is_symbol(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Variant::Standard => b == b'+' || b == b'/',
                Variant::UrlSafe => b == b'-' || b == b'_',
            }
    }
}

/// Bytes produced but not yet handed out: lets a 4-character group go out
/// through an output buffer smaller than 4.
#[derive(Default)]
struct Pending {
    buf: [u8; 4],
    len: usize,
    pos: usize,
}

impl Pending {
    /// Moves what fits into `output`; returns how much.
    fn drain(&mut self, output: &mut [u8]) -> usize {
        let n = (self.len - self.pos).min(output.len());
        output[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    fn is_empty(&self) -> bool {
        self.pos == self.len
    }

    fn set(&mut self, bytes: &[u8]) {
        self.buf[..bytes.len()].copy_from_slice(bytes);
        self.len = bytes.len();
        self.pos = 0;
    }
}

pub struct Base64Encoder {
    engine: GeneralPurpose,
    carry: [u8; 3],
    carry_len: usize,
    pending: Pending,
    finished: bool,
}

impl Base64Encoder {
    pub fn new(variant: Variant) -> Self {
        Base64Encoder {
            engine: variant.engine(),
            carry: [0; 3],
            carry_len: 0,
            pending: Pending::default(),
            finished: false,
        }
    }

    /// Encodes one 3-byte group (or the short last one) into `pending`.
    fn encode_into_pending(&mut self, group: &[u8]) {
        let mut tmp = [0u8; 4];
        let n = self
            .engine
            .encode_slice(group, &mut tmp)
            .expect("4 bytes hold the encoding of at most 3");
        self.pending.set(&tmp[..n]);
    }
}

fn step(consumed: usize, written: usize, status: Status) -> Result<Progress, Error> {
    Ok(Progress {
        consumed,
        written,
        status,
    })
}

impl Transform for Base64Encoder {
    fn kind(&self) -> &'static str {
        "base64-encode"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let mut w = self.pending.drain(output);
        let mut i = 0;
        if !self.pending.is_empty() {
            return step(0, w, Status::OutputFull);
        }
        // Complete a group begun in an earlier chunk.
        while self.carry_len > 0 && self.carry_len < 3 && i < input.len() {
            self.carry[self.carry_len] = input[i];
            self.carry_len += 1;
            i += 1;
        }
        if self.carry_len > 0 && self.carry_len < 3 {
            // The input ran out before the group was whole.
            return step(i, w, Status::NeedInput);
        }
        if self.carry_len == 3 {
            let group = self.carry;
            self.carry_len = 0;
            self.encode_into_pending(&group);
            w += self.pending.drain(&mut output[w..]);
            if !self.pending.is_empty() {
                return step(i, w, Status::OutputFull);
            }
        }
        // Whole groups straight from input to output.
        let groups = ((input.len() - i) / 3).min((output.len() - w) / 4);
        if groups > 0 {
            let n = self
                .engine
                .encode_slice(&input[i..i + groups * 3], &mut output[w..])
                .expect("room for the groups was checked");
            i += groups * 3;
            w += n;
        }
        let rest = input.len() - i;
        if rest >= 3 {
            // Output too small for a whole group: go through `pending`.
            self.encode_into_pending(&input[i..i + 3]);
            i += 3;
            w += self.pending.drain(&mut output[w..]);
            return step(i, w, Status::OutputFull);
        }
        self.carry[..rest].copy_from_slice(&input[i..]);
        self.carry_len = rest;
        step(input.len(), w, Status::NeedInput)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        if !self.finished {
            self.finished = true;
            if self.carry_len > 0 {
                let group = self.carry;
                self.encode_into_pending(&group[..self.carry_len]);
            }
        }
        let w = self.pending.drain(output);
        let status = if self.pending.is_empty() {
            Status::Finished
        } else {
            Status::OutputFull
        };
        step(0, w, status)
    }
}

pub struct Base64Decoder {
    variant: Variant,
    engine: GeneralPurpose,
    quad: [u8; 4],
    quad_len: usize,
    /// Offset of the first character of `quad`.
    quad_offset: u64,
    /// Characters consumed so far.
    offset: u64,
    /// Padding seen: only whitespace may follow.
    padded: bool,
    pending: Pending,
    deferred: Deferred,
}

impl Base64Decoder {
    pub fn new(variant: Variant) -> Self {
        Base64Decoder {
            variant,
            engine: variant.engine(),
            quad: [0; 4],
            quad_len: 0,
            quad_offset: 0,
            offset: 0,
            padded: false,
            pending: Pending::default(),
            deferred: Deferred::default(),
        }
    }

    fn invalid(&self, offset: u64, detail: String) -> Error {
        Error::Codec {
            stage: "base64-decode",
            offset,
            detail,
        }
    }

    /// Decodes as far as input and output allow, advancing `i` (consumed)
    /// and `w` (written) as it goes, so an error still knows the progress.
    fn decode_some(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        i: &mut usize,
        w: &mut usize,
    ) -> Result<Status, Error> {
        loop {
            *w += self.pending.drain(&mut output[*w..]);
            if !self.pending.is_empty() {
                return Ok(Status::OutputFull);
            }
            let Some(&b) = input.get(*i) else {
                return Ok(Status::NeedInput);
            };
            let at = self.offset;
            if b.is_ascii_whitespace() {
                // Wrapped lines and trailing newlines are fine anywhere.
            } else if b == b'=' && !self.padded && self.quad_len >= 2 {
                self.quad[self.quad_len] = b;
                self.quad_len += 1;
                if self.quad_len == 4 {
                    self.padded = true;
                    *i += 1;
                    self.offset += 1;
                    self.decode_quad()?;
                    continue;
                }
            } else if self.padded || self.ends_in_padding() {
                return Err(self.invalid(at, "data after the padding".to_string()));
            } else if b == b'=' {
                return Err(self.invalid(at, "padding where a group cannot end".to_string()));
            } else if !self.variant.is_symbol(b) {
                return Err(self.invalid(at, format!("byte 0x{b:02x} is not a base64 character")));
            } else {
                if self.quad_len == 0 {
                    self.quad_offset = at;
                }
                self.quad[self.quad_len] = b;
                self.quad_len += 1;
            }
            *i += 1;
            self.offset += 1;
            if self.quad_len == 4 {
                self.decode_quad()?;
            }
        }
    }

    /// The group so far ends in '=' ("xx=" waiting for its second '=').
    fn ends_in_padding(&self) -> bool {
        self.quad_len > 0 && self.quad[self.quad_len - 1] == b'='
    }

    /// Decodes the collected quad (or a short last one) into `pending`.
    fn decode_quad(&mut self) -> Result<(), Error> {
        let mut tmp = [0u8; 3];
        let n = self
            .engine
            .decode_slice(&self.quad[..self.quad_len], &mut tmp)
            .map_err(|e| {
                let at = match e {
                    base64::DecodeSliceError::DecodeError(
                        base64::DecodeError::InvalidByte(i, _)
                        | base64::DecodeError::InvalidLastSymbol(i, _),
                    ) => self.quad_offset + i as u64,
                    _ => self.quad_offset,
                };
                self.invalid(at, format!("{e}"))
            })?;
        self.pending.set(&tmp[..n]);
        self.quad_len = 0;
        Ok(())
    }
}

impl Transform for Base64Decoder {
    fn kind(&self) -> &'static str {
        "base64-decode"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        let (mut i, mut w) = (0, 0);
        let outcome = self.decode_some(input, output, &mut i, &mut w);
        self.deferred.settle(outcome, i, w)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        if self.quad_len == 1 || self.ends_in_padding() {
            return Err(Error::Truncated {
                stage: "base64-decode",
                offset: self.offset,
                what: "a base64 group",
            });
        }
        if self.quad_len > 0 {
            self.decode_quad()?;
        }
        let w = self.pending.drain(output);
        let status = if self.pending.is_empty() {
            Status::Finished
        } else {
            Status::OutputFull
        };
        step(0, w, status)
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType::Bytes, Extension, StageDef};

const VARIANT: ParamSpec = ParamSpec::choice(
    "variant",
    "standard",
    &["standard", "url"],
    "\"standard\": + and / with = padding; \"url\": - and _ without padding.",
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VariantOptions {
    variant: Variant,
}

pub const BASE64_ENCODE: StageDef = StageDef {
    kind: "base64-encode",
    title: "Base64 encode",
    summary: "Bytes to base64 text: standard (padded) or URL-safe (unpadded).",
    params: &[VARIANT],
    extension: Some(Extension {
        add: ".b64",
        strip: "",
    }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let VariantOptions { variant } = o.typed()?;
        Ok(Box::new(Base64Encoder::new(variant)))
    })
};

pub const BASE64_DECODE: StageDef = StageDef {
    kind: "base64-decode",
    title: "Base64 decode",
    summary: "Base64 text to bytes; whitespace is skipped, padding optional; a bad character is an error naming its offset.",
    params: &[VARIANT],
    extension: Some(Extension { add: "", strip: ".b64" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let VariantOptions { variant } = o.typed()?;
        Ok(Box::new(Base64Decoder::new(variant)))
    })
};
