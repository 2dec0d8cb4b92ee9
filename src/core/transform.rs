//! The core transform shape: a resumable state machine over caller-owned
//! buffers, in the manner of `csv_core::Reader`. The web glue turns it into the
//! `transform`/`flush` pair of a WHATWG `Transformer`
//! (<https://streams.spec.whatwg.org/#transformer-api>).
//!
//! # Termination
//!
//! Feed input with [`Transform::transform`], calling again with the unconsumed
//! rest while the status is [`Status::OutputFull`] or [`Status::RecordEnd`],
//! until it reports [`Status::NeedInput`]. At the end of the stream call
//! [`Transform::finish`] the same way until it reports [`Status::Finished`].
//! [`Driver`] does exactly this and owns the output buffer.

use crate::core::Error;

/// Why a call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// All input was consumed; give more (or call `finish`).
    NeedInput,
    /// The output buffer is full; call again with more room.
    OutputFull,
    /// A record ended: everything written since the previous `RecordEnd` is
    /// one record. Only [`Shape::Records`] transforms report this.
    RecordEnd,
    /// From `finish`: nothing more will be written. From `transform`: the
    /// transform wants no more input (`head` has its N lines); the rest of
    /// this input and all later input are ignored, and the glue cancels
    /// upstream.
    Finished,
}

/// What one call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub consumed: usize,
    pub written: usize,
    pub status: Status,
}

impl Progress {
    /// Nothing consumed, nothing written, and nothing more to come.
    pub const FINISHED: Progress = Progress {
        consumed: 0,
        written: 0,
        status: Status::Finished,
    };
}

/// Copies `input` to `output` through `map`, as far as both allow: the whole
/// work of a byte-for-byte stage.
pub fn copy_through(input: &[u8], output: &mut [u8], map: fn(&mut [u8])) -> Progress {
    let n = input.len().min(output.len());
    output[..n].copy_from_slice(&input[..n]);
    map(&mut output[..n]);
    Progress {
        consumed: n,
        written: n,
        status: if n == input.len() {
            Status::NeedInput
        } else {
            Status::OutputFull
        },
    }
}

/// How output relates to input, so the glue can pick the cheapest path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Output equals input, chunk for chunk: the glue forwards the chunk.
    Passthrough,
    /// Each byte maps to one byte in place with no state across bytes: the
    /// glue uses [`Transform::map_in_place`] on the chunk it was handed,
    /// because allocating a fresh 64 KiB output costs ~8× the whole stage.
    SameLength,
    /// A byte stream: output is coalesced into one chunk per input chunk.
    Bytes,
    /// A sequence of records, each closed by [`Status::RecordEnd`].
    Records,
}

/// A chunk-by-chunk transform. Implementations never panic on input, and their
/// output must not depend on how the input was split into chunks.
pub trait Transform {
    /// The catalogue kind, used in error messages.
    fn kind(&self) -> &'static str;

    fn shape(&self) -> Shape;

    /// Consumes some of `input`, writes some of `output`.
    ///
    /// # Errors
    ///
    /// Bad data, naming the stage and the position. An error carries no
    /// progress, so a transform that finds bad data after writing output in
    /// the same call returns that progress first and the error on the next
    /// call ([`Deferred`] does this). After an error the transform must not
    /// be fed again.
    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error>;

    /// Writes whatever the end of input releases (a held byte, a last record).
    ///
    /// # Errors
    ///
    /// Data that is incomplete at the end, naming the position.
    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error>;

    /// For [`Shape::SameLength`] and [`Shape::Passthrough`]: transform `buf`
    /// in place. Returns `false` when the transform has no in-place path.
    fn map_in_place(&mut self, _buf: &mut [u8]) -> bool {
        false
    }

    /// How many ms the chunk of `len` bytes arriving at `now_ms` must wait
    /// before it goes on (pacing stages: `throttle`, `delay`).
    fn pace_ms(&mut self, _len: usize, _now_ms: f64) -> f64 {
        0.0
    }

    /// Records skipped as bad so far (tolerant mode), for metrics.
    fn rejected(&self) -> u64 {
        0
    }

    /// A result worth showing once the stream ended (a digest), for metrics.
    fn result(&self) -> Option<String> {
        None
    }

    /// Structured details for metrics (rejected records and why).
    fn details(&self) -> Option<serde_json::Value> {
        None
    }

    /// Whether the records (or NDJSON lines) arriving from now on are in
    /// `JSON.stringify`'s form (see [`crate::core::canon`]): the web layer
    /// says so of what it feeds, and may say so again for each chunk.
    fn canonical_input(&mut self, _on: bool) {}

    /// A stage that reads NDJSON bytes and can take them on trust when
    /// they are in `JSON.stringify`'s form (`ndjson-parse`).
    fn reads_ndjson(&self) -> bool {
        false
    }

    /// Takes `input`, whole NDJSON lines said to be in `JSON.stringify`'s
    /// form ([`Transform::canonical_input`]), as records passed on
    /// unchanged: `Some(records)` when it has, and then the caller sends
    /// `input` on itself; `None` when the stage must read them (it does
    /// not pass lines, a line is pending or too long, a line is blank), and
    /// nothing has changed.
    fn pass_lines(&mut self, _input: &[u8]) -> Option<u64> {
        None
    }

    /// A stage that writes NDJSON bytes: `Some(true)` while everything it
    /// has written is lines in `JSON.stringify`'s form (`csv-to-ndjson`
    /// with distinct keys that are not array indices), `Some(false)` once
    /// that is not so, `None` for a stage that writes no NDJSON.
    fn ndjson_out(&self) -> Option<bool> {
        None
    }

    /// The record just ended is in `JSON.stringify`'s form: it may join a
    /// batch for the next Rust stage without being put in that form again.
    fn record_canonical(&self) -> bool {
        false
    }
}

/// An error found after good output was written in the same call, held back
/// so that the output is handed on first (see [`Transform::transform`]).
#[derive(Debug, Default)]
pub struct Deferred(Option<Error>);

impl Deferred {
    /// The held error, if any: return it before doing anything else.
    pub fn check(&mut self) -> Result<(), Error> {
        self.0.take().map_or(Ok(()), Err)
    }

    /// The transform's answer for a run that advanced `consumed` and
    /// `written` and ended with `outcome`: the progress, or the error —
    /// held back if output was written before it.
    ///
    /// # Errors
    ///
    /// The run's error, when nothing was written before it.
    pub fn settle(
        &mut self,
        outcome: Result<Status, Error>,
        consumed: usize,
        written: usize,
    ) -> Result<Progress, Error> {
        match outcome {
            Ok(status) => Ok(Progress {
                consumed,
                written,
                status,
            }),
            Err(e) => self.defer(e, consumed, written),
        }
    }

    /// Returns `error` now if nothing was written, else the progress now
    /// and the error on the next call.
    pub fn defer(
        &mut self,
        error: Error,
        consumed: usize,
        written: usize,
    ) -> Result<Progress, Error> {
        if written == 0 {
            return Err(error);
        }
        self.0 = Some(error);
        Ok(Progress {
            consumed,
            written,
            status: Status::OutputFull,
        })
    }
}

/// One output unit handed to the driver's caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Part of a byte stream (coalesced per input chunk).
    Bytes(&'a [u8]),
    /// One whole record.
    Record(&'a [u8]),
    /// One whole record known to be in `JSON.stringify`'s form already.
    Canonical(&'a [u8]),
}

/// Whether a transform wants more input after a [`Driver::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    More,
    /// The transform is satisfied: stop feeding it, finish it, and cancel
    /// whatever produces its input.
    Enough,
}

/// A byte-stream output piece is flushed once it reaches this size, so one
/// input chunk that expands enormously cannot grow one output chunk without
/// bound.
const MAX_BYTES_PIECE: usize = 1 << 20;

/// Runs a [`Transform`] over whole chunks and owns its output buffer.
pub struct Driver {
    transform: Box<dyn Transform>,
    out: Vec<u8>,
    filled: usize,
    /// The most output room offered per call; tests set 1 to prove that a
    /// transform copes with a 1-byte output buffer.
    step: usize,
}

impl Driver {
    pub fn new(transform: Box<dyn Transform>) -> Self {
        Self::with_step(transform, usize::MAX)
    }

    pub fn with_step(transform: Box<dyn Transform>, step: usize) -> Self {
        Driver {
            transform,
            out: vec![0; 256],
            filled: 0,
            step: step.max(1),
        }
    }

    pub fn shape(&self) -> Shape {
        self.transform.shape()
    }

    /// The stream has ended (finished, failed, cancelled or aborted): frees
    /// the transform's state and the output buffer now, keeping only what
    /// metrics read afterwards (kind, shape, rejected count, details,
    /// result), so a stage's memory does not wait for JS to collect its
    /// stream. A call after this is an error naming the stage.
    pub fn release(&mut self) {
        let spent = Spent {
            kind: self.transform.kind(),
            shape: self.transform.shape(),
            rejected: self.transform.rejected(),
            details: self.transform.details(),
            result: self.transform.result(),
        };
        self.transform = Box::new(spent);
        self.out = Vec::new();
        self.filled = 0;
    }

    pub fn kind(&self) -> &'static str {
        self.transform.kind()
    }

    /// The transform's [`Transform::pace_ms`].
    pub fn pace_ms(&mut self, len: usize, now_ms: f64) -> f64 {
        self.transform.pace_ms(len, now_ms)
    }

    /// The transform's [`Transform::rejected`].
    pub fn rejected(&self) -> u64 {
        self.transform.rejected()
    }

    /// The transform's [`Transform::details`].
    pub fn details(&self) -> Option<serde_json::Value> {
        self.transform.details()
    }

    /// The transform's [`Transform::result`].
    pub fn result(&self) -> Option<String> {
        self.transform.result()
    }

    /// The transform's [`Transform::canonical_input`].
    pub fn canonical_input(&mut self, on: bool) {
        self.transform.canonical_input(on);
    }

    /// The transform's [`Transform::pass_lines`].
    pub fn pass_lines(&mut self, input: &[u8]) -> Option<u64> {
        self.transform.pass_lines(input)
    }

    /// The transform's [`Transform::reads_ndjson`].
    pub fn reads_ndjson(&self) -> bool {
        self.transform.reads_ndjson()
    }

    /// The transform's [`Transform::ndjson_out`].
    pub fn ndjson_out(&self) -> Option<bool> {
        self.transform.ndjson_out()
    }

    /// The in-place path of [`Transform::map_in_place`].
    pub fn map_in_place(&mut self, buf: &mut [u8]) -> bool {
        self.transform.map_in_place(buf)
    }

    /// Feeds one input chunk, handing every finished piece to `emit`.
    ///
    /// # Errors
    ///
    /// The transform's data error. Everything good before it, byte output
    /// produced earlier in this same chunk included, is emitted first.
    pub fn push(&mut self, input: &[u8], emit: &mut dyn FnMut(Piece<'_>)) -> Result<Flow, Error> {
        let mut pos = 0;
        let mut flow = Flow::More;
        loop {
            self.reserve();
            let end = self.out.len().min(self.filled.saturating_add(self.step));
            let p = match self
                .transform
                .transform(&input[pos..], &mut self.out[self.filled..end])
            {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e, emit)),
            };
            pos += p.consumed;
            self.filled += p.written;
            match p.status {
                Status::NeedInput => break,
                Status::Finished => {
                    flow = Flow::Enough;
                    break;
                }
                Status::RecordEnd => self.emit_record(emit),
                Status::OutputFull => self.flush_if_large(emit),
            }
        }
        if self.shape() != Shape::Records {
            self.emit_bytes(emit);
        }
        Ok(flow)
    }

    /// Ends the input, handing the last pieces to `emit`.
    ///
    /// # Errors
    ///
    /// The transform's end-of-data error, after everything good before it.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Piece<'_>)) -> Result<(), Error> {
        loop {
            self.reserve();
            let end = self.out.len().min(self.filled.saturating_add(self.step));
            let p = match self.transform.finish(&mut self.out[self.filled..end]) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e, emit)),
            };
            self.filled += p.written;
            match p.status {
                Status::Finished => break,
                Status::RecordEnd => self.emit_record(emit),
                Status::OutputFull | Status::NeedInput => self.flush_if_large(emit),
            }
        }
        if self.shape() == Shape::Records {
            if self.filled > 0 {
                self.emit_record(emit);
            }
        } else {
            self.emit_bytes(emit);
        }
        Ok(())
    }

    /// Hands on the byte output made before a fault (a partial record is
    /// not good output: it is dropped), then returns the fault.
    fn fail(&mut self, error: Error, emit: &mut dyn FnMut(Piece<'_>)) -> Error {
        if self.shape() == Shape::Records {
            self.filled = 0;
        } else {
            self.emit_bytes(emit);
        }
        error
    }

    /// Makes sure there is at least one byte of room after `filled`.
    fn reserve(&mut self) {
        if self.filled == self.out.len() {
            let grown = (self.out.len() * 2).max(256);
            self.out.resize(grown, 0);
        }
    }

    fn emit_record(&mut self, emit: &mut dyn FnMut(Piece<'_>)) {
        let record = &self.out[..self.filled];
        if self.transform.record_canonical() {
            debug_assert!(crate::core::canon::is_form(record), "{}", self.kind());
            debug_assert!(std::str::from_utf8(record).is_ok(), "{}", self.kind());
            emit(Piece::Canonical(record));
        } else {
            emit(Piece::Record(record));
        }
        self.filled = 0;
    }

    fn emit_bytes(&mut self, emit: &mut dyn FnMut(Piece<'_>)) {
        if self.filled > 0 {
            emit(Piece::Bytes(&self.out[..self.filled]));
            self.filled = 0;
        }
    }

    fn flush_if_large(&mut self, emit: &mut dyn FnMut(Piece<'_>)) {
        if self.shape() == Shape::Records || self.filled < MAX_BYTES_PIECE {
            return;
        }
        // Cut before a UTF-8 character the buffer holds only part of, so a
        // text stage's chunks stay whole characters; for other bytes it only
        // moves the cut by up to 3.
        let mut lead = self.filled - 1;
        while lead > self.filled.saturating_sub(4) && self.out[lead] & 0xC0 == 0x80 {
            lead -= 1;
        }
        let width = match self.out[lead] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        let cut = if lead + width > self.filled {
            lead
        } else {
            self.filled
        };
        emit(Piece::Bytes(&self.out[..cut]));
        self.out.copy_within(cut..self.filled, 0);
        self.filled -= cut;
    }
}

/// What a [`Driver`] keeps of a transform after [`Driver::release`].
struct Spent {
    kind: &'static str,
    shape: Shape,
    rejected: u64,
    details: Option<serde_json::Value>,
    result: Option<String>,
}

impl Spent {
    fn ended(&self) -> Error {
        Error::Ended { stage: self.kind }
    }
}

impl Transform for Spent {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn shape(&self) -> Shape {
        self.shape
    }

    fn transform(&mut self, _input: &[u8], _output: &mut [u8]) -> Result<Progress, Error> {
        Err(self.ended())
    }

    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Err(self.ended())
    }

    fn rejected(&self) -> u64 {
        self.rejected
    }

    fn result(&self) -> Option<String> {
        self.result.clone()
    }

    fn details(&self) -> Option<serde_json::Value> {
        self.details.clone()
    }
}
