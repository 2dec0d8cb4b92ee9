//! `ndjson-parse`: newline-delimited JSON bytes in, one record per line out
//! (the glue turns each into a JS value: object mode). Blank lines are
//! skipped. Every line is checked with serde_json, so a bad one is reported
//! here with its line number and offset, before any of it reaches JS.
//! Tolerant mode (`maxErrors`) skips and counts bad lines instead, and fails
//! once there are more than `maxErrors`, naming the last.

use serde::de::IgnoredAny;

use crate::core::{Error, Progress, Shape, Status, Transform};

const KIND: &str = "ndjson-parse";

pub struct NdjsonParse {
    max_line: u64,
    max_errors: u64,
    line: Vec<u8>,
    /// 1-based number of the line being read, and where it starts.
    line_no: u64,
    line_start: u64,
    offset: u64,
    /// A checked line waiting to be written out, and how much is written.
    ready: bool,
    written: usize,
    rejected: u64,
    finished: bool,
}

impl NdjsonParse {
    pub fn new(max_line: u64, max_errors: u64) -> Self {
        NdjsonParse {
            max_line,
            max_errors,
            line: Vec::new(),
            line_no: 1,
            line_start: 0,
            offset: 0,
            ready: false,
            written: 0,
            rejected: 0,
            finished: false,
        }
    }

    /// Checks the completed `line`: a record to write, a blank line to skip,
    /// or a bad line to skip (tolerant) or fail on.
    fn close_line(&mut self) -> Result<(), Error> {
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        let (line, start) = (self.line_no, self.line_start);
        self.line_no += 1;
        self.line_start = self.offset;
        if self.line.iter().all(u8::is_ascii_whitespace) {
            self.line.clear();
            return Ok(());
        }
        // serde_json skips string contents unchecked when it ignores them,
        // and JS would get U+FFFD in place of bad bytes: check UTF-8 first.
        let checked = match std::str::from_utf8(&self.line) {
            Err(e) => Err((
                Some(start + e.valid_up_to() as u64),
                format!("invalid UTF-8 at byte {}", start + e.valid_up_to() as u64),
            )),
            Ok(_) => {
                serde_json::from_slice::<IgnoredAny>(&self.line).map_err(|e| (None, e.to_string()))
            }
        };
        match checked {
            Ok(_) => {
                self.ready = true;
                self.written = 0;
                Ok(())
            }
            Err((utf8_at, detail)) => {
                self.line.clear();
                self.rejected += 1;
                if self.max_errors == 0 {
                    return Err(match utf8_at {
                        Some(offset) => Error::InvalidUtf8 {
                            stage: KIND,
                            line,
                            offset,
                        },
                        None => Error::BadRecord {
                            stage: KIND,
                            line,
                            offset: start,
                            detail,
                        },
                    });
                }
                if self.rejected > self.max_errors {
                    return Err(Error::TooManyBadRecords {
                        stage: KIND,
                        count: self.rejected,
                        max: self.max_errors,
                        line,
                        detail,
                    });
                }
                Ok(())
            }
        }
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if (self.line.len() + bytes.len()) as u64 > self.max_line {
            return Err(Error::LineTooLong {
                stage: KIND,
                line: self.line_no,
                offset: self.line_start,
                max: self.max_line,
            });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the ready record; `Some(status)` when the call must return.
    fn write_ready(&mut self, output: &mut [u8], w: &mut usize) -> Option<Status> {
        if !self.ready {
            return None;
        }
        let n = (self.line.len() - self.written).min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.line[self.written..self.written + n]);
        self.written += n;
        *w += n;
        if self.written < self.line.len() {
            return Some(Status::OutputFull);
        }
        self.ready = false;
        self.line.clear();
        Some(Status::RecordEnd)
    }
}

impl Transform for NdjsonParse {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn shape(&self) -> Shape {
        Shape::Records
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let (mut i, mut w) = (0, 0);
        let done = |i, w, status| {
            Ok(Progress {
                consumed: i,
                written: w,
                status,
            })
        };
        loop {
            if let Some(status) = self.write_ready(output, &mut w) {
                return done(i, w, status);
            }
            if i == input.len() {
                return done(i, w, Status::NeedInput);
            }
            match memchr::memchr(b'\n', &input[i..]) {
                Some(k) => {
                    self.append(&input[i..i + k])?;
                    i += k + 1;
                    self.offset += k as u64 + 1;
                    self.close_line()?;
                }
                None => {
                    self.append(&input[i..])?;
                    self.offset += (input.len() - i) as u64;
                    i = input.len();
                }
            }
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        if !self.finished && !self.ready {
            self.finished = true;
            if !self.line.is_empty() {
                self.close_line()?;
            }
        }
        let mut w = 0;
        let status = self.write_ready(output, &mut w).unwrap_or(Status::Finished);
        Ok(Progress {
            consumed: 0,
            written: w,
            status,
        })
    }

    fn rejected(&self) -> u64 {
        self.rejected
    }
}

/// `ndjson-stringify`: each record, as JSON text, then a newline. The glue
/// serialises each JS value with `JSON.stringify` (which never writes a raw
/// newline) and frames it; this stage passes the framed bytes on.
#[derive(Default)]
pub struct NdjsonStringify;

impl Transform for NdjsonStringify {
    fn kind(&self) -> &'static str {
        "ndjson-stringify"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let n = input.len().min(output.len());
        output[..n].copy_from_slice(&input[..n]);
        let status = if n == input.len() {
            Status::NeedInput
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: n,
            written: n,
            status,
        })
    }

    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress {
            consumed: 0,
            written: 0,
            status: Status::Finished,
        })
    }
}
