//! Parallel gzip, pigz's method, for `gzip` with `pool: n` (issue 12,
//! target 4). The input is cut into fixed blocks of [`BLOCK_BYTES`],
//! whatever its chunking; each block is compressed on its own (in a pool
//! Worker) as raw deflate primed with the last 32 KiB of the block before it
//! as its dictionary, and ended with a sync flush (an empty stored block
//! that byte-aligns it), except the last, which ends the deflate stream.
//! Their concatenation is one valid deflate stream; one gzip header before
//! it and one trailer after it (the blocks' CRC-32s combined, the total
//! length) make one gzip member. Each block's bytes depend only on its data
//! and its dictionary, so the output is the same for any pool size, any
//! order the Workers finish in and any chunking of the input.
//!
//! This module is the codec; the placement that fans the blocks out to
//! Workers builds on [`Blocker`] (main thread, before the pool),
//! [`compress_block`] (in each Worker) and [`Framer`] (main thread, after
//! the pool, in order).

use flate2::{Compress, Compression, FlushCompress, Status};

use crate::core::Error;

/// Input per block: big enough that the sync flush (5 bytes) and the
/// restarted Huffman statistics cost well under 1% of the output, small
/// enough that two Workers have work early (measured in the tests below).
pub const BLOCK_BYTES: usize = 128 * 1024;

/// The deflate window: what a block may refer back to.
pub const DICT_BYTES: usize = 32 * 1024;

/// A gzip header with no name, time or extra fields: deflate, OS unknown.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// One block of input to compress: the bytes before it that it may refer
/// to, its own bytes, and whether it ends the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub dictionary: Vec<u8>,
    pub data: Vec<u8>,
    pub last: bool,
}

impl Job {
    /// As one byte buffer, for a message to a Worker: `last` (1 byte), the
    /// dictionary's length (u32 LE), the dictionary, the data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.dictionary.len() + self.data.len());
        out.push(u8::from(self.last));
        // At most DICT_BYTES: fits in u32.
        out.extend_from_slice(&(self.dictionary.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.dictionary);
        out.extend_from_slice(&self.data);
        out
    }

    /// The inverse of [`Job::encode`].
    ///
    /// # Errors
    ///
    /// A buffer too short for its header or its stated dictionary.
    pub fn decode(stage: &'static str, bytes: &[u8]) -> Result<Job, Error> {
        let bad = |detail: &str| Error::Codec {
            stage,
            offset: 0,
            detail: format!("not a parallel-gzip block: {detail}"),
        };
        let (&flag, rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
        let (len, rest) = rest.split_at_checked(4).ok_or_else(|| bad("no length"))?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if flag > 1 || len > DICT_BYTES {
            return Err(bad("a bad flag or dictionary length"));
        }
        let (dictionary, data) = rest
            .split_at_checked(len)
            .ok_or_else(|| bad("shorter than its dictionary"))?;
        Ok(Job {
            dictionary: dictionary.to_vec(),
            data: data.to_vec(),
            last: flag == 1,
        })
    }
}

/// Cuts input of any chunking into [`Job`]s of [`BLOCK_BYTES`]; a block is
/// handed out once a byte after it has arrived, so that the last one is
/// known (and ends the stream) at [`Blocker::finish`].
#[derive(Default)]
pub struct Blocker {
    pending: Vec<u8>,
    tail: Vec<u8>,
}

impl Blocker {
    pub fn push(&mut self, mut chunk: &[u8], jobs: &mut Vec<Job>) {
        while !chunk.is_empty() {
            if self.pending.len() == BLOCK_BYTES {
                // A byte follows this block: it is not the last.
                let data = std::mem::take(&mut self.pending);
                jobs.push(self.job(data, false));
            }
            let room = BLOCK_BYTES - self.pending.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            self.pending.extend_from_slice(now);
            chunk = later;
        }
    }

    /// The last block (empty for empty input: a valid empty stream).
    pub fn finish(&mut self) -> Job {
        let data = std::mem::take(&mut self.pending);
        self.job(data, true)
    }

    fn job(&mut self, data: Vec<u8>, last: bool) -> Job {
        let dictionary = std::mem::replace(
            &mut self.tail,
            data[data.len().saturating_sub(DICT_BYTES)..].to_vec(),
        );
        Job {
            dictionary,
            data,
            last,
        }
    }
}

/// A compressed block: its raw deflate bytes, and the CRC-32 and length of
/// its input, for the trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub deflate: Vec<u8>,
    pub crc: u32,
    pub len: u64,
}

impl Block {
    /// As one byte buffer, for a Worker's answer: CRC-32 (u32 LE), length
    /// (u64 LE), the deflate bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.deflate.len());
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&self.deflate);
        out
    }

    /// The inverse of [`Block::encode`].
    ///
    /// # Errors
    ///
    /// A buffer shorter than the 12-byte header.
    pub fn decode(stage: &'static str, bytes: &[u8]) -> Result<Block, Error> {
        let (head, deflate) = bytes.split_at_checked(12).ok_or_else(|| Error::Codec {
            stage,
            offset: 0,
            detail: "not a compressed parallel-gzip block".to_string(),
        })?;
        let mut crc = [0; 4];
        crc.copy_from_slice(&head[..4]);
        let mut len = [0; 8];
        len.copy_from_slice(&head[4..]);
        Ok(Block {
            deflate: deflate.to_vec(),
            crc: u32::from_le_bytes(crc),
            len: u64::from_le_bytes(len),
        })
    }
}

/// Compresses one [`Job`] at `level` (0–9).
///
/// # Errors
///
/// zlib refusing the dictionary or the data (not expected: reported as a
/// codec error of `stage` rather than a panic).
pub fn compress_block(stage: &'static str, level: u32, job: &Job) -> Result<Block, Error> {
    let fail = |e: flate2::CompressError| Error::Codec {
        stage,
        offset: 0,
        detail: e.to_string(),
    };
    let mut z = Compress::new(Compression::new(level.min(9)), false);
    if !job.dictionary.is_empty() {
        z.set_dictionary(&job.dictionary).map_err(fail)?;
    }
    let flush = if job.last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let data = &job.data;
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    loop {
        if out.len() == out.capacity() {
            out.reserve(64 * 1024);
        }
        // total_in is at most data.len(), a usize.
        let consumed = z.total_in() as usize;
        let status = z
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(fail)?;
        let all_in = z.total_in() as usize == data.len();
        // Done: the stream ended (last), or everything went in and zlib
        // left output space unused, so the sync flush is complete.
        if status == Status::StreamEnd || (!job.last && all_in && out.len() < out.capacity()) {
            break;
        }
    }
    Ok(Block {
        deflate: out,
        crc: zlib_rs::crc32::crc32(0, data),
        len: data.len() as u64,
    })
}

/// Frames the blocks, given in order, as one gzip member: the header before
/// the first, the trailer after the last.
#[derive(Default)]
pub struct Framer {
    started: bool,
    crc: u32,
    len: u64,
}

impl Framer {
    /// The bytes to send on for `block`.
    pub fn block(&mut self, block: &Block, out: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            out.extend_from_slice(&HEADER);
        }
        self.crc = zlib_rs::crc32::crc32_combine(self.crc, block.crc, block.len);
        self.len += block.len;
        out.extend_from_slice(&block.deflate);
    }

    /// The trailer: CRC-32 and length mod 2^32, both little-endian.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            out.extend_from_slice(&HEADER);
        }
        out.extend_from_slice(&self.crc.to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        out.extend_from_slice(&((self.len & 0xffff_ffff) as u32).to_le_bytes());
    }
}

/// The Workers' half of `gzip` with `pool: n`: one encoded [`Job`] in,
/// one encoded [`Block`] out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCodec {
    pub stage: &'static str,
    pub level: u32,
}

/// What a Worker did with one block: its answer and the bytes it counted.
pub struct Compressed {
    pub message: Vec<u8>,
    pub bytes_in: usize,
    pub bytes_out: usize,
}

impl BlockCodec {
    /// Compresses one job message.
    ///
    /// # Errors
    ///
    /// Not a job message (see [`Job::decode`]).
    pub fn run(&self, message: &[u8]) -> Result<Compressed, Error> {
        let job = Job::decode(self.stage, message)?;
        let block = compress_block(self.stage, self.level, &job)?;
        Ok(Compressed {
            bytes_in: job.data.len(),
            bytes_out: block.deflate.len(),
            message: block.encode(),
        })
    }
}

/// The main thread's half of `gzip` with `pool: n`: cuts the input into job
/// messages for the Workers, and frames their answers, taken in input
/// order, as one gzip member.
pub struct Splitter {
    stage: &'static str,
    blocker: Blocker,
    framer: Framer,
    /// Job messages handed out, and answers framed.
    jobs: u64,
    framed: u64,
    ended: bool,
}

impl Splitter {
    pub fn new(stage: &'static str) -> Self {
        Splitter {
            stage,
            blocker: Blocker::default(),
            framer: Framer::default(),
            jobs: 0,
            framed: 0,
            ended: false,
        }
    }

    /// The job messages `chunk` completes (none until a block is full).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        let mut jobs = Vec::new();
        self.blocker.push(chunk, &mut jobs);
        self.jobs += jobs.len() as u64;
        jobs.iter().map(Job::encode).collect()
    }

    /// The last job message: the rest of the input, ending the stream.
    pub fn finish(&mut self) -> Vec<u8> {
        self.ended = true;
        self.jobs += 1;
        self.blocker.finish().encode()
    }

    /// The gzip bytes for the next block's answer, in input order: the
    /// header before the first, the trailer after the answer to the last
    /// job.
    ///
    /// # Errors
    ///
    /// Not a block message (see [`Block::decode`]), or more answers than
    /// jobs.
    pub fn frame(&mut self, message: &[u8]) -> Result<Vec<u8>, Error> {
        if self.framed == self.jobs {
            return Err(Error::Codec {
                stage: self.stage,
                offset: 0,
                detail: "a compressed block that no job asked for".to_string(),
            });
        }
        let block = Block::decode(self.stage, message)?;
        let mut out = Vec::with_capacity(block.deflate.len() + HEADER.len() + 8);
        self.framer.block(&block, &mut out);
        self.framed += 1;
        if self.ended && self.framed == self.jobs {
            self.framer.finish(&mut out);
        }
        Ok(out)
    }
}

// libflate, the independent inflater, is a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::source::{Lorem, RandomBytes, Source};
    use std::io::{Read, Write};

    const STAGE: &str = "gzip";

    /// All of a generated source: the crate's own `lorem` and `random`.
    fn generated(mut source: impl Source) -> Vec<u8> {
        let (mut all, mut chunk) = (Vec::new(), Vec::new());
        while source.fill(&mut chunk) {
            all.extend_from_slice(&chunk);
        }
        all
    }

    fn lorem(n: usize, seed: u64) -> Vec<u8> {
        generated(Lorem::new(n as u64, 1 << 16, seed))
    }

    /// The whole codec as a pool runs it: job messages cut from `chunks`
    /// by the main thread's [`Splitter`], compressed by the Workers'
    /// [`BlockCodec`] in input order or (`reverse`) the opposite (a pool's
    /// Workers finish in any order), framed in input order.
    fn parallel(chunks: &[&[u8]], level: u32, reverse: bool) -> Vec<u8> {
        let mut splitter = Splitter::new(STAGE);
        let mut jobs = Vec::new();
        for c in chunks {
            jobs.extend(splitter.push(c));
        }
        jobs.push(splitter.finish());
        let codec = BlockCodec {
            stage: STAGE,
            level,
        };
        let mut answers: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        if reverse {
            order.reverse();
        }
        for i in order {
            answers.push((i, codec.run(&jobs[i]).unwrap().message));
        }
        answers.sort_by_key(|(i, _)| *i);
        let mut out = Vec::new();
        for (_, a) in &answers {
            out.extend(splitter.frame(a).unwrap());
        }
        out
    }

    fn gunzip_flate2(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn gunzip_libflate(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        libflate::gzip::Decoder::new(gz)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn single_threaded(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_exactly_with_two_independent_inflaters() {
        let sizes = [
            0,
            1,
            DICT_BYTES,
            BLOCK_BYTES - 1,
            BLOCK_BYTES,
            BLOCK_BYTES + 1,
            3 * BLOCK_BYTES,
            5 * BLOCK_BYTES + 777,
        ];
        for n in sizes {
            let data = lorem(n, n as u64 + 1);
            let gz = parallel(&[&data], 6, false);
            assert_eq!(gunzip_flate2(&gz), data, "flate2, {n} bytes");
            assert_eq!(gunzip_libflate(&gz), data, "libflate, {n} bytes");
        }
    }

    #[test]
    fn incompressible_input_round_trips() {
        let data = generated(RandomBytes::new(3 * BLOCK_BYTES as u64 + 5, 1 << 16, 9));
        let gz = parallel(&[&data], 6, false);
        assert_eq!(gunzip_flate2(&gz), data);
        assert_eq!(gunzip_libflate(&gz), data);
    }

    #[test]
    fn the_same_bytes_whatever_the_chunking_and_the_order_blocks_finish() {
        let data = lorem(4 * BLOCK_BYTES + 12_345, 7);
        let whole = parallel(&[&data], 6, false);
        assert_eq!(
            parallel(&[&data], 6, true),
            whole,
            "blocks finished in reverse"
        );
        for size in [1usize << 10, 4093, 65_536, BLOCK_BYTES, BLOCK_BYTES + 1] {
            let chunks: Vec<&[u8]> = data.chunks(size).collect();
            assert_eq!(parallel(&chunks, 6, false), whole, "chunks of {size}");
        }
    }

    #[test]
    fn compresses_within_one_percent_of_single_threaded_level_6() {
        // Text like the bench's lorem, and CSV like the users source.
        let text = lorem(8 << 20, 3);
        let mut csv = Vec::new();
        for i in 0..120_000 {
            csv.extend_from_slice(
                format!(
                    "{i},Name {i},user{}@example.org,Company {},pw{:08x},2021-01-01T00:00:00Z\n",
                    i % 97,
                    i % 13,
                    i * 2_654_435_761_u64 % 4_294_967_291
                )
                .as_bytes(),
            );
        }
        for (what, data) in [("lorem", &text), ("csv", &csv)] {
            let ours = parallel(&[data], 6, false).len() as f64;
            let single = single_threaded(data, 6).len() as f64;
            let worse = ours / single - 1.0;
            eprintln!(
                "{what}: {ours} bytes, single-threaded {single} ({:+.3}%)",
                worse * 100.0
            );
            assert!(
                worse < 0.01,
                "{what}: {ours} bytes against {single} single-threaded ({:.2}% more)",
                worse * 100.0
            );
        }
    }

    #[test]
    fn a_bad_block_message_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0, 1, 0][..],
            &[2, 0, 0, 0, 0][..],
            &[0, 255, 255, 0, 0][..],
            &[0, 10, 0, 0, 0, 1][..],
        ] {
            assert!(
                matches!(
                    Job::decode(STAGE, bad),
                    Err(Error::Codec { stage: "gzip", .. })
                ),
                "{bad:?}"
            );
        }
        assert!(Block::decode(STAGE, &[1, 2, 3]).is_err());
        let codec = BlockCodec {
            stage: STAGE,
            level: 6,
        };
        assert!(codec.run(&[7]).is_err());
    }

    #[test]
    fn the_splitter_frames_only_answers_it_asked_for_and_ends_after_the_last() {
        let codec = BlockCodec {
            stage: STAGE,
            level: 6,
        };
        let mut splitter = Splitter::new(STAGE);
        let data = lorem(BLOCK_BYTES + 10, 3);
        let jobs = splitter.push(&data);
        assert_eq!(jobs.len(), 1, "a full block goes once a byte follows it");
        let first = codec.run(&jobs[0]).unwrap();
        assert_eq!(first.bytes_in, BLOCK_BYTES);
        let head = splitter.frame(&first.message).unwrap();
        assert_eq!(&head[..HEADER.len()], &HEADER);
        // No job is waiting for an answer: a stray one is an error.
        assert!(splitter.frame(&first.message).is_err());
        let last = codec.run(&splitter.finish()).unwrap();
        assert_eq!(last.bytes_in, 10);
        let tail = splitter.frame(&last.message).unwrap();
        let whole = [head, tail].concat();
        assert_eq!(gunzip_flate2(&whole), data);
    }
}
