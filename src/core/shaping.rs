//! Shaping stages: `head` (the first N lines or bytes, then no more input:
//! the glue cancels upstream) and `rechunk` (fixed-size output chunks).

use crate::core::{Error, Progress, Shape, Status, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        out: &mut Vec<u8>,
    ) -> Result<bool, crate::core::records::RecordError> {
        if self.left == 0 {
            return Ok(false);
        }
        self.left -= 1;
        out.extend_from_slice(record);
        Ok(true)
    }

    fn satisfied(&self) -> bool {
        self.left == 0
    }
}

pub fn head_records(count: u64) -> crate::core::records::PerRecord<TakeRecords> {
    crate::core::records::PerRecord::new(TakeRecords { left: count }, Shape::Records, 1 << 30, 0)
}
