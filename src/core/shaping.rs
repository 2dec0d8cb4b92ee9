//! Shaping stages: `head` (the first N lines or bytes, then no more input:
//! the glue cancels upstream) and `rechunk` (fixed-size output chunks).

use crate::core::records::Mapped;
use crate::core::{Error, Progress, Shape, Status, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadUnit {
    Bytes,
    /// Lines ended by LF; the LF is kept, so `head` then `split-lines`
    /// behaves as expected.
    Lines,
}

pub struct Head {
    unit: HeadUnit,
    left: u64,
}

impl Head {
    pub fn new(unit: HeadUnit, count: u64) -> Self {
        Head { unit, left: count }
    }
}

impl Transform for Head {
    fn kind(&self) -> &'static str {
        "head"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        if self.left == 0 {
            return Ok(Progress::FINISHED);
        }
        let room = input.len().min(output.len());
        let n = match self.unit {
            HeadUnit::Bytes => room.min(usize::try_from(self.left).unwrap_or(usize::MAX)),
            HeadUnit::Lines => match memchr::memchr(b'\n', &input[..room]) {
                Some(i) => {
                    self.left -= 1;
                    i + 1
                }
                None => room,
            },
        };
        output[..n].copy_from_slice(&input[..n]);
        if self.unit == HeadUnit::Bytes {
            self.left -= n as u64;
        }
        let status = if self.left == 0 {
            Status::Finished
        } else if n == input.len() {
            Status::NeedInput
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: n,
            written: n,
            status,
        })
    }

    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        Ok(Progress::FINISHED)
    }
}

/// Cuts the byte stream into chunks of exactly `size` bytes; the last may be
/// shorter. Each output chunk is one record of the driver.
pub struct Rechunk {
    size: u64,
    filled: u64,
}

impl Rechunk {
    /// `size` ≥ 1 (validated by the catalogue).
    pub fn new(size: u64) -> Self {
        Rechunk {
            size: size.max(1),
            filled: 0,
        }
    }
}

impl Transform for Rechunk {
    fn kind(&self) -> &'static str {
        "rechunk"
    }

    fn shape(&self) -> Shape {
        Shape::Records
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let want = usize::try_from(self.size - self.filled).unwrap_or(usize::MAX);
        let n = want.min(input.len()).min(output.len());
        output[..n].copy_from_slice(&input[..n]);
        self.filled += n as u64;
        let status = if self.filled == self.size {
            self.filled = 0;
            Status::RecordEnd
        } else if n == input.len() {
            Status::NeedInput
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: n,
            written: n,
            status,
        })
    }

    fn finish(&mut self, _output: &mut [u8]) -> Result<Progress, Error> {
        // A partial last chunk is in the driver's buffer; it emits it.
        self.filled = 0;
        Ok(Progress::FINISHED)
    }
}

/// `head-records`: the first `count` records, then no more input.
pub struct TakeRecords {
    left: u64,
}

impl crate::core::records::RecordFn for TakeRecords {
    fn kind(&self) -> &'static str {
        "head-records"
    }

    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, crate::core::records::RecordError> {
        if self.left == 0 {
            return Ok(Mapped::Dropped);
        }
        self.left -= 1;
        out.extend_from_slice(record);
        Ok(Mapped::kept(canonical))
    }

    fn satisfied(&self) -> bool {
        self.left == 0
    }
}

pub fn head_records(count: u64) -> crate::core::records::PerRecord {
    crate::core::records::PerRecord::new(TakeRecords { left: count }, Shape::Records, 1 << 30, 0)
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, StageDef, MAX_SAFE};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HeadOptions {
    count: u64,
    unit: HeadUnit,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CountOptions {
    count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RechunkOptions {
    size: u64,
}

pub const HEAD: StageDef = StageDef {
    kind: "head",
    title: "Head",
    summary: "The first `count` lines (LF kept) or bytes, then it cancels upstream: the source stops producing.",
    params: &[
        ParamSpec::int("count", 10, 0, MAX_SAFE, "How many lines or bytes to pass."),
        ParamSpec::choice("unit", "lines", &["lines", "bytes"], "Count lines or bytes."),
    ],
    ..StageDef::transform(DataType::Bytes, DataType::Bytes, |o, _| {
        let HeadOptions { count, unit } = o.typed()?;
        Ok(Box::new(Head::new(unit, count)))
    })
};

pub const HEAD_RECORDS: StageDef = StageDef {
    kind: "head-records",
    title: "Head (records)",
    summary: "The first `count` records, then it cancels upstream.",
    params: &[ParamSpec::int(
        "count",
        10,
        0,
        MAX_SAFE,
        "How many records to pass.",
    )],
    ..StageDef::transform(DataType::Records, DataType::Records, |o, _| {
        let CountOptions { count } = o.typed()?;
        Ok(Box::new(head_records(count)))
    })
};

pub const RECHUNK: StageDef = StageDef {
    kind: "rechunk",
    title: "Rechunk",
    summary: "Cuts the stream into chunks of exactly `size` bytes (the last may be shorter).",
    params: &[ParamSpec::int(
        "size",
        65_536,
        1,
        16 << 20,
        "Bytes per output chunk.",
    )],
    ..StageDef::transform(DataType::Bytes, DataType::Bytes, |o, _| {
        let RechunkOptions { size } = o.typed()?;
        Ok(Box::new(Rechunk::new(size)))
    })
};
