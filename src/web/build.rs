//! Builds a stage's native stream from its catalogue entry and resolved
//! options: the core definition builds the logic, the placement says where
//! a transform runs, and each stream type's module wraps it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::core::options::Options;
use crate::core::placement::Placement;
use crate::core::sink::UPLOAD;
use crate::core::stage::{Origin, StageInfo};
use crate::core::text::LOOPBACK;
use crate::core::{Driver, Error, OptionProblem};
use crate::web::duplex;
use crate::web::metrics::StageHandle;
use crate::web::options::JsInput;
use crate::web::sink::SinkStage;
use crate::web::source::{Producer, SourceStage};
use crate::web::sys::random_bytes;
use crate::web::transformer::TransformStage;
use crate::web::worker;

/// A source's `ReadableStream`; `input` is its `Blob` or iterable option,
/// if it has one.
///
/// # Errors
///
/// Options valid one by one but not together, or a missing `Blob` or
/// iterable.
pub fn source(
    info: &'static StageInfo,
    o: &Options,
    input: Option<JsInput>,
) -> Result<(web_sys::ReadableStream, Rc<StageHandle>), Error> {
    let missing = |what: &str| Error::BadOption {
        stage: info.kind.to_string(),
        option: "options".to_string(),
        message: format!("must hold {what}"),
        problem: OptionProblem::Type,
    };
    let (producer, total) = match (info.build_source(o)?, input) {
        (Origin::Generated(source), _) => {
            let total = source.total_bytes();
            (Producer::Generated(RefCell::new(source)), total)
        }
        (Origin::Push(source), _) => {
            let total = source.total_bytes();
            (
                Producer::Push {
                    source: RefCell::new(source),
                },
                total,
            )
        }
        (Origin::Url(url), _) => (
            Producer::Fetch {
                url,
                reader: RefCell::new(None),
            },
            None,
        ),
        (Origin::Iterable, Some(JsInput::Iterable(iterable))) => {
            return Ok(duplex::iterable(info, o, &iterable));
        }
        (Origin::Iterable, _) => return Err(missing("an iterable or async iterable")),
        (Origin::Blob { chunk_size }, Some(JsInput::Blob(blob))) => {
            let size = blob.size() as u64;
            let producer = Producer::File {
                blob,
                chunk: chunk_size as f64,
                reader: RefCell::new(None),
                ahead: RefCell::new(None),
                drained: Cell::new(false),
                next: RefCell::new(None),
            };
            (producer, Some(size))
        }
        (Origin::Blob { .. }, _) => return Err(missing("a File or Blob")),
    };
    let hwm = o.high_water_mark();
    let handle = Rc::new(StageHandle::new(info, hwm, total));
    let stream = SourceStage::stream(Rc::clone(&handle), producer, hwm);
    Ok((stream, handle))
}

/// A transform's `TransformStream`, on the main thread or in Workers.
///
/// # Errors
///
/// A bad placement, or options valid one by one but not together.
pub fn transform(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::TransformStream, Rc<StageHandle>), Error> {
    let placement = Placement::of(info, o)?;
    if info.kind == LOOPBACK.kind {
        return match placement {
            Placement::Workers(place) => Err(Error::BadOption {
                stage: info.kind.to_string(),
                option: if place.pinned { "worker" } else { "pool" }.to_string(),
                message: "is not for this stage: its echo server already runs in a Worker of its own".to_string(),
                problem: OptionProblem::Range,
            }),
            Placement::Main { .. } if !worker::can_start_workers() => Err(Error::BadOption {
                stage: info.kind.to_string(),
                option: "options".to_string(),
                message: "needs Web Workers or Node's worker_threads for its echo server, which this runtime does not offer".to_string(),
                problem: OptionProblem::Type,
            }),
            Placement::Main { .. } => Ok(duplex::stream(info, o)),
        };
    }
    match placement {
        Placement::Workers(place) if !worker::can_start_workers() => Err(Error::BadOption {
            stage: info.kind.to_string(),
            option: if place.pinned { "worker" } else { "pool" }.to_string(),
            message: "needs Web Workers or Node's worker_threads (Node 20.16 or later), which this runtime does not offer: leave it off to run the stage on this thread".to_string(),
            problem: OptionProblem::Type,
        }),
        Placement::Workers(place) => Ok(worker::transform_stream(info, o, place)),
        Placement::Main { panic_at, trap_at } => {
            let driver = Driver::new(info.build_transform(o, &mut random_bytes)?);
            let hwm = o.high_water_mark();
            let handle = Rc::new(StageHandle::new(info, hwm, None));
            let stream =
                TransformStage::stream(Rc::clone(&handle), driver, hwm, [panic_at, trap_at]);
            Ok((stream, handle))
        }
    }
}

/// A sink's `WritableStream`.
///
/// # Errors
///
/// Options valid one by one but not together.
pub fn sink(
    info: &'static StageInfo,
    o: &Options,
) -> Result<(web_sys::WritableStream, Rc<StageHandle>), Error> {
    let logic = info.build_sink(o)?;
    if info.kind == UPLOAD.kind {
        return Ok(duplex::upload(info, o));
    }
    let hwm = o.high_water_mark();
    let handle = Rc::new(StageHandle::new(info, hwm, None));
    let stream = SinkStage::stream(Rc::clone(&handle), logic, hwm);
    Ok((stream, handle))
}
