//! `text-decode`: UTF-8 bytes to text. Invalid bytes are an error naming
//! their offset, or, with `replace`, become U+FFFD exactly as the WHATWG
//! `TextDecoder` replaces them (one per maximal invalid subpart, which is
//! what `Utf8Error::error_len` reports). A character cut by a chunk
//! boundary is held until the next chunk completes it.
//!
//! `text-encode`: text to UTF-8 bytes; the glue hands over each string's
//! UTF-8, so this stage passes bytes on.

use crate::core::{Deferred, Error, Progress, Shape, Status, Transform};

const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

pub struct TextDecode {
    replace: bool,
    /// The start of a character cut by the end of the last chunk.
    held: Vec<u8>,
    offset: u64,
    /// Output that did not fit (a replacement character, a held character).
    pending: Vec<u8>,
    deferred: Deferred,
}

impl TextDecode {
    pub fn new(replace: bool) -> Self {
        TextDecode {
            replace,
            held: Vec::new(),
            offset: 0,
            pending: Vec::new(),
            deferred: Deferred::default(),
        }
    }

    fn invalid(&self, at: u64) -> Error {
        Error::Codec {
            stage: "text-decode",
            offset: at,
            detail: "invalid UTF-8".to_string(),
        }
    }

    /// Moves `pending` out; false if the output filled first.
    fn drain(&mut self, output: &mut [u8], w: &mut usize) -> bool {
        let n = self.pending.len().min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        *w += n;
        self.pending.is_empty()
    }

    /// An invalid sequence at stream offset `at`: an error, or U+FFFD.
    fn bad(&mut self, at: u64) -> Result<(), Error> {
        if !self.replace {
            return Err(self.invalid(at));
        }
        self.pending.extend_from_slice(REPLACEMENT);
        Ok(())
    }

    /// Settles the held bytes against the start of `input`.
    fn settle_held(&mut self, input: &[u8], i: &mut usize) -> Result<(), Error> {
        while !self.held.is_empty() && self.pending.is_empty() {
            let take = (4 - self.held.len()).min(input.len() - *i);
            let mut joint = self.held.clone();
            joint.extend_from_slice(&input[*i..*i + take]);
            let held_start = self.offset - self.held.len() as u64;
            match std::str::from_utf8(&joint) {
                Err(e) if e.valid_up_to() == 0 => match e.error_len() {
                    Some(n) => {
                        self.bad(held_start)?;
                        let from_input = n.saturating_sub(self.held.len());
                        *i += from_input;
                        self.offset += from_input as u64;
                        self.held.drain(..n.min(self.held.len()));
                    }
                    None => {
                        // Still incomplete: keep everything.
                        self.held = joint;
                        *i += take;
                        self.offset += take as u64;
                        return Ok(());
                    }
                },
                _ => {
                    // The held character is now whole.
                    let width = utf8_width(joint[0]);
                    self.pending.extend_from_slice(&joint[..width]);
                    let from_input = width - self.held.len();
                    *i += from_input;
                    self.offset += from_input as u64;
                    self.held.clear();
                }
            }
        }
        Ok(())
    }

    fn run(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        i: &mut usize,
        w: &mut usize,
    ) -> Result<Status, Error> {
        loop {
            if !self.drain(output, w) {
                return Ok(Status::OutputFull);
            }
            if !self.held.is_empty() {
                if *i == input.len() {
                    return Ok(Status::NeedInput);
                }
                self.settle_held(input, i)?;
                continue;
            }
            if *i == input.len() {
                return Ok(Status::NeedInput);
            }
            let rest = &input[*i..];
            let room = output.len() - *w;
            let (valid, error) = match std::str::from_utf8(rest) {
                Ok(_) => (rest.len(), None),
                Err(e) => (e.valid_up_to(), Some(e.error_len())),
            };
            // Copy the valid run, backing off to a character boundary if
            // the output is the limit.
            let mut n = valid.min(room);
            while n > 0 && n < valid && (rest[n] & 0xC0) == 0x80 {
                n -= 1;
            }
            output[*w..*w + n].copy_from_slice(&rest[..n]);
            *w += n;
            *i += n;
            self.offset += n as u64;
            if n < valid {
                if n == 0 {
                    // Not even one character fits: go through `pending`.
                    let width = utf8_width(rest[0]);
                    self.pending.extend_from_slice(&rest[..width]);
                    *i += width;
                    self.offset += width as u64;
                }
                continue;
            }
            match error {
                None => {}
                Some(Some(len)) => {
                    self.bad(self.offset)?;
                    *i += len;
                    self.offset += len as u64;
                }
                Some(None) => {
                    // A character cut by the end of this chunk.
                    self.held.extend_from_slice(&input[*i..]);
                    self.offset += (input.len() - *i) as u64;
                    *i = input.len();
                }
            }
        }
    }
}

/// Bytes in the UTF-8 sequence a lead byte starts (1 for anything else).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

impl Transform for TextDecode {
    fn kind(&self) -> &'static str {
        "text-decode"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        let (mut i, mut w) = (0, 0);
        let outcome = self.run(input, output, &mut i, &mut w);
        self.deferred.settle(outcome, i, w)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        if !self.held.is_empty() {
            // A character cut by the end of the input.
            let at = self.offset - self.held.len() as u64;
            self.held.clear();
            self.bad(at)?;
        }
        let mut w = 0;
        let status = if self.drain(output, &mut w) {
            Status::Finished
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: 0,
            written: w,
            status,
        })
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::ndjson::NdjsonStringify;
use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DecodeOptions {
    replace: bool,
}

pub const TEXT_DECODE: StageDef = StageDef {
    kind: "text-decode",
    title: "Text decode",
    summary: "UTF-8 bytes to text. Invalid bytes are an error naming their offset, or U+FFFD with replace (as TextDecoder does).",
    params: &[ParamSpec::boolean(
        "replace",
        false,
        "Replace invalid bytes with U+FFFD instead of failing.",
    )],
    ..StageDef::transform(DataType::Bytes, DataType::Text, |o, _| {
        let DecodeOptions { replace } = o.typed()?;
        Ok(Box::new(TextDecode::new(replace)))
    })
};

/// The glue hands over each string's UTF-8; the stage passes it on.
pub const TEXT_ENCODE: StageDef = StageDef {
    kind: "text-encode",
    title: "Text encode",
    summary: "Text to UTF-8 bytes.",
    poolable: true,
    ..StageDef::transform(DataType::Text, DataType::Bytes, |o, _| {
        Ok(Box::new(NdjsonStringify::named(o.kind())))
    })
};
