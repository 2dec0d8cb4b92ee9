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
    /// emit to `out`; `canonical` says the record is known to be in
    /// `JSON.stringify`'s form and UTF-8 (its producer vouched for both: JS
    /// text, or a Rust stage's [`Mapped::Canonical`] record, which is only
    /// ever said of UTF-8). Returns what became of it, or
    /// `Err(reason)` for a bad record.
    ///
    /// # Errors
    ///
    /// The reason the record is bad; the adapter adds line and offset.
    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError>;

    /// Details for metrics (what was rejected and why).
    fn details(&self) -> Option<serde_json::Value> {
        None
    }

    /// True once the stage wants no more records (`head-records`): the
    /// adapter then reports `Finished`, and the glue cancels upstream.
    fn satisfied(&self) -> bool {
        false
    }

    /// See [`Transform::reads_ndjson`].
    fn reads_ndjson(&self) -> bool {
        false
    }
}

/// What a per-record stage did with a record it did not refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// Nothing to emit (filtered out).
    Dropped,
    /// Written to emit.
    Written,
    /// Written to emit, in `JSON.stringify`'s form, and UTF-8.
    Canonical,
}

impl Mapped {
    /// Written, and in that form when `canonical` (a stage that passes a
    /// record on unchanged, or one that checked).
    pub fn kept(canonical: bool) -> Self {
        if canonical {
            Mapped::Canonical
        } else {
            Mapped::Written
        }
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

/// One copy of this code serves every record stage (`f` is a trait
/// object: a call per record costs less than the wasm a copy per stage
/// would).
pub struct PerRecord {
    f: Box<dyn RecordFn>,
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
    /// Input records are in `JSON.stringify`'s form ([`Transform::canonical_input`]).
    canonical_in: bool,
    /// The record being written is in that form.
    canonical_out: bool,
}

/// How many bad records the metrics list.
const EXAMPLES: usize = 10;

impl PerRecord {
    pub fn new(f: impl RecordFn + 'static, shape: Shape, max_line: u64, max_errors: u64) -> Self {
        PerRecord {
            f: Box::new(f),
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
            canonical_in: false,
            canonical_out: false,
        }
    }

    /// The gathered line is whole: map it, skip it, or refuse it.
    fn close_line(&mut self) -> Result<(), Error> {
        let gathered = std::mem::take(&mut self.line);
        // A line gathered across chunks is read as untrusted input: only
        // a line wholly inside one chunk said to be canonical is taken so.
        let result = self.close(&gathered, false);
        self.line = gathered;
        self.line.clear();
        result
    }

    /// A whole line (its newline gone): map it, skip it, or refuse it;
    /// `canonical` when it is known to be in `JSON.stringify`'s form.
    fn close(&mut self, text: &[u8], canonical: bool) -> Result<(), Error> {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let (line, start) = (self.line_no, self.line_start);
        self.line_no += 1;
        self.line_start = self.offset;
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.out.clear();
        debug_assert!(!canonical || std::str::from_utf8(text).is_ok());
        let result = self.f.map(text, canonical, &mut self.out);
        match result {
            Ok(mapped) => {
                if mapped != Mapped::Dropped {
                    self.canonical_out = mapped == Mapped::Canonical;
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

    /// The line so far, with `more` bytes, is within `maxLine`.
    fn check_length(&self, more: usize) -> Result<(), Error> {
        if (self.line.len() + more) as u64 > self.max_line {
            return Err(Error::LineTooLong {
                stage: self.f.kind(),
                line: self.line_no,
                offset: self.line_start,
                max: self.max_line,
            });
        }
        Ok(())
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.check_length(bytes.len())?;
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
                Some(k) if self.line.is_empty() => {
                    // The whole line is in this input: map it where it is.
                    self.check_length(k)?;
                    let line = &input[*i..*i + k];
                    *i += k + 1;
                    self.offset += k as u64 + 1;
                    self.close(line, self.canonical_in)?;
                }
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

impl Transform for PerRecord {
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

    fn canonical_input(&mut self, on: bool) {
        self.canonical_in = on;
    }

    fn reads_ndjson(&self) -> bool {
        self.f.reads_ndjson()
    }

    fn pass_lines(&mut self, input: &[u8]) -> Option<u64> {
        // Only a stage that passes NDJSON on as it is, told the lines are
        // canonical, with nothing of its own pending, and only whole lines.
        let idle = self.line.is_empty() && !self.ready && !self.finished;
        if !(self.f.reads_ndjson() && self.canonical_in && idle && input.ends_with(b"\n")) {
            return None;
        }
        let mut records = 0;
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', input) {
            // A canonical line is never blank, and is within maxLineBytes
            // or it must be read (and refused) line by line.
            if end == start || (end - start) as u64 > self.max_line {
                return None;
            }
            records += 1;
            start = end + 1;
        }
        self.line_no += records;
        self.offset += input.len() as u64;
        self.line_start = self.offset;
        Some(records)
    }

    fn record_canonical(&self) -> bool {
        self.shape == Shape::Records && self.canonical_out
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
