//! The Rust object behind a native `TransformStream`'s transformer
//! (<https://streams.spec.whatwg.org/#transformer-api>): `transform` and
//! `flush` run the core [`Driver`].
//!
//! Chromium never calls a transformer's `cancel()`, so a stage here cannot
//! learn that its readable side was cancelled; none of these stages holds a
//! timer or a Worker, so nothing leaks, but their state stays "flowing".

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::TransformStreamDefaultController;

use crate::core::canon;
use crate::core::stage::DataType;
use crate::core::{Driver, Error, Flow, Piece, Shape};
use crate::web::chunk::{chunk_bytes, describe, piece_value};
use crate::web::error::to_js;
use crate::web::metrics::{Phase, StageHandle};
use crate::web::sys::{performance_now, sleep};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeTransform)]
    fn make_transform(
        stage: TransformStage,
        kind: &str,
        high_water_mark: f64,
    ) -> web_sys::TransformStream;

    /// The chunk that carries a batch to the next Rust stage.
    #[wasm_bindgen(js_name = makeBatch)]
    fn make_batch(batch: Batch) -> JsValue;

    /// The batch a chunk carries, taken from it; `undefined` for any other
    /// chunk.
    #[wasm_bindgen(js_name = takeBatch)]
    fn take_batch(chunk: &JsValue) -> Option<Batch>;
}

/// A batch of NDJSON lines between two main-thread Rust stages. Its bytes
/// stay in wasm memory: the chunk JS passes from one stage to the next
/// holds only this handle, and the stage that takes it owns the bytes
/// (wasm-bindgen frees a batch no stage took when its chunk is collected).
#[wasm_bindgen(skip_typescript)]
pub struct Batch {
    bytes: Vec<u8>,
}

/// A wait shorter than this is not worth a timer.
const MIN_PACE_MS: f64 = 1.0;

/// Enqueues the chunk it was handed, unchanged, and counts it.
fn pass_on(
    handle: &StageHandle,
    controller: &TransformStreamDefaultController,
    chunk: &JsValue,
    len: usize,
) -> Result<(), JsValue> {
    let mut c = handle.counters.borrow_mut();
    c.chunks_out += 1;
    c.bytes_out += len as u64;
    drop(c);
    controller.enqueue_with_chunk(chunk)
}

#[wasm_bindgen(skip_typescript)]
pub struct TransformStage {
    handle: Rc<StageHandle>,
    driver: RefCell<Driver>,
    /// Where chunks are copied into wasm memory; reused across chunks.
    scratch: RefCell<Vec<u8>>,
    /// Fault injection (`panicAt`, `trapAt`): panic, or trap without a
    /// panic, on this chunk (1-based); 0 never.
    faults: [u64; 2],
    /// What the readable side was piped straight into (`linking` in the
    /// glue), and so how this stage's output goes on.
    link: Cell<Link>,
}

/// How a stage's output goes to the main-thread Rust stage it was piped
/// into. A batch is one chunk of NDJSON bytes per call, each line in the
/// form JSON.stringify would give it (`core::canon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Chunks as ever: JS objects for records, byte arrays for bytes.
    None,
    /// Records go out as batches and never become JS objects.
    Records,
    /// NDJSON bytes the stage knows to be in that form (`csv-to-ndjson`)
    /// go out as a batch, which `ndjson-parse` passes on without reading
    /// each line again; bytes it cannot vouch for go out as a byte array.
    Ndjson,
}

impl TransformStage {
    /// The `TransformStream` whose transformer is this stage.
    pub fn stream(
        handle: Rc<StageHandle>,
        driver: Driver,
        high_water_mark: f64,
        faults: [u64; 2],
    ) -> web_sys::TransformStream {
        let kind = handle.info.kind;
        let mut driver = driver;
        if handle.info.input == Some(DataType::Records) {
            // Its records come as JSON.stringify's text or in batches of
            // lines in that same form (canon): never in any other form.
            driver.canonical_input(true);
        }
        let stage = TransformStage {
            handle,
            driver: RefCell::new(driver),
            scratch: RefCell::new(Vec::new()),
            faults,
            link: Cell::new(Link::None),
        };
        make_transform(stage, kind, high_water_mark)
    }

    fn fail(&self, error: &Error) -> JsValue {
        self.handle.end(Phase::Errored, Some(error.to_string()));
        self.release();
        to_js(error)
    }

    /// The stream ended: its state and buffers go now, not when JS collects
    /// the stream.
    fn release(&self) {
        if let Ok(mut driver) = self.driver.try_borrow_mut() {
            driver.release();
        }
        if let Ok(mut scratch) = self.scratch.try_borrow_mut() {
            *scratch = Vec::new();
        }
    }

    /// Enqueues every piece the driver emits, counting them; remembers the
    /// first enqueue failure (the readable side was cancelled). A stage
    /// that sends batches gathers its records into one.
    fn run<R>(
        &self,
        controller: &TransformStreamDefaultController,
        step: impl FnOnce(&mut Driver, &mut dyn FnMut(Piece<'_>)) -> Result<R, Error>,
    ) -> Result<R, JsValue> {
        let output = self.handle.info.output;
        let link = self.link.get();
        let batches = link == Link::Records;
        let mut batch: Vec<u8> = Vec::new();
        let mut failed: Option<JsValue> = None;
        let (mut chunks, mut bytes) = (0u64, 0u64);
        let mut emit = |piece: Piece<'_>| {
            if failed.is_some() {
                return;
            }
            let (Piece::Bytes(b) | Piece::Record(b) | Piece::Canonical(b)) = piece;
            if link == Link::Ndjson {
                chunks += u64::from(batch.is_empty());
                bytes += b.len() as u64;
                batch.extend_from_slice(b);
                return;
            }
            if batches {
                // A record stage checked its output is JSON before ending
                // it, so this fails only on a bug; it is said, not skipped.
                // One it knows to be in canonical form already is copied.
                let put = if let Piece::Canonical(_) = piece {
                    batch.extend_from_slice(b);
                    Ok(())
                } else {
                    canon::canonical(b, &mut batch)
                };
                match put {
                    Ok(()) => {
                        batch.push(b'\n');
                        chunks += 1;
                        bytes += b.len() as u64;
                    }
                    Err(e) => {
                        let kind = self.handle.info.kind;
                        failed = Some(
                            JsError::new(&format!("{kind}: a record it made is not JSON: {e}"))
                                .into(),
                        );
                    }
                }
                return;
            }
            let value = match piece_value(output, b) {
                Ok(v) => v,
                Err(e) => {
                    failed = Some(e);
                    return;
                }
            };
            chunks += 1;
            bytes += b.len() as u64;
            if let Err(e) = controller.enqueue_with_chunk(&value) {
                failed = Some(e);
            }
        };
        let result = step(&mut self.driver.borrow_mut(), &mut emit);
        // NDJSON the stage cannot vouch for (repeated keys, say) goes on as
        // the byte array it would have been.
        let vouched = link != Link::Ndjson || self.driver.borrow().ndjson_out() == Some(true);
        let sent_batch = !batch.is_empty() && vouched && failed.is_none();
        if !batch.is_empty() && failed.is_none() {
            let chunk = if vouched {
                make_batch(Batch { bytes: batch })
            } else {
                Uint8Array::from(&batch[..]).into()
            };
            if let Err(e) = controller.enqueue_with_chunk(&chunk) {
                failed = Some(e);
            }
        }
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += chunks;
        c.bytes_out += bytes;
        c.batches_out += u64::from(sent_batch);
        let rejected = self.driver.borrow().rejected();
        let changed = rejected != c.rejected;
        c.rejected = rejected;
        drop(c);
        if changed {
            self.handle.set_details(self.driver.borrow().details());
        }
        let value = result.map_err(|e| self.fail(&e))?;
        failed.map_or(Ok(value), Err)
    }

    /// Feeds bytes to the driver; stops the stage when it has had enough.
    fn push(
        &self,
        input: &[u8],
        controller: &TransformStreamDefaultController,
    ) -> Result<(), JsValue> {
        if self.run(controller, |d, emit| d.push(input, emit))? == Flow::Enough {
            // The stage wants no more input (`head`): close downstream
            // normally, and error our writable side, which makes the pipe
            // feeding us cancel its source.
            self.end(controller)?;
            controller.terminate();
        }
        Ok(())
    }

    /// Ends the stage: the last output, the result for metrics, done.
    fn end(&self, controller: &TransformStreamDefaultController) -> Result<(), JsValue> {
        self.run(controller, |d, emit| d.finish(emit))?;
        self.handle.set_result(self.driver.borrow().result());
        self.handle.end(Phase::Done, None);
        self.release();
        Ok(())
    }
}

#[wasm_bindgen]
impl TransformStage {
    pub fn start(&self, _controller: TransformStreamDefaultController, queued: js_sys::Object) {
        self.handle.set_queued_counter(queued);
    }

    /// # Errors
    ///
    /// A chunk that is not a `Uint8Array`, or bad data; either errors both
    /// sides of the stream, naming the stage and the position.
    pub fn transform(
        &self,
        chunk: JsValue,
        controller: TransformStreamDefaultController,
    ) -> Result<JsValue, JsValue> {
        self.handle.running();
        let index = {
            let mut c = self.handle.counters.borrow_mut();
            c.chunks_in += 1;
            c.main_thread_calls += 1;
            c.chunks_in - 1
        };
        let [panic_at, trap_at] = self.faults;
        if index + 1 == panic_at {
            // On purpose (`panicAt`): what a bug in a stage would do.
            panic!(
                "{}: panicAt {panic_at} (a fault injected on purpose)",
                self.handle.info.kind
            );
        }
        if index + 1 == trap_at {
            // On purpose (`trapAt`): a trap the panic hook never sees.
            std::process::abort();
        }
        // Only a stage that takes records, or NDJSON on trust, can be sent
        // batches: any other stage makes no call to JS per chunk for this.
        let reads_ndjson = self.driver.borrow().reads_ndjson();
        let taken = match self.handle.info.input {
            Some(DataType::Records) => take_batch(&chunk),
            _ if reads_ndjson => take_batch(&chunk),
            _ => None,
        };
        let (ndjson, records) = if reads_ndjson {
            (taken, None)
        } else {
            (None, taken)
        };
        if let Some(batch) = ndjson {
            // Lines from csv-to-ndjson, each already in JSON.stringify's
            // form: one chunk, passed on without reading each line again.
            let lines = &batch.bytes;
            let mut c = self.handle.counters.borrow_mut();
            c.batches_in += 1;
            c.bytes_in += lines.len() as u64;
            drop(c);
            self.driver.borrow_mut().canonical_input(true);
            // To a stage that takes batches, the same lines go on as they
            // came, in the same batch, their records counted.
            let passed = if self.link.get() == Link::Records {
                self.driver.borrow_mut().pass_lines(lines)
            } else {
                None
            };
            if let Some(records) = passed {
                self.driver.borrow_mut().canonical_input(false);
                let mut c = self.handle.counters.borrow_mut();
                c.chunks_out += records;
                c.bytes_out += lines.len() as u64 - records;
                c.batches_out += 1;
                drop(c);
                return controller
                    .enqueue_with_chunk(&make_batch(batch))
                    .map(|()| JsValue::UNDEFINED);
            }
            let pushed = self.push(lines, &controller);
            self.driver.borrow_mut().canonical_input(false);
            return pushed.map(|()| JsValue::UNDEFINED);
        }
        if let Some(batch) = records {
            // Records from the Rust stage before, as NDJSON bytes: each
            // line is what JSON.stringify would have made of the object.
            let lines = &batch.bytes;
            let records = memchr::memchr_iter(b'\n', lines).count() as u64;
            let mut c = self.handle.counters.borrow_mut();
            c.chunks_in += records.saturating_sub(1);
            c.batches_in += 1;
            c.bytes_in += lines.len() as u64;
            drop(c);
            return self.push(lines, &controller).map(|()| JsValue::UNDEFINED);
        }
        if matches!(
            self.handle.info.input,
            Some(DataType::Records | DataType::Text)
        ) {
            let info = self.handle.info;
            let input =
                chunk_bytes(info.kind, info.input, &chunk, index).map_err(|e| self.fail(&e))?;
            self.handle.counters.borrow_mut().bytes_in += input.len() as u64;
            return self.push(&input, &controller).map(|()| JsValue::UNDEFINED);
        }
        let Some(bytes) = chunk.dyn_ref::<Uint8Array>() else {
            return Err(self.fail(&Error::BadChunk {
                stage: self.handle.info.kind.to_string(),
                chunk: index,
                found: describe(&chunk),
                expected: "a Uint8Array",
            }));
        };
        let len = bytes.length() as usize;
        self.handle.counters.borrow_mut().bytes_in += len as u64;
        let shape = self.driver.borrow().shape();
        if shape == Shape::Passthrough {
            let pace = self.driver.borrow_mut().pace_ms(len, performance_now());
            if pace < MIN_PACE_MS {
                pass_on(&self.handle, &controller, &chunk, len)?;
                return Ok(JsValue::UNDEFINED);
            }
            // Hold the chunk: the pending promise holds the writable side,
            // so the wait pushes back upstream as backpressure.
            let handle = Rc::clone(&self.handle);
            return Ok(future_to_promise(async move {
                JsFuture::from(sleep(pace)).await?;
                // Chromium never tells a transformer about cancel; a stream
                // that was cancelled meanwhile has no desiredSize left.
                if controller.desired_size().is_some() {
                    pass_on(&handle, &controller, &chunk, len)?;
                }
                Ok(JsValue::UNDEFINED)
            })
            .into());
        }
        let mut scratch = self.scratch.borrow_mut();
        scratch.resize(len, 0);
        bytes.copy_to(&mut scratch);
        if shape == Shape::SameLength && self.driver.borrow_mut().map_in_place(&mut scratch) {
            // Write back into the chunk we were handed: a fresh 64 KiB array
            // would cost ~8× the whole stage (DESIGN.md, performance facts).
            bytes.copy_from(&scratch);
            pass_on(&self.handle, &controller, &chunk, len)?;
            return Ok(JsValue::UNDEFINED);
        }
        self.push(&scratch, &controller)
            .map(|()| JsValue::UNDEFINED)
    }

    /// # Errors
    ///
    /// Data left incomplete at the end.
    pub fn flush(&self, controller: TransformStreamDefaultController) -> Result<(), JsValue> {
        self.end(&controller)
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }

    /// What batches this stage can be sent by a Rust stage piped into it:
    /// `"records"` (it takes records), `"ndjson"` (it reads NDJSON and
    /// takes lines in JSON.stringify's form on trust), or `""`.
    #[wasm_bindgen(js_name = batchInput)]
    pub fn batch_input(&self) -> String {
        if self.handle.info.input == Some(DataType::Records) {
            "records".into()
        } else if self.driver.borrow().reads_ndjson() {
            "ndjson".into()
        } else {
            String::new()
        }
    }

    /// This stage's readable side was piped into a stage on this thread
    /// that takes batches of `kind` (its `batchInput`): a stage that makes
    /// them sends them from now on. Returns whether it will.
    #[wasm_bindgen(js_name = sendBatches)]
    pub fn send_batches(&self, kind: &str) -> bool {
        let link = match kind {
            "records" if self.handle.info.output == Some(DataType::Records) => Link::Records,
            "ndjson" if self.driver.borrow().ndjson_out().is_some() => Link::Ndjson,
            _ => return false,
        };
        self.link.set(link);
        true
    }

    /// Frees the stage's state now: its pipeline has settled (the glue's
    /// `retire`). The stream fails if it is used again.
    /// A stage still running then is cancelled (see `SourceStage::release`).
    #[wasm_bindgen(js_name = release)]
    pub fn release_now(&self) {
        self.handle.end(
            Phase::Cancelled,
            Some(crate::web::source::PIPELINE_ENDED.to_string()),
        );
        self.release();
    }
}
