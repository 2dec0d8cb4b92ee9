//! The one error type of the core. Every variant names the stage, and the
//! option or the position in the data, so a message read out of context still
//! says where to look.

use thiserror::Error;

/// What is wrong with an option value; the web glue maps `Type` to a JS
/// `TypeError` and `Range` to a `RangeError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionProblem {
    /// The value has the wrong type, or the option does not exist.
    Type,
    /// The value has the right type but lies outside the accepted range.
    Range,
}

#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A bad option passed to a factory or found in a pipeline spec.
    #[error("{stage}: option `{option}` {message}")]
    BadOption {
        stage: String,
        option: String,
        message: String,
        problem: OptionProblem,
    },

    /// A stage kind that the catalogue does not know for that role.
    #[error("unknown {role} kind `{kind}`; known {role}s: {known}")]
    UnknownKind {
        role: &'static str,
        kind: String,
        known: String,
    },

    /// A malformed pipeline spec; `path` is like `stages[1].level`.
    #[error("pipeline spec: `{path}` {message}")]
    Spec {
        path: String,
        message: String,
        problem: OptionProblem,
    },

    /// A line longer than the stage allows.
    #[error(
        "{stage}: line {line} (starting at byte {offset}) is longer than maxLineBytes ({max})"
    )]
    LineTooLong {
        stage: &'static str,
        line: u64,
        offset: u64,
        max: u64,
    },

    /// Bytes that are not UTF-8 where text is expected.
    #[error("{stage}: invalid UTF-8 in line {line} (byte {offset})")]
    InvalidUtf8 {
        stage: &'static str,
        line: u64,
        offset: u64,
    },

    /// Corrupt encoded data.
    #[error("{stage}: invalid data at byte {offset}: {detail}")]
    Codec {
        stage: &'static str,
        offset: u64,
        detail: String,
    },

    /// Input that ends inside a unit that must be whole.
    #[error("{stage}: input ends at byte {offset} in the middle of {what}")]
    Truncated {
        stage: &'static str,
        offset: u64,
        what: &'static str,
    },

    /// Bytes after the end of the encoded stream.
    #[error("{stage}: unexpected data after the end of the stream, at byte {offset}")]
    TrailingData { stage: &'static str, offset: u64 },

    /// A record that is not what the stage needs.
    #[error("{stage}: line {line} (starting at byte {offset}) is not a valid record: {detail}")]
    BadRecord {
        stage: &'static str,
        line: u64,
        offset: u64,
        detail: String,
    },

    /// Tolerant mode gave up: more bad records than `maxErrors`.
    #[error("{stage}: {count} bad records, more than maxErrors ({max}); the last, line {line}: {detail}")]
    TooManyBadRecords {
        stage: &'static str,
        count: u64,
        max: u64,
        line: u64,
        detail: String,
    },

    /// A stream longer than a stage's limit allows.
    #[error("{stage}: the stream passes {option} ({limit}) at byte {offset}")]
    LimitExceeded {
        stage: &'static str,
        option: &'static str,
        limit: u64,
        offset: u64,
    },

    /// A worker pool gave up: its workers kept dying.
    #[error("{stage}: {died} workers died, more than maxRestarts ({max}); the last: {why}")]
    WorkersFailed {
        stage: &'static str,
        died: u32,
        max: u32,
        why: String,
    },

    /// A stage pinned to one Worker lost it: its state went with it.
    #[error("{stage}: the worker failed: {why}")]
    WorkerFailed { stage: &'static str, why: String },
    /// A chunk for a stage whose stream has already ended.
    #[error("{stage}: the stream has ended; it takes no more chunks")]
    Ended { stage: &'static str },

    /// A chunk of a type the stage cannot take (for example a number where
    /// bytes are expected).
    #[error("{stage}: chunk {chunk} is {found}; expected {expected}")]
    BadChunk {
        stage: String,
        chunk: u64,
        found: String,
        expected: &'static str,
    },
}

impl Error {
    /// The stage the error belongs to, where it belongs to one.
    pub fn stage(&self) -> Option<&str> {
        match self {
            Error::BadOption { stage, .. } | Error::BadChunk { stage, .. } => Some(stage),
            Error::LineTooLong { stage, .. }
            | Error::InvalidUtf8 { stage, .. }
            | Error::Codec { stage, .. }
            | Error::Truncated { stage, .. }
            | Error::TrailingData { stage, .. }
            | Error::LimitExceeded { stage, .. }
            | Error::BadRecord { stage, .. }
            | Error::TooManyBadRecords { stage, .. }
            | Error::WorkersFailed { stage, .. }
            | Error::WorkerFailed { stage, .. }
            | Error::Ended { stage } => Some(stage),
            Error::UnknownKind { .. } | Error::Spec { .. } => None,
        }
    }

    /// The 1-based line number of a data error, where it has one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Error::LineTooLong { line, .. }
            | Error::InvalidUtf8 { line, .. }
            | Error::BadRecord { line, .. }
            | Error::TooManyBadRecords { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The byte offset of a data error in the stage's input, where it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::LineTooLong { offset, .. }
            | Error::InvalidUtf8 { offset, .. }
            | Error::Codec { offset, .. }
            | Error::Truncated { offset, .. }
            | Error::TrailingData { offset, .. }
            | Error::LimitExceeded { offset, .. }
            | Error::BadRecord { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// `Some` for option errors: whether JS should see a `TypeError` or a
    /// `RangeError`.
    pub fn option_problem(&self) -> Option<OptionProblem> {
        match self {
            Error::BadOption { problem, .. } | Error::Spec { problem, .. } => Some(*problem),
            Error::UnknownKind { .. } => Some(OptionProblem::Type),
            _ => None,
        }
    }
}
