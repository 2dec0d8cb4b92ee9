//! `csv-to-ndjson`: CSV (RFC 4180: quoted fields with delimiters, newlines
//! and doubled quotes; LF or CRLF) in, one JSON object per record out, keyed
//! by the header row. Parsing is `csv_core::Reader`; this module frames its
//! records as NDJSON. A record whose field count differs from the header's
//! is an error naming its line, unless tolerant (`maxErrors`).

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use crate::core::{canon, Deferred, Error, Progress, Shape, Status, Transform};

const KIND: &str = "csv-to-ndjson";

pub struct CsvToNdjson {
    reader: Reader,
    delimiter: u8,
    /// The current record's field bytes and field ends, as csv-core writes
    /// them across calls.
    fields: Vec<u8>,
    nout: usize,
    ends: Vec<usize>,
    nend: usize,
    /// The header's keys, each as the JSON that starts its member.
    keys: Option<Vec<Vec<u8>>>,
    /// Where a plain line's delimiters are (reused).
    cuts: Vec<usize>,
    /// The header's keys' length, as written (`{"key":`, `,"key":`).
    keys_len: usize,
    /// The header's keys are distinct and none is an array index, so each
    /// line written is in `JSON.stringify`'s form (fields are strings,
    /// escaped as it escapes them).
    keys_canonical: bool,
    in_record: bool,
    record_line: u64,
    record_offset: u64,
    offset: u64,
    max_record: usize,
    max_errors: u64,
    rejected: u64,
    /// An NDJSON line waiting to go out, and how much of it has.
    line: Vec<u8>,
    written: usize,
    ended: bool,
    bom_checked: bool,
    /// `BOM[replay..replay_len]` is a false start still to give csv-core.
    replay: usize,
    replay_len: usize,
    deferred: Deferred,
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

impl CsvToNdjson {
    pub fn new(delimiter: u8, max_record: usize, max_errors: u64) -> Self {
        CsvToNdjson {
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            fields: vec![0; max_record.clamp(1, 1024)],
            nout: 0,
            ends: vec![0; 64],
            nend: 0,
            keys: None,
            keys_len: 0,
            cuts: Vec::new(),
            keys_canonical: true,
            in_record: false,
            record_line: 1,
            record_offset: 0,
            offset: 0,
            max_record,
            max_errors,
            rejected: 0,
            line: Vec::new(),
            written: 0,
            ended: false,
            bom_checked: false,
            replay: 0,
            replay_len: 0,
            deferred: Deferred::default(),
        }
    }

    /// Drops a UTF-8 byte-order mark at the start of the stream, however it
    /// is split across chunks (csv-core only strips one that arrives whole).
    /// A false start is replayed to csv-core as data. Returns false while
    /// undecided and the input is used up.
    fn check_bom(&mut self, input: &[u8], i: &mut usize, eof: bool) -> bool {
        while self.replay_len < 3 && input.get(*i) == Some(&BOM[self.replay_len]) {
            self.replay_len += 1;
            *i += 1;
            self.offset += 1;
        }
        if self.replay_len == 3 {
            self.replay_len = 0;
        } else if *i == input.len() && !eof {
            return false;
        }
        self.bom_checked = true;
        true
    }

    fn bad(&mut self, detail: String) -> Result<(), Error> {
        self.rejected += 1;
        if self.max_errors == 0 {
            return Err(Error::BadRecord {
                stage: KIND,
                line: self.record_line,
                offset: self.record_offset,
                detail,
            });
        }
        if self.rejected > self.max_errors {
            return Err(Error::TooManyBadRecords {
                stage: KIND,
                count: self.rejected,
                max: self.max_errors,
                line: self.record_line,
                detail,
            });
        }
        Ok(())
    }

    /// A whole record has been read: the header, an NDJSON line, or a bad
    /// record.
    fn record(&mut self) -> Result<(), Error> {
        let (nout, nend) = (self.nout, self.nend);
        self.nout = 0;
        self.nend = 0;
        self.in_record = false;
        let ends = &self.ends[..nend.min(self.ends.len())];
        // Each field is checked on its own: the fields together can be
        // valid UTF-8 while one ends inside a character the next finishes.
        let mut start = 0;
        for &end in ends {
            let end = end.min(nout);
            if let Err(e) = std::str::from_utf8(&self.fields[start..end]) {
                let detail = format!(
                    "invalid UTF-8 at byte {} of its fields",
                    start + e.valid_up_to()
                );
                return self.bad(detail);
            }
            start = end;
        }
        let Some(keys) = &self.keys else {
            // The header: each key written once, as `{"key":` or `,"key":`.
            let mut keys = Vec::with_capacity(ends.len());
            let mut start = 0;
            for (i, &end) in ends.iter().enumerate() {
                let end = end.min(nout);
                let field = &self.fields[start..end];
                let mut key = vec![if i == 0 { b'{' } else { b',' }];
                canon::json_string(field, &mut key);
                key.push(b':');
                let repeated = keys.iter().any(|k: &Vec<u8>| k[1..] == key[1..]);
                if repeated || canon::is_index(field) {
                    self.keys_canonical = false;
                }
                keys.push(key);
                start = end;
            }
            self.keys_len = keys.iter().map(Vec::len).sum();
            self.keys = Some(keys);
            return Ok(());
        };
        if ends.len() != keys.len() {
            let detail = format!(
                "it has {} fields; the header has {}",
                ends.len(),
                keys.len()
            );
            return self.bad(detail);
        }
        self.line.clear();
        let mut start = 0;
        for (key, &end) in keys.iter().zip(ends) {
            let end = end.min(nout);
            self.line.extend_from_slice(key);
            canon::json_string(&self.fields[start..end], &mut self.line);
            start = end;
        }
        if keys.is_empty() {
            self.line.push(b'{');
        }
        self.line.extend_from_slice(b"}\n");
        self.written = 0;
        Ok(())
    }

    /// The fast path for the common record: a whole line in `rest` with no
    /// quote and no carriage return but its last byte, so that its fields
    /// are what lies between delimiters, as csv-core would read them.
    /// Returns the bytes it consumed, or `None` to leave the record to
    /// csv-core (quotes, escapes, bad UTF-8 or a wrong field count, a line
    /// not all here yet, one too long).
    fn plain_record(&mut self, rest: &[u8], output: &mut [u8], w: &mut usize) -> Option<usize> {
        let nl = memchr::memchr(b'\n', rest)?;
        let line = &rest[..nl];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if body.len() > self.max_record {
            return None;
        }
        // A quote, a CR, anything JSON must escape: csv-core's path, which
        // quotes and escapes; bad UTF-8: csv-core's path names the field
        // and byte. One word-at-a-time scan finds both, and ASCII needs no
        // UTF-8 check.
        if let Some(at) = canon::special_or_high(body) {
            if body[at] < 0x80
                || canon::special(&body[at..]).is_some()
                || std::str::from_utf8(body).is_err()
            {
                return None;
            }
        }
        let keys = self.keys.as_ref()?;
        self.cuts.clear();
        self.cuts.extend(memchr::memchr_iter(self.delimiter, body));
        // A field count that is an error: csv-core's path says what is wrong.
        if self.cuts.len() + 1 != keys.len() {
            return None;
        }
        self.cuts.push(body.len());
        // The NDJSON line straight from the input (a field of valid UTF-8
        // split at an ASCII delimiter is valid too): into the output where
        // it fits, else into `line` to go out as the output frees.
        let need = self.keys_len + body.len() + keys.len() + 3;
        let direct = output.len() - *w >= need;
        if !direct {
            self.line.clear();
            self.line.resize(need, 0);
        }
        let out = if direct {
            &mut output[*w..*w + need]
        } else {
            &mut self.line[..]
        };
        let mut o = 0;
        let mut put = |bytes: &[u8]| {
            out[o..o + bytes.len()].copy_from_slice(bytes);
            o += bytes.len();
        };
        let mut start = 0;
        for (key, &end) in keys.iter().zip(&self.cuts) {
            put(key);
            put(b"\"");
            put(&body[start..end]);
            put(b"\"");
            start = end + 1;
        }
        put(b"}\n");
        debug_assert_eq!(o, need);
        if direct {
            *w += need;
        }
        self.written = 0;
        self.in_record = false;
        self.reader.set_line(self.reader.line() + 1);
        self.offset += nl as u64 + 1;
        Some(nl + 1)
    }

    /// Moves the pending line out; false when the output filled first.
    fn flush_line(&mut self, output: &mut [u8], w: &mut usize) -> bool {
        let n = (self.line.len() - self.written).min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.line[self.written..self.written + n]);
        self.written += n;
        *w += n;
        if self.written < self.line.len() {
            return false;
        }
        self.line.clear();
        self.written = 0;
        true
    }

    /// Runs [`Self::parse`] and reports its progress, deferring an error
    /// found after output was written (see `Transform::transform`).
    fn step(&mut self, input: &[u8], output: &mut [u8], eof: bool) -> Result<Progress, Error> {
        self.deferred.check()?;
        let (mut i, mut w) = (0, 0);
        let outcome = self.parse(input, output, eof, &mut i, &mut w);
        self.deferred.settle(outcome, i, w)
    }

    /// Parses as far as input and output allow; `eof` once input ended.
    /// Advances `i` (consumed) and `w` (written) as it goes.
    fn parse(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        eof: bool,
        i: &mut usize,
        w: &mut usize,
    ) -> Result<Status, Error> {
        loop {
            if !self.flush_line(output, w) {
                return Ok(Status::OutputFull);
            }
            if self.ended {
                return Ok(Status::Finished);
            }
            if !eof && *i == input.len() {
                return Ok(Status::NeedInput);
            }
            if !self.bom_checked && !self.check_bom(input, i, eof) {
                return Ok(Status::NeedInput);
            }
            if !self.in_record {
                // Skip blank lines here, keeping csv-core's line count, so the
                // line a record starts on is known exactly.
                while let Some(&b) = input
                    .get(*i)
                    .filter(|&&b| self.replay == self.replay_len && (b == b'\n' || b == b'\r'))
                {
                    if b == b'\n' {
                        self.reader.set_line(self.reader.line() + 1);
                    }
                    *i += 1;
                    self.offset += 1;
                }
                if !eof && *i == input.len() && self.replay == self.replay_len {
                    return Ok(Status::NeedInput);
                }
                self.in_record = true;
                self.record_line = self.reader.line();
                self.record_offset = self.offset;
                if self.replay == self.replay_len && self.keys.is_some() {
                    if let Some(n) = self.plain_record(&input[*i..], output, w) {
                        *i += n;
                        continue;
                    }
                }
            }
            // Bytes held back while looking for a BOM go to csv-core first;
            // they were counted in `offset` when they were consumed.
            let replaying = self.replay < self.replay_len;
            let src = if replaying {
                &BOM[self.replay..self.replay_len]
            } else {
                &input[*i..]
            };
            let (res, nin, nout, nend) = self.reader.read_record(
                src,
                &mut self.fields[self.nout..],
                &mut self.ends[self.nend..],
            );
            if replaying {
                self.replay += nin;
            } else {
                *i += nin;
                self.offset += nin as u64;
            }
            self.nout += nout;
            self.nend += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.fields.len() >= self.max_record {
                        return Err(Error::LineTooLong {
                            stage: KIND,
                            line: self.record_line,
                            offset: self.record_offset,
                            max: self.max_record as u64,
                        });
                    }
                    let grown = (self.fields.len() * 2).min(self.max_record);
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => self.record()?,
                ReadRecordResult::End => {
                    self.ended = true;
                    self.in_record = false;
                }
            }
        }
    }
}

impl Transform for CsvToNdjson {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn ndjson_out(&self) -> Option<bool> {
        Some(self.keys_canonical)
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        // csv-core reads an empty input as the end of the data.
        if input.is_empty() && self.line.is_empty() && self.replay == self.replay_len {
            return Ok(Progress {
                consumed: 0,
                written: 0,
                status: Status::NeedInput,
            });
        }
        self.step(input, output, false)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        self.step(&[], output, true)
    }

    fn rejected(&self) -> u64 {
        self.rejected
    }
}

// ---- Catalogue definition ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::records::MAX_ERRORS;
use crate::core::stage::{DataType::Bytes, Extension, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CsvOptions {
    delimiter: String,
    max_record_bytes: u64,
    max_errors: u64,
}

pub const CSV_TO_NDJSON: StageDef = StageDef {
    kind: "csv-to-ndjson",
    title: "CSV to NDJSON",
    summary: "CSV with a header row in, one JSON object per record out (keys from the header); quoted fields may hold delimiters, newlines and doubled quotes.",
    params: &[
        ParamSpec::choice("delimiter", ",", &[",", ";", "\t", "|"], "The field separator."),
        ParamSpec::int("maxRecordBytes", 1 << 20, 16, 1 << 30, "The largest record allowed, in bytes."),
        MAX_ERRORS,
    ],
    extension: Some(Extension { add: ".ndjson", strip: ".csv" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let c: CsvOptions = o.typed()?;
        Ok(Box::new(CsvToNdjson::new(
            // One of the single-byte choices.
            c.delimiter.bytes().next().unwrap_or(b','),
            usize::try_from(c.max_record_bytes).unwrap_or(usize::MAX),
            c.max_errors,
        )))
    })
};
