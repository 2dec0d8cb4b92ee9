//! Where a transform runs: on the main thread, pinned to one Worker
//! (`worker: true`), or fanned out to a pool (`pool: n`); and the fault
//! injection the crash lessons use. Declared once here: the catalogue adds
//! these parameters to every transform, the page shows them under their own
//! heading (their group), and the web glue reads them as [`Placement`].

use serde::{Deserialize, Serialize};

use crate::core::options::{Group, Options, ParamSpec};
use crate::core::pool::Schedule;
use crate::core::stage::{StageInfo, MAX_SAFE};
use crate::core::{Error, OptionProblem};

/// The option that fans a stage out to a pool; `pool: true` in JS means one
/// Worker per core, which the web glue turns into that number.
pub const POOL: &str = "pool";

/// The placement parameters, in the order the page shows them.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::boolean(
        "worker",
        false,
        "Run the whole stage in its own Web Worker, off the main thread.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        POOL,
        0,
        0,
        64,
        "Fan chunks out to this many Workers (stateless stages only; true for one per core); 0 for none.",
    )
    .in_group(Group::Placement),
    ParamSpec::choice(
        "schedule",
        "least-loaded",
        Schedule::NAMES,
        "Which pooled Worker takes the next chunk: the one with the fewest in flight, or each in turn (round-robin, as Node's cluster does), even when that one is still busy.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "inFlight",
        2,
        1,
        64,
        "Chunks in flight per pooled Worker: the backpressure across threads.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "maxRestarts",
        3,
        0,
        1000,
        "Worker crashes a pool survives before the stage fails.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "crashAt",
        0,
        0,
        MAX_SAFE,
        "Fault injection: Worker crashWorker dies on its Nth chunk, once; 0 for never.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "crashWorker",
        0,
        0,
        63,
        "Fault injection: which Worker crashAt kills (0 is the first).",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "jitterMs",
        0,
        0,
        60_000,
        "Fault injection: a pooled Worker holds every third chunk's answer this long, so Workers finish out of order.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "crashEvery",
        0,
        0,
        MAX_SAFE,
        "Fault injection: every Worker dies on every Nth chunk it gets; 0 for never.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "panicAt",
        0,
        0,
        MAX_SAFE,
        "Fault injection: the stage panics (a bug in its Rust code, as a trap in wasm) on its Nth chunk, on the main thread; 0 for never.",
    )
    .in_group(Group::Placement),
    ParamSpec::int(
        "trapAt",
        0,
        0,
        MAX_SAFE,
        "Fault injection: the stage traps without a panic (as a bad indirect call or a stack overflow would) on its Nth chunk, on the main thread; 0 for never.",
    )
    .in_group(Group::Placement),
];

/// The placement options, typed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PlacementOptions {
    worker: bool,
    pool: u64,
    schedule: Schedule,
    in_flight: u64,
    max_restarts: u32,
    crash_at: u64,
    crash_worker: u64,
    jitter_ms: u64,
    crash_every: u64,
    panic_at: u64,
    trap_at: u64,
}

/// Fault injection, as the Worker entry reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    pub crash_at: u64,
    pub crash_worker: u64,
    pub jitter_ms: u64,
    pub crash_every: u64,
}

/// A transform in Workers: one pinned Worker (`pinned`, `workers == 1`)
/// that keeps the stage's state for the whole stream, or a pool of
/// stateless ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InWorkers {
    pub workers: usize,
    pub pinned: bool,
    /// Chunks in flight per Worker.
    pub in_flight: usize,
    /// Which pooled Worker takes the next chunk.
    pub schedule: Schedule,
    /// Crashes survived before the stage fails; 0 when pinned (a stage's
    /// state dies with its Worker and cannot be replayed).
    pub max_restarts: u32,
    pub faults: Faults,
    /// A stage that keeps state, pooled by independent blocks (`gzip`, see
    /// `core::pgzip`): the main thread cuts and frames, Workers compress.
    pub blocks: bool,
}

/// Where a transform runs. On the main thread, `panic_at` and `trap_at`
/// (fault injection, 0 for never) make the stage panic, or trap without a
/// panic, on that chunk, so tests can show that a trap in wasm fails one
/// stream and not the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Main { panic_at: u64, trap_at: u64 },
    Workers(InWorkers),
}

impl Placement {
    /// Reads a transform's placement options.
    ///
    /// # Errors
    ///
    /// `pool` on a stage that keeps state across chunks, or together with
    /// `worker`.
    pub fn of(info: &StageInfo, o: &Options) -> Result<Self, Error> {
        let p: PlacementOptions = o.group(Group::Placement)?;
        let refuse = |message: &str| Error::BadOption {
            stage: info.kind.to_string(),
            option: POOL.to_string(),
            message: message.to_string(),
            problem: OptionProblem::Range,
        };
        let faults = Faults {
            crash_at: p.crash_at,
            crash_worker: p.crash_worker,
            jitter_ms: p.jitter_ms,
            crash_every: p.crash_every,
        };
        let in_flight = usize::try_from(p.in_flight).unwrap_or(usize::MAX);
        if (p.panic_at > 0 || p.trap_at > 0) && (p.pool > 0 || p.worker) {
            return Err(Error::BadOption {
                stage: info.kind.to_string(),
                option: if p.panic_at > 0 { "panicAt" } else { "trapAt" }.to_string(),
                message: "is for the main thread; in Workers, crashAt and crashEvery inject faults"
                    .to_string(),
                problem: OptionProblem::Range,
            });
        }
        if p.schedule != Schedule::LeastLoaded && p.pool == 0 {
            return Err(Error::BadOption {
                stage: info.kind.to_string(),
                option: "schedule".to_string(),
                message: "is how a pool hands out chunks: set pool too".to_string(),
                problem: OptionProblem::Range,
            });
        }
        if p.pool > 0 {
            if !info.poolable && info.blocks.is_none() {
                return Err(refuse("cannot be used: this stage keeps state across chunks; use worker: true to run it in one Worker"));
            }
            if p.worker {
                return Err(refuse(
                    "and `worker` cannot both be set: a stage is pinned to one Worker or pooled",
                ));
            }
            return Ok(Placement::Workers(InWorkers {
                workers: usize::try_from(p.pool).unwrap_or(usize::MAX),
                pinned: false,
                in_flight,
                schedule: p.schedule,
                max_restarts: p.max_restarts,
                faults,
                blocks: !info.poolable && info.blocks.is_some(),
            }));
        }
        if p.worker {
            return Ok(Placement::Workers(InWorkers {
                workers: 1,
                pinned: true,
                in_flight,
                schedule: Schedule::LeastLoaded,
                max_restarts: 0,
                faults,
                blocks: false,
            }));
        }
        Ok(Placement::Main {
            panic_at: p.panic_at,
            trap_at: p.trap_at,
        })
    }
}
