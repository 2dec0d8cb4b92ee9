//! `encrypt` / `decrypt`: AES-256-GCM with the key derived from a passphrase
//! by PBKDF2-HMAC-SHA256 (RustCrypto `aes-gcm`, `pbkdf2`).
//!
//! # Format
//!
//! A 30-byte header: `PWGCM1`, a 16-byte random salt, the PBKDF2 rounds
//! (u32, big-endian) and a 4-byte random nonce prefix. Then frames of
//! `flags (u8) | length (u32 BE) | ciphertext and 16-byte tag`, each holding
//! up to `frameSize` bytes of plaintext. Frame `i`'s nonce is the prefix and
//! `i` (u64 BE); its associated data is `i` and the flags, whose bit 0 marks
//! the last frame. So a frame that is altered, moved, dropped or re-flagged
//! fails authentication, and a stream cut after any frame lacks its final
//! one. Frames are cut at fixed plaintext offsets, so the output depends on
//! the salt and prefix only, never on how the input was chunked.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::Sha256;

use crate::core::{Deferred, Error, OptionProblem, Progress, Shape, Status, Transform};

const MAGIC: &[u8; 6] = b"PWGCM1";
const HEADER: usize = 6 + 16 + 4 + 4;
const FRAME_HEAD: usize = 5;
const TAG: usize = 16;
const FINAL: u8 = 1;
/// The largest frame `decrypt` accepts: the largest `frameSize` plus a tag.
const MAX_FRAME: usize = (16 << 20) + TAG;
/// The PBKDF2 rounds `encrypt` writes, and so the only ones `decrypt`
/// accepts from a header: a hostile or damaged file cannot choose its own
/// cost beyond what the slowest genuine file costs. The top is above
/// OWASP's 600,000 for PBKDF2-HMAC-SHA256 (2023); one flipped header bit
/// used to ask for 8.4 million rounds and froze the page for 5–10 s.
pub const MIN_ROUNDS: u32 = 1_000;
pub const MAX_ROUNDS: u32 = 1_000_000;

fn derive(passphrase: &str, salt: &[u8], rounds: u32) -> Aes256Gcm {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase.as_bytes(), salt, rounds, &mut key);
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
}

fn nonce(prefix: &[u8; 4], index: u64) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(prefix);
    n[4..].copy_from_slice(&index.to_be_bytes());
    Nonce::from(n)
}

fn aad(index: u64, flags: u8) -> [u8; 9] {
    let mut a = [0u8; 9];
    a[..8].copy_from_slice(&index.to_be_bytes());
    a[8] = flags;
    a
}

/// Output waiting to go out.
#[derive(Default)]
struct Outbox {
    buf: Vec<u8>,
    pos: usize,
}

impl Outbox {
    fn drain(&mut self, output: &mut [u8], w: &mut usize) -> bool {
        let n = (self.buf.len() - self.pos).min(output.len() - *w);
        output[*w..*w + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        *w += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            return true;
        }
        false
    }
}

pub struct Encrypt {
    cipher: Aes256Gcm,
    prefix: [u8; 4],
    frame: usize,
    plain: Vec<u8>,
    index: u64,
    out: Outbox,
    finished: bool,
}

impl Encrypt {
    /// `random` fills the salt and nonce prefix (the glue passes
    /// `crypto.getRandomValues`).
    ///
    /// # Errors
    ///
    /// An empty passphrase.
    pub fn new(
        passphrase: &str,
        rounds: u32,
        frame: usize,
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<Self, Error> {
        if passphrase.is_empty() {
            return Err(Error::BadOption {
                stage: "encrypt".to_string(),
                option: "passphrase".to_string(),
                message: "must not be empty".to_string(),
                problem: OptionProblem::Range,
            });
        }
        let mut salt = [0u8; 16];
        let mut prefix = [0u8; 4];
        random(&mut salt);
        random(&mut prefix);
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&salt);
        header.extend_from_slice(&rounds.to_be_bytes());
        header.extend_from_slice(&prefix);
        Ok(Encrypt {
            cipher: derive(passphrase, &salt, rounds),
            prefix,
            frame: frame.max(1),
            plain: Vec::new(),
            index: 0,
            out: Outbox {
                buf: header,
                pos: 0,
            },
            finished: false,
        })
    }

    /// Seals the buffered plaintext as the next frame into the outbox.
    fn seal(&mut self, flags: u8) -> Result<(), Error> {
        let mut data = std::mem::take(&mut self.plain);
        self.cipher
            .encrypt_in_place(
                &nonce(&self.prefix, self.index),
                &aad(self.index, flags),
                &mut data,
            )
            .map_err(|_| Error::Codec {
                stage: "encrypt",
                offset: self.index,
                detail: "AES-GCM refused the frame".to_string(),
            })?;
        self.out.buf.push(flags);
        self.out
            .buf
            .extend_from_slice(&(data.len() as u32).to_be_bytes());
        self.out.buf.extend_from_slice(&data);
        self.index += 1;
        Ok(())
    }
}

impl Transform for Encrypt {
    fn kind(&self) -> &'static str {
        "encrypt"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        let (mut i, mut w) = (0, 0);
        loop {
            if !self.out.drain(output, &mut w) {
                return Ok(Progress {
                    consumed: i,
                    written: w,
                    status: Status::OutputFull,
                });
            }
            if i == input.len() {
                return Ok(Progress {
                    consumed: i,
                    written: w,
                    status: Status::NeedInput,
                });
            }
            // A full frame is sealed only once more data shows it is not
            // the last.
            if self.plain.len() == self.frame {
                self.seal(0)?;
                continue;
            }
            let take = (self.frame - self.plain.len()).min(input.len() - i);
            self.plain.extend_from_slice(&input[i..i + take]);
            i += take;
        }
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        if !self.finished {
            self.finished = true;
            self.seal(FINAL)?;
        }
        let mut w = 0;
        let status = if self.out.drain(output, &mut w) {
            Status::Finished
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed: 0,
            written: w,
            status,
        })
    }
}

pub struct Decrypt {
    passphrase: String,
    cipher: Option<Aes256Gcm>,
    prefix: [u8; 4],
    /// The header, then each frame, as it arrives.
    pending: Vec<u8>,
    /// Where the unit being gathered starts in the input.
    unit_offset: u64,
    offset: u64,
    index: u64,
    done: bool,
    out: Outbox,
    deferred: Deferred,
}

impl Decrypt {
    pub fn new(passphrase: &str) -> Self {
        Decrypt {
            passphrase: passphrase.to_string(),
            cipher: None,
            prefix: [0; 4],
            pending: Vec::new(),
            unit_offset: 0,
            offset: 0,
            index: 0,
            done: false,
            out: Outbox::default(),
            deferred: Deferred::default(),
        }
    }

    fn invalid(&self, detail: String) -> Error {
        Error::Codec {
            stage: "decrypt",
            offset: self.unit_offset,
            detail,
        }
    }

    /// How many more bytes the unit being gathered needs.
    fn wanted(&self) -> Result<usize, Error> {
        if self.cipher.is_none() {
            return Ok(HEADER - self.pending.len());
        }
        if self.pending.len() < FRAME_HEAD {
            return Ok(FRAME_HEAD - self.pending.len());
        }
        let len = u32::from_be_bytes([
            self.pending[1],
            self.pending[2],
            self.pending[3],
            self.pending[4],
        ]) as usize;
        if !(TAG..=MAX_FRAME).contains(&len) {
            return Err(self.invalid(format!(
                "frame {} declares {len} bytes; a frame holds {TAG} to {MAX_FRAME}",
                self.index
            )));
        }
        Ok(FRAME_HEAD + len - self.pending.len())
    }

    /// The unit in `pending` is whole: the header, or a frame to open.
    fn complete(&mut self) -> Result<(), Error> {
        let unit = std::mem::take(&mut self.pending);
        if self.cipher.is_none() {
            if &unit[..6] != MAGIC {
                return Err(self.invalid(
                    "this is not Pipewright-encrypted data (no PWGCM1 header)".to_string(),
                ));
            }
            let rounds = u32::from_be_bytes([unit[22], unit[23], unit[24], unit[25]]);
            if !(MIN_ROUNDS..=MAX_ROUNDS).contains(&rounds) {
                return Err(self.invalid(format!(
                    "the header asks for {rounds} PBKDF2 rounds; encrypt writes {MIN_ROUNDS} to {MAX_ROUNDS}"
                )));
            }
            self.prefix.copy_from_slice(&unit[26..30]);
            self.cipher = Some(derive(&self.passphrase, &unit[6..22], rounds));
        } else {
            let flags = unit[0];
            let mut data = unit[FRAME_HEAD..].to_vec();
            let opened = self.cipher.as_ref().is_some_and(|c| {
                c.decrypt_in_place(
                    &nonce(&self.prefix, self.index),
                    &aad(self.index, flags),
                    &mut data,
                )
                .is_ok()
            });
            if !opened {
                return Err(self.invalid(format!(
                    "frame {} failed authentication: a wrong passphrase, or the data was altered",
                    self.index
                )));
            }
            self.index += 1;
            self.done = flags & FINAL != 0;
            self.out.buf.extend_from_slice(&data);
        }
        self.unit_offset = self.offset;
        Ok(())
    }

    fn run(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        i: &mut usize,
        w: &mut usize,
    ) -> Result<Status, Error> {
        loop {
            if !self.out.drain(output, w) {
                return Ok(Status::OutputFull);
            }
            if *i == input.len() {
                return Ok(Status::NeedInput);
            }
            if self.done {
                return Err(Error::TrailingData {
                    stage: "decrypt",
                    offset: self.offset,
                });
            }
            let take = self.wanted()?.min(input.len() - *i);
            self.pending.extend_from_slice(&input[*i..*i + take]);
            *i += take;
            self.offset += take as u64;
            if self.wanted()? == 0 {
                self.complete()?;
            }
        }
    }
}

impl Transform for Decrypt {
    fn kind(&self) -> &'static str {
        "decrypt"
    }

    fn shape(&self) -> Shape {
        Shape::Bytes
    }

    fn transform(&mut self, input: &[u8], output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        let (mut i, mut w) = (0, 0);
        let outcome = self.run(input, output, &mut i, &mut w);
        self.deferred.settle(outcome, i, w)
    }

    fn finish(&mut self, output: &mut [u8]) -> Result<Progress, Error> {
        self.deferred.check()?;
        let mut w = 0;
        if !self.out.drain(output, &mut w) {
            return Ok(Progress {
                consumed: 0,
                written: w,
                status: Status::OutputFull,
            });
        }
        if !self.done {
            let what = if self.cipher.is_none() {
                "the header"
            } else if self.pending.is_empty() {
                "the frames (the final frame is missing)"
            } else {
                "a frame"
            };
            return Err(Error::Truncated {
                stage: "decrypt",
                offset: self.offset,
                what,
            });
        }
        Ok(Progress {
            consumed: 0,
            written: w,
            status: Status::Finished,
        })
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType::Bytes, Extension, StageDef};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EncryptOptions {
    passphrase: String,
    iterations: u32,
    frame_size: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DecryptOptions {
    passphrase: String,
}

pub const ENCRYPT: StageDef = StageDef {
    kind: "encrypt",
    title: "Encrypt (AES-GCM)",
    summary: "AES-256-GCM with a key from the passphrase (PBKDF2-SHA256); output is a header and authenticated frames that decrypt reads.",
    params: &[
        ParamSpec::secret("passphrase", "The secret. Anyone with it can decrypt."),
        ParamSpec::int("iterations", 100_000, MIN_ROUNDS as u64, MAX_ROUNDS as u64, "PBKDF2 rounds: slower to derive, harder to guess."),
        ParamSpec::int("frameSize", 65_536, 1, 16 << 20, "Plaintext bytes per authenticated frame."),
    ],
    cpu_bound: true,
    extension: Some(Extension { add: ".enc", strip: "" }),
    example: r#"{"passphrase": "correct horse battery staple"}"#,
    ..StageDef::transform(Bytes, Bytes, |o, random| {
        let e: EncryptOptions = o.typed()?;
        Ok(Box::new(Encrypt::new(
            &e.passphrase,
            e.iterations,
            usize::try_from(e.frame_size).unwrap_or(usize::MAX),
            random,
        )?))
    })
};

pub const DECRYPT: StageDef = StageDef {
    kind: "decrypt",
    title: "Decrypt (AES-GCM)",
    summary: "Reads what encrypt wrote; a wrong passphrase or an altered, missing or extra frame is an error naming the frame.",
    params: &[ParamSpec::secret("passphrase", "The secret used to encrypt.")],
    cpu_bound: true,
    extension: Some(Extension { add: "", strip: ".enc" }),
    ..StageDef::transform(Bytes, Bytes, |o, _| {
        let DecryptOptions { passphrase } = o.typed()?;
        Ok(Box::new(Decrypt::new(&passphrase)))
    })
};
