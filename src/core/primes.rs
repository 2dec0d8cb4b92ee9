//! `primes`: deliberately CPU-heavy work per block of input, the worker
//! lesson's stand-in for real computation. For every `block` input bytes it
//! counts the primes below `limit + (sum of the block's bytes mod 1000)` with
//! a sieve, and emits one line. Blocks, not arriving chunks, so the output
//! does not depend on chunking.

use crate::core::{Error, Progress, Shape, Status, Transform};

/// Primes below `n` (sieve of Eratosthenes over odd numbers).
pub fn count_primes_below(n: u64) -> u64 {
    if n <= 2 {
        return 0;
    }
    let n = n as usize;
    // Index i stands for the odd number 2i + 1.
    let mut composite = vec![false; n / 2];
    let mut count = 1; // 2
    let mut i = 1;
    while i < n / 2 {
        if !composite[i] {
            let p = 2 * i + 1;
            if p < n {
                count += 1;
            }
            let mut m = p * p;
            while m < n {
                composite[m / 2] = true;
                m += 2 * p;
            }
        }
        i += 1;
    }
    count
}

pub struct Primes {
    block: u64,
    limit: u64,
    /// The current block: bytes seen and their sum.
    seen: u64,
    sum: u64,
    blocks: u64,
    line: Vec<u8>,
    written: usize,
    finished: bool,
}

impl Primes {
    pub fn new(block: u64, limit: u64) -> Self {
        Primes {
            block: block.max(1),
            limit,
            seen: 0,
            sum: 0,
            blocks: 0,
            line: Vec::new(),
            written: 0,
            finished: false,
        }
    }

    fn close_block(&mut self) {
        let below = self.limit + self.sum % 1000;
        self.blocks += 1;
        self.line = format!(
            "block {}: {} primes below {below}",
            self.blocks,
            count_primes_below(below)
        )
        .into_bytes();
        self.written = 0;
        self.seen = 0;
        self.sum = 0;
    }

    /// Writes the pending line; `Some(status)` if the call must return.
    fn write_line(&mut self, output: &mut [u8], w: &mut usize) -> Option<Status> {
        if self.line.is_empty() {
            return None;
        }
        let n = (self.line.len() - self.written).min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.line[self.written..self.written + n]);
        self.written += n;
        *w += n;
        if self.written < self.line.len() {
            return Some(Status::OutputFull);
        }
        self.line.clear();
        Some(Status::RecordEnd)
    }
}

impl Transform for Primes {
    fn kind(&self) -> &'static str {
        "primes"
    }

    fn shape(&self) -> Shape {
        Shape::Records
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let (mut i, mut w) = (0, 0);
        loop {
            if let Some(status) = self.write_line(output, &mut w) {
                return Ok(Progress {
                    consumed: i,
                    written: w,
                    status,
                });
            }
            if i == input.len() {
                return Ok(Progress {
                    consumed: i,
                    written: w,
                    status: Status::NeedInput,
                });
            }
            let take = ((self.block - self.seen) as usize).min(input.len() - i);
            self.sum += input[i..i + take]
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>();
            self.seen += take as u64;
            i += take;
            if self.seen == self.block {
                self.close_block();
            }
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        if !self.finished {
            self.finished = true;
            if self.seen > 0 {
                self.close_block();
            }
        }
        let mut w = 0;
        let status = self.write_line(output, &mut w).unwrap_or(Status::Finished);
        Ok(Progress {
            consumed: 0,
            written: w,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::count_primes_below;

    #[test]
    fn known_prime_counts() {
        for (n, pi) in [
            (0, 0),
            (2, 0),
            (3, 1),
            (10, 4),
            (100, 25),
            (1000, 168),
            (1_000_000, 78_498),
        ] {
            assert_eq!(count_primes_below(n), pi, "primes below {n}");
        }
    }
}

// ---- Catalogue definition ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PrimesOptions {
    block_size: u64,
    limit: u64,
}

pub const PRIMES: StageDef = StageDef {
    kind: "primes",
    title: "Primes (CPU work)",
    summary: "Busy work for the worker lessons: for every blockSize input bytes, counts the primes below limit (+ the block's byte sum mod 1000) and emits one line.",
    params: &[
        ParamSpec::int("blockSize", 65_536, 1, 16 << 20, "Input bytes per computation."),
        ParamSpec::int("limit", 2_000_000, 2, 200_000_000, "Roughly how far each sieve goes: the CPU cost."),
    ],
    cpu_bound: true,
    ..StageDef::transform(DataType::Bytes, DataType::Text, |o, _| {
        let p: PrimesOptions = o.typed()?;
        Ok(Box::new(Primes::new(p.block_size, p.limit)))
    })
};
