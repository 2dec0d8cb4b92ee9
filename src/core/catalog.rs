//! The stage catalogue: the list of every stage's definition, in the order
//! the page offers them. Each definition lives next to its code (see
//! [`crate::core::stage::StageDef`]); adding a stage is adding it here.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::core::options::Options;
use crate::core::stage::{Role, StageDef, StageInfo};
use crate::core::{
    b64, compress, crypt, csv, digest, lines, ndjson, primes, select, shaping, sink, source, text,
    textcodec, users, Error,
};

/// Every stage: sources, then transforms, then sinks.
pub const STAGES: &[StageDef] = &[
    source::COUNTER,
    source::LOREM,
    source::RANDOM,
    source::FILE,
    source::ITERABLE,
    source::FETCH,
    source::PUSH,
    users::USERS,
    text::IDENTITY,
    text::UPPERCASE,
    lines::SPLIT_LINES,
    compress::GZIP,
    compress::GUNZIP,
    compress::DEFLATE,
    compress::INFLATE,
    digest::SHA256,
    b64::BASE64_ENCODE,
    b64::BASE64_DECODE,
    csv::CSV_TO_NDJSON,
    ndjson::NDJSON_PARSE,
    ndjson::NDJSON_STRINGIFY,
    textcodec::TEXT_DECODE,
    textcodec::TEXT_ENCODE,
    select::FILTER,
    select::FILTER_RECORDS,
    select::HASH_FIELD,
    select::VALIDATE,
    select::JSON_POINTER,
    primes::PRIMES,
    text::THROTTLE,
    text::DELAY,
    text::CACHE,
    text::LOOPBACK,
    crypt::ENCRYPT,
    crypt::DECRYPT,
    shaping::HEAD,
    shaping::HEAD_RECORDS,
    shaping::RECHUNK,
    sink::COUNT,
    sink::THROTTLE,
    sink::NULL,
    sink::DIGEST,
    sink::PREVIEW,
    sink::COLLECT,
    sink::UPLOAD,
];

/// Every stage's catalogue entry, in catalogue order.
pub fn catalog() -> &'static [StageInfo] {
    static CATALOG: OnceLock<Vec<StageInfo>> = OnceLock::new();
    CATALOG.get_or_init(|| STAGES.iter().map(StageInfo::of).collect())
}

/// The entry for `kind` in `role`.
///
/// # Errors
///
/// [`Error::UnknownKind`] listing the kinds of that role.
pub fn find(role: Role, kind: &str) -> Result<&'static StageInfo, Error> {
    let all = catalog();
    all.iter()
        .find(|s| s.role == role && s.kind == kind)
        .ok_or_else(|| {
            let known: Vec<_> = all
                .iter()
                .filter(|s| s.role == role)
                .map(|s| s.kind)
                .collect();
            Error::UnknownKind {
                role: role.name(),
                kind: kind.to_string(),
                known: known.join(", "),
            }
        })
}

/// Looks up `kind` and validates `given` against it.
///
/// # Errors
///
/// An unknown kind or a bad option.
pub fn resolve(
    role: Role,
    kind: &str,
    given: &Map<String, Value>,
) -> Result<(&'static StageInfo, Options), Error> {
    let info = find(role, kind)?;
    Ok((info, info.resolve(given)?))
}
