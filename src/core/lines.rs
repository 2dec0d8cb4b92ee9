//! `split-lines`: bytes in, one record per line out (without its terminator).
//! Lines end at LF or CRLF; a CR not followed by LF is data. A last line
//! without a newline is still a line. Each line must be UTF-8, since the glue
//! hands it on as a JS string.

use crate::core::{Error, Progress, Shape, Status, Transform};

const KIND: &str = "split-lines";

#[derive(Debug)]
pub struct LineSplitter {
    max: u64,
    /// 1-based number of the line being read.
    line: u64,
    /// Offset of the first byte of the current line.
    line_start: u64,
    /// Bytes consumed so far.
    offset: u64,
    /// Content bytes of the current line so far.
    line_len: u64,
    /// Whether any byte of the current line (terminator included) was seen.
    in_line: bool,
    /// A CR was the last byte seen; whether it is data depends on the next.
    pending_cr: bool,
    /// The start of a UTF-8 sequence cut by the end of a chunk.
    tail: [u8; 4],
    tail_len: usize,
    tail_offset: u64,
    finished: bool,
}

impl LineSplitter {
    /// `max_line_bytes` bounds a line's content, terminator excluded.
    pub fn new(max_line_bytes: u64) -> Self {
        LineSplitter {
            max: max_line_bytes,
            line: 1,
            line_start: 0,
            offset: 0,
            line_len: 0,
            in_line: false,
            pending_cr: false,
            tail: [0; 4],
            tail_len: 0,
            tail_offset: 0,
            finished: false,
        }
    }

    fn too_long(&self) -> Error {
        Error::LineTooLong {
            stage: KIND,
            line: self.line,
            offset: self.line_start,
            max: self.max,
        }
    }

    fn bad_utf8(&self, offset: u64) -> Error {
        Error::InvalidUtf8 {
            stage: KIND,
            line: self.line,
            offset,
        }
    }

    /// Validates content bytes that start at input offset `at`, carrying a
    /// sequence cut at the end of `seg` over to the next call.
    fn check_utf8(&mut self, mut seg: &[u8], mut at: u64) -> Result<(), Error> {
        while self.tail_len > 0 {
            let Some((&b, rest)) = seg.split_first() else {
                return Ok(());
            };
            self.tail[self.tail_len] = b;
            self.tail_len += 1;
            seg = rest;
            at += 1;
            match std::str::from_utf8(&self.tail[..self.tail_len]) {
                Ok(_) => self.tail_len = 0,
                Err(e) if e.error_len().is_some() => return Err(self.bad_utf8(self.tail_offset)),
                Err(_) => {}
            }
        }
        match std::str::from_utf8(seg) {
            Ok(_) => Ok(()),
            Err(e) => {
                let bad = e.valid_up_to();
                if e.error_len().is_some() {
                    return Err(self.bad_utf8(at + bad as u64));
                }
                let cut = &seg[bad..];
                self.tail[..cut.len()].copy_from_slice(cut);
                self.tail_len = cut.len();
                self.tail_offset = at + bad as u64;
                Ok(())
            }
        }
    }

    /// Closes the current line: checks it ended on a whole character.
    fn end_line(&mut self) -> Result<(), Error> {
        if self.tail_len > 0 {
            return Err(self.bad_utf8(self.tail_offset));
        }
        self.line += 1;
        self.line_start = self.offset;
        self.line_len = 0;
        self.in_line = false;
        Ok(())
    }

    /// Turns a held CR into data (it was not followed by LF).
    fn release_cr(&mut self, output: &mut [u8], w: &mut usize) -> Result<(), Error> {
        if self.line_len == self.max {
            return Err(self.too_long());
        }
        self.check_utf8(b"\r", self.offset - 1)?;
        output[*w] = b'\r';
        *w += 1;
        self.line_len += 1;
        self.pending_cr = false;
        Ok(())
    }
}

impl Transform for LineSplitter {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn shape(&self) -> Shape {
        Shape::Records
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let (mut i, mut w) = (0, 0);
        let progress = |consumed, written, status| Progress {
            consumed,
            written,
            status,
        };
        loop {
            if self.pending_cr {
                match input.get(i) {
                    None => return Ok(progress(i, w, Status::NeedInput)),
                    Some(b'\n') => {
                        i += 1;
                        self.offset += 1;
                        self.pending_cr = false;
                        self.end_line()?;
                        return Ok(progress(i, w, Status::RecordEnd));
                    }
                    Some(_) if w == output.len() => return Ok(progress(i, w, Status::OutputFull)),
                    Some(_) => self.release_cr(output, &mut w)?,
                }
            }
            let rest = &input[i..];
            if rest.is_empty() {
                return Ok(progress(i, w, Status::NeedInput));
            }
            self.in_line = true;
            let stop = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            let allowed = usize::try_from(self.max - self.line_len).unwrap_or(usize::MAX);
            let n = stop.min(output.len() - w).min(allowed);
            self.check_utf8(&rest[..n], self.offset)?;
            output[w..w + n].copy_from_slice(&rest[..n]);
            i += n;
            w += n;
            self.offset += n as u64;
            self.line_len += n as u64;
            if n < stop {
                if self.line_len == self.max {
                    return Err(self.too_long());
                }
                return Ok(progress(i, w, Status::OutputFull));
            }
            if i == input.len() {
                return Ok(progress(i, w, Status::NeedInput));
            }
            i += 1;
            self.offset += 1;
            if input[i - 1] == b'\n' {
                self.end_line()?;
                return Ok(progress(i, w, Status::RecordEnd));
            }
            self.pending_cr = true;
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        let mut w = 0;
        if self.pending_cr {
            if output.is_empty() {
                return Ok(Progress {
                    consumed: 0,
                    written: 0,
                    status: Status::OutputFull,
                });
            }
            self.release_cr(output, &mut w)?;
        }
        let status = if self.in_line && !self.finished {
            self.end_line()?;
            Status::RecordEnd
        } else {
            Status::Finished
        };
        self.finished = true;
        Ok(Progress {
            consumed: 0,
            written: w,
            status,
        })
    }
}

// ---- Catalogue definition ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SplitOptions {
    max_line_bytes: u64,
}

pub const SPLIT_LINES: StageDef = StageDef {
    kind: "split-lines",
    title: "Split lines",
    summary: "One string per line, without its LF or CRLF; a last line without a newline counts.",
    params: &[ParamSpec::int(
        "maxLineBytes",
        1 << 20,
        1,
        1 << 30,
        "The longest line allowed, in bytes; a longer one is an error naming its line number.",
    )],
    ..StageDef::transform(DataType::Bytes, DataType::Text, |o, _| {
        let SplitOptions { max_line_bytes } = o.typed()?;
        Ok(Box::new(LineSplitter::new(max_line_bytes)))
    })
};
