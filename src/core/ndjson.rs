//! `ndjson-parse`: newline-delimited JSON bytes in, one record per line out
//! (the glue turns each into a JS value: object mode). Blank lines are
//! skipped. Every line is checked with serde_json, so a bad one is reported
//! here with its line number and offset, before any of it reaches JS.
//! Tolerant mode (`maxErrors`) skips and counts bad lines instead, and fails
//! once there are more than `maxErrors`, naming the last.

use serde::de::IgnoredAny;

use crate::core::canon;
use crate::core::records::{Mapped, PerRecord, RecordError, RecordFn};
use crate::core::transform::copy_through;
use crate::core::{Error, Progress, Shape, Transform};

/// Checks that a record is UTF-8 JSON and passes it on as it is.
pub struct NdjsonCheck;

impl RecordFn for NdjsonCheck {
    fn kind(&self) -> &'static str {
        "ndjson-parse"
    }

    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError> {
        if canonical {
            // A line known to be in that form (a batch from
            // `csv-to-ndjson`) is JSON already: passed on unread.
            out.extend_from_slice(record);
            return Ok(Mapped::Canonical);
        }
        // serde_json skips string contents unchecked when it ignores them,
        // and JS would get U+FFFD in place of bad bytes: check UTF-8 first.
        std::str::from_utf8(record).map_err(|e| RecordError::Utf8(e.valid_up_to()))?;
        // A line already in JSON.stringify's form is JSON (the scan is a
        // strict reader of that form); serde_json checks the others and
        // says what is wrong.
        let canonical = canon::is_canonical(record);
        if !canonical {
            serde_json::from_slice::<IgnoredAny>(record)
                .map_err(|e| RecordError::Invalid(e.to_string()))?;
        }
        out.extend_from_slice(record);
        Ok(Mapped::kept(canonical))
    }

    fn reads_ndjson(&self) -> bool {
        true
    }
}

/// `ndjson-parse` with its line limit and tolerance.
pub fn ndjson_parse(max_line: u64, max_errors: u64) -> PerRecord {
    PerRecord::new(NdjsonCheck, Shape::Records, max_line, max_errors)
}

/// Passes framed bytes on: `ndjson-stringify` (the glue serialises each JS
/// value with `JSON.stringify`, which never writes a raw newline, and adds
/// the newline) and `text-encode` (the glue hands over each string's UTF-8).
pub struct NdjsonStringify {
    kind: &'static str,
}

impl NdjsonStringify {
    pub fn named(kind: &'static str) -> Self {
        NdjsonStringify { kind }
    }
}

impl Transform for NdjsonStringify {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        Ok(copy_through(input, output, |_| {}))
    }

    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::records::MAX_ERRORS;
use crate::core::stage::{DataType, Extension, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ParseOptions {
    max_line_bytes: u64,
    max_errors: u64,
}

pub const NDJSON_PARSE: StageDef = StageDef {
    kind: "ndjson-parse",
    title: "NDJSON parse",
    summary: "One JSON value per line in, one record (a JS value) out: object mode. Blank lines are skipped.",
    params: &[
        ParamSpec::int("maxLineBytes", 1 << 20, 1, 1 << 30, "The longest line allowed, in bytes."),
        MAX_ERRORS,
    ],
    ..StageDef::transform(DataType::Bytes, DataType::Records, |o, _| {
        let p: ParseOptions = o.typed()?;
        Ok(Box::new(ndjson_parse(p.max_line_bytes, p.max_errors)))
    })
};

pub const NDJSON_STRINGIFY: StageDef = StageDef {
    kind: "ndjson-stringify",
    title: "NDJSON stringify",
    summary: "Records in, one line of JSON each out.",
    poolable: true,
    extension: Some(Extension {
        add: ".ndjson",
        strip: ".ndjson",
    }),
    ..StageDef::transform(DataType::Records, DataType::Bytes, |o, _| {
        Ok(Box::new(NdjsonStringify::named(o.kind())))
    })
};
