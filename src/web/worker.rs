//! Stages placed in a Worker (`worker: true`, "pinned"): the whole stage
//! runs in one dedicated module Worker that loads this same wasm module
//! (`WebAssembly.Module` posted to it, no second build). `WorkerStage` is
//! what the worker runs; `WorkerProxy` is what the main thread's
//! `TransformStream` reports its metrics through.

use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::TransformStreamDefaultController;

use crate::core::catalog::{self, Role, StageInfo};
use crate::core::{Driver, Error, Flow, Piece};
use crate::web::error::to_js;
use crate::web::metrics::{reason_text, Phase, StageHandle};
use crate::web::sys;
use crate::web::transformer::{chunk_bytes, piece_value};

fn put(o: &Object, key: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

/// The stage itself, inside the worker.
#[wasm_bindgen(js_name = WorkerStage, skip_typescript)]
pub struct WorkerStage {
    info: &'static StageInfo,
    driver: Driver,
    chunks: u64,
}

#[wasm_bindgen(js_class = WorkerStage)]
impl WorkerStage {
    /// # Errors
    ///
    /// The same option errors `createTransform` gives.
    #[wasm_bindgen(constructor)]
    pub fn new(kind: &str, options: JsValue) -> Result<WorkerStage, JsValue> {
        let given = crate::web::options_map(kind, &options)?;
        let (info, o) = catalog::resolve(Role::Transform, kind, &given)?;
        let driver = Driver::new(catalog::build_transform(
            info.kind,
            &o,
            &mut sys::random_bytes,
        )?);
        Ok(WorkerStage {
            info,
            driver,
            chunks: 0,
        })
    }

    /// Runs one chunk: `{ out: [values], enough: bool, error?: {…} }`. The
    /// values made before an error are in `out`.
    pub fn push(&mut self, chunk: JsValue) -> JsValue {
        let index = self.chunks;
        self.chunks += 1;
        let bytes = match chunk_bytes(self.info, &chunk, index) {
            Ok(b) => b,
            Err(e) => return reply(Array::new(), false, Some(&e)),
        };
        self.step(|d, emit| d.push(&bytes, emit))
    }

    /// How many ms the chunk of `len` bytes must wait before it goes on
    /// (`throttle`, `delay`): the worker waits on its own timers.
    pub fn pace(&mut self, len: f64) -> f64 {
        self.driver.pace_ms(len as usize, sys::performance_now())
    }

    /// Ends the input: `{ out, enough: true, error? }`.
    pub fn finish(&mut self) -> JsValue {
        self.step(|d, emit| d.finish(emit).map(|()| Flow::Enough))
    }

    /// The stage's `result` and `details` for metrics, if any.
    pub fn report(&self) -> JsValue {
        let o = Object::new();
        if let Some(r) = self.driver.result() {
            put(&o, "result", &JsValue::from_str(&r));
        }
        put(
            &o,
            "rejected",
            &JsValue::from_f64(self.driver.rejected() as f64),
        );
        o.into()
    }
}

impl WorkerStage {
    fn step(
        &mut self,
        run: impl FnOnce(&mut Driver, &mut dyn FnMut(Piece<'_>)) -> Result<Flow, Error>,
    ) -> JsValue {
        let out = Array::new();
        let output = self.info.output;
        let mut failed = None;
        let result = run(&mut self.driver, &mut |p: Piece<'_>| {
            let (Piece::Bytes(b) | Piece::Record(b)) = p;
            match piece_value(output, b) {
                Ok(v) => {
                    out.push(&v);
                }
                Err(e) => failed = Some(e),
            }
        });
        match result {
            Ok(flow) => reply(out, flow == Flow::Enough, None),
            Err(e) => reply(out, false, Some(&e)),
        }
    }
}

/// The worker's answer; errors travel as plain fields because structured
/// clone keeps only an Error's name and message.
fn reply(out: Array, enough: bool, error: Option<&Error>) -> JsValue {
    let o = Object::new();
    put(&o, "out", &out);
    put(&o, "enough", &JsValue::from_bool(enough));
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

/// The main thread's side of a pinned stage: counts and state for metrics.
#[wasm_bindgen(skip_typescript)]
pub struct WorkerProxy {
    handle: Rc<StageHandle>,
}

impl WorkerProxy {
    pub fn new(handle: Rc<StageHandle>) -> Self {
        WorkerProxy { handle }
    }
}

#[wasm_bindgen]
impl WorkerProxy {
    pub fn start(&self, _controller: TransformStreamDefaultController, queued: Object) {
        self.handle.set_queued_counter(queued);
    }

    /// A chunk went to the worker: `transferred` when its buffer moved
    /// rather than being copied.
    pub fn sent(&self, bytes: f64, transferred: bool) {
        self.handle.running();
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_in += 1;
        c.worker_in_flight += 1;
        c.bytes_in += bytes as u64;
        if transferred {
            c.transfers += 1;
        } else {
            c.copies += 1;
        }
    }

    /// Outputs came back: `chunks` values holding `bytes` bytes, after
    /// `busy_ms` of work in the worker; `answer` when they answer a chunk
    /// (not the flush).
    pub fn received(&self, chunks: f64, bytes: f64, busy_ms: f64, answer: bool) {
        let mut c = self.handle.counters.borrow_mut();
        if answer {
            c.worker_in_flight = c.worker_in_flight.saturating_sub(1);
        }
        c.chunks_out += chunks as u64;
        c.bytes_out += bytes as u64;
        c.worker_busy_ms += busy_ms;
    }

    pub fn report(&self, report: &JsValue) {
        if let Some(r) = Reflect::get(report, &"result".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            self.handle.set_result(Some(r));
        }
        if let Some(n) = Reflect::get(report, &"rejected".into())
            .ok()
            .and_then(|v| v.as_f64())
        {
            self.handle.counters.borrow_mut().rejected = n as u64;
        }
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

/// The URL of the worker entry script, shipped next to the package.
pub fn worker_url() -> String {
    wasm_bindgen::link_to!(module = "/src/web/worker.js")
}

/// The main thread's side of a pooled stage: the core scheduler decides,
/// the JS glue moves chunks; metrics go to the stage handle.
#[wasm_bindgen(skip_typescript)]
pub struct PoolControl {
    handle: Rc<StageHandle>,
    scheduler: std::cell::RefCell<crate::core::pool::PoolScheduler>,
}

impl PoolControl {
    pub fn new(
        handle: Rc<StageHandle>,
        workers: usize,
        in_flight: usize,
        max_restarts: u32,
    ) -> Self {
        handle.set_pool(workers);
        PoolControl {
            handle,
            scheduler: std::cell::RefCell::new(crate::core::pool::PoolScheduler::new(
                workers,
                in_flight,
                max_restarts,
            )),
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
impl PoolControl {
    pub fn start(&self, _controller: TransformStreamDefaultController, queued: Object) {
        self.handle.set_queued_counter(queued);
    }

    /// `[seq, worker]` for the next chunk, or `undefined` when the pool is
    /// full and the chunk must wait.
    pub fn admit(&self) -> JsValue {
        let slot = self.scheduler.borrow_mut().admit();
        self.publish();
        slot.map_or(JsValue::UNDEFINED, |(seq, w)| {
            Array::of2(&JsValue::from_f64(seq as f64), &JsValue::from_f64(w as f64)).into()
        })
    }

    /// A chunk went to a worker as a structured-clone copy (the original is
    /// kept to run again if that worker dies).
    pub fn sent(&self, bytes: f64) {
        self.handle.running();
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_in += 1;
        c.bytes_in += bytes as u64;
        c.copies += 1;
    }

    /// Worker `w` finished `seq` after `busy_ms`: the sequence numbers that
    /// may now go downstream, in order.
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
        });
        self.publish();
        ready
            .into_iter()
            .map(|s| JsValue::from_f64(s as f64))
            .collect()
    }

    pub fn received(&self, chunks: f64, bytes: f64) {
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += chunks as u64;
        c.bytes_out += bytes as u64;
    }

    /// Worker `w` died: what to run again on its replacement.
    ///
    /// # Errors
    ///
    /// Past `maxRestarts`: an error saying how many workers died and why.
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
