//! Source logic. The web glue wraps each in a pull-based
//! `ReadableStream` underlying source
//! (<https://streams.spec.whatwg.org/#underlying-source-api>): `fill` runs only
//! from `pull()`, that is only when the stream asks for a chunk.

use crate::core::rng::SplitMix64;

pub trait Source {
    fn kind(&self) -> &'static str;

    /// Replaces `out` with the next chunk. Returns `false`, leaving `out`
    /// empty, once the source is exhausted.
    fn fill(&mut self, out: &mut Vec<u8>) -> bool;

    /// Total bytes the source will produce, when known up front.
    fn total_bytes(&self) -> Option<u64>;
}

/// What a source becomes once its stream has ended: nothing more, and no
/// state kept (`SourceStage` swaps it in so memory is freed at the end).
pub struct Exhausted {
    pub kind: &'static str,
}

impl Source for Exhausted {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        false
    }

    fn total_bytes(&self) -> Option<u64> {
        Some(0)
    }
}

/// `counter`: one chunk per line, `Chunk 0\n`, `Chunk 1\n`, …
#[derive(Debug)]
pub struct Counter {
    next: u64,
    count: u64,
}

impl Counter {
    pub fn new(count: u64) -> Self {
        Counter { next: 0, count }
    }

    /// Bytes of the lines `Chunk 0\n` to `Chunk {count-1}\n`.
    pub fn bytes_for(count: u64) -> u64 {
        let (mut total, mut start, mut digits) = (0u64, 0u64, 1u64);
        while start < count {
            let end = count.min(start.saturating_mul(10).max(10));
            total += (end - start) * ("Chunk \n".len() as u64 + digits);
            start = end;
            digits += 1;
        }
        total
    }
}

impl Source for Counter {
    fn kind(&self) -> &'static str {
        "counter"
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> bool {
        use std::io::Write;
        out.clear();
        if self.next >= self.count {
            return false;
        }
        // Writing to a Vec cannot fail.
        let _ = writeln!(out, "Chunk {}", self.next);
        self.next += 1;
        true
    }

    fn total_bytes(&self) -> Option<u64> {
        Some(Self::bytes_for(self.count))
    }
}

const WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
    "velit",
    "esse",
    "cillum",
    "fugiat",
    "nulla",
    "pariatur",
    "excepteur",
    "sint",
    "occaecat",
    "cupidatat",
    "non",
    "proident",
    "sunt",
    "culpa",
    "qui",
    "officia",
    "deserunt",
    "mollit",
    "anim",
    "id",
    "est",
    "laborum",
];

/// `lorem`: seeded pseudo-Latin sentences in paragraphs, exactly `bytes` long.
/// The text depends on the seed only, never on `chunk_size`.
#[derive(Debug)]
pub struct Lorem {
    rng: SplitMix64,
    remaining: u64,
    total: u64,
    chunk_size: usize,
    pending: Vec<u8>,
    cursor: usize,
    sentences_left_in_paragraph: u64,
}

impl Lorem {
    pub fn new(bytes: u64, chunk_size: usize, seed: u64) -> Self {
        Lorem {
            rng: SplitMix64::new(seed),
            remaining: bytes,
            total: bytes,
            chunk_size: chunk_size.max(1),
            pending: Vec::new(),
            cursor: 0,
            sentences_left_in_paragraph: 0,
        }
    }

    fn next_sentence(&mut self) {
        self.pending.clear();
        self.cursor = 0;
        if self.sentences_left_in_paragraph == 0 {
            self.sentences_left_in_paragraph = 3 + self.rng.below(5);
        }
        let words = 4 + self.rng.below(11);
        for i in 0..words {
            let word = WORDS[self.rng.below(WORDS.len() as u64) as usize].as_bytes();
            let start = self.pending.len();
            self.pending.extend_from_slice(word);
            if i == 0 {
                self.pending[start].make_ascii_uppercase();
            }
            if i + 1 < words {
                if self.rng.below(8) == 0 {
                    self.pending.push(b',');
                }
                self.pending.push(b' ');
            }
        }
        self.sentences_left_in_paragraph -= 1;
        self.pending
            .extend_from_slice(if self.sentences_left_in_paragraph == 0 {
                b".\n\n"
            } else {
                b". "
            });
    }
}

impl Source for Lorem {
    fn kind(&self) -> &'static str {
        "lorem"
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        let want = self.remaining.min(self.chunk_size as u64) as usize;
        while out.len() < want {
            if self.cursor == self.pending.len() {
                self.next_sentence();
            }
            let n = (want - out.len()).min(self.pending.len() - self.cursor);
            out.extend_from_slice(&self.pending[self.cursor..self.cursor + n]);
            self.cursor += n;
        }
        self.remaining -= want as u64;
        want > 0
    }

    fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }
}

/// `random`: seeded pseudo-random bytes, exactly `bytes` long, independent of
/// `chunk_size`.
#[derive(Debug)]
pub struct RandomBytes {
    rng: SplitMix64,
    remaining: u64,
    total: u64,
    chunk_size: usize,
    /// Bytes of the last word not yet handed out: `carry[carry_pos..]`.
    carry: [u8; 8],
    carry_pos: usize,
}

impl RandomBytes {
    pub fn new(bytes: u64, chunk_size: usize, seed: u64) -> Self {
        RandomBytes {
            rng: SplitMix64::new(seed),
            remaining: bytes,
            total: bytes,
            chunk_size: chunk_size.max(1),
            carry: [0; 8],
            carry_pos: 8,
        }
    }
}

impl Source for RandomBytes {
    fn kind(&self) -> &'static str {
        "random"
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        let want = self.remaining.min(self.chunk_size as u64) as usize;
        let from_carry = want.min(8 - self.carry_pos);
        out.extend_from_slice(&self.carry[self.carry_pos..self.carry_pos + from_carry]);
        self.carry_pos += from_carry;
        while want - out.len() >= 8 {
            out.extend_from_slice(&self.rng.next_u64().to_le_bytes());
        }
        let rest = want - out.len();
        if rest > 0 {
            self.carry = self.rng.next_u64().to_le_bytes();
            out.extend_from_slice(&self.carry[..rest]);
            self.carry_pos = rest;
        }
        self.remaining -= want as u64;
        want > 0
    }

    fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, Origin, StageDef, MAX_SAFE};

const CHUNK_SIZE: ParamSpec = ParamSpec::int(
    "chunkSize",
    65_536,
    1,
    16 << 20,
    "Bytes per chunk (the last may be shorter).",
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CounterOptions {
    count: u64,
}

pub const COUNTER: StageDef = StageDef {
    kind: "counter",
    title: "Counter",
    summary: "The lines \"Chunk 0\", \"Chunk 1\", …: one line per chunk, produced only when asked.",
    params: &[ParamSpec::int(
        "count",
        100,
        0,
        MAX_SAFE,
        "How many lines (chunks) to produce.",
    )],
    file_name: Some("counter.txt"),
    ..StageDef::source(DataType::Bytes, |o| {
        let CounterOptions { count } = o.typed()?;
        Ok(Origin::Generated(Box::new(Counter::new(count))))
    })
};

/// `lorem`, `random` and `push`: so many bytes, in chunks, from a seed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SizedOptions {
    bytes: u64,
    chunk_size: u64,
    seed: u64,
}

impl SizedOptions {
    fn chunk(&self) -> usize {
        usize::try_from(self.chunk_size).unwrap_or(usize::MAX)
    }
}

const SIZED: &[ParamSpec] = &[
    ParamSpec::int("bytes", 1 << 20, 0, MAX_SAFE, "Total bytes to produce."),
    CHUNK_SIZE,
    ParamSpec::int(
        "seed",
        1,
        0,
        MAX_SAFE,
        "The same seed gives the same bytes.",
    ),
];

pub const LOREM: StageDef = StageDef {
    kind: "lorem",
    title: "Lorem ipsum",
    summary: "Seeded placeholder text in paragraphs, exactly as many bytes as asked for.",
    params: SIZED,
    file_name: Some("lorem.txt"),
    ..StageDef::source(DataType::Bytes, |o| {
        let s: SizedOptions = o.typed()?;
        Ok(Origin::Generated(Box::new(Lorem::new(
            s.bytes,
            s.chunk(),
            s.seed,
        ))))
    })
};

pub const RANDOM: StageDef = StageDef {
    kind: "random",
    title: "Random bytes",
    summary: "Seeded pseudo-random bytes (not for cryptography), exactly as many as asked for.",
    params: SIZED,
    file_name: Some("random.bin"),
    ..StageDef::source(DataType::Bytes, |o| {
        let s: SizedOptions = o.typed()?;
        Ok(Origin::Generated(Box::new(RandomBytes::new(
            s.bytes,
            s.chunk(),
            s.seed,
        ))))
    })
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileOptions {
    /// The `Blob` itself travels beside the JSON options (the web glue
    /// takes it from the JS object).
    #[allow(dead_code)]
    file: serde::de::IgnoredAny,
    chunk_size: u64,
}

pub const FILE: StageDef = StageDef {
    kind: "file",
    title: "File",
    summary: "A File or Blob the user picked, read slice by slice (never whole).",
    params: &[
        ParamSpec::blob("file", "The File or Blob to read."),
        CHUNK_SIZE,
    ],
    ..StageDef::source(DataType::Bytes, |o| {
        let FileOptions { chunk_size, .. } = o.typed()?;
        Ok(Origin::Blob { chunk_size })
    })
};

pub const ITERABLE: StageDef = StageDef {
    kind: "iterable",
    title: "Async generator",
    summary: "Each value of a JS iterable or async iterable (an async generator), one next() per pull(): the body runs only when pulled. Strings are UTF-8 encoded.",
    params: &[ParamSpec::iterable(
        "iterable",
        "An iterable or async iterable of strings and Uint8Arrays.",
    )],
    file_name: Some("generated.txt"),
    // The iterable travels beside the JSON options, as a `Blob` does.
    ..StageDef::source(DataType::Bytes, |_| Ok(Origin::Iterable))
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FetchOptions {
    url: String,
}

pub const FETCH: StageDef = StageDef {
    kind: "fetch",
    title: "Fetch",
    summary: "The body of a URL's response, as it arrives; a non-2xx status errors the stream with the status.",
    params: &[ParamSpec::string("url", "", "The URL to fetch.")],
    file_name: Some("download"),
    example: r#"{"url": "data:text/plain,hello"}"#,
    ..StageDef::source(DataType::Bytes, |o| {
        let FetchOptions { url } = o.typed()?;
        if url.is_empty() {
            return Err(crate::core::Error::BadOption {
                stage: o.kind().to_string(),
                option: "url".to_string(),
                message: "must be a URL, got an empty string".to_string(),
                problem: crate::core::OptionProblem::Type,
            });
        }
        Ok(Origin::Url(url))
    })
};

pub const PUSH: StageDef = StageDef {
    kind: "push",
    title: "Push (no backpressure)",
    summary: "The no-backpressure lesson: enqueues text as fast as it can, ignoring desiredSize, until `bytes`. Its queue, and memory, grow without bound when downstream is slower.",
    params: &[
        ParamSpec::int("bytes", 32 << 20, 0, 1 << 30, "Total bytes to push."),
        ParamSpec::int("chunkSize", 65_536, 1, 16 << 20, "Bytes per chunk."),
        ParamSpec::int("seed", 1, 0, MAX_SAFE, "Seed of the text."),
    ],
    file_name: Some("push.txt"),
    ..StageDef::source(DataType::Bytes, |o| {
        let s: SizedOptions = o.typed()?;
        Ok(Origin::Push(Box::new(Lorem::new(s.bytes, s.chunk(), s.seed))))
    })
};
