//! The stage catalogue: what each stage is, its parameters, and how to build
//! it. The page builds its whole UI from this, so a stage added here appears
//! there with no page change.

use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

use crate::core::b64::{Base64Decoder, Base64Encoder, Variant};
use crate::core::compress::{Decoder, Encoder, Format};
use crate::core::crypt::{Decrypt, Encrypt};
use crate::core::csv::CsvToNdjson;
use crate::core::digest::Sha256Digest;
use crate::core::lines::LineSplitter;
use crate::core::ndjson::{ndjson_parse, NdjsonStringify};
use crate::core::options::{Options, ParamDefault, ParamSpec, ParamType};
use crate::core::primes::Primes;
use crate::core::select::{filter, hash_field, validate};
use crate::core::shaping::{head_records, Head, HeadUnit, Rechunk};
use crate::core::sink::{Pacer, SinkLogic};
use crate::core::source::{Counter, Lorem, RandomBytes, Source};
use crate::core::text::{Identity, Paced, Uppercase};
use crate::core::textcodec::TextDecode;
use crate::core::users::{UserFormat, Users};
use crate::core::{Error, OptionProblem, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Source,
    Transform,
    Sink,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Transform => "transform",
            Role::Sink => "sink",
        }
    }
}

/// What flows between stages. Chunks of `bytes` are `Uint8Array`s, of
/// `text` strings, of `records` plain objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Bytes,
    Text,
    Records,
    /// A sink that takes whatever comes.
    Any,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageInfo {
    pub kind: &'static str,
    pub role: Role,
    pub title: &'static str,
    pub summary: &'static str,
    pub params: Vec<ParamSpec>,
    /// `None` for sources.
    pub input: Option<DataType>,
    /// `None` for sinks.
    pub output: Option<DataType>,
    pub cpu_bound: bool,
    /// Stateless per chunk or record, so chunks may go to a pool of Workers
    /// (`pool: n`) in any order and come back in input order.
    pub poolable: bool,
    /// How `highWaterMark` is measured: every stage so far counts chunks.
    pub strategy: &'static str,
}

/// The largest integer a JS number holds exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;
const MAX_HWM: u64 = 65_536;

fn hwm(role: Role) -> ParamSpec {
    match role {
        // 0 is allowed on a source: it then produces only on a pending read.
        Role::Source => ParamSpec::int(
            "highWaterMark",
            1,
            0,
            MAX_HWM,
            "Chunks the source keeps queued ahead of its reader (desiredSize = highWaterMark − queued).",
        ),
        // A writable side with a high-water mark of 0 would never signal
        // ready, so transforms and sinks take at least 1.
        Role::Transform => ParamSpec::int(
            "highWaterMark",
            1,
            1,
            MAX_HWM,
            "Chunks the stage accepts before it tells its writer to wait (write() would return false).",
        ),
        Role::Sink => ParamSpec::int(
            "highWaterMark",
            1,
            1,
            MAX_HWM,
            "Chunks the sink queues, the one being written included, before it applies backpressure.",
        ),
    }
}

fn sized_source_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int("bytes", 1 << 20, 0, MAX_SAFE, "Total bytes to produce."),
        ParamSpec::int(
            "chunkSize",
            65_536,
            1,
            16 << 20,
            "Bytes per chunk (the last may be shorter).",
        ),
        ParamSpec::int(
            "seed",
            1,
            0,
            MAX_SAFE,
            "The same seed gives the same bytes.",
        ),
    ]
}

fn level() -> ParamSpec {
    ParamSpec::int(
        "level",
        6,
        0,
        9,
        "0 stores, 1 is fastest, 9 compresses most.",
    )
}

const DEFLATE_FORMATS: &[&str] = &["deflate", "deflate-raw"];

fn deflate_format() -> ParamSpec {
    ParamSpec::choice(
        "format",
        "deflate",
        DEFLATE_FORMATS,
        "\"deflate\" is zlib-wrapped, \"deflate-raw\" has no header: the CompressionStream formats.",
    )
}

fn base64_variant() -> ParamSpec {
    ParamSpec::choice(
        "variant",
        "standard",
        &["standard", "url"],
        "\"standard\": + and / with = padding; \"url\": - and _ without padding.",
    )
}

fn filter_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::string("pattern", "", "What to look for."),
        ParamSpec::choice(
            "mode",
            "substring",
            &["substring", "regex"],
            "A plain substring, or a regex.",
        ),
        ParamSpec {
            name: "invert",
            ty: ParamType::Boolean,
            default: ParamDefault::Bool(false),
            min: None,
            max: None,
            choices: &[],
            help: "Keep what does not match instead.",
        },
        ParamSpec::int(
            "maxLineBytes",
            1 << 20,
            1,
            1 << 30,
            "The longest line allowed, in bytes.",
        ),
    ]
}

/// Tolerant mode, shared by every record stage.
fn max_errors() -> ParamSpec {
    ParamSpec::int(
        "maxErrors",
        0,
        0,
        MAX_SAFE,
        "Bad records to skip and count before failing; 0 fails on the first.",
    )
}

/// Stages whose output for a chunk (or record) depends on that chunk alone.
const POOLABLE: &[&str] = &[
    "identity",
    "uppercase",
    "text-encode",
    "hash-field",
    "validate",
    "filter-records",
    "ndjson-stringify",
];

/// Options of a stage placed in a pool of Workers, and its fault injection.
fn placement_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::int(
            "pool",
            0,
            0,
            64,
            "Fan chunks out to this many Workers (stateless stages only; true for one per core); 0 for none.",
        ),
        ParamSpec::int(
            "inFlight",
            2,
            1,
            64,
            "Chunks in flight per pooled Worker: the backpressure across threads.",
        ),
        ParamSpec::int(
            "maxRestarts",
            3,
            0,
            1000,
            "Worker crashes a pool survives before the stage fails.",
        ),
        ParamSpec::int(
            "crashAt",
            0,
            0,
            MAX_SAFE,
            "Fault injection: Worker crashWorker dies on its Nth chunk, once; 0 for never.",
        ),
        ParamSpec::int("crashWorker", 0, 0, 63, "Fault injection: which Worker crashAt kills (0 is the first)."),
        ParamSpec::int(
            "jitterMs",
            0,
            0,
            60_000,
            "Fault injection: a pooled Worker holds every third chunk's answer this long, so Workers finish out of order.",
        ),
        ParamSpec::int(
            "crashEvery",
            0,
            0,
            MAX_SAFE,
            "Fault injection: every Worker dies on every Nth chunk it gets; 0 for never.",
        ),
    ]
}

/// A stage that spends real CPU per byte, worth a Worker.
fn cpu(info: StageInfo) -> StageInfo {
    StageInfo {
        cpu_bound: true,
        ..info
    }
}

fn entry(
    kind: &'static str,
    role: Role,
    title: &'static str,
    summary: &'static str,
    mut params: Vec<ParamSpec>,
    types: (Option<DataType>, Option<DataType>),
) -> StageInfo {
    params.push(hwm(role));
    if role == Role::Transform {
        params.push(ParamSpec {
            name: "worker",
            ty: ParamType::Boolean,
            default: ParamDefault::Bool(false),
            min: None,
            max: None,
            choices: &[],
            help: "Run the whole stage in its own Web Worker, off the main thread.",
        });
        params.extend(placement_params());
    }
    StageInfo {
        kind,
        role,
        title,
        summary,
        params,
        input: types.0,
        output: types.1,
        cpu_bound: false,
        poolable: POOLABLE.contains(&kind),
        strategy: "chunks",
    }
}

fn build_catalog() -> Vec<StageInfo> {
    use DataType::*;
    use Role::*;
    vec![
        entry(
            "counter",
            Source,
            "Counter",
            "The lines \"Chunk 0\", \"Chunk 1\", …: one line per chunk, produced only when asked.",
            vec![ParamSpec::int("count", 100, 0, MAX_SAFE, "How many lines (chunks) to produce.")],
            (None, Some(Bytes)),
        ),
        entry(
            "lorem",
            Source,
            "Lorem ipsum",
            "Seeded placeholder text in paragraphs, exactly as many bytes as asked for.",
            sized_source_params(),
            (None, Some(Bytes)),
        ),
        entry(
            "random",
            Source,
            "Random bytes",
            "Seeded pseudo-random bytes (not for cryptography), exactly as many as asked for.",
            sized_source_params(),
            (None, Some(Bytes)),
        ),
        entry(
            "file",
            Source,
            "File",
            "A File or Blob the user picked, read slice by slice (never whole).",
            vec![
                ParamSpec::blob("file", "The File or Blob to read."),
                ParamSpec::int("chunkSize", 65_536, 1, 16 << 20, "Bytes per chunk (the last may be shorter)."),
            ],
            (None, Some(Bytes)),
        ),
        entry(
            "fetch",
            Source,
            "Fetch",
            "The body of a URL's response, as it arrives; a non-2xx status errors the stream with the status.",
            vec![ParamSpec::string("url", "", "The URL to fetch.")],
            (None, Some(Bytes)),
        ),
        entry(
            "push",
            Source,
            "Push (no backpressure)",
            "The no-backpressure lesson: enqueues text as fast as it can, ignoring desiredSize, until `bytes`. Its queue, and memory, grow without bound when downstream is slower.",
            vec![
                ParamSpec::int("bytes", 32 << 20, 0, 1 << 30, "Total bytes to push."),
                ParamSpec::int("chunkSize", 65_536, 1, 16 << 20, "Bytes per chunk."),
                ParamSpec::int("seed", 1, 0, MAX_SAFE, "Seed of the text."),
            ],
            (None, Some(Bytes)),
        ),
        entry(
            "users",
            Source,
            "Users",
            "Seeded fake user records (id, name, email, company, password, createdAt) as CSV or NDJSON; badRate injects malformed rows.",
            vec![
                ParamSpec::choice("format", "csv", &["csv", "ndjson"], "CSV with a header row, or one JSON object per line."),
                ParamSpec::int("count", 1000, 0, MAX_SAFE, "How many records."),
                ParamSpec::int("seed", 1, 0, MAX_SAFE, "The same seed gives the same records."),
                ParamSpec::num("badRate", 0.0, 0.0, 1.0, "Share of malformed rows, from 0 to 1."),
                ParamSpec::int("chunkSize", 65_536, 1, 16 << 20, "About how many bytes per chunk (whole records)."),
            ],
            (None, Some(Bytes)),
        ),
        entry(
            "identity",
            Transform,
            "Identity",
            "Passes every chunk on unchanged: the cost of a stage itself.",
            vec![],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "uppercase",
            Transform,
            "Uppercase",
            "ASCII a–z to A–Z; every other byte, UTF-8 included, unchanged. Works in place on the chunk it is handed.",
            vec![],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "split-lines",
            Transform,
            "Split lines",
            "One string per line, without its LF or CRLF; a last line without a newline counts.",
            vec![ParamSpec::int(
                "maxLineBytes",
                1 << 20,
                1,
                1 << 30,
                "The longest line allowed, in bytes; a longer one is an error naming its line number.",
            )],
            (Some(Bytes), Some(Text)),
        ),
        cpu(entry(
            "gzip",
            Transform,
            "Gzip",
            "Compresses to gzip (zlib-rs), readable by DecompressionStream(\"gzip\") and gunzip.",
            vec![level()],
            (Some(Bytes), Some(Bytes)),
        )),
        cpu(entry(
            "gunzip",
            Transform,
            "Gunzip",
            "Decompresses gzip, several members in a row included; corrupt, truncated or trailing data is an error naming the byte offset.",
            vec![],
            (Some(Bytes), Some(Bytes)),
        )),
        cpu(entry(
            "deflate",
            Transform,
            "Deflate",
            "Compresses to zlib-wrapped or raw deflate, as CompressionStream(\"deflate\" | \"deflate-raw\").",
            vec![deflate_format(), level()],
            (Some(Bytes), Some(Bytes)),
        )),
        cpu(entry(
            "inflate",
            Transform,
            "Inflate",
            "Decompresses zlib-wrapped or raw deflate; corrupt, truncated or trailing data is an error naming the byte offset.",
            vec![deflate_format()],
            (Some(Bytes), Some(Bytes)),
        )),
        cpu(entry(
            "sha256",
            Transform,
            "SHA-256",
            "The hex SHA-256 of the whole stream, emitted at the end as one string and shown in the stage's metrics.",
            vec![],
            (Some(Bytes), Some(Text)),
        )),
        entry(
            "base64-encode",
            Transform,
            "Base64 encode",
            "Bytes to base64 text: standard (padded) or URL-safe (unpadded).",
            vec![base64_variant()],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "base64-decode",
            Transform,
            "Base64 decode",
            "Base64 text to bytes; whitespace is skipped, padding optional; a bad character is an error naming its offset.",
            vec![base64_variant()],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "csv-to-ndjson",
            Transform,
            "CSV to NDJSON",
            "CSV with a header row in, one JSON object per record out (keys from the header); quoted fields may hold delimiters, newlines and doubled quotes.",
            vec![
                ParamSpec::choice("delimiter", ",", &[",", ";", "\t", "|"], "The field separator."),
                ParamSpec::int("maxRecordBytes", 1 << 20, 16, 1 << 30, "The largest record allowed, in bytes."),
                max_errors(),
            ],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "ndjson-parse",
            Transform,
            "NDJSON parse",
            "One JSON value per line in, one record (a JS value) out: object mode. Blank lines are skipped.",
            vec![
                ParamSpec::int("maxLineBytes", 1 << 20, 1, 1 << 30, "The longest line allowed, in bytes."),
                max_errors(),
            ],
            (Some(Bytes), Some(Records)),
        ),
        entry(
            "ndjson-stringify",
            Transform,
            "NDJSON stringify",
            "Records in, one line of JSON each out.",
            vec![],
            (Some(Records), Some(Bytes)),
        ),
        entry(
            "text-decode",
            Transform,
            "Text decode",
            "UTF-8 bytes to text. Invalid bytes are an error naming their offset, or U+FFFD with replace (as TextDecoder does).",
            vec![ParamSpec {
                name: "replace",
                ty: ParamType::Boolean,
                default: ParamDefault::Bool(false),
                min: None,
                max: None,
                choices: &[],
                help: "Replace invalid bytes with U+FFFD instead of failing.",
            }],
            (Some(Bytes), Some(Text)),
        ),
        entry(
            "text-encode",
            Transform,
            "Text encode",
            "Text to UTF-8 bytes.",
            vec![],
            (Some(Text), Some(Bytes)),
        ),
        entry(
            "filter",
            Transform,
            "Filter lines",
            "Keeps the lines that contain `pattern` (or match it as a regex; or, inverted, that do not). Blank lines are dropped.",
            filter_params(),
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "filter-records",
            Transform,
            "Filter records",
            "Keeps the records whose JSON text contains `pattern` (or matches it as a regex; or, inverted, does not).",
            filter_params(),
            (Some(Records), Some(Records)),
        ),
        cpu(entry(
            "hash-field",
            Transform,
            "Hash a field",
            "Replaces one field of each record with the hex SHA-256 of salt + value, iterated: the classic password-hashing job for a worker pool.",
            vec![
                ParamSpec::string("field", "password", "The field to hash."),
                ParamSpec::string("salt", "", "Prepended to each value before hashing."),
                ParamSpec::int("iterations", 1, 1, 10_000_000, "Rounds of SHA-256: more is slower on purpose."),
                max_errors(),
            ],
            (Some(Records), Some(Records)),
        )),
        entry(
            "validate",
            Transform,
            "Validate records",
            "Passes records that have the required fields, a plausible email and a long-enough field; counts, lists (first 10, with reasons) and drops the rest.",
            vec![
                ParamSpec::string("required", "id,name,email", "Comma-separated fields that must be present and non-empty."),
                ParamSpec::string("emailField", "email", "A field that must look like an email address; empty for none."),
                ParamSpec::string("minLengthField", "password", "A field with a minimum length; empty for none."),
                ParamSpec::int("minLength", 8, 0, 1 << 20, "The minimum length, in characters."),
                ParamSpec::int(
                    "maxErrors",
                    MAX_SAFE,
                    0,
                    MAX_SAFE,
                    "Invalid records to drop before failing; by default it never fails.",
                ),
            ],
            (Some(Records), Some(Records)),
        ),
        cpu(entry(
            "primes",
            Transform,
            "Primes (CPU work)",
            "Busy work for the worker lessons: for every blockSize input bytes, counts the primes below limit (+ the block's byte sum mod 1000) and emits one line.",
            vec![
                ParamSpec::int("blockSize", 65_536, 1, 16 << 20, "Input bytes per computation."),
                ParamSpec::int("limit", 2_000_000, 2, 200_000_000, "Roughly how far each sieve goes: the CPU cost."),
            ],
            (Some(Bytes), Some(Text)),
        )),
        entry(
            "throttle",
            Transform,
            "Throttle",
            "Passes chunks on at no more than bytesPerSecond on average; the wait pushes back upstream.",
            vec![ParamSpec::num("bytesPerSecond", 1_048_576.0, 1.0, 1e12, "The rate limit.")],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "delay",
            Transform,
            "Delay",
            "Holds each chunk for ms milliseconds before passing it on.",
            vec![ParamSpec::num("ms", 100.0, 0.0, 60_000.0, "Milliseconds per chunk.")],
            (Some(Bytes), Some(Bytes)),
        ),
        cpu(entry(
            "encrypt",
            Transform,
            "Encrypt (AES-GCM)",
            "AES-256-GCM with a key from the passphrase (PBKDF2-SHA256); output is a header and authenticated frames that decrypt reads.",
            vec![
                ParamSpec::string("passphrase", "", "The secret. Anyone with it can decrypt."),
                ParamSpec::int("iterations", 100_000, 1_000, 10_000_000, "PBKDF2 rounds: slower to derive, harder to guess."),
                ParamSpec::int("frameSize", 65_536, 1, 16 << 20, "Plaintext bytes per authenticated frame."),
            ],
            (Some(Bytes), Some(Bytes)),
        )),
        cpu(entry(
            "decrypt",
            Transform,
            "Decrypt (AES-GCM)",
            "Reads what encrypt wrote; a wrong passphrase or an altered, missing or extra frame is an error naming the frame.",
            vec![ParamSpec::string("passphrase", "", "The secret used to encrypt.")],
            (Some(Bytes), Some(Bytes)),
        )),
        entry(
            "head",
            Transform,
            "Head",
            "The first `count` lines (LF kept) or bytes, then it cancels upstream: the source stops producing.",
            vec![
                ParamSpec::int("count", 10, 0, MAX_SAFE, "How many lines or bytes to pass."),
                ParamSpec::choice("unit", "lines", &["lines", "bytes"], "Count lines or bytes."),
            ],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "head-records",
            Transform,
            "Head (records)",
            "The first `count` records, then it cancels upstream.",
            vec![ParamSpec::int("count", 10, 0, MAX_SAFE, "How many records to pass.")],
            (Some(Records), Some(Records)),
        ),
        entry(
            "rechunk",
            Transform,
            "Rechunk",
            "Cuts the stream into chunks of exactly `size` bytes (the last may be shorter).",
            vec![ParamSpec::int("size", 65_536, 1, 16 << 20, "Bytes per output chunk.")],
            (Some(Bytes), Some(Bytes)),
        ),
        entry(
            "count",
            Sink,
            "Count",
            "Counts chunks and bytes (strings count their UTF-8 bytes).",
            vec![],
            (Some(Any), None),
        ),
        entry(
            "throttle",
            Sink,
            "Throttled consumer",
            "A slow consumer: each write resolves only when the rate allows, so backpressure builds upstream.",
            vec![
                ParamSpec::num("bytesPerSecond", 1_048_576.0, 0.0, 1e12, "Byte rate limit; 0 for none."),
                ParamSpec::num("chunksPerSecond", 0.0, 0.0, 1e6, "Chunk rate limit; 0 for none."),
            ],
            (Some(Any), None),
        ),
        entry("null", Sink, "Null", "Discards everything as fast as it comes.", vec![], (Some(Any), None)),
        entry(
            "digest",
            Sink,
            "Digest",
            "The SHA-256 of every byte that arrives (strings as UTF-8), shown as its result.",
            vec![],
            (Some(Any), None),
        ),
        entry(
            "preview",
            Sink,
            "Preview",
            "Keeps the last `kib` KiB and shows them as text.",
            vec![ParamSpec::int("kib", 4, 1, 1024, "How many KiB of the end to keep.")],
            (Some(Any), None),
        ),
        entry(
            "collect",
            Sink,
            "Collect",
            "Keeps everything and makes a Blob to download at the end; more than `maxBytes` is an error.",
            vec![ParamSpec::int("maxBytes", 256 << 20, 1, 1 << 32, "The most bytes to keep.")],
            (Some(Any), None),
        ),
    ]
}

/// Every stage, in catalogue order.
pub fn catalog() -> &'static [StageInfo] {
    static CATALOG: OnceLock<Vec<StageInfo>> = OnceLock::new();
    CATALOG.get_or_init(build_catalog)
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
    Ok((info, Options::resolve(info, given)?))
}

pub fn build_source(kind: &str, o: &Options) -> Box<dyn Source> {
    let chunk = usize::try_from(o.u64("chunkSize")).unwrap_or(usize::MAX);
    match kind {
        "lorem" => Box::new(Lorem::new(o.u64("bytes"), chunk, o.u64("seed"))),
        "random" => Box::new(RandomBytes::new(o.u64("bytes"), chunk, o.u64("seed"))),
        "users" => {
            let format = if o.str("format") == "ndjson" {
                UserFormat::Ndjson
            } else {
                UserFormat::Csv
            };
            Box::new(Users::new(
                format,
                o.u64("count"),
                o.u64("seed"),
                chunk,
                o.f64("badRate"),
            ))
        }
        _ => Box::new(Counter::new(o.u64("count"))),
    }
}

/// Builds the transform `kind`. `random` fills buffers with
/// unpredictable bytes (salts and nonces for `encrypt`).
///
/// # Errors
///
/// Options valid one by one but not together (a bad regex, an empty
/// passphrase).
pub fn build_transform(
    kind: &'static str,
    o: &Options,
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<Box<dyn Transform>, Error> {
    Ok(match kind {
        "uppercase" => Box::new(Uppercase),
        "split-lines" => Box::new(LineSplitter::new(o.u64("maxLineBytes"))),
        "gzip" => Box::new(Encoder::new("gzip", Format::Gzip, o.u64("level") as u32)),
        "gunzip" => Box::new(Decoder::new("gunzip", Format::Gzip)),
        "deflate" => Box::new(Encoder::new(
            "deflate",
            Format::from_name(o.str("format")),
            o.u64("level") as u32,
        )),
        "inflate" => Box::new(Decoder::new("inflate", Format::from_name(o.str("format")))),
        "sha256" => Box::new(Sha256Digest::new()),
        "filter" | "filter-records" => Box::new(filter(
            kind,
            o.str("pattern"),
            o.str("mode") == "regex",
            o.bool("invert"),
            o.u64("maxLineBytes"),
        )?),
        "hash-field" => Box::new(hash_field(
            o.str("field"),
            o.str("salt"),
            o.u64("iterations"),
            o.u64("maxErrors"),
        )),
        "validate" => Box::new(validate(
            o.str("required"),
            o.str("emailField"),
            o.str("minLengthField"),
            o.u64("minLength"),
            o.u64("maxErrors"),
        )),
        "head" => {
            let unit = if o.str("unit") == "bytes" {
                HeadUnit::Bytes
            } else {
                HeadUnit::Lines
            };
            Box::new(Head::new(unit, o.u64("count")))
        }
        "rechunk" => Box::new(Rechunk::new(o.u64("size"))),
        "head-records" => Box::new(head_records(o.u64("count"))),
        "encrypt" => Box::new(Encrypt::new(
            o.str("passphrase"),
            o.u64("iterations") as u32,
            usize::try_from(o.u64("frameSize")).unwrap_or(usize::MAX),
            random,
        )?),
        "decrypt" => Box::new(Decrypt::new(o.str("passphrase"))),
        "throttle" => Box::new(Paced::throttle(o.f64("bytesPerSecond"))),
        "delay" => Box::new(Paced::delay(o.f64("ms"))),
        "primes" => Box::new(Primes::new(o.u64("blockSize"), o.u64("limit"))),
        "ndjson-parse" => Box::new(ndjson_parse(o.u64("maxLineBytes"), o.u64("maxErrors"))),
        "ndjson-stringify" | "text-encode" => Box::new(NdjsonStringify::named(kind)),
        "text-decode" => Box::new(TextDecode::new(o.bool("replace"))),
        "csv-to-ndjson" => Box::new(CsvToNdjson::new(
            o.str("delimiter").bytes().next().unwrap_or(b','),
            usize::try_from(o.u64("maxRecordBytes")).unwrap_or(usize::MAX),
            o.u64("maxErrors"),
        )),
        "base64-encode" => Box::new(Base64Encoder::new(Variant::from_name(o.str("variant")))),
        "base64-decode" => Box::new(Base64Decoder::new(Variant::from_name(o.str("variant")))),
        _ => Box::new(Identity),
    })
}

/// # Errors
///
/// A throttle with neither limit set.
pub fn build_sink(kind: &str, o: &Options) -> Result<SinkLogic, Error> {
    Ok(match kind {
        "throttle" => {
            let pacer = |name| Some(o.f64(name)).filter(|r| *r > 0.0).map(Pacer::new);
            let (bytes, chunks) = (pacer("bytesPerSecond"), pacer("chunksPerSecond"));
            if bytes.is_none() && chunks.is_none() {
                return Err(Error::BadOption {
                    stage: kind.to_string(),
                    option: "bytesPerSecond".to_string(),
                    message: "or `chunksPerSecond` must be above 0".to_string(),
                    problem: OptionProblem::Range,
                });
            }
            SinkLogic::Throttle { bytes, chunks }
        }
        "null" => SinkLogic::Null,
        "digest" => SinkLogic::digest(),
        "preview" => SinkLogic::preview(usize::try_from(o.u64("kib") * 1024).unwrap_or(usize::MAX)),
        "collect" => SinkLogic::Collect {
            max: o.u64("maxBytes"),
            total: 0,
        },
        _ => SinkLogic::Count,
    })
}
