//! The Rust object behind a source's `ReadableStream`
//! (<https://streams.spec.whatwg.org/#underlying-source-api>). Generated,
//! `file` and `fetch` sources produce a chunk only inside `pull()`, which the
//! stream calls only while `desiredSize > 0` or a read is pending: that is
//! what pull-based means. `push` is the deliberate exception.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};
use web_sys::{Blob, ReadableStreamDefaultController, ReadableStreamDefaultReader, Response};

use crate::core::source::{Exhausted, Source};
use crate::web::metrics::{reason_text, Phase, StageHandle};
use crate::web::sys::{fetch, sleep};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeReadable)]
    fn make_readable(
        stage: SourceStage,
        kind: &str,
        high_water_mark: f64,
    ) -> web_sys::ReadableStream;
}

/// A `Blob` is read through `blob.stream()`, whose reads the browser
/// makes large and ahead of time: each read of our own was a round trip to
/// its blob store. Chromium, 18.5 MB in 64 KiB chunks: a slice per chunk
/// 263–410 ms; 1 MiB slices, one read ahead, 53–120 ms; `blob.stream()`
/// alone 12–41 ms.
/// Why a stage still running when its pipeline settled was cancelled.
pub const PIPELINE_ENDED: &str = "the pipeline ended";

/// Chunks the push source enqueues between yields to the event loop: enough
/// to outrun any consumer, few enough to keep the page responsive.
const PUSH_BURST: u32 = 32;

/// Where a source's chunks come from.
pub enum Producer {
    /// A core generator (`counter`, `lorem`, `random`, `users`).
    Generated(RefCell<Box<dyn Source>>),
    /// A `Blob`, read through its own stream (`blob.stream()`, opened at
    /// the first pull) and handed out `chunk` bytes at a time.
    File {
        blob: Blob,
        chunk: f64,
        reader: RefCell<Option<ReadableStreamDefaultReader>>,
        /// Bytes read and not yet handed out, and how far into them.
        ahead: RefCell<Option<(Uint8Array, u32)>>,
        /// The blob's stream has ended.
        drained: Cell<bool>,
        /// The read after the one being handed out, asked for as soon as
        /// that one came: the browser reads the blob while the pipeline
        /// works (waiting for each read in turn left Chromium idle a fifth
        /// of csv-to-ndjson's time from a Blob).
        next: RefCell<Option<Promise>>,
    },
    /// A URL's response body, once `start()` has fetched it.
    Fetch {
        url: String,
        reader: RefCell<Option<ReadableStreamDefaultReader>>,
    },
    /// Ignores backpressure: enqueues from a generator in its own loop.
    Push { source: RefCell<Box<dyn Source>> },
}

#[wasm_bindgen(skip_typescript)]
pub struct SourceStage {
    inner: Rc<Inner>,
}

struct Inner {
    handle: Rc<StageHandle>,
    producer: Producer,
    buf: RefCell<Vec<u8>>,
    cancelled: Cell<bool>,
}

impl Inner {
    fn count_out(&self, bytes: u64) {
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += 1;
        c.bytes_out += bytes;
    }

    /// The next generated chunk, or `None` at the end.
    fn generate(&self, source: &RefCell<Box<dyn Source>>) -> Option<Uint8Array> {
        let mut buf = self.buf.borrow_mut();
        if !source.borrow_mut().fill(&mut buf) {
            return None;
        }
        self.count_out(buf.len() as u64);
        // One fresh array per chunk: the consumer owns it from here on.
        Some(Uint8Array::from(buf.as_slice()))
    }

    fn close(&self, controller: &ReadableStreamDefaultController) -> Result<(), JsValue> {
        self.handle.end(Phase::Done, None);
        self.release();
        controller.close()
    }

    /// The stream ended: the generator's state and the chunk buffer go now,
    /// not when JS collects the stream.
    fn release(&self) {
        if let Ok(mut buf) = self.buf.try_borrow_mut() {
            *buf = Vec::new();
        }
        let source = match &self.producer {
            Producer::Generated(source) | Producer::Push { source } => source,
            Producer::File { ahead, next, .. } => {
                if let Ok(mut ahead) = ahead.try_borrow_mut() {
                    *ahead = None;
                }
                if let Ok(mut next) = next.try_borrow_mut() {
                    *next = None;
                }
                return;
            }
            Producer::Fetch { .. } => return,
        };
        if let Ok(mut source) = source.try_borrow_mut() {
            let kind = source.kind();
            *source = Box::new(Exhausted { kind });
        }
    }
}

/// The next value a stream reader gives, or `None` at its end.
async fn read_next(reader: &ReadableStreamDefaultReader) -> Result<Option<JsValue>, JsValue> {
    settle(reader.read()).await
}

/// The value a reader's `read()` promise gives, or `None` at the end.
async fn settle(read: Promise) -> Result<Option<JsValue>, JsValue> {
    let step = JsFuture::from(read).await?;
    if Reflect::get(&step, &"done".into())?.is_truthy() {
        return Ok(None);
    }
    Reflect::get(&step, &"value".into()).map(Some)
}

/// `read` marked handled: a read asked for ahead whose stream is then
/// cancelled or fails is not an unhandled rejection (whoever awaits it
/// still gets its error).
fn handled(read: Promise) -> Promise {
    thread_local! {
        static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_| {});
    }
    IGNORE.with(|ignore| {
        let _ = read.catch(ignore);
    });
    read
}

/// The `File` producer's rechunking.
struct File;

impl File {
    /// An error if the bytes read and not yet handed out are gone: a
    /// consumer transferred (detached) the buffer its chunk shares with
    /// them.
    fn intact(ahead: &mut Option<(Uint8Array, u32)>) -> Result<(), JsValue> {
        if ahead
            .as_ref()
            .is_some_and(|(bytes, at)| bytes.length() < *at)
        {
            *ahead = None;
            return Err(js_sys::TypeError::new(
                "file: a chunk's buffer was transferred or detached (chunk.buffer), and with it the rest of what the source had read: its chunks are views of one read, so transfer a copy (chunk.slice())",
            )
            .into());
        }
        Ok(())
    }

    /// The next `chunk` bytes of what was read, as a view of the read (a
    /// copy per chunk was a tenth of csv-to-ndjson's time from a Blob in
    /// Chromium, issue 12); fewer only once the blob's stream ended.
    /// `Ok(None)` when more must be read first. The glue sends a view to a
    /// Worker as a copy of its own bytes; a consumer that transfers a
    /// chunk's buffer itself takes the rest of the read with it, and the
    /// next pull says so.
    fn next_piece(producer: &Producer, chunk: f64) -> Result<Option<Uint8Array>, JsValue> {
        let Producer::File { ahead, drained, .. } = producer else {
            return Ok(None);
        };
        let mut ahead = ahead.borrow_mut();
        File::intact(&mut ahead)?;
        let Some((bytes, at)) = ahead.as_mut() else {
            return Ok(None);
        };
        let (len, start) = (bytes.length(), *at);
        // A chunk is at most 2^53 bytes by its option; a read at most 4 GiB.
        let want = chunk.min(f64::from(u32::MAX)) as u32;
        if len - start < want && !(drained.get() && len > start) {
            return Ok(None);
        }
        let end = len.min(start.saturating_add(want));
        let piece = bytes.subarray(start, end);
        *at = end;
        if end == len {
            *ahead = None;
        }
        Ok(Some(piece))
    }
}

impl SourceStage {
    /// The `ReadableStream` whose underlying source is this stage.
    pub fn stream(
        handle: Rc<StageHandle>,
        producer: Producer,
        high_water_mark: f64,
    ) -> web_sys::ReadableStream {
        let kind = handle.info.kind;
        let stage = SourceStage {
            inner: Rc::new(Inner {
                handle,
                producer,
                buf: RefCell::new(Vec::new()),
                cancelled: Cell::new(false),
            }),
        };
        make_readable(stage, kind, high_water_mark)
    }
}

/// Enqueues as fast as it can, whatever `desiredSize` says, yielding to the
/// event loop now and then; stops at the end or on cancel.
async fn push_loop(inner: Rc<Inner>, controller: ReadableStreamDefaultController) {
    let Producer::Push { source } = &inner.producer else {
        return;
    };
    let mut burst = 0;
    while !inner.cancelled.get() {
        let Some(chunk) = inner.generate(source) else {
            // Closing fails only if the stream was cancelled meanwhile.
            let _ = inner.close(&controller);
            return;
        };
        if controller.enqueue_with_chunk(&chunk).is_err() {
            return;
        }
        burst += 1;
        if burst == PUSH_BURST {
            burst = 0;
            if JsFuture::from(sleep(0.0)).await.is_err() {
                return;
            }
        }
    }
}

/// Fetches `url`; the body's reader, or an error naming the status.
async fn open_body(kind: &str, url: String) -> Result<ReadableStreamDefaultReader, JsValue> {
    let response: Response = JsFuture::from(fetch(&url)).await?.dyn_into()?;
    if !response.ok() {
        let e = js_sys::Error::new(&format!(
            "{kind}: HTTP {} {} for {url}",
            response.status(),
            response.status_text()
        ));
        e.set_name(crate::web::error::DATA_ERROR_NAME);
        let _ = Reflect::set(&e, &"stage".into(), &kind.into());
        let _ = Reflect::set(&e, &"status".into(), &JsValue::from(response.status()));
        return Err(e.into());
    }
    let body = response.body().ok_or_else(|| {
        js_sys::Error::new(&format!("{kind}: the response for {url} has no body"))
    })?;
    Ok(body.get_reader().unchecked_into())
}

#[wasm_bindgen]
impl SourceStage {
    /// Returns `undefined`, or a promise the stream waits for (`fetch`).
    pub fn start(&self, controller: ReadableStreamDefaultController, stats: Object) -> JsValue {
        self.inner.handle.set_source_controller(controller.clone());
        self.inner.handle.set_queued_counter(stats);
        match &self.inner.producer {
            Producer::Fetch { url, .. } => {
                let inner = Rc::clone(&self.inner);
                let url = url.clone();
                future_to_promise(async move {
                    let stream = open_body(inner.handle.info.kind, url)
                        .await
                        .inspect_err(|e| {
                            inner.handle.end(Phase::Errored, Some(reason_text(e)));
                        })?;
                    if let Producer::Fetch { reader, .. } = &inner.producer {
                        *reader.borrow_mut() = Some(stream);
                    }
                    Ok(JsValue::UNDEFINED)
                })
                .into()
            }
            Producer::Push { .. } => {
                self.inner.handle.running();
                spawn_local(push_loop(Rc::clone(&self.inner), controller));
                JsValue::UNDEFINED
            }
            _ => JsValue::UNDEFINED,
        }
    }

    /// Produces one chunk; returns `undefined` or a promise of it.
    ///
    /// # Errors
    ///
    /// Only if the controller refuses the chunk (the stream already closed).
    pub fn pull(&self, controller: ReadableStreamDefaultController) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        inner.handle.running();
        match &inner.producer {
            Producer::Generated(source) => {
                match inner.generate(source) {
                    Some(chunk) => controller.enqueue_with_chunk(&chunk)?,
                    None => inner.close(&controller)?,
                }
                Ok(JsValue::UNDEFINED)
            }
            Producer::File { chunk, .. } => {
                if let Some(piece) = File::next_piece(&inner.producer, *chunk)? {
                    inner.count_out(u64::from(piece.length()));
                    controller.enqueue_with_chunk(&piece)?;
                    return Ok(JsValue::UNDEFINED);
                }
                let inner = Rc::clone(inner);
                Ok(future_to_promise(async move {
                    let Producer::File {
                        blob,
                        chunk,
                        reader,
                        ahead,
                        drained,
                        next,
                    } = &inner.producer
                    else {
                        return Ok(JsValue::UNDEFINED);
                    };
                    loop {
                        if let Some(piece) = File::next_piece(&inner.producer, *chunk)? {
                            inner.count_out(u64::from(piece.length()));
                            controller.enqueue_with_chunk(&piece)?;
                            return Ok(JsValue::UNDEFINED);
                        }
                        if drained.get() {
                            inner.close(&controller)?;
                            return Ok(JsValue::UNDEFINED);
                        }
                        let open = reader.borrow().clone();
                        let stream = match open {
                            Some(r) => r,
                            None => {
                                let r: ReadableStreamDefaultReader =
                                    blob.stream().get_reader().unchecked_into();
                                *reader.borrow_mut() = Some(r.clone());
                                r
                            }
                        };
                        let read = next.borrow_mut().take();
                        let Some(value) = settle(read.unwrap_or_else(|| stream.read())).await?
                        else {
                            drained.set(true);
                            continue;
                        };
                        *next.borrow_mut() = Some(handled(stream.read()));
                        let bytes: Uint8Array = value.unchecked_into();
                        let mut held = ahead.borrow_mut();
                        // What was left must still be there.
                        File::intact(&mut held)?;
                        *held = Some(match held.take() {
                            // What was left joins the new bytes.
                            Some((rest, at)) if at < rest.length() => {
                                let rest = rest.subarray(at, rest.length());
                                let joined =
                                    Uint8Array::new_with_length(rest.length() + bytes.length());
                                joined.set(&rest, 0);
                                joined.set(&bytes, rest.length());
                                (joined, 0)
                            }
                            _ => (bytes, 0),
                        });
                    }
                })
                .into())
            }
            Producer::Fetch { reader, .. } => {
                let Some(reader) = reader.borrow().clone() else {
                    return Ok(JsValue::UNDEFINED);
                };
                let inner = Rc::clone(inner);
                Ok(future_to_promise(async move {
                    if let Some(value) = read_next(&reader).await? {
                        let len = value.dyn_ref::<Uint8Array>().map_or(0, Uint8Array::length);
                        inner.count_out(u64::from(len));
                        controller.enqueue_with_chunk(&value)?;
                    } else {
                        inner.close(&controller)?;
                    }
                    Ok(JsValue::UNDEFINED)
                })
                .into())
            }
            // Push ignores pull: its loop enqueues regardless.
            Producer::Push { .. } => Ok(JsValue::UNDEFINED),
        }
    }

    pub fn cancel(&self, reason: JsValue) -> JsValue {
        self.inner.cancelled.set(true);
        self.inner
            .handle
            .end(Phase::Cancelled, Some(reason_text(&reason)));
        self.inner.release();
        if let Producer::Fetch { reader, .. } | Producer::File { reader, .. } = &self.inner.producer
        {
            if let Some(r) = reader.borrow().as_ref() {
                return r.cancel_with_reason(&reason).into();
            }
        }
        JsValue::UNDEFINED
    }

    pub fn snapshot(&self) -> JsValue {
        self.inner.handle.snapshot()
    }

    /// Frees the generator and its buffer now: the pipeline has settled.
    /// A source still flowing then (the pipeline ended early, as after a
    /// `head`, and the cancel is on its way up the pipes) is cancelled.
    pub fn release(&self) {
        self.inner
            .handle
            .end(Phase::Cancelled, Some(PIPELINE_ENDED.to_string()));
        self.inner.release();
    }
}
