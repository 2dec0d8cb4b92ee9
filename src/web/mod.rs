//! The wasm-bindgen glue: the public JS API of DESIGN.md. The only code that
//! touches JS values; all meaning lives in `crate::core`.

pub mod error;
pub mod metrics;
pub mod pipeline;
pub mod sink;
pub mod source;
pub mod sys;
pub mod transformer;
pub mod worker;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::*;

use crate::core::catalog::{self, Role, StageInfo};
use crate::core::options::{Options, ParamType};
use crate::core::source::{Lorem, Source};
use crate::core::{Driver, Error, OptionProblem};
use metrics::StageHandle;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Every stage: kind, role, title, summary, params (type, default, range,
/// help), input/output data types and whether it is CPU-bound.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsValue> {
    let json =
        serde_json::to_string(catalog::catalog()).map_err(|e| JsValue::from_str(&e.to_string()))?;
    js_sys::JSON::parse(&json)
}

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn bad_options(kind: &str, message: String, problem: OptionProblem) -> Error {
    Error::BadOption {
        stage: kind.to_string(),
        option: "options".to_string(),
        message,
        problem,
    }
}

/// `navigator.hardwareConcurrency` (in a Window or a Worker), at least 1.
fn hardware_concurrency() -> f64 {
    let navigator =
        js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&navigator, &"hardwareConcurrency".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(1.0)
        .clamp(1.0, 64.0)
}

/// `pool: true` asks for one Worker per core: it becomes that number.
pub(crate) fn default_pool(options: &mut Map<String, Value>) {
    if options.get("pool") == Some(&Value::Bool(true)) {
        options.insert(
            "pool".to_string(),
            Value::from(hardware_concurrency() as u64),
        );
    }
}

/// Reads a factory's options object into JSON, refusing what JSON would
/// silently drop or mangle: functions, objects, `NaN`, infinities.
pub(crate) fn options_map(kind: &str, options: &JsValue) -> Result<Map<String, Value>, Error> {
    let mut map = Map::new();
    if options.is_undefined() || options.is_null() {
        return Ok(map);
    }
    let Some(object) = options
        .dyn_ref::<Object>()
        .filter(|_| !Array::is_array(options))
    else {
        return Err(bad_options(
            kind,
            format!("must be an object, got {}", sys::describe(options)),
            OptionProblem::Type,
        ));
    };
    for entry in sys::object_entries(object).iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let v = pair.get(1);
        let value = if v.is_undefined() {
            continue;
        } else if let Some(n) = v.as_f64() {
            // Whole numbers stay integers, so messages say `-1`, not `-1.0`.
            let whole = n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER;
            match if whole {
                Some(Number::from(n as i64))
            } else {
                Number::from_f64(n)
            } {
                Some(n) => Value::Number(n),
                None => {
                    return Err(Error::BadOption {
                        stage: kind.to_string(),
                        option: key,
                        message: format!("must be a finite number, got {n}"),
                        problem: OptionProblem::Range,
                    })
                }
            }
        } else if let Some(b) = v.as_bool() {
            Value::Bool(b)
        } else if let Some(s) = v.as_string() {
            Value::String(s)
        } else if v.is_null() {
            Value::Null
        } else if v.is_instance_of::<web_sys::Blob>() {
            // A `blob` param: the glue takes it from the object itself.
            Value::Null
        } else {
            return Err(Error::BadOption {
                stage: kind.to_string(),
                option: key,
                message: format!(
                    "must be a number, string or boolean, got {}",
                    sys::describe(&v)
                ),
                problem: OptionProblem::Type,
            });
        };
        map.insert(key, value);
    }
    Ok(map)
}

fn resolve(
    role: Role,
    kind: &str,
    options: &JsValue,
) -> Result<(&'static StageInfo, Options), Error> {
    let mut given = options_map(kind, options)?;
    default_pool(&mut given);
    catalog::resolve(role, kind, &given)
}

/// The `Blob` a source's `blob` param names, taken from the JS options
/// object (JSON cannot carry it); `Ok(None)` for sources without one.
///
/// # Errors
///
/// A `TypeError` naming the option when it is missing or not a `Blob`.
pub(crate) fn blob_option(
    info: &StageInfo,
    options: &JsValue,
) -> Result<Option<web_sys::Blob>, Error> {
    let Some(param) = info.params.iter().find(|p| p.ty == ParamType::Blob) else {
        return Ok(None);
    };
    let value = if options.is_object() {
        js_sys::Reflect::get(options, &JsValue::from_str(param.name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    value
        .dyn_into::<web_sys::Blob>()
        .map(Some)
        .map_err(|v| Error::BadOption {
            stage: info.kind.to_string(),
            option: param.name.to_string(),
            message: format!("must be a File or Blob, got {}", sys::describe(&v)),
            problem: OptionProblem::Type,
        })
}

pub(crate) fn build_source(
    info: &'static StageInfo,
    o: &Options,
    blob: Option<web_sys::Blob>,
) -> Result<(web_sys::ReadableStream, Rc<StageHandle>), Error> {
    use source::Producer;
    let chunk = o.u64("chunkSize") as f64;
    let (producer, total) = match (info.kind, blob) {
        ("file", Some(blob)) => {
            let size = blob.size();
            let pos = Cell::new(0.0);
            (Producer::File { blob, pos, chunk }, Some(size as u64))
        }
        ("fetch", _) => {
            let url = o.str("url").to_string();
            if url.is_empty() {
                return Err(Error::BadOption {
                    stage: "fetch".to_string(),
                    option: "url".to_string(),
                    message: "must be a URL, got an empty string".to_string(),
                    problem: OptionProblem::Type,
                });
            }
            let reader = RefCell::new(None);
            (Producer::Fetch { url, reader }, None)
        }
        ("push", _) => {
            let lorem = Lorem::new(o.u64("bytes"), chunk as usize, o.u64("seed"));
            let total = lorem.total_bytes();
            let source = RefCell::new(Box::new(lorem) as Box<dyn Source>);
            (Producer::Push { source }, total)
        }
        _ => {
            let source = catalog::build_source(info.kind, o);
            let total = source.total_bytes();
            (Producer::Generated(RefCell::new(source)), total)
        }
    };
    let hwm = o.f64("highWaterMark");
    let handle = Rc::new(StageHandle::new(info, hwm, total));
    let stage = source::SourceStage::new(Rc::clone(&handle), producer);
    Ok((sys::make_readable(stage, hwm), handle))
}

pub(crate) fn build_transform(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::TransformStream, Rc<StageHandle>), Error> {
    if o.u64("pool") > 0 {
        return build_pool_transform(info, o);
    }
    if o.bool("worker") {
        return build_worker_transform(info, o);
    }
    let driver = Driver::new(catalog::build_transform(
        info.kind,
        o,
        &mut sys::random_bytes,
    )?);
    let hwm = o.f64("highWaterMark");
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let stage = transformer::TransformStage::new(Rc::clone(&handle), driver);
    Ok((sys::make_transform(stage, hwm), handle))
}

pub(crate) fn build_sink(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::WritableStream, Rc<StageHandle>), Error> {
    let logic = catalog::build_sink(info.kind, o)?;
    let hwm = o.f64("highWaterMark");
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let stage = sink::SinkStage::new(Rc::clone(&handle), logic);
    Ok((sys::make_writable(stage, hwm), handle))
}

/// A transform pinned to its own Worker: the options go to the worker as
/// they were validated here, less `worker` itself.
fn build_worker_transform(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::TransformStream, Rc<StageHandle>), Error> {
    let mut options = o.to_json();
    if let Value::Object(map) = &mut options {
        map.remove("worker");
    }
    // Serialised JSON always parses back.
    let options = js_sys::JSON::parse(&options.to_string()).unwrap_or(JsValue::UNDEFINED);
    let hwm = o.f64("highWaterMark");
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    handle.placement.set("worker");
    let proxy = worker::WorkerProxy::new(Rc::clone(&handle));
    let stream = sys::make_worker_transform(
        proxy,
        &worker::worker_url(),
        &wasm_bindgen::module(),
        info.kind,
        &options,
        hwm,
        o.f64("inFlight"),
    );
    Ok((stream, handle))
}

/// A transform whose chunks fan out to a pool of Workers.
fn build_pool_transform(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::TransformStream, Rc<StageHandle>), Error> {
    let refuse = |message: String| Error::BadOption {
        stage: info.kind.to_string(),
        option: "pool".to_string(),
        message,
        problem: OptionProblem::Range,
    };
    if !info.poolable {
        return Err(refuse(
            "cannot be used: this stage keeps state across chunks; use worker: true to run it in one Worker".to_string(),
        ));
    }
    if o.bool("worker") {
        return Err(refuse(
            "and `worker` cannot both be set: a stage is pinned to one Worker or pooled"
                .to_string(),
        ));
    }
    let workers = o.u64("pool") as usize;
    let mut options = o.to_json();
    if let Value::Object(map) = &mut options {
        for key in [
            "worker",
            "pool",
            "inFlight",
            "maxRestarts",
            "crashAt",
            "crashEvery",
            "jitterMs",
            "crashWorker",
        ] {
            map.remove(key);
        }
    }
    // Serialised JSON always parses back.
    let options = js_sys::JSON::parse(&options.to_string()).unwrap_or(JsValue::UNDEFINED);
    let faults = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &faults,
        &"crashAt".into(),
        &JsValue::from_f64(o.f64("crashAt")),
    );
    let _ = js_sys::Reflect::set(
        &faults,
        &"crashEvery".into(),
        &JsValue::from_f64(o.f64("crashEvery")),
    );
    let _ = js_sys::Reflect::set(
        &faults,
        &"jitterMs".into(),
        &JsValue::from_f64(o.f64("jitterMs")),
    );
    let _ = js_sys::Reflect::set(
        &faults,
        &"crashWorker".into(),
        &JsValue::from_f64(o.f64("crashWorker")),
    );
    let hwm = o.f64("highWaterMark");
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let control = worker::PoolControl::new(
        Rc::clone(&handle),
        workers,
        o.u64("inFlight") as usize,
        o.u64("maxRestarts") as u32,
    );
    let stream = sys::make_pool_transform(
        control,
        &worker::worker_url(),
        &wasm_bindgen::module(),
        info.kind,
        &options,
        workers as f64,
        hwm,
        &faults,
    );
    Ok((stream, handle))
}

/// Debug API: terminates worker `k` of a pooled stage's `stream` mid-stream,
/// as a crash would; the pool replaces it and runs its chunks again.
/// Returns false if there is no such live worker.
#[wasm_bindgen(js_name = killWorker)]
pub fn kill_worker(stream: &JsValue, k: f64) -> bool {
    sys::kill_worker(stream, k)
}

/// How many Workers Pipewright has started and terminated, and how many
/// are running now (`active`): `{ created, terminated, active }`.
#[wasm_bindgen(js_name = workerCounts)]
pub fn worker_counts() -> JsValue {
    sys::worker_counts()
}

/// A pull-based `ReadableStream` of the source `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createSource)]
pub fn create_source(kind: &str, options: JsValue) -> Result<web_sys::ReadableStream, JsValue> {
    let (info, o) = resolve(Role::Source, kind, &options)?;
    let blob = blob_option(info, &options)?;
    Ok(build_source(info, &o, blob)?.0)
}

/// A native `TransformStream` whose transformer runs the Rust stage `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createTransform)]
pub fn create_transform(kind: &str, options: JsValue) -> Result<web_sys::TransformStream, JsValue> {
    let (info, o) = resolve(Role::Transform, kind, &options)?;
    Ok(build_transform(info, &o)?.0)
}

/// A `WritableStream` for the sink `kind`.
///
/// # Errors
///
/// `TypeError`/`RangeError` for an unknown kind or a bad option.
#[wasm_bindgen(js_name = createSink)]
pub fn create_sink(kind: &str, options: JsValue) -> Result<web_sys::WritableStream, JsValue> {
    let (info, o) = resolve(Role::Sink, kind, &options)?;
    Ok(build_sink(info, &o)?.0)
}

/// The live counters of a stream made by `createSource`/`createTransform`/
/// `createSink`; `undefined` for any other value.
#[wasm_bindgen(js_name = stageMetrics)]
pub fn stage_metrics(stream: &JsValue) -> JsValue {
    sys::snapshot_of(stream)
}
