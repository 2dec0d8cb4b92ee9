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
