//! Transforms placed in Workers. A pinned stage (`worker: true`) is a pool
//! of one that keeps the stage's state for the whole stream; a pooled stage
//! (`pool: n`) fans stateless chunks out to n Workers. Both are one
//! `TransformStream` built by `makeWorkerTransform` in `glue.js`, whose
//! decisions come from [`WorkerControl`] (the core [`PoolScheduler`]) and
//! whose metrics go to the stage's handle. Each Worker loads this same wasm
//! module (the `WebAssembly.Module` is posted to it) and runs
//! [`WorkerStage`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::TransformStreamDefaultController;

use crate::core::catalog;
use crate::core::options::{Group, Options};
use crate::core::pgzip::{BlockCodec, Splitter};
use crate::core::placement::{Faults, InWorkers};
use crate::core::pool::PoolScheduler;
use crate::core::stage::{DataType, Role, StageInfo};
use crate::core::{Driver, Error, Flow, Piece};
use crate::web::chunk::{chunk_bytes, piece_value};
use crate::web::error::to_js;
use crate::web::metrics::{reason_text, Phase, StageHandle};
use crate::web::options::options_map;
use crate::web::sys;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeWorkerTransform)]
    fn make_worker_transform(
        control: WorkerControl,
        module: &JsValue,
        kind: &str,
        options: &JsValue,
        config: &JsValue,
    ) -> web_sys::TransformStream;

    /// Whether stages can run in Workers here: Web Workers, or Node's
    /// worker_threads.
    #[wasm_bindgen(js_name = canStartWorkers)]
    pub fn can_start_workers() -> bool;

    /// `pool: true`'s size: one per core, 1 to 64.
    pub fn cores() -> f64;

    /// `{ created, terminated, active }`.
    #[wasm_bindgen(js_name = workerCounts)]
    pub fn worker_counts() -> JsValue;

    /// Ends a stage whose pipeline settled: Workers terminated if they
    /// still run, a main-thread stage's state freed.
    pub fn retire(stream: &JsValue);

    #[wasm_bindgen(js_name = killWorker)]
    pub fn kill_worker(stream: &JsValue, k: f64) -> bool;
}

fn put(o: &Object, key: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

/// Serialised JSON always parses back.
pub(crate) fn to_js_value(value: &impl Serialize) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// What `makeWorkerTransform` needs besides the stage.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    workers: usize,
    high_water_mark: f64,
    /// Chunks that own their buffer move to a pinned Worker; a pool copies
    /// them, keeping the original to run again if its Worker dies.
    pinned: bool,
    faults: Faults,
    /// A stage pooled by blocks: `control.split` cuts the chunks into job
    /// messages, the Workers compress them, `control.frame` frames them.
    blocks: bool,
}

/// A transform in Workers: one pinned Worker or a pool.
pub fn transform_stream(
    info: &'static StageInfo,
    o: &Options,
    place: InWorkers,
) -> (web_sys::TransformStream, Rc<StageHandle>) {
    let InWorkers {
        workers,
        pinned,
        in_flight,
        schedule,
        max_restarts,
        faults,
        blocks,
    } = place;
    let hwm = o.high_water_mark();
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    handle.set_workers(workers, pinned);
    let scheduler = if pinned {
        PoolScheduler::pinned(in_flight)
    } else {
        PoolScheduler::new(workers, in_flight, max_restarts).scheduled(schedule)
    };
    let control = WorkerControl {
        handle: Rc::clone(&handle),
        scheduler: RefCell::new(scheduler),
        splitter: blocks.then(|| RefCell::new(Splitter::new(info.kind))),
        chunks: Cell::new(0),
    };
    let config = Config {
        workers,
        high_water_mark: hwm,
        pinned,
        faults,
        blocks,
    };
    // The Worker resolves the stage's own options again; where it runs and
    // its queue are this side's business.
    let options = to_js_value(&o.to_json(&[Group::Stage]));
    ship_worker_entry();
    let stream = make_worker_transform(
        control,
        &wasm_bindgen::module(),
        info.kind,
        &options,
        &to_js_value(&config),
    );
    (stream, handle)
}

/// Ships src/web/worker.js beside glue.js, which starts every Worker from
/// it. wasm-bindgen copies a linked file into the package only when code
/// that asks for its URL is kept (measured: without this call the package
/// had no worker.js); glue.js does not take the URL from here because it
/// names the file in the one form bundlers recognise as a worker entry.
fn ship_worker_entry() {
    let _ = wasm_bindgen::link_to!(module = "/src/web/worker.js");
}

/// What a Worker runs: the stage itself, or (a stage pooled by blocks)
/// its block codec.
enum Work {
    Stage(Driver),
    Blocks(BlockCodec),
}

/// The stage itself, inside the worker.
#[wasm_bindgen(js_name = WorkerStage, skip_typescript)]
pub struct WorkerStage {
    kind: &'static str,
    input: Option<DataType>,
    output: Option<DataType>,
    work: Work,
    chunks: u64,
}

#[wasm_bindgen(js_class = WorkerStage)]
impl WorkerStage {
    /// # Errors
    ///
    /// The same option errors `createTransform` gives.
    #[wasm_bindgen(constructor)]
    pub fn new(kind: &str, options: JsValue, blocks: bool) -> Result<WorkerStage, JsValue> {
        let given = options_map(kind, &options)?;
        let (info, o) = catalog::resolve(Role::Transform, kind, &given)?;
        let work = if blocks {
            Work::Blocks(info.block_codec(&o)?)
        } else {
            Work::Stage(Driver::new(
                info.build_transform(&o, &mut sys::random_bytes)?,
            ))
        };
        Ok(WorkerStage {
            kind: info.kind,
            input: info.input,
            output: info.output,
            work,
            chunks: 0,
        })
    }

    /// Runs one chunk: `{ out: [values], enough, bytesIn, bytesOut,
    /// error?: {…} }`. The values made before an error are in `out`.
    pub fn push(&mut self, chunk: JsValue) -> JsValue {
        let index = self.chunks;
        self.chunks += 1;
        let bytes = match chunk_bytes(self.kind, self.input, &chunk, index) {
            Ok(b) => b,
            Err(e) => return reply(Array::new(), false, 0, 0, Some(&e)),
        };
        if let Work::Blocks(codec) = &self.work {
            return match codec.run(&bytes) {
                Ok(c) => {
                    let out = Array::of1(&Uint8Array::from(&c.message[..]));
                    reply(out, false, c.bytes_in, c.bytes_out, None)
                }
                Err(e) => reply(Array::new(), false, 0, 0, Some(&e)),
            };
        }
        // A bytes stage hands its input's buffer back (moved here from a
        // pinned stage's page, and moved back) for an output of the same
        // length, rather than allocating one per chunk.
        let reuse = match self.output {
            Some(DataType::Bytes) => chunk.dyn_into::<Uint8Array>().ok(),
            _ => None,
        };
        self.step(bytes.len(), reuse, |d, emit| d.push(&bytes, emit))
    }

    /// How many ms the chunk of `len` bytes must wait before it goes on
    /// (`throttle`, `delay`): the worker waits on its own timers.
    pub fn pace(&mut self, len: f64) -> f64 {
        match &mut self.work {
            Work::Stage(driver) => driver.pace_ms(len as usize, sys::performance_now()),
            Work::Blocks(_) => 0.0,
        }
    }

    /// Ends the input: `{ out, enough: true, bytesIn: 0, bytesOut, error? }`.
    pub fn finish(&mut self) -> JsValue {
        self.step(0, None, |d, emit| d.finish(emit).map(|()| Flow::Enough))
    }

    /// The stage's `result` and rejected count for metrics, if any.
    pub fn report(&self) -> JsValue {
        let o = Object::new();
        let Work::Stage(driver) = &self.work else {
            return o.into();
        };
        if let Some(r) = driver.result() {
            put(&o, "result", &JsValue::from_str(&r));
        }
        put(&o, "rejected", &JsValue::from_f64(driver.rejected() as f64));
        o.into()
    }
}

impl WorkerStage {
    fn step(
        &mut self,
        bytes_in: usize,
        mut reuse: Option<Uint8Array>,
        run: impl FnOnce(&mut Driver, &mut dyn FnMut(Piece<'_>)) -> Result<Flow, Error>,
    ) -> JsValue {
        let out = Array::new();
        // A block codec keeps nothing to finish with.
        let Work::Stage(driver) = &mut self.work else {
            return reply(out, true, bytes_in, 0, None);
        };
        let output = self.output;
        let mut bytes_out = 0;
        let result = run(driver, &mut |p: Piece<'_>| {
            let (Piece::Bytes(b) | Piece::Record(b) | Piece::Canonical(b)) = p;
            if let Some(buffer) = reuse.take_if(|r| r.length() as usize == b.len()) {
                buffer.copy_from(b);
                bytes_out += b.len();
                out.push(&buffer);
                return;
            }
            // A record is valid JSON before it is ended (see piece_value).
            if let Ok(v) = piece_value(output, b) {
                bytes_out += b.len();
                out.push(&v);
            }
        });
        match result {
            Ok(flow) => reply(out, flow == Flow::Enough, bytes_in, bytes_out, None),
            Err(e) => reply(out, false, bytes_in, bytes_out, Some(&e)),
        }
    }
}

/// The worker's answer; errors travel as plain fields because structured
/// clone keeps only an Error's name and message.
fn reply(
    out: Array,
    enough: bool,
    bytes_in: usize,
    bytes_out: usize,
    error: Option<&Error>,
) -> JsValue {
    let o = Object::new();
    put(&o, "out", &out);
    put(&o, "enough", &JsValue::from_bool(enough));
    put(&o, "bytesIn", &JsValue::from_f64(bytes_in as f64));
    put(&o, "bytesOut", &JsValue::from_f64(bytes_out as f64));
    if let Some(e) = error {
        let js = to_js(e);
        let fields = Object::new();
        for key in ["name", "message", "stage", "line", "offset"] {
            let v = Reflect::get(&js, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
            if !v.is_undefined() {
                put(&fields, key, &v);
            }
        }
        put(&o, "error", &fields);
    }
    o.into()
}

/// The number `key` of a worker reply, 0 if absent.
fn field(reply: &JsValue, key: &str) -> f64 {
    Reflect::get(reply, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// The main thread's side of a stage in Workers, pinned or pooled: the
/// core scheduler decides, the JS glue moves chunks, and everything the
/// metrics show is reported here.
#[wasm_bindgen(skip_typescript)]
pub struct WorkerControl {
    handle: Rc<StageHandle>,
    scheduler: RefCell<PoolScheduler>,
    /// A stage pooled by blocks cuts and frames here.
    splitter: Option<RefCell<Splitter>>,
    /// Chunks given to `split`, for a bad chunk's position.
    chunks: Cell<u64>,
}

impl WorkerControl {
    /// Runs `f` on the splitter of a stage pooled by blocks; any other
    /// stage has none (the glue calls `split` and `frame` only when
    /// `config.blocks`), and gets an error rather than a panic.
    fn with_splitter<T>(&self, f: impl FnOnce(&mut Splitter) -> T) -> Result<T, JsValue> {
        match &self.splitter {
            Some(s) => Ok(f(&mut s.borrow_mut())),
            None => Err(
                JsError::new(&format!("{}: not pooled by blocks", self.handle.info.kind)).into(),
            ),
        }
    }

    fn publish(&self) {
        let s = self.scheduler.borrow();
        self.handle.update_pool(|p| {
            for (w, n) in p.in_flight.iter_mut().enumerate() {
                *n = s.in_flight_at(w);
            }
            p.restarts = s.restarts();
        });
    }
}

#[wasm_bindgen]
impl WorkerControl {
    pub fn start(&self, _controller: TransformStreamDefaultController, queued: Object) {
        self.handle.set_queued_counter(queued);
    }

    /// `[seq, worker]` for the next chunk, or `undefined` when every
    /// Worker is full and the chunk must wait.
    pub fn admit(&self) -> JsValue {
        let slot = self.scheduler.borrow_mut().admit();
        self.publish();
        slot.map_or(JsValue::UNDEFINED, |(seq, w)| {
            Array::of2(&JsValue::from_f64(seq as f64), &JsValue::from_f64(w as f64)).into()
        })
    }

    /// A chunk went to a Worker: `moved` when its buffer was transferred
    /// rather than copied.
    pub fn sent(&self, moved: bool) {
        self.handle.running();
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_in += 1;
        if moved {
            c.transfers += 1;
        } else {
            c.copies += 1;
        }
    }

    /// Worker `w` answered `seq` after `busy_ms`: the sequence numbers
    /// whose answers may now go downstream, in order.
    pub fn completed(&self, w: usize, seq: f64, busy_ms: f64) -> Array {
        let ready = {
            let mut s = self.scheduler.borrow_mut();
            let ready = s.completed(w, seq as u64);
            // What was held back just before this completion released it.
            let held = s.waiting() + ready.len().saturating_sub(1);
            drop(s);
            self.handle
                .update_pool(|p| p.held_max = p.held_max.max(held));
            ready
        };
        self.handle.counters.borrow_mut().worker_busy_ms += busy_ms;
        self.handle.update_pool(|p| {
            if let Some(b) = p.busy_ms.get_mut(w) {
                *b += busy_ms;
            }
            if let Some(n) = p.chunks.get_mut(w) {
                *n += 1;
            }
        });
        self.publish();
        ready
            .into_iter()
            .map(|s| JsValue::from_f64(s as f64))
            .collect()
    }

    /// A Worker's reply went downstream: its values, and the bytes the
    /// Worker counted in and out (`web::chunk`'s rule).
    pub fn delivered(&self, reply: &JsValue) {
        let values = Reflect::get(reply, &"out".into())
            .ok()
            .and_then(|v| v.dyn_into::<Array>().ok())
            .map_or(0, |a| a.length());
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += u64::from(values);
        c.bytes_in += field(reply, "bytesIn") as u64;
        c.bytes_out += field(reply, "bytesOut") as u64;
    }

    /// A Worker's end-of-stream report: its result, and the records it
    /// rejected (added up over a pool).
    pub fn report(&self, report: &JsValue) {
        if let Some(r) = Reflect::get(report, &"result".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            self.handle.set_result(Some(r));
        }
        self.handle.counters.borrow_mut().rejected += field(report, "rejected") as u64;
    }

    /// Worker `w` died: what to run again on its replacement.
    ///
    /// # Errors
    ///
    /// A pinned stage's Worker died, or a pool passed `maxRestarts`: an
    /// error saying how many Workers died and why.
    pub fn crashed(&self, w: usize, why: &str) -> Result<Array, JsValue> {
        let again = self
            .scheduler
            .borrow_mut()
            .crashed(w, self.handle.info.kind, why);
        self.publish();
        let again = again.map_err(|e| {
            self.handle.end(Phase::Errored, Some(e.to_string()));
            to_js(&e)
        })?;
        Ok(again
            .into_iter()
            .map(|s| JsValue::from_f64(s as f64))
            .collect())
    }

    /// A stage pooled by blocks: the job messages `chunk` completes, for
    /// the Workers (none until a block is full).
    ///
    /// # Errors
    ///
    /// A chunk that is not bytes, naming the stage and its position.
    pub fn split(&self, chunk: &JsValue) -> Result<Array, JsValue> {
        let index = self.chunks.replace(self.chunks.get() + 1);
        let info = self.handle.info;
        let bytes = chunk_bytes(info.kind, info.input, chunk, index).map_err(|e| to_js(&e))?;
        let jobs = self.with_splitter(|s| s.push(&bytes))?;
        Ok(jobs.iter().map(|j| Uint8Array::from(&j[..])).collect())
    }

    /// The last job message, at the end of the input.
    ///
    /// # Errors
    ///
    /// A stage not pooled by blocks.
    #[wasm_bindgen(js_name = splitEnd)]
    pub fn split_end(&self) -> Result<Uint8Array, JsValue> {
        let job = self.with_splitter(Splitter::finish)?;
        Ok(Uint8Array::from(&job[..]))
    }

    /// A block's answer, next in input order: its `out` becomes the gzip
    /// bytes to send on (header first, trailer last), and `bytesOut`
    /// counts them.
    ///
    /// # Errors
    ///
    /// An answer that is not a compressed block, or one too many.
    pub fn frame(&self, reply: &JsValue) -> Result<(), JsValue> {
        let message = Reflect::get(reply, &"out".into())
            .ok()
            .and_then(|v| v.dyn_into::<Array>().ok())
            .and_then(|a| a.get(0).dyn_into::<Uint8Array>().ok())
            .map(|m| m.to_vec())
            .unwrap_or_default();
        let framed = self
            .with_splitter(|s| s.frame(&message))?
            .map_err(|e| to_js(&e))?;
        let _ = Reflect::set(
            reply,
            &"bytesOut".into(),
            &JsValue::from_f64(framed.len() as f64),
        );
        let _ = Reflect::set(
            reply,
            &"out".into(),
            &Array::of1(&Uint8Array::from(&framed[..])),
        );
        Ok(())
    }

    /// Every chunk sent has gone downstream.
    pub fn idle(&self) -> bool {
        self.scheduler.borrow().idle()
    }

    pub fn done(&self) {
        self.handle.end(Phase::Done, None);
    }

    pub fn failed(&self, reason: &JsValue) {
        self.handle.end(Phase::Errored, Some(reason_text(reason)));
    }

    pub fn cancelled(&self, reason: &JsValue) {
        self.handle.end(Phase::Cancelled, Some(reason_text(reason)));
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }
}
