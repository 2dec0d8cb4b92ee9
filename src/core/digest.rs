//! `sha256`: the SHA-256 of the whole stream (RustCrypto `sha2`), emitted at
//! the end as one lowercase hex string and kept for the stage's metrics.

use sha2::{Digest, Sha256};

use crate::core::{Error, Progress, Shape, Status, Transform};

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = Vec::with_capacity(bytes.len() * 2);
    hex_into(bytes, &mut s);
    // Hex digits are ASCII.
    String::from_utf8(s).unwrap_or_default()
}

/// `bytes` in lowercase hex, appended to `out`.
pub fn hex_into(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
}

#[derive(Default)]
pub struct Sha256Digest {
    hasher: Sha256,
    /// The hex digest once the input ended, and how much of it is written.
    hex: Option<String>,
    written: usize,
}

impl Sha256Digest {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transform for Sha256Digest {
    fn kind(&self) -> &'static str {
        "sha256"
    }

    fn shape(&self) -> Shape {
        Shape::Records
    }

    fn transform(&mut self, input: &[u8], _output: &mut [u8]) -> Result<Progress, Error> {
        self.hasher.update(input);
        Ok(Progress {
            consumed: input.len(),
            written: 0,
            status: Status::NeedInput,
        })
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        let hex = self
            .hex
            .get_or_insert_with(|| hex(&std::mem::take(&mut self.hasher).finalize()));
        let rest = &hex.as_bytes()[self.written..];
        if rest.is_empty() {
            return Ok(Progress::FINISHED);
        }
        let n = rest.len().min(output.len());
        output[..n].copy_from_slice(&rest[..n]);
        self.written += n;
        let status = if n == rest.len() {
            Status::RecordEnd
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: 0,
            written: n,
            status,
        })
    }

    fn result(&self) -> Option<String> {
        self.hex.clone()
    }
}

// ---- Catalogue definition ----

use crate::core::stage::{DataType, StageDef, View};

pub const SHA256: StageDef = StageDef {
    kind: "sha256",
    title: "SHA-256",
    summary: "The hex SHA-256 of the whole stream, emitted at the end as one string and shown in the stage's metrics.",
    cpu_bound: true,
    view: Some(View::Value),
    ..StageDef::transform(DataType::Bytes, DataType::Text, |_, _| {
        Ok(Box::new(Sha256Digest::new()))
    })
};
