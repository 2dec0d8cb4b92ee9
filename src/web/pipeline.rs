//! `runPipeline(spec, { signal, onMetrics, metricsInterval, output, gate })`:
//! builds the stages of a spec, pipes them (`pipeThrough` … `pipeTo`),
//! reports metrics while it runs and resolves to a report. `output`, a
//! `WritableStream`, also gets every chunk the sink gets (the `pipewright`
//! command writes a file or stdout with it). `gate(snapshot)` is awaited
//! before the sink takes each chunk (the page's step mode). Errors propagate as in Node's
//! `pipeline()`: any stage's error cancels upstream, aborts downstream, and
//! rejects the promise with that error.

use std::rc::Rc;

use futures::{pin_mut, select, FutureExt};
use js_sys::{Array, Function, Object, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableWritablePair, StreamPipeOptions};

use crate::core::pipeline::PipelineSpec;
use crate::core::{Error, OptionProblem};
use crate::web::build;
use crate::web::metrics::StageHandle;
use crate::web::options::{default_pool, js_input};
use crate::web::sys::{console_error, performance_now, sleep};
use crate::web::worker::retire;

const DEFAULT_METRICS_INTERVAL_MS: f64 = 100.0;

fn run_error(option: &str, message: String, problem: OptionProblem) -> Error {
    Error::BadOption {
        stage: "runPipeline".to_string(),
        option: option.to_string(),
        message,
        problem,
    }
}

struct RunOptions {
    signal: Option<AbortSignal>,
    on_metrics: Option<Function>,
    interval_ms: f64,
    output: Option<web_sys::WritableStream>,
    gate: Option<Function>,
}

impl RunOptions {
    fn read(options: &JsValue) -> Result<Self, Error> {
        let mut run = RunOptions {
            signal: None,
            on_metrics: None,
            interval_ms: DEFAULT_METRICS_INTERVAL_MS,
            output: None,
            gate: None,
        };
        if options.is_undefined() || options.is_null() {
            return Ok(run);
        }
        if !options.is_object() {
            return Err(run_error(
                "options",
                "must be an object".into(),
                OptionProblem::Type,
            ));
        }
        let get = |key: &str| {
            Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
        };
        let signal = get("signal");
        if !signal.is_undefined() {
            run.signal = Some(signal.dyn_into().map_err(|_| {
                run_error(
                    "signal",
                    "must be an AbortSignal".into(),
                    OptionProblem::Type,
                )
            })?);
        }
        let cb = get("onMetrics");
        if !cb.is_undefined() {
            run.on_metrics = Some(cb.dyn_into().map_err(|_| {
                run_error(
                    "onMetrics",
                    "must be a function".into(),
                    OptionProblem::Type,
                )
            })?);
        }
        let gate = get("gate");
        if !gate.is_undefined() {
            run.gate = Some(gate.dyn_into().map_err(|_| {
                run_error("gate", "must be a function".into(), OptionProblem::Type)
            })?);
        }
        let interval = get("metricsInterval");
        if !interval.is_undefined() {
            match interval.as_f64() {
                Some(ms) if (16.0..=60_000.0).contains(&ms) => run.interval_ms = ms,
                _ => {
                    return Err(run_error(
                        "metricsInterval",
                        "must be a number of ms from 16 to 60000".into(),
                        OptionProblem::Range,
                    ))
                }
            }
        }
        let output = get("output");
        if !output.is_undefined() {
            let stream: web_sys::WritableStream = output.dyn_into().map_err(|_| {
                run_error(
                    "output",
                    "must be a WritableStream".into(),
                    OptionProblem::Type,
                )
            })?;
            if stream.locked() {
                return Err(run_error(
                    "output",
                    "is locked: another writer holds it".into(),
                    OptionProblem::Type,
                ));
            }
            run.output = Some(stream);
        }
        Ok(run)
    }
}

/// The spec as JSON: a plain object, or the JSON text of one.
pub(crate) fn spec_json(spec: &JsValue) -> Result<Value, Error> {
    let text = match spec.as_string() {
        Some(s) => s,
        None => js_sys::JSON::stringify(spec)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| Error::Spec {
                path: "$".into(),
                message: "is not a JSON document".into(),
                problem: OptionProblem::Type,
            })?,
    };
    serde_json::from_str(&text).map_err(|e| Error::Spec {
        path: "$".into(),
        message: format!("is not valid JSON: {e}"),
        problem: OptionProblem::Type,
    })
}

/// Sets `key` on a fresh object. Never inlined: snapshots set dozens of
/// keys, and each inlined copy costs the wasm its string passing.
#[inline(never)]
pub(crate) fn put(o: &Object, key: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn stage_snapshots(handles: &[Rc<StageHandle>]) -> Array {
    handles.iter().map(|h| h.snapshot()).collect()
}

fn metrics_snapshot(handles: &[Rc<StageHandle>], started: f64) -> JsValue {
    let o = Object::new();
    put(
        &o,
        "elapsedMs",
        &JsValue::from_f64(performance_now() - started),
    );
    put(&o, "stages", &stage_snapshots(handles));
    // So a page can chart memory as the run goes, not only at the end.
    put(
        &o,
        "wasmMemoryBytes",
        &JsValue::from_f64(wasm_memory_bytes()),
    );
    o.into()
}

fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

fn report(handles: &[Rc<StageHandle>], duration_ms: f64) -> JsValue {
    let o = Object::new();
    put(&o, "ok", &JsValue::TRUE);
    put(&o, "durationMs", &JsValue::from_f64(duration_ms));
    put(&o, "stages", &stage_snapshots(handles));
    if let Some(sink) = handles.last() {
        let c = sink.counters.borrow();
        let totals = Object::new();
        put(&totals, "chunks", &JsValue::from_f64(c.chunks_in as f64));
        put(&totals, "bytes", &JsValue::from_f64(c.bytes_in as f64));
        put(&o, "totals", &totals);
    }
    put(
        &o,
        "wasmMemoryBytes",
        &JsValue::from_f64(wasm_memory_bytes()),
    );
    o.into()
}

fn call_on_metrics(cb: &Function, snapshot: &JsValue) {
    if let Err(e) = cb.call1(&JsValue::NULL, snapshot) {
        // The run goes on: a broken progress display must not stop the data.
        console_error("runPipeline: onMetrics threw", &e);
    }
}

/// Checks a pipeline spec without running it, with the same rules and
/// words as `runPipeline`: the page uses it on a shared link.
///
/// # Errors
///
/// A `TypeError`/`RangeError` whose message names the path of the fault.
#[wasm_bindgen(js_name = validateSpec)]
pub fn validate_spec(spec: JsValue) -> Result<(), JsValue> {
    let mut json = spec_json(&spec)?;
    if let Some(Value::Array(stages)) = json.get_mut("stages") {
        for stage in stages.iter_mut().filter_map(Value::as_object_mut) {
            default_pool(stage);
        }
    }
    PipelineSpec::parse(&json)?;
    Ok(())
}

/// Builds, runs and reports a pipeline.
///
/// # Errors
///
/// Rejects with a `TypeError`/`RangeError` for a bad spec or option (path
/// included), with the failing stage's error, or with the signal's reason
/// when aborted.
#[wasm_bindgen(js_name = runPipeline)]
pub fn run_pipeline(spec: JsValue, options: JsValue) -> js_sys::Promise {
    // A panic anywhere in the run kills this instance's futures: the glue
    // settles the promise with the crash instead of leaving it pending.
    or_crash(wasm_bindgen_futures::future_to_promise(run(spec, options)))
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = orCrash)]
    fn or_crash(run: js_sys::Promise) -> js_sys::Promise;

    /// Makes `sink` await `gate(snapshot)` before it takes each chunk, the
    /// snapshot made in JS of `streams` (every stage's, in order) since
    /// `started`; `signal` settles a pending gate.
    #[wasm_bindgen(js_name = gateSink)]
    fn gate_sink(
        sink: &web_sys::WritableStream,
        gate: &Function,
        signal: Option<AbortSignal>,
        streams: Array,
        started: f64,
    );

    /// `[transform, fail]`: a TransformStream that also writes each chunk
    /// into `output`, and `fail(reason)`, which aborts `output`.
    #[wasm_bindgen(js_name = forwardTo)]
    fn forward_to(output: &web_sys::WritableStream) -> Array;
}

async fn run(spec: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let spec_value = spec;
    let mut json = spec_json(&spec_value)?;
    if let Some(Value::Array(stages)) = json.get_mut("stages") {
        for stage in stages.iter_mut().filter_map(Value::as_object_mut) {
            default_pool(stage);
        }
    }
    let spec = PipelineSpec::parse(&json)?;
    let run = RunOptions::read(&options)?;
    if let Some(signal) = run.signal.as_ref().filter(|s| s.aborted()) {
        return Err(signal.reason());
    }

    let raw_source = js_sys::Reflect::get(&spec_value, &JsValue::from_str("source"))
        .unwrap_or(JsValue::UNDEFINED);
    let input = js_input(spec.source.info, &raw_source).map_err(|e| match e {
        Error::BadOption {
            option,
            message,
            problem,
            ..
        } => Error::Spec {
            path: format!("source.{option}"),
            message: format!("{message} (a spec given as JSON text cannot carry one)"),
            problem,
        },
        other => other,
    })?;
    let (mut readable, source) = build::source(spec.source.info, &spec.source.options, input)?;
    let source_stream: JsValue = readable.clone().into();
    let mut handles = vec![source];
    let mut transforms = Vec::new();
    for stage in &spec.stages {
        let (transform, handle) = build::transform(stage.info, &stage.options)?;
        readable = readable.pipe_through(transform.unchecked_ref::<ReadableWritablePair>());
        handles.push(handle);
        transforms.push(transform);
    }
    let (sink, handle) = build::sink(spec.sink.info, &spec.sink.options)?;
    handles.push(handle);
    // Taken last, once nothing in the build can fail and leave it locked.
    let mut fail_output = None;
    if let Some(output) = &run.output {
        let pair = forward_to(output);
        readable = readable.pipe_through(pair.get(0).unchecked_ref::<ReadableWritablePair>());
        fail_output = Some(pair.get(1).unchecked_into::<Function>());
    }
    for (i, h) in handles.iter().enumerate() {
        h.index.set(i);
    }

    let started = performance_now();
    // Step mode: the caller's gate sees the pipeline as the sink waits.
    if let Some(gate) = &run.gate {
        let streams: Array = std::iter::once(source_stream.clone())
            .chain(transforms.iter().map(|t| t.clone().into()))
            .chain(std::iter::once(sink.clone().into()))
            .collect();
        gate_sink(&sink, gate, run.signal.clone(), streams, started);
    }
    let pipe_options = StreamPipeOptions::new();
    if let Some(signal) = &run.signal {
        pipe_options.set_signal(signal);
    }
    let pipe = JsFuture::from(readable.pipe_to_with_options(&sink, &pipe_options)).fuse();
    pin_mut!(pipe);
    let result = match &run.on_metrics {
        None => pipe.await,
        Some(cb) => loop {
            let tick = JsFuture::from(sleep(run.interval_ms)).fuse();
            pin_mut!(tick);
            select! {
                r = pipe => break r,
                _ = tick => call_on_metrics(cb, &metrics_snapshot(&handles, started)),
            }
        },
    };
    let duration = performance_now() - started;
    // However the run ended, no stage's Worker outlives it, and every
    // stage's buffers and state are freed now (a main-thread transform is
    // never told of a cancel or abort; see glue.js), not when JS collects.
    retire(&source_stream);
    for t in &transforms {
        retire(t);
    }
    retire(&sink);
    if let Some(cb) = &run.on_metrics {
        call_on_metrics(cb, &metrics_snapshot(&handles, started));
    }
    if let (Err(reason), Some(fail)) = (&result, &fail_output) {
        let _ = fail.call1(&JsValue::UNDEFINED, reason);
    }
    result.map(|_| report(&handles, duration))
}
