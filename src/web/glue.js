// Builds native WHATWG stream objects around Rust stage objects.
//
// wasm-streams cannot build a TransformStream, and its ReadableStream::from
// needs ReadableStream.from, which Chromium lacks; so the underlying
// source/transformer/sink below are thin JS objects whose methods call the
// Rust stage. The callers of this module are in src/web/*.rs.

const stages = new WeakMap();
// How to end each stage's stream from outside when its pipeline settles
// (see retire).
const retirers = new WeakMap();

// ---- What some engines lack, filled here so that users need not ----

// WebKit has no async iteration of ReadableStream (Safari:
// https://bugs.webkit.org/show_bug.cgi?id=194379), so `for await` over a
// stream throws there. Every ReadableStream this package returns gets
// `values()` and `[Symbol.asyncIterator]` as own properties where the
// engine's prototype lacks them; the global prototype is left alone, since
// this package runs inside other people's pages.
const NATIVE_ITERATION = typeof ReadableStream.prototype[Symbol.asyncIterator] === "function";
const ASYNC_ITERATOR_PROTOTYPE = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()));

// The WHATWG ReadableStream async iterator
// (https://streams.spec.whatwg.org/#rs-asynciterator): next() reads, in
// order even when called again before the last settled; the end or an error
// releases the lock (an error is rethrown); return(), which `break` calls,
// cancels the stream unless `preventCancel`.
function streamIterator(readable, preventCancel) {
  const reader = readable.getReader();
  let finished = false;
  let ongoing = null;
  const step = async () => {
    if (finished) return { value: undefined, done: true };
    try {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        reader.releaseLock();
      }
      return { value, done };
    } catch (e) {
      finished = true;
      reader.releaseLock();
      throw e;
    }
  };
  const leave = async (value) => {
    if (!finished) {
      finished = true;
      if (preventCancel) {
        reader.releaseLock();
      } else {
        const cancelled = reader.cancel(value);
        reader.releaseLock();
        await cancelled;
      }
    }
    return { value, done: true };
  };
  const queued = (f) => (ongoing = ongoing ? ongoing.then(f, f) : f());
  const iterator = Object.create(ASYNC_ITERATOR_PROTOTYPE);
  iterator.next = () => queued(step);
  iterator.return = (value) => queued(() => leave(value));
  return iterator;
}

function iterable(readable) {
  if (NATIVE_ITERATION) return readable;
  const values = function values(options = {}) {
    return streamIterator(readable, Boolean(options?.preventCancel));
  };
  Object.defineProperty(readable, "values", { value: values, writable: true, configurable: true });
  Object.defineProperty(readable, Symbol.asyncIterator, { value: values, writable: true, configurable: true });
  return readable;
}

// A TransformStream whose readable side holds nothing: see makeTransform.
const transformStream = (transformer, strategy) => new TransformStream(transformer, strategy, { highWaterMark: 0 });

// Makes sure a stage that holds resources (Workers) hears of its stream's
// end: `onEnd(reason)` runs when the readable side is cancelled or the
// writable side aborted. The spec now tells the transformer (its cancel(),
// whatwg/streams#1283), but none of the engines we test calls it: Chromium
// 156, Firefox ESR 153 and WebKitGTK 2.50 each left it uncalled on a
// readable cancel and on a writable abort (tests/e2e/engines.test.mjs
// probes this). So the TransformStream's two sides are wrapped by a
// ReadableStream and a WritableStream whose cancel and abort call `onEnd`
// first, and set as own properties of the same TransformStream, which
// pipeThrough and every caller read. The outer writable holds the queue,
// counted by `strategy`; each of its writes is one transform() inside.
function endsReach(transformer, strategy, onEnd) {
  const inner = transformStream(transformer, { highWaterMark: 0 });
  const reader = inner.readable.getReader();
  const writer = inner.writable.getWriter();
  // An error of the stage (its own, or its ending: see makeWorkerTransform's
  // end) reaches the outer sides at once, so that a pipe waiting on either
  // (for room to write, say) hears of it now, cancels its source and lets
  // every stage free its memory, rather than on its next write. A stage
  // that terminated (`head` had enough) errors only its writable side: its
  // readable side closes normally once drained.
  let outerReadable = null;
  let outerWritable = null;
  // A write in flight when the stage ends settles at once too: otherwise
  // the outer writable stays "erroring" until the inner write returns, and
  // the pipe feeding this stage never hears of the end nor cancels its
  // source (measured in Firefox: about 1 aborted hand-composed pipeline in
  // 300 left the first stage's Worker running until it was collected).
  let endWrites;
  const writesEnd = new Promise((_, reject) => (endWrites = reject));
  writesEnd.catch(() => {});
  const errorWritable = (e) => {
    endWrites(e);
    try {
      outerWritable?.error(e);
    } catch {}
  };
  writer.closed.catch(errorWritable);
  reader.closed.catch((e) => {
    try {
      outerReadable?.error(e);
    } catch {}
    errorWritable(e);
  });
  // Each outer side's underlying object holds the TransformStream, so that
  // it (and its FinalizationRegistry entry, which ends the Workers) lives
  // as long as either side is reachable: after pipeThrough, nothing else
  // may hold it.
  const readable = new ReadableStream(
    {
      stream: inner,
      start(controller) {
        outerReadable = controller;
      },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        onEnd(reason);
        endWrites(reason);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const writable = new WritableStream(
    {
      stream: inner,
      start(controller) {
        outerWritable = controller;
      },
      write: (chunk) => Promise.race([writer.write(chunk), writesEnd]),
      close: () => writer.close(),
      abort(reason) {
        onEnd(reason);
        return writer.abort(reason);
      },
    },
    strategy,
  );
  Object.defineProperty(inner, "readable", { value: iterable(readable), configurable: true });
  Object.defineProperty(inner, "writable", { value: writable, configurable: true });
  return inner;
}

function remember(stream, stage) {
  stages.set(stream, stage);
  return stream;
}

// A main-thread stage's `retire`: frees its wasm state when its pipeline
// settles (a stage of a replaced instance has none left).
function releasable(stream, stage) {
  retirers.set(stream, () => {
    try {
      stage.release();
    } catch {}
  });
  return remember(stream, stage);
}

// A stage's queue, counted in JS: chunks its writable side accepted
// (strategy size()) and finished with, and from those the pauses and drains
// and the time spent paused. Rust reads the object only for a snapshot, so
// metrics cost no wasm call per chunk; a timestamp is taken only when the
// queue fills or drains.
function queueStats() {
  return { accepted: 0, finished: 0, drains: 0, stalledMs: 0, fullSince: 0 };
}

function countingStrategy(queued, highWaterMark) {
  return {
    highWaterMark,
    size() {
      queued.accepted += 1;
      if (!queued.fullSince && queued.accepted - queued.finished >= highWaterMark) queued.fullSince = performance.now();
      return 1;
    },
  };
}

// Enqueues a Worker's output values; false when the readable side has
// gone (cancelled, errored), in which case there is nothing more to
// deliver and the stage's Workers can stop.
const READABLE_GONE = "the readable side was cancelled";
function deliver(controller, values) {
  try {
    for (const v of values) controller.enqueue(v);
  } catch {
    return false;
  }
  return true;
}

// One chunk left the queue: a drain (Node's 'drain') when that took the
// queue below its mark from at or above it.
function finishOne(queued, highWaterMark) {
  queued.finished += 1;
  if (queued.fullSince && queued.accepted - queued.finished < highWaterMark) {
    queued.stalledMs += performance.now() - queued.fullSince;
    queued.fullSince = 0;
    queued.drains += 1;
  }
}

// Main-thread stages give the event loop a turn at least every SLICE_MS of
// work: otherwise a long pipeline of our stages settles only promises
// (microtasks), and timers, animation frames, input and onMetrics wait for
// its end (1 GiB through four main-thread stages ran 80 s without one
// timer). The turn is a MessageChannel message: a task, unlike a promise,
// and unclamped, unlike a nested setTimeout(0) (4 ms each). One clock for
// all stages on this thread: a pipeline yields once per slice, not once per
// stage.
//
// Firefox draws frames only now and then while tasks keep coming, however
// they come (MessageChannel, scheduler.yield(), postTask, unclamped
// timers: 13 frames a second), and its cycle collector, which works in idle
// time, then waits until it must collect in one go: 1 GiB through four
// stages stalled the page 100–214 ms in about half the runs, each stall
// one collection of 0.8–0.9 million stream objects (MOZ_CCTIMER). So on a
// visible page, when no frame has been drawn for FRAME_LATE_MS, the turn
// waits for an idle moment (requestIdleCallback, capped at 20 ms; a 2 ms
// timer where it is missing). Chromium and WebKit draw on time and so
// rarely take one. Measured, 1 GiB through four main-thread stages, `npm
// run soak`: Firefox's longest gap 50–67 ms in 9 runs (84–216 ms with one
// 2 ms timer per 60 ms instead), its largest collection pause 16 ms;
// Chromium 5.2–5.8 s and WebKit 4.7–5.3 s for the run, as before.
const SLICE_MS = 16;
const FRAME_LATE_MS = 34;
const IDLE_MS = 2;
const IDLE_WAIT_MS = 20;
const visiblePage = () => typeof document !== "undefined" && document.visibilityState === "visible";
let sliceStart = performance.now();
let lastFrame = performance.now();
let frameAsked = false;
let turn = null;
function nextTurn() {
  if (turn) return turn;
  const done = (resolve) => () => {
    turn = null;
    sliceStart = performance.now();
    resolve();
  };
  if (visiblePage()) {
    if (performance.now() - lastFrame > FRAME_LATE_MS) {
      lastFrame = performance.now();
      turn = new Promise((resolve) => (typeof requestIdleCallback === "function" ? requestIdleCallback(done(resolve), { timeout: IDLE_WAIT_MS }) : setTimeout(done(resolve), IDLE_MS)));
      return turn;
    }
    // One frame request at a time, and only while stages work: no loop
    // is left behind.
    if (!frameAsked) {
      frameAsked = true;
      requestAnimationFrame(() => {
        frameAsked = false;
        lastFrame = performance.now();
      });
    }
  }
  const channel = new MessageChannel();
  turn = new Promise((resolve) => {
    const next = done(resolve);
    channel.port1.onmessage = () => {
      channel.port1.close();
      next();
    };
  });
  channel.port2.postMessage(null);
  return turn;
}

// `result` (what a stage's pull or transform returned), or a promise of it
// after a turn of the event loop when this slice of work is used up.
function withTurns(result) {
  if (result !== undefined || performance.now() - sliceStart < SLICE_MS) return result;
  return nextTurn();
}

// ---- A trap in wasm: the stream fails, the page and the module live on ----

// A panic traps the instance (panic = "abort"). Rust's panic hook
// (src/web/mod.rs) schedules a fresh instance and calls notePanic, which
// switches to it at once through the package's __pwRestart export (any
// export call makes wasm-bindgen's guard do the switch). At once matters:
// the first call after a trap that goes to an old object or closure would
// otherwise make the switch itself and then run with the old pointer in the
// new instance's memory. The package entry sits four levels up from this
// file, as src/web/worker.js imports it; where there is no such entry (the
// wasm-pack test harness) the switch waits for the next export call.
let restartModule = null;
let scheduleRestart = null;
import("../../../../pipewright.js").then(
  (entry) => {
    restartModule = entry.__pwRestart ?? null;
    scheduleRestart = entry.__pwScheduleRestart ?? null;
  },
  () => {},
);
let lastPanic = null;
let lastCrash = null;
// Promises of the old instance's futures would never settle after a
// crash: each pending one is held here (and let go when it settles) so the
// crash can reject it. A promise that is never settled by anything else
// would keep every reaction attached to it, so there is none of those.
const STOPPED = Symbol("stopped by a crash");
const pendingAtCrash = new Set();
function untilCrash(promise) {
  return new Promise((resolve, reject) => {
    pendingAtCrash.add(reject);
    promise.then(
      (value) => {
        pendingAtCrash.delete(reject);
        resolve(value);
      },
      (error) => {
        pendingAtCrash.delete(reject);
        reject(error);
      },
    );
  });
}

export function notePanic(message) {
  lastPanic = message;
  lastCrash = null;
  switchInstance();
}

// The instance trapped: switch to the fresh one now (it was scheduled),
// and settle what the old one left pending.
function switchInstance() {
  try {
    restartModule?.();
  } catch {
    // The next export call makes the switch.
  }
  // A promise reaction of the old instance's futures now throws "Cannot
  // invoke closure from previous WASM instance" where nobody can catch it;
  // those are ours, and expected, so they are not reported as unhandled.
  quietStaleRejections();
  // After the trap has unwound to the stage that trapped (crashError names
  // it), everything pending in the old instance is settled.
  queueMicrotask(() => {
    const rejects = [...pendingAtCrash];
    pendingAtCrash.clear();
    for (const reject of rejects) reject(STOPPED);
  });
}

const STALE = /previous wasm instance/i;
function quietStaleRejections() {
  if (typeof addEventListener === "function" && !notePanic.quiet) {
    notePanic.quiet = true;
    addEventListener("unhandledrejection", (e) => {
      if (e.reason instanceof Error && STALE.test(e.reason.message)) e.preventDefault();
    });
  }
}
function pipewrightError(stage, message) {
  return Object.assign(new Error(message), { name: "PipewrightError", stage });
}
// What a stage's stream errors with when a call into it trapped (this
// stage panicked), or met an object of the replaced instance or was
// pending at the crash (another stage panicked).
function crashError(kind, e) {
  if (e instanceof WebAssembly.RuntimeError) {
    if (lastPanic === null) {
      // A trap that was no panic (a bad indirect call, a stack overflow):
      // the hook never ran, so the fresh instance is scheduled here.
      try {
        scheduleRestart?.();
      } catch {
        // A module that cannot even do that: later calls fail as they would.
      }
      switchInstance();
    }
    const why = lastPanic ?? e.message;
    lastPanic = null;
    lastCrash = pipewrightError(kind, `${kind}: the stage crashed (${why}); Pipewright restarted its WebAssembly module, so the next pipeline runs normally`);
    return lastCrash;
  }
  if (isStale(e)) {
    return pipewrightError(kind, `${kind}: stopped: Pipewright restarted its WebAssembly module after a crash in ${lastCrash?.stage ?? "another stage"}`);
  }
  return e;
}
const isStale = (e) => e === STOPPED || (e instanceof Error && STALE.test(e.message));
// `f` with its throws and rejections passed through crashError; a promise
// it returns also settles if the module crashes first. With `ending` (a
// cancel or abort), a stage of the replaced instance has nothing left to
// end: the call succeeds, so that pipeTo reports the error that ended the
// pipe rather than this one.
function guarded(kind, f, { ending = false } = {}) {
  // The error to throw for `e`, or null when the call should succeed.
  const failure = (e) => (ending && isStale(e) ? null : crashError(kind, e));
  return (...args) => {
    let result;
    try {
      result = f(...args);
    } catch (e) {
      const error = failure(e);
      if (error) throw error;
      return undefined;
    }
    if (!(result instanceof Promise)) return result;
    return untilCrash(result).catch((e) => {
      const error = failure(e);
      return error ? Promise.reject(error) : undefined;
    });
  };
}

// `run` (a runPipeline promise), rejected with the crash if the instance
// that runs it traps first.
export function orCrash(run) {
  return untilCrash(run).catch((e) =>
    Promise.reject(e === STOPPED ? (lastCrash ?? pipewrightError(null, `Pipewright's WebAssembly module crashed (${lastPanic ?? "a panic"}) and was restarted; the next pipeline runs normally`)) : e),
  );
}

// runPipeline's `output`: a TransformStream before the sink that also
// writes each chunk into the WritableStream `output`, and `fail(reason)`.
// A chunk goes on to the sink once `output` has taken it (its write
// settled), so a slow file holds the pipeline back as a slow sink would,
// nothing piles up in between, and whatever the sink got, `output` has:
// a failed run loses nothing already passed on. `output`'s own error fails
// the run. The end closes `output`; a failed run aborts it through `fail`
// (Chromium and Node never call a transformer's cancel()).
export function forwardTo(output) {
  const writer = output.getWriter();
  let done = false;
  const transform = new TransformStream(
    {
      async transform(chunk, controller) {
        await writer.write(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        done = true;
        await writer.close();
      },
    },
    { highWaterMark: 1 },
    { highWaterMark: 0 },
  );
  const fail = (reason) => {
    if (done) return;
    done = true;
    writer.abort(reason).catch(() => {});
  };
  return [transform, fail];
}

export function makeReadable(stage, kind, highWaterMark) {
  // A source is paused from the moment its queue is full (desiredSize ≤ 0,
  // Node: push() returned false) until the stream pulls again.
  const stats = queueStats();
  const resumed = () => {
    if (stats.fullSince) {
      stats.stalledMs += performance.now() - stats.fullSince;
      stats.fullSince = 0;
      stats.drains += 1;
    }
  };
  const source = {
    start: guarded(kind, (controller) => stage.start(controller, stats)),
    pull: guarded(kind, (controller) => {
      resumed();
      const note = () => {
        if (controller.desiredSize <= 0) stats.fullSince = performance.now();
      };
      const pending = stage.pull(controller);
      if (pending === undefined) {
        note();
        return withTurns(undefined);
      }
      return pending.then(note);
    }),
    cancel: guarded(kind, (reason) => stage.cancel(reason), { ending: true }),
  };
  return releasable(iterable(new ReadableStream(source, { highWaterMark })), stage);
}

// ---- Records between two Rust stages stay bytes ----

// A batch of records as NDJSON lines, each what JSON.stringify would make
// of its record (src/core/canon.rs). Only a main-thread Rust stage piped
// straight into another that takes batches sends these, so no user code
// ever reads one: pipeThrough locks both sides of the link. The bytes stay
// in wasm memory (`batch` is the Rust `Batch`); the next stage takes them,
// and a batch no stage took (its stream was cancelled or errored with it
// queued) is freed by wasm-bindgen's own FinalizationRegistry when it is
// collected.
class RecordBatch {
  constructor(batch) {
    this.batch = batch;
  }
  take() {
    const batch = this.batch;
    this.batch = undefined;
    return batch;
  }
}
export const makeBatch = (batch) => new RecordBatch(batch);
export const takeBatch = (chunk) => (chunk instanceof RecordBatch ? chunk.take() : undefined);

// `readable.pipeThrough(transform)` where both are main-thread Rust stages
// and the next takes records: the link is made first (the stage before
// sends batches), then the engine's own pipeThrough pipes as ever. Any
// other pipeThrough is the engine's, untouched.
function linking(readable, stage) {
  const native = readable.pipeThrough;
  Object.defineProperty(readable, "pipeThrough", {
    value(transform, options) {
      const next = stages.get(transform);
      const piped = native.call(this, transform, options);
      try {
        const kind = typeof next?.batchInput === "function" ? next.batchInput() : "";
        if (kind) stage.sendBatches(kind);
      } catch {
        // A stage of a module replaced after a crash: no link, objects as
        // ever (and that stage fails on its own).
      }
      return piped;
    },
    writable: true,
    configurable: true,
  });
}

export function makeTransform(stage, kind, highWaterMark) {
  const queued = queueStats();
  const transformer = {
    start: guarded(kind, (controller) => stage.start(controller, queued)),
    transform: guarded(kind, (chunk, controller) => {
      finishOne(queued, highWaterMark);
      return withTurns(stage.transform(chunk, controller));
    }),
    flush: guarded(kind, (controller) => stage.flush(controller)),
  };
  // The readable side's high-water mark is 0: the stage transforms a chunk
  // only when downstream wants one, and the waiting happens on the writable
  // side, where highWaterMark applies.
  const stream = transformStream(transformer, countingStrategy(queued, highWaterMark));
  iterable(stream.readable);
  linking(stream.readable, stage);
  return releasable(stream, stage);
}

export function makeWritable(stage, kind, highWaterMark) {
  const queued = queueStats();
  // A sink is done with a chunk when its write settles.
  const take = guarded(kind, (chunk) => {
    const pending = stage.write(chunk);
    if (pending === undefined) {
      finishOne(queued, highWaterMark);
      return undefined;
    }
    return pending.then(() => finishOne(queued, highWaterMark));
  });
  // runPipeline's `gate` (step mode), if it set one: awaited before each chunk.
  const held = { gate: null };
  const sink = {
    start: guarded(kind, (controller) => stage.start(controller, queued)),
    write: (chunk) => (held.gate ? held.gate().then(() => take(chunk)) : take(chunk)),
    close: guarded(kind, () => stage.close()),
    abort: guarded(kind, (reason) => stage.abort(reason), { ending: true }),
  };
  const stream = new WritableStream(sink, countingStrategy(queued, highWaterMark));
  gates.set(stream, held);
  return releasable(stream, stage);
}

// Step mode: the sink of a run awaits `gate()` before it takes each chunk,
// so the whole pipeline advances one sink write at a time. An abort must
// not wait for the gate: pipeTo's shutdown waits for the write in flight,
// so the signal settles a gate still pending.
const gates = new WeakMap();
export function gateSink(sink, gate, signal, streams, started) {
  const held = gates.get(sink);
  if (!held) return;
  // The pipeline as runPipeline's onMetrics shows it, but wasm memory.
  const snapshot = () => ({ elapsedMs: performance.now() - started, stages: streams.map((s) => snapshotOf(s)) });
  held.gate = () =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      new Promise((r) => r(gate(snapshot())))
        .then(resolve, (e) => reject(gateError(e)))
        .finally(() => signal?.removeEventListener("abort", onAbort));
    });
}

function gateError(e) {
  const error = new Error(`runPipeline's gate failed: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  error.option = "gate";
  return error;
}

export function snapshotOf(stream) {
  const stage = stages.get(stream);
  try {
    return stage === undefined ? undefined : stage.snapshot();
  } catch (e) {
    // A stage of a replaced instance has no snapshot.
    if (e instanceof Error && STALE.test(e.message)) return undefined;
    throw e;
  }
}

// ---- The duplex stage, `loopback`: two streams around an echo server ----
//
// Like a socket's: the writable side sends each chunk to the server (a
// Worker running src/web/worker.js's echo), and a write completes when the
// server has taken the chunk into its buffer of `serverChunks`; the
// readable side asks the server for one chunk per pull() and gives what
// comes back. So a slow reader fills the readable queue (up to
// readableHighWaterMark), pulls stop, the server's buffer fills, writes
// stop completing, and the writable queue fills (up to highWaterMark):
// backpressure crosses both directions, each side with its own queue.
export function makeLoopback(stage, kind, options) {
  const { highWaterMark: writableHwm, readableHighWaterMark: readableHwm, serverChunks, latencyMs } = options;
  const queued = queueStats();
  let reads = null;
  let readFull = false;
  const sides = {
    get readQueue() {
      // Closed and drained reads desiredSize 0, as a full queue does.
      const desired = reads?.desiredSize ?? readableHwm;
      return over && desired === 0 ? 0 : Math.max(0, readableHwm - desired);
    },
    readHighWaterMark: readableHwm,
    // Times the readable side's queue went from full to room for more.
    readDrains: 0,
    serverHeld: 0,
    serverChunks,
  };
  let worker = null;
  let over = false;
  const acks = [];
  let pulled = null;
  const stop = () => {
    if (!worker) return;
    worker.terminate();
    workersTerminated += 1;
    worker = null;
  };
  const fail = (error, how = "errored") => {
    if (over) return;
    over = true;
    stage.ended(how, error?.message ?? String(error));
    for (const a of acks.splice(0)) a.reject(error);
    try {
      reads?.error(error);
    } catch {}
    pulled?.();
    stop();
  };
  const start = () => {
    if (worker || over) return worker;
    const name = `pipewright ${kind} echo server`;
    worker = nodeThreads ? threadWorker(name) : new Worker(new URL("./worker.js", import.meta.url), { type: "module", name });
    workersCreated += 1;
    worker.onerror = (e) => {
      e.preventDefault?.();
      fail(pipewrightError(kind, `${kind}: its echo server (a Worker) failed: ${e.message ?? "it could not start"}`));
    };
    worker.onmessage = ({ data }) => {
      if (over) return;
      if (data.type === "ack") acks.shift()?.resolve();
      if (data.type === "held") sides.serverHeld = data.n;
      if (data.type === "echo") {
        stage.count(true, data.chunk.byteLength);
        reads.enqueue(data.chunk);
        if ((reads.desiredSize ?? 0) <= 0) readFull = true;
        const p = pulled;
        pulled = null;
        p?.();
      }
      if (data.type === "end") {
        over = true;
        stage.ended("done", undefined);
        reads.close();
        pulled?.();
        stop();
      }
    };
    worker.postMessage({ type: "loopback", serverChunks, latencyMs });
    return worker;
  };
  // The collector watches `life`, a plain object that each side's
  // underlying object holds, so it lives as long as either stream does.
  // Never a stream itself: an engine may collect a stream's JS object
  // while the stream runs (Chromium 156 and WebKitGTK 2.50 did, here,
  // with only a reader holding it; the collector stopped the echo server
  // mid-run and the read waited for ever), and the { readable, writable }
  // pair is garbage as soon as pipeThrough has read it.
  const life = {};
  const writable = new WritableStream(
    {
      life,
      start: () => stage.start(queued, sides),
      write(chunk) {
        if (!ArrayBuffer.isView(chunk)) throw pipewrightError(kind, `${kind}: takes bytes (Uint8Array), got ${describe(chunk)}`);
        stage.count(false, chunk.byteLength);
        // A copy of its own: the caller keeps its chunk.
        const bytes = copyBytes(chunk);
        const taken = new Promise((resolve, reject) => acks.push({ resolve, reject }));
        start()?.postMessage({ type: "data", chunk: bytes }, [bytes.buffer]);
        return taken.then(() => finishOne(queued, writableHwm));
      },
      close() {
        // Nothing was written: nothing to echo, and no server to ask.
        if (!worker) {
          over = true;
          stage.ended("done", undefined);
          reads.close();
          return;
        }
        worker.postMessage({ type: "end" });
      },
      abort(reason) {
        fail(reason, "cancelled");
      },
    },
    countingStrategy(queued, writableHwm),
  );
  const readable = new ReadableStream(
    {
      life,
      start(controller) {
        reads = controller;
      },
      // One chunk asked of the server per pull; the next pull comes once
      // it is here and the queue still has room.
      pull() {
        if (over) return undefined;
        if (readFull) {
          readFull = false;
          sides.readDrains += 1;
        }
        start()?.postMessage({ type: "credit" });
        return new Promise((resolve) => (pulled = resolve));
      },
      cancel(reason) {
        fail(reason, "cancelled");
      },
    },
    { highWaterMark: readableHwm, size: () => 1 },
  );
  const pair = { readable: iterable(readable), writable };
  retirers.set(pair, () => fail(new Error("the pipeline ended"), "cancelled"));
  collector.register(life, stop);
  return remember(pair, stage);
}

// ---- The upload sink: the stream to the upload server `npm start` runs ----
//
// Streamed: one POST whose body is a ReadableStream (fetch's `duplex:
// "half"`), fed by the sink's writes: a write completes once the body
// stream has room, so a server that reads slowly holds the sink's writes
// and its queue fills. Engines that cannot send such a body to this server
// (Firefox and WebKit have no request streams; Chromium sends them only
// over HTTP/2, and a local server speaks HTTP/1.1) get chunked: one POST
// per chunk, a write completing when the server has written that part. A
// probe decides ("auto") once per URL. The result is the server's SHA-256.

const uploadProbes = new Map();

// Whether this engine builds a request with a stream body at all (reading
// `duplex` and sending no Content-Type of its own).
function requestStreams() {
  try {
    let asked = false;
    const request = new Request("http://localhost/", {
      method: "POST",
      body: new ReadableStream(),
      get duplex() {
        asked = true;
        return "half";
      },
    });
    return asked && !request.headers.has("content-type");
  } catch {
    return false;
  }
}

function canStreamTo(url) {
  if (!uploadProbes.has(url.href)) {
    const probe = new URL(url);
    probe.searchParams.set("probe", "1");
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array([1]));
        c.close();
      },
    });
    uploadProbes.set(
      url.href,
      requestStreams()
        ? fetch(probe, { method: "POST", body, duplex: "half" }).then(
            (r) => r.ok,
            () => false,
          )
        : Promise.resolve(false),
    );
  }
  return uploadProbes.get(url.href);
}

async function uploadAnswer(kind, response, what) {
  let body = null;
  try {
    body = await response.json();
  } catch {}
  if (!response.ok || !body) {
    const why = body?.error ?? `HTTP ${response.status} ${response.statusText}`.trim();
    throw Object.assign(pipewrightError(kind, `${kind}: ${what}: ${why}`), { status: response.status });
  }
  return body;
}

export function makeUploadSink(stage, kind, options) {
  const { highWaterMark, url, body: bodyMode, serverDelayMs } = options;
  const queued = queueStats();
  const sides = { uploadBody: "", requests: 0, serverBytes: 0, serverLines: 0 };
  let target = null;
  let streamed = null;
  let session = null;
  let seq = 0;
  const delay = String(serverDelayMs);
  const at = (path, params = {}) => {
    const u = new URL(target.href.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  };
  const failWith = (e) => {
    stage.ended("errored", e?.message ?? String(e));
    throw e;
  };
  return remember(
    new WritableStream(
      {
        async start() {
          stage.start(queued, sides);
          try {
            try {
              target = new URL(url, globalThis.location?.href);
            } catch {
              throw pipewrightError(kind, `${kind}: url ${JSON.stringify(url)} is not a URL here (outside a page, give an absolute one)`);
            }
            // Is there an upload server? A statically hosted page has none.
            let hello = null;
            try {
              const r = await fetch(target, { cache: "no-store" });
              hello = r.ok ? await r.json() : { status: r.status };
            } catch (e) {
              hello = { error: e.message };
            }
            if (hello?.pipewright !== "upload") {
              const why = hello?.status ? `HTTP ${hello.status}` : (hello?.error ?? "it did not answer as one");
              throw pipewrightError(kind, `${kind}: there is no Pipewright upload server at ${target.pathname} (${why}): this sink needs the server \`npm start\` runs; a statically hosted page has none`);
            }
            const mode = bodyMode === "auto" ? ((await canStreamTo(target)) ? "streamed" : "chunked") : bodyMode;
            sides.uploadBody = mode;
            sides.requests = 1;
            if (mode === "streamed") {
              const pipe = new TransformStream();
              const writer = pipe.writable.getWriter();
              const response = fetch(at("", { delayMs: delay }), { method: "POST", body: pipe.readable, duplex: "half", headers: { "content-type": "application/octet-stream" } });
              // A response that fails early errors the writer, so a write
              // waiting for room ends too.
              response.catch((e) => writer.abort(e).catch(() => {}));
              streamed = { writer, response };
            } else {
              session = await uploadAnswer(kind, await fetch(at("/start"), { method: "POST" }), "starting a chunked upload");
            }
          } catch (e) {
            failWith(e);
          }
        },
        async write(chunk) {
          stage.count(false, chunk?.byteLength ?? 0);
          if (!ArrayBuffer.isView(chunk)) failWith(pipewrightError(kind, `${kind}: takes bytes (Uint8Array), got ${describe(chunk)}`));
          try {
            if (streamed) {
              await streamed.writer.ready;
              streamed.writer.write(chunk).catch(() => {});
            } else {
              const r = await fetch(at(`/${session.id}/part`, { seq: String(seq), delayMs: delay }), { method: "POST", body: chunk, headers: { "content-type": "application/octet-stream" } });
              sides.requests += 1;
              await uploadAnswer(kind, r, `part ${seq + 1}`);
              seq += 1;
            }
          } catch (e) {
            failWith(e.stage ? e : pipewrightError(kind, `${kind}: sending chunk ${queued.finished + 1} failed: ${e.message}`));
          }
          finishOne(queued, highWaterMark);
        },
        async close() {
          try {
            let answer;
            if (streamed) {
              await streamed.writer.close();
              answer = await uploadAnswer(kind, await streamed.response, "the upload");
            } else {
              sides.requests += 1;
              answer = await uploadAnswer(kind, await fetch(at(`/${session.id}/done`), { method: "POST" }), "finishing the upload");
            }
            sides.serverBytes = answer.bytes;
            sides.serverLines = answer.lines;
            stage.conclude(answer.sha256);
            stage.ended("done", undefined);
          } catch (e) {
            failWith(e.stage ? e : pipewrightError(kind, `${kind}: ${e.message}`));
          }
        },
        abort(reason) {
          stage.ended("cancelled", reason?.message ?? String(reason));
          if (streamed) streamed.writer.abort(reason).catch(() => {});
          // A chunked upload given up: the server removes its folder.
          if (session) fetch(at(`/${session.id}`), { method: "DELETE" }).catch(() => {});
        },
      },
      countingStrategy(queued, highWaterMark),
    ),
    stage,
  );
}

// ---- The iterable source: an async generator (or any iterable) as a
// pull-based stream, what ReadableStream.from does where engines have it
// (Chromium and WebKit here do not) ----

export function isChunkIterable(value) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  return typeof value[Symbol.asyncIterator] === "function" || typeof value[Symbol.iterator] === "function";
}

const encoder = new TextEncoder();

// The bytes of any view (a Uint8Array, a DataView, …) in a buffer of their own.
function copyBytes(view) {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

// The iterator's next value as a Uint8Array, or null at its end. A string
// is UTF-8 encoded; bytes are copied, so the generator may reuse its
// buffer; anything else rejects, naming the value's place.
async function nextChunk(kind, iterator, index) {
  const step = await iterator.next();
  if (step === null || typeof step !== "object") throw pipewrightError(kind, `${kind}: next() gave ${describe(step)}, not an iterator result`);
  if (step.done) return null;
  const v = await step.value;
  if (typeof v === "string") return encoder.encode(v);
  if (ArrayBuffer.isView(v)) return copyBytes(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  throw pipewrightError(kind, `${kind}: value ${index + 1} is ${describe(v)}; yield strings or Uint8Arrays`);
}

// Calls the iterator's `return()`, if any: a generator's `finally` runs,
// as when a `for await` loop breaks. A generator that is running (awaiting
// inside its body) finishes when it next yields; its rejection, if any, is
// nobody's to handle.
function closeIterator(iterator) {
  try {
    Promise.resolve(iterator.return?.()).catch(() => {});
  } catch {}
}

// The iterable source's stream: one next() per pull(), so a generator's
// body runs only when the stream asks; `stage` (Rust) counts and reports.
export function makeIterableSource(stage, kind, highWaterMark, values) {
  const iterator = typeof values[Symbol.asyncIterator] === "function" ? values[Symbol.asyncIterator]() : values[Symbol.iterator]();
  let index = 0;
  let open = true;
  const finish = () => {
    if (!open) return;
    open = false;
    closeIterator(iterator);
  };
  const stream = new ReadableStream(
    {
      start(controller) {
        stage.controls(controller);
      },
      async pull(controller) {
        let chunk;
        try {
          chunk = await nextChunk(kind, iterator, index);
        } catch (e) {
          open = false;
          if (e?.stage === kind) closeIterator(iterator);
          stage.ended("errored", e?.message ?? String(e));
          throw e;
        }
        index += 1;
        if (chunk === null) {
          open = false;
          stage.ended("done", undefined);
          controller.close();
          return;
        }
        stage.count(true, chunk.byteLength);
        controller.enqueue(chunk);
      },
      cancel(reason) {
        stage.ended("cancelled", reason?.message ?? String(reason));
        finish();
      },
    },
    { highWaterMark, size: () => 1 },
  );
  // A generator still open when its pipeline settled is finished.
  retirers.set(stream, () => {
    stage.ended("cancelled", "the pipeline ended");
    finish();
  });
  return remember(iterable(stream), stage);
}

export function describe(value) {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof ArrayBuffer) return "an ArrayBuffer";
  return `a ${typeof value}`;
}

// ---- Stages in Workers (src/web/worker.rs): pinned, or pooled ----

// Where there are no Web Workers (Node), Node's worker_threads stand in,
// reached through process.getBuiltinModule (Node >= 20.16): no import a
// bundler would try to resolve for a browser build.
const nodeThreads = typeof Worker === "function" ? null : (globalThis.process?.getBuiltinModule?.("node:worker_threads") ?? null);

// Whether stages can run in Workers here: Web Workers, or worker_threads.
export function canStartWorkers() {
  return typeof Worker === "function" || nodeThreads !== null;
}

// How many Workers `pool: true` starts: one per core.
export function cores() {
  const n = globalThis.navigator?.hardwareConcurrency ?? globalThis.process?.getBuiltinModule?.("node:os")?.availableParallelism?.() ?? 1;
  return Math.min(Math.max(Math.floor(n) || 1, 1), 64);
}

// A worker_threads Worker running the same entry, dressed as a Web Worker
// for makeWorkerTransform: onmessage({ data }), onerror({ message,
// preventDefault }), postMessage(value, transfer), terminate(). An uncaught
// error in it arrives as `error` (then `exit`); an exit nobody asked for,
// without an error, is reported as one.
function threadWorker(name) {
  const thread = new nodeThreads.Worker(new URL("./worker.js", import.meta.url), { name });
  let over = false;
  const worker = {
    onmessage: null,
    onerror: null,
    postMessage: (value, transfer) => thread.postMessage(value, transfer),
    terminate() {
      over = true;
      thread.terminate();
    },
  };
  const failed = (message) => {
    if (over) return;
    over = true;
    worker.onerror?.({ message, preventDefault() {} });
  };
  thread.on("message", (data) => worker.onmessage?.({ data }));
  thread.on("error", (e) => failed(e?.message ?? String(e)));
  thread.on("exit", (code) => failed(`the thread exited (code ${code})`));
  return worker;
}

let workersCreated = 0;
let workersTerminated = 0;
const killers = new WeakMap();

// Debug API: terminates worker `k` of a stage in Workers mid-stream, as a
// crash would (the browser fires no event for a terminated worker, so this
// is how tests and demos terminate one). Returns false if `stream` has no
// live worker k.
export function killWorker(stream, k) {
  return killers.get(stream)?.(k) ?? false;
}

export function workerCounts() {
  return { created: workersCreated, terminated: workersTerminated, active: workersCreated - workersTerminated };
}

// Ends a stage when its pipeline settles (no engine tells a transformer
// about a cancel): its Workers are terminated if they still run, and a
// main-thread stage's wasm state is freed.
export function retire(stream) {
  retirers.get(stream)?.();
}

// A stream dropped without finishing still loses its Workers when collected.
const collector = new FinalizationRegistry((stop) => stop());

function remoteError(fields, kind) {
  const e = new Error(fields.message ?? `${kind}: the worker failed`);
  for (const [k, v] of Object.entries(fields)) if (k !== "message") e[k] = v;
  return e;
}

// A one-slot wake-up: `changed()` resolves at the next `wake()`. Stages
// that wait for a free slot or for answers sleep on it.
function wakeup() {
  let waiter = null;
  return {
    wake() {
      const w = waiter;
      waiter = null;
      w?.();
    },
    changed: () => new Promise((resolve) => (waiter = resolve)),
  };
}

// One wrapper for every stage in Workers. A pinned stage (`config.pinned`)
// is a pool of one whose Worker keeps the stage's state for the whole
// stream: a chunk that owns its buffer moves there, and a crash fails the
// stage. A pooled stage is stateless: each chunk is copied to the
// least-loaded Worker and kept until its answer is out, to run again on a
// replacement if that Worker dies. `control` (Rust) decides which Worker
// takes a chunk, in what order answers go out and when to give up; every
// count the metrics show is reported to it. However the stream ends, its
// Workers end: a flush or an error here, a cancel or abort through
// endsReach, a pipeline's end through retire(), a dropped stream through
// the collector.
// A pool idle this long stops its Workers (first collecting their reports);
// the next chunk starts them again. Its Workers keep no state between
// chunks, so this costs only a restart, and it bounds how long a pool's
// Workers outlive a stream that was dropped without an ending: measured,
// WebKitGTK never collected a dropped pooled stream in 30 s of allocation
// pressure (a pinned one it did).
const POOL_IDLE_MS = 2000;
// How long a new Worker may take to load and answer before its stage fails.
// Here the package test's pages start three Workers and finish their whole
// pipeline in under a second, wasm instantiation included.
const WORKER_START_MS = 30_000;

export function makeWorkerTransform(control, module, kind, options, config) {
  // `blocks`: a stage that keeps state, pooled by independent blocks
  // (gzip, pigz's method): control.split cuts the chunks into job messages,
  // which the pool runs like stateless chunks, and control.frame turns the
  // answers, in input order, into one stream (src/core/pgzip.rs).
  const { workers, highWaterMark, pinned, faults, blocks } = config;
  const queued = queueStats();
  const slots = [];
  const payload = new Map();
  const answers = new Map();
  // `out`, the stream's controller, is held weakly: the Workers' message
  // handlers (roots while a Worker runs) and the collector's stopAll reach
  // this scope, and a strong path from here to the stream would keep a
  // dropped stream alive, and its Workers running, forever.
  const state = { out: null, failure: null, ended: false };
  const out = () => state.out?.deref();
  const { wake, changed } = wakeup();
  // Idle pools park (see POOL_IDLE_MS); `parking` is set while they do.
  let idleTimer = 0;
  let parked = false;
  let parking = null;

  const kill = (slot) => {
    if (slot?.alive) {
      slot.alive = false;
      slot.stopStart();
      slot.worker.terminate();
      // Whatever waits for it to start (the stream's start, a pool
      // waking) goes on and finds the stage ended.
      slot.started();
      workersTerminated += 1;
      slot.finished?.(null);
    }
  };
  // Every ending comes here; the collector then lets go of the stage (its
  // held value reaches this scope, so it must not outlive the stage).
  const stopAll = () => {
    clearTimeout(idleTimer);
    slots.forEach(kill);
    collector.unregister(slots);
  };
  // The first failure wins: it is reported, the Workers stop, and the
  // stream is errored with it.
  const fail = (e) => {
    if (!state.failure) {
      state.failure = e;
      control.failed(e);
      stopAll();
      try {
        out()?.error(e);
      } catch {}
    }
    wake();
  };
  // The stream ended from outside: a cancel or an abort of one side, or
  // (`retired`) its pipeline settling. A retired stage's sides are errored
  // too, so that a pipe still waiting on it ends instead of waiting forever
  // and holding the whole chain (measured: 4 of 5 aborted two-Worker
  // pipelines were never collected).
  const end = (reason, retired = false) => {
    if (slots.some((s) => s.alive)) control.cancelled(reason ?? "cancelled");
    state.ended = true;
    stopAll();
    if (retired) {
      try {
        out()?.error(new Error(`${kind}: ${reason}`));
      } catch {}
    }
    wake();
  };
  // Sends on what came out; false when the stage is over.
  const pass = (reply) => {
    if (!deliver(out(), reply.out)) {
      end(READABLE_GONE);
      return false;
    }
    control.delivered(reply);
    return true;
  };
  const onAnswer = (i, slot, data) => {
    if (slot !== slots[i] || state.failure || state.ended) return;
    answers.set(data.seq, data);
    for (const seq of control.completed(i, data.seq, data.busyMs ?? 0)) {
      const reply = answers.get(seq);
      answers.delete(seq);
      payload.delete(seq);
      if (blocks && !reply.error) {
        try {
          control.frame(reply);
        } catch (e) {
          return fail(e);
        }
      }
      // The output made before an error goes out first: no accepted data
      // is lost.
      if (!pass(reply)) return;
      if (reply.error) return fail(Object.assign(remoteError(reply.error, kind), pinned ? {} : { chunk: seq }));
      if (reply.enough) {
        // The stage wants no more input (`head`): close downstream, and
        // error our writable side, which cancels the source.
        control.done();
        state.ended = true;
        stopAll();
        out()?.terminate();
        return wake();
      }
    }
    if (control.idle()) idleSoon();
    wake();
  };
  const spawn = (i, incarnation) => {
    const name = pinned ? `pipewright ${kind}` : `pipewright ${kind} #${i}`;
    // One expression, `new Worker(new URL("./worker.js", import.meta.url),
    // { type: "module" })`: the form Vite (and webpack) recognise as a
    // worker entry and bundle with the package it imports. Unbundled it is
    // simply this file's neighbour, src/web/worker.js. In Node, a thread.
    const worker = nodeThreads ? threadWorker(name) : new Worker(new URL("./worker.js", import.meta.url), { type: "module", name });
    workersCreated += 1;
    const slot = { worker, alive: true, incarnation, finished: null, answered: false };
    // A Worker that never starts would fail again if restarted: the stage
    // fails at once, saying so (a bundle without the package's worker.js,
    // or one that dropped its code, is the likely cause).
    const notStarted = (why) => {
      if (slot !== slots[i] || state.failure || state.ended) return;
      const hint = nodeThreads
        ? "the package's worker.js must be installed beside its JS"
        : `a bundler must ship the package's Worker entry (worker.js) beside the bundle (the README's "From npm: bundlers and plain pages")`;
      fail(pipewrightError(kind, `${kind}: its Worker ${why}; ${hint}`));
    };
    const silent = setTimeout(() => notStarted(`loaded but did not answer within ${WORKER_START_MS / 1000} s`), WORKER_START_MS);
    slot.stopStart = () => clearTimeout(silent);
    slot.ready = new Promise((resolve, reject) => {
      slot.started = resolve;
      worker.onmessage = ({ data }) => {
        if (data.type === "ready") {
          slot.answered = true;
          slot.stopStart();
          return data.error ? reject(remoteError(data.error, kind)) : resolve();
        }
        if (data.seq === -1) return slot.finished?.(data);
        onAnswer(i, slot, data);
      };
    });
    slot.ready.catch(fail);
    worker.onerror = (event) => {
      event.preventDefault();
      if (!slot.answered) {
        slot.stopStart();
        return notStarted(event.message ? `failed while starting: ${event.message}` : "could not be loaded as a module script");
      }
      onCrash(i, slot, event.message || "the worker failed");
    };
    worker.postMessage({ type: "init", module, kind, options, blocks, index: i, incarnation, faults });
    slots[i] = slot;
  };
  const send = (i, seq, chunk, transfer = []) => slots[i].worker.postMessage({ type: "chunk", seq, chunk }, transfer);
  const onCrash = (i, slot, why) => {
    // A Worker ended with its stage (terminate() can still fire an error,
    // measured in Firefox: one Worker respawned after its run was aborted)
    // is not a crash to recover from.
    if (slot !== slots[i] || state.failure || state.ended) return;
    kill(slot);
    let again;
    try {
      again = control.crashed(i, why);
    } catch (e) {
      return fail(e);
    }
    spawn(i, slot.incarnation + 1);
    slots[i].ready.then(() => again.forEach((seq) => send(i, seq, payload.get(seq))));
  };
  // Asks Worker i to finish its stage: its last output and its report.
  const finish = (i) =>
    new Promise((resolve) => {
      const slot = slots[i];
      if (!slot.alive) return resolve(null);
      slot.finished = resolve;
      slot.worker.postMessage({ type: "finish", seq: -1 });
    });

  const park = async () => {
    parked = true;
    for (let i = 0; i < slots.length && !state.ended && !state.failure; i++) {
      const reply = await finish(i);
      if (reply?.report) control.report(reply.report);
    }
    slots.forEach(kill);
  };
  const idleSoon = () => {
    clearTimeout(idleTimer);
    if (pinned || parked || state.ended || state.failure) return;
    idleTimer = setTimeout(() => {
      if (!parked && !parking && !state.ended && !state.failure && control.idle()) {
        parking = park().finally(() => {
          parking = null;
        });
      }
    }, POOL_IDLE_MS);
  };
  // Before a chunk or the finish: Workers running again if they parked.
  const awake = async () => {
    if (parking) await parking;
    if (!parked || state.ended || state.failure) return;
    parked = false;
    slots.forEach((slot, i) => spawn(i, slot.incarnation + 1));
    await Promise.all(slots.map((s) => s.ready));
  };

  // Sends one chunk to the least-loaded Worker once one has room; false
  // when the stage ended meanwhile. `admitted` runs when it has a slot:
  // the chunk has left the queue.
  const submit = async (chunk, admitted) => {
    let slot;
    while (!state.failure && !state.ended && !(slot = control.admit())) await changed();
    if (state.failure) throw state.failure;
    if (state.ended) return false;
    const [seq, i] = slot;
    admitted?.();
    // A view into a larger buffer (the file source's pieces are views of
    // what it read; a user's subarray) would be cloned whole: its own bytes
    // go instead, and a pinned Worker may take them over.
    if (chunk instanceof Uint8Array && chunk.byteLength !== chunk.buffer.byteLength) chunk = chunk.slice();
    const move = pinned && chunk instanceof Uint8Array && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    if (!pinned) payload.set(seq, chunk);
    control.sent(move);
    send(i, seq, chunk, move ? [chunk.buffer] : []);
    return true;
  };

  const stream = endsReach(
    {
      async start(controller) {
        state.out = new WeakRef(controller);
        control.start(controller, queued);
        for (let i = 0; i < workers; i++) spawn(i, 0);
        await Promise.all(slots.map((s) => s.ready));
      },
      async transform(chunk) {
        clearTimeout(idleTimer);
        if (parked || parking) await awake();
        if (!blocks) {
          await submit(chunk, () => finishOne(queued, highWaterMark));
          return;
        }
        let jobs;
        try {
          jobs = control.split(chunk);
        } catch (e) {
          fail(e);
          throw e;
        }
        for (const job of jobs) if (!(await submit(job))) return;
        finishOne(queued, highWaterMark);
      },
      async flush() {
        clearTimeout(idleTimer);
        if (parked || parking) await awake();
        // The rest of the input, as the last block: its answer carries the
        // trailer.
        if (blocks && !(await submit(control.splitEnd()))) return;
        while (!state.failure && !state.ended && !control.idle()) await changed();
        if (parked || parking) await awake();
        for (let i = 0; i < slots.length && !state.failure && !state.ended; i++) {
          const reply = await finish(i);
          // A Worker that died meanwhile: a pool asks its replacement.
          if (reply === null) {
            if (!state.failure && !state.ended) i -= 1;
            continue;
          }
          if (!pass(reply)) break;
          if (reply.report) control.report(reply.report);
          if (reply.error) fail(remoteError(reply.error, kind));
        }
        if (state.failure) throw state.failure;
        if (state.ended) return;
        control.done();
        stopAll();
      },
    },
    countingStrategy(queued, highWaterMark),
    end,
  );
  retirers.set(stream, () => end("the pipeline ended", true));
  killers.set(stream, (k) => {
    const slot = slots[k];
    if (!slot?.alive) return false;
    onCrash(k, slot, `worker ${k} was terminated by killWorker()`);
    return true;
  });
  collector.register(stream, stopAll, slots);
  return remember(stream, control);
}
