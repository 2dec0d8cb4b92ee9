//! The machinery every line- or record-at-a-time stage shares: gather a line
//! (LF-ended; a CR before it is dropped), hand it to a [`RecordFn`], write
//! what that returns, skip blank lines, and apply tolerant mode
//! (`maxErrors`). Object-mode stages see NDJSON lines here: the glue
//! serialises each JS record into one line, and parses each output line back.

use crate::core::{Deferred, Error, Progress, Shape, Status, Transform};

/// What a per-record stage does with one record.
pub trait RecordFn {
    fn kind(&self) -> &'static str;

    /// Maps `record` (one line, without its terminator), appending what to
    /// emit to `out`. Returns `Ok(true)` to emit, `Ok(false)` to drop it
    /// (filtered out), or `Err(reason)` for a bad record.
    ///
    /// # Errors
    ///
    /// The reason the record is bad; the adapter adds line and offset.
    fn map(&mut self, record: &[u8], out: &mut Vec<u8>) -> Result<bool, RecordError>;

    /// Details for metrics (what was rejected and why).
    fn details(&self) -> Option<serde_json::Value> {
        None
    }

    /// True once the stage wants no more records (`head-records`): the
    /// adapter then reports `Finished`, and the glue cancels upstream.
    fn satisfied(&self) -> bool {
        false
    }
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordError {
    /// Not UTF-8, at this byte of the record.
    Utf8(usize),
    /// Anything else, in words.
    Invalid(String),
}

pub struct PerRecord<F> {
    f: F,
    /// `Records`: one output chunk per record. `Bytes`: lines, each with its
    /// newline, coalesced per input chunk.
    shape: Shape,
    max_line: u64,
    max_errors: u64,
    line: Vec<u8>,
    line_no: u64,
    line_start: u64,
    offset: u64,
    out: Vec<u8>,
    written: usize,
    ready: bool,
    rejected: u64,
    /// The first bad records: (line, reason).
    examples: Vec<(u64, String)>,
    finished: bool,
    deferred: Deferred,
}

/// How many bad records the metrics list.
const EXAMPLES: usize = 10;

impl<F: RecordFn> PerRecord<F> {
    pub fn new(f: F, shape: Shape, max_line: u64, max_errors: u64) -> Self {
        PerRecord {
            f,
            shape,
            max_line,
            max_errors,
            line: Vec::new(),
            line_no: 1,
            line_start: 0,
            offset: 0,
            out: Vec::new(),
            written: 0,
            ready: false,
            rejected: 0,
            examples: Vec::new(),
            finished: false,
            deferred: Deferred::default(),
        }
    }

    /// A whole line has been gathered: map it, skip it, or refuse it.
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
        self.out.clear();
        let result = self.f.map(&self.line, &mut self.out);
        self.line.clear();
        match result {
            Ok(emit) => {
                if emit {
                    if self.shape == Shape::Bytes {
                        self.out.push(b'\n');
                    }
                    self.ready = true;
                    self.written = 0;
                }
                Ok(())
            }
            Err(reason) => {
                self.rejected += 1;
                let kind = self.f.kind();
                if self.examples.len() < EXAMPLES {
                    let text = match &reason {
                        RecordError::Utf8(at) => {
                            format!("invalid UTF-8 at byte {}", start + *at as u64)
                        }
                        RecordError::Invalid(d) => d.clone(),
                    };
                    self.examples.push((line, text));
                }
                if self.max_errors == 0 {
                    return Err(match reason {
                        RecordError::Utf8(at) => Error::InvalidUtf8 {
                            stage: kind,
                            line,
                            offset: start + at as u64,
                        },
                        RecordError::Invalid(detail) => Error::BadRecord {
                            stage: kind,
                            line,
                            offset: start,
                            detail,
                        },
                    });
                }
                if self.rejected > self.max_errors {
                    let detail = match reason {
                        RecordError::Utf8(at) => {
                            format!("invalid UTF-8 at byte {}", start + at as u64)
                        }
                        RecordError::Invalid(d) => d,
                    };
                    return Err(Error::TooManyBadRecords {
                        stage: kind,
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
                stage: self.f.kind(),
                line: self.line_no,
                offset: self.line_start,
                max: self.max_line,
            });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the ready output; `Some(status)` when the call must return.
    fn write_ready(&mut self, output: &mut [u8], w: &mut usize) -> Option<Status> {
        if !self.ready {
            return None;
        }
        let n = (self.out.len() - self.written).min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.out[self.written..self.written + n]);
        self.written += n;
        *w += n;
        if self.written < self.out.len() {
            return Some(Status::OutputFull);
        }
        self.ready = false;
        (self.shape == Shape::Records).then_some(Status::RecordEnd)
    }

    fn run(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        i: &mut usize,
        w: &mut usize,
    ) -> Result<Status, Error> {
        loop {
            if let Some(status) = self.write_ready(output, w) {
                return Ok(status);
            }
            if self.f.satisfied() {
                return Ok(Status::Finished);
            }
            if *i == input.len() {
                return Ok(Status::NeedInput);
            }
            match memchr::memchr(b'\n', &input[*i..]) {
                Some(k) => {
                    self.append(&input[*i..*i + k])?;
                    *i += k + 1;
                    self.offset += k as u64 + 1;
                    self.close_line()?;
                }
                None => {
                    self.append(&input[*i..])?;
                    self.offset += (input.len() - *i) as u64;
                    *i = input.len();
                }
            }
        }
    }
}

impl<F: RecordFn> Transform for PerRecord<F> {
    fn kind(&self) -> &'static str {
        self.f.kind()
    }

    fn shape(&self) -> Shape {
        self.shape
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        let (mut i, mut w) = (0, 0);
        let outcome = self.run(input, output, &mut i, &mut w);
        self.deferred.settle(outcome, i, w)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
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

    fn details(&self) -> Option<serde_json::Value> {
        if self.examples.is_empty() {
            return self.f.details();
        }
        let bad: Vec<_> = self
            .examples
            .iter()
            .map(|(line, reason)| serde_json::json!({ "line": line, "reason": reason }))
            .collect();
        Some(serde_json::json!({ "rejected": self.rejected, "firstRejected": bad }))
    }
}

/// Tolerant mode, shared by every record stage: `maxErrors`.
pub const MAX_ERRORS: crate::core::options::ParamSpec = crate::core::options::ParamSpec::int(
    "maxErrors",
    0,
    0,
    crate::core::stage::MAX_SAFE,
    "Bad records to skip and count before failing; 0 fails on the first.",
);
