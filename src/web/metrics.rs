//! Per-stage counters and the snapshots that `runPipeline`'s `onMetrics`,
//! its report and `stageMetrics()` hand to JS. Counting is a few integer adds
//! per chunk; reading the queue costs a JS call, so it happens only when a
//! snapshot is taken.

use std::cell::{Cell, RefCell};

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::ReadableStreamDefaultController;

use crate::core::stage::{Role, StageInfo};
use crate::web::pipeline::put;
use crate::web::sys::performance_now;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The snapshot of the stage behind a stream this package made;
    /// `undefined` for any other value.
    #[wasm_bindgen(js_name = snapshotOf)]
    pub fn snapshot_of(stream: &JsValue) -> JsValue;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Created; no chunk yet.
    Idle,
    Running,
    Done,
    Errored,
    Cancelled,
}

#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub chunks_in: u64,
    pub bytes_in: u64,
    pub chunks_out: u64,
    pub bytes_out: u64,
    /// Records skipped as bad (tolerant mode).
    pub rejected: u64,
    /// For a stage in a Worker: chunks whose buffer moved there, chunks
    /// copied, and the worker's busy time.
    pub transfers: u64,
    pub copies: u64,
    pub worker_busy_ms: f64,
    /// Chunks a transform handled on the main thread (0 when it runs in
    /// Workers).
    pub main_thread_calls: u64,
    /// Batches of records taken from, and given to, a Rust stage next to
    /// this one (records that stayed NDJSON bytes between the two); the
    /// records in them count in `chunks_in` / `chunks_out`.
    pub batches_in: u64,
    pub batches_out: u64,
}

/// A stage's Workers (one when pinned), for metrics.
#[derive(Debug, Default, Clone)]
pub struct PoolStats {
    pub busy_ms: Vec<f64>,
    pub in_flight: Vec<usize>,
    /// Chunks each Worker answered.
    pub chunks: Vec<u64>,
    pub restarts: u32,
    /// The most results ever held back waiting for an earlier one.
    pub held_max: usize,
}

/// Shared between a stage object (owned by its JS stream) and the pipeline
/// that reports on it.
pub struct StageHandle {
    pub info: &'static StageInfo,
    pub high_water_mark: f64,
    pub index: Cell<usize>,
    pub counters: RefCell<Counters>,
    phase: Cell<Phase>,
    error: RefCell<Option<String>>,
    /// What the stage concluded at the end (a digest), if anything.
    result: RefCell<Option<String>>,
    /// Structured details (the first rejected records and why).
    details: RefCell<Option<serde_json::Value>>,
    /// A JS value the stage made for the user (a `Blob`), by property name.
    artifact: RefCell<Option<(&'static str, JsValue)>>,
    /// A source's controller, whose `desiredSize` gives its queue level.
    /// Held weakly: the controller holds the stream, which holds the stage
    /// object that owns this handle, and a strong reference from wasm (a GC
    /// root) would keep that whole cycle, and the stage's wasm memory,
    /// alive forever (measured: one externref slot per run, never freed).
    source_controller: RefCell<Option<js_sys::WeakRef<ReadableStreamDefaultController>>>,
    /// A writable side's `{ accepted }`, counted in JS by its strategy.
    queued: RefCell<Option<Object>>,
    /// A duplex stage's other side and far end, kept in JS: every property
    /// goes into the snapshot as it reads then (`readQueue`, …).
    sides: RefCell<Option<Object>>,
    pub total_bytes: Option<u64>,
    /// "main", "worker" for a pinned stage, or "pool".
    pub placement: Cell<&'static str>,
    pool: RefCell<Option<PoolStats>>,
}

impl StageHandle {
    pub fn new(info: &'static StageInfo, high_water_mark: f64, total_bytes: Option<u64>) -> Self {
        StageHandle {
            info,
            high_water_mark,
            index: Cell::new(0),
            counters: RefCell::new(Counters::default()),
            phase: Cell::new(Phase::Idle),
            error: RefCell::new(None),
            result: RefCell::new(None),
            artifact: RefCell::new(None),
            details: RefCell::new(None),
            source_controller: RefCell::new(None),
            queued: RefCell::new(None),
            sides: RefCell::new(None),
            total_bytes,
            placement: Cell::new("main"),
            pool: RefCell::new(None),
        }
    }

    pub fn set_source_controller(&self, c: ReadableStreamDefaultController) {
        *self.source_controller.borrow_mut() = Some(js_sys::WeakRef::new(&c));
    }

    pub fn set_sides(&self, sides: Object) {
        *self.sides.borrow_mut() = Some(sides);
    }

    pub fn set_queued_counter(&self, queued: Object) {
        *self.queued.borrow_mut() = Some(queued);
    }

    /// A number from the JS queue counts (`accepted`, `finished`,
    /// `drains`, `stalledMs`, `fullSince`); 0 before the stream started.
    fn queued_count(&self, key: &str) -> f64 {
        self.queued
            .borrow()
            .as_ref()
            .and_then(|q| Reflect::get(q, &JsValue::from_str(key)).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    }

    /// Milliseconds the stage has spent pushing back on its writer (for a
    /// source: with a full queue, not pulled), the pause under way included.
    pub fn stalled_ms(&self) -> f64 {
        let since = self.queued_count("fullSince");
        let open = if since > 0.0 && matches!(self.phase.get(), Phase::Idle | Phase::Running) {
            performance_now() - since
        } else {
            0.0
        };
        self.queued_count("stalledMs") + open
    }

    /// Marks the stage as working, unless it already ended.
    pub fn running(&self) {
        if self.phase.get() == Phase::Idle {
            self.phase.set(Phase::Running);
        }
    }

    /// Records how the stage ended; the first ending wins.
    pub fn end(&self, phase: Phase, error: Option<String>) {
        if matches!(self.phase.get(), Phase::Idle | Phase::Running) {
            self.phase.set(phase);
            *self.error.borrow_mut() = error;
        }
    }

    pub fn set_result(&self, result: Option<String>) {
        *self.result.borrow_mut() = result;
    }

    /// Marks the stage as running in `workers` Workers: pinned to one, or
    /// pooled.
    pub fn set_workers(&self, workers: usize, pinned: bool) {
        self.placement.set(if pinned { "worker" } else { "pool" });
        *self.pool.borrow_mut() = Some(PoolStats {
            busy_ms: vec![0.0; workers],
            in_flight: vec![0; workers],
            chunks: vec![0; workers],
            restarts: 0,
            held_max: 0,
        });
    }

    pub fn update_pool(&self, f: impl FnOnce(&mut PoolStats)) {
        if let Some(p) = self.pool.borrow_mut().as_mut() {
            f(p);
        }
    }

    pub fn set_details(&self, details: Option<serde_json::Value>) {
        *self.details.borrow_mut() = details;
    }

    pub fn set_artifact(&self, name: &'static str, value: JsValue) {
        *self.artifact.borrow_mut() = Some((name, value));
    }

    pub fn phase(&self) -> Phase {
        self.phase.get()
    }

    /// Chunks waiting in the stage's queue now.
    pub fn queue(&self) -> f64 {
        let ended = !matches!(self.phase.get(), Phase::Idle | Phase::Running);
        match self.info.role {
            Role::Source => {
                // A source that has closed may still hold chunks its reader
                // has not taken (the push lesson), and desiredSize still tells
                // while they drain. Once drained it reads 0, as does a queue
                // exactly at its mark; for an ended source, read that as empty.
                let desired = self
                    .source_controller
                    .borrow()
                    .as_ref()
                    .and_then(js_sys::WeakRef::deref)
                    .and_then(|c: ReadableStreamDefaultController| c.desired_size());
                match desired {
                    Some(d) if ended && d == 0.0 => 0.0,
                    Some(d) => (self.high_water_mark - d).max(0.0),
                    None => 0.0,
                }
            }
            // An ended transform or sink holds nothing.
            Role::Transform | Role::Sink if ended => 0.0,
            Role::Transform | Role::Sink => {
                (self.queued_count("accepted") - self.queued_count("finished")).max(0.0)
            }
        }
    }

    /// Whether the stage is telling its producer to wait: a source whose
    /// `desiredSize ≤ 0`, or a writable side whose queue has reached its
    /// high-water mark (Node: `write()` would return false).
    pub fn backpressured(&self) -> bool {
        if !matches!(self.phase.get(), Phase::Idle | Phase::Running) {
            return false;
        }
        self.queue() >= self.high_water_mark
    }

    fn state_name(&self) -> &'static str {
        match self.phase.get() {
            Phase::Done => "done",
            Phase::Errored => "errored",
            Phase::Cancelled => "cancelled",
            _ if self.backpressured() => "backpressured",
            Phase::Running => "flowing",
            Phase::Idle => "idle",
        }
    }

    pub fn snapshot(&self) -> JsValue {
        let o = Object::new();
        let c = self.counters.borrow().clone();
        let put = |k: &str, v: JsValue| put(&o, k, &v);
        let num = |n: u64| JsValue::from_f64(n as f64);
        put("index", num(self.index.get() as u64));
        put("kind", JsValue::from_str(self.info.kind));
        put("role", JsValue::from_str(self.info.role.name()));
        put("state", JsValue::from_str(self.state_name()));
        put("chunksIn", num(c.chunks_in));
        put("bytesIn", num(c.bytes_in));
        put("chunksOut", num(c.chunks_out));
        put("bytesOut", num(c.bytes_out));
        put("rejected", num(c.rejected));
        put("drains", JsValue::from_f64(self.queued_count("drains")));
        put("stalledMs", JsValue::from_f64(self.stalled_ms()));
        put("placement", JsValue::from_str(self.placement.get()));
        if self.info.role == Role::Transform {
            put("mainThreadCalls", num(c.main_thread_calls));
            put("batchesIn", num(c.batches_in));
            put("batchesOut", num(c.batches_out));
        }
        if self.placement.get() != "main" {
            put("workerBusyMs", JsValue::from_f64(c.worker_busy_ms));
            put("transfers", num(c.transfers));
            put("copies", num(c.copies));
        }
        if let Some(p) = self.pool.borrow().as_ref() {
            let workers: js_sys::Array = p
                .busy_ms
                .iter()
                .zip(&p.in_flight)
                .zip(&p.chunks)
                .map(|((busy, n), chunks)| worker_lane(*busy, *n as f64, *chunks as f64))
                .collect();
            put("workers", workers.into());
            // A pinned stage never restarts, and answers in order.
            if self.placement.get() == "pool" {
                put("restarts", num(u64::from(p.restarts)));
                put("heldForOrderMax", num(p.held_max as u64));
            }
        }
        put("queue", JsValue::from_f64(self.queue()));
        put("highWaterMark", JsValue::from_f64(self.high_water_mark));
        put("backpressured", JsValue::from_bool(self.backpressured()));
        if let Some(total) = self.total_bytes {
            put("totalBytes", num(total));
        }
        if let Some(r) = self.result.borrow().as_ref() {
            put("result", JsValue::from_str(r));
        }
        if let Some(d) = self.details.borrow().as_ref() {
            // Serialised JSON always parses back.
            put(
                "details",
                js_sys::JSON::parse(&d.to_string()).unwrap_or(JsValue::NULL),
            );
        }
        if let Some((name, value)) = self.artifact.borrow().as_ref() {
            put(name, value.clone());
        }
        if let Some(e) = self.error.borrow().as_ref() {
            put("error", JsValue::from_str(e));
        }
        if let Some(sides) = self.sides.borrow().as_ref() {
            for key in Object::keys(sides).iter() {
                if let (Some(k), Ok(v)) = (key.as_string(), Reflect::get(sides, &key)) {
                    put(&k, v);
                }
            }
        }
        o.into()
    }
}

/// One worker's entry in a snapshot's `workers`.
fn worker_lane(busy_ms: f64, in_flight: f64, chunks: f64) -> JsValue {
    let w = Object::new();
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(&w, &"busyMs".into(), &JsValue::from_f64(busy_ms));
    let _ = Reflect::set(&w, &"inFlight".into(), &JsValue::from_f64(in_flight));
    let _ = Reflect::set(&w, &"chunks".into(), &JsValue::from_f64(chunks));
    w.into()
}

/// A short text for whatever a stream was errored or cancelled with.
pub fn reason_text(reason: &JsValue) -> String {
    if let Some(e) = reason.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    reason.as_string().unwrap_or_else(|| format!("{reason:?}"))
}
