// Builds native WHATWG stream objects around Rust stage objects.
//
// wasm-streams cannot build a TransformStream, and its ReadableStream::from
// needs ReadableStream.from, which Chromium lacks; so the underlying
// source/transformer/sink below are thin JS objects whose methods call the
// Rust stage. The callers of this module are in src/web/*.rs.

const stages = new WeakMap();

function remember(stream, stage) {
  stages.set(stream, stage);
  return stream;
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

// What the metrics count as a chunk's bytes: a string's length, a
// buffer's byteLength, 0 for a record.
function lengthOf(chunk) {
  return typeof chunk === "string" ? chunk.length : (chunk?.byteLength ?? 0);
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

export function makeReadable(stage, highWaterMark) {
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
    start: (controller) => stage.start(controller, stats),
    pull: (controller) => {
      resumed();
      const note = () => {
        if (controller.desiredSize <= 0) stats.fullSince = performance.now();
      };
      const pending = stage.pull(controller);
      if (pending === undefined) {
        note();
        return undefined;
      }
      return pending.then(note);
    },
    cancel: (reason) => stage.cancel(reason),
  };
  return remember(new ReadableStream(source, { highWaterMark }), stage);
}

export function makeTransform(stage, highWaterMark) {
  const queued = queueStats();
  const transformer = {
    start: (controller) => stage.start(controller, queued),
    transform: (chunk, controller) => {
      finishOne(queued, highWaterMark);
      return stage.transform(chunk, controller);
    },
    flush: (controller) => stage.flush(controller),
  };
  // The readable side's high-water mark is 0: the stage transforms a chunk
  // only when downstream wants one, and the waiting happens on the writable
  // side, where highWaterMark applies.
  return remember(
    new TransformStream(transformer, countingStrategy(queued, highWaterMark), { highWaterMark: 0 }),
    stage,
  );
}

export function makeWritable(stage, highWaterMark) {
  const queued = queueStats();
  const sink = {
    start: (controller) => stage.start(controller, queued),
    write: (chunk) => {
      // A sink is done with a chunk when its write settles.
      const pending = stage.write(chunk);
      if (pending === undefined) {
        finishOne(queued, highWaterMark);
        return undefined;
      }
      return pending.then(() => finishOne(queued, highWaterMark));
    },
    close: () => stage.close(),
    abort: (reason) => stage.abort(reason),
  };
  return remember(new WritableStream(sink, countingStrategy(queued, highWaterMark)), stage);
}

export function snapshotOf(stream) {
  const stage = stages.get(stream);
  return stage === undefined ? undefined : stage.snapshot();
}

export function describe(value) {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof ArrayBuffer) return "an ArrayBuffer";
  return `a ${typeof value}`;
}

// ---- Stages pinned to a Worker (src/web/worker.rs) ----

let workersCreated = 0;
let workersTerminated = 0;
const retirers = new WeakMap();
const killers = new WeakMap();

// Debug API: terminates worker `k` of a pooled stage mid-stream, as a crash
// would (the browser fires no event for a terminated worker, so this is how
// tests and demos terminate one). Returns false if `stream` has no worker k.
export function killWorker(stream, k) {
  return killers.get(stream)?.(k) ?? false;
}

export function workerCounts() {
  return { created: workersCreated, terminated: workersTerminated, active: workersCreated - workersTerminated };
}

// Terminates a pinned stage's worker if it still runs (a pipeline calls this
// when it settles: Chromium never tells a transformer about a cancel).
export function retire(stream) {
  retirers.get(stream)?.();
}

// A stream dropped without finishing still loses its worker when collected.
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

// The first failure of a worker stage wins: it is reported to the metrics,
// the workers stop, and the stream is errored with it.
function failOnce(state, report, stopWorkers, wake) {
  return (e) => {
    if (!state.failure) {
      state.failure = e;
      report.failed(e);
      stopWorkers();
      try {
        state.out?.error(e);
      } catch {}
    }
    wake();
  };
}

export function makeWorkerTransform(proxy, workerUrl, module, kind, options, highWaterMark, inFlight) {
  const queued = queueStats();
  let worker = null;
  let alive = false;
  const state = { out: null, failure: null };
  let sent = 0;
  let answered = 0;
  let ready = null;
  let finished = null;
  const { wake, changed } = wakeup();
  const stop = () => {
    if (!alive) return;
    alive = false;
    worker.terminate();
    workersTerminated += 1;
    wake();
  };
  const fail = failOnce(state, proxy, () => stop(), wake);
  // One worker answers in order, so chunks can be pipelined: up to
  // `inFlight` are sent before the first answer comes back.
  const onAnswer = (reply) => {
    if (state.failure) return;
    let bytes = 0;
    try {
      for (const v of reply.out) {
        bytes += lengthOf(v);
        state.out.enqueue(v);
      }
    } catch {
      // The readable side was cancelled (Chromium does not tell us): stop.
      return stop();
    }
    proxy.received(reply.out.length, bytes, reply.busyMs ?? 0, reply.seq !== -1);
    if (reply.report) proxy.report(reply.report);
    if (reply.error) return fail(remoteError(reply.error, kind));
    if (reply.enough && reply.seq !== -1) {
      proxy.done();
      stop();
      state.out.terminate();
    }
  };
  const stream = new TransformStream(
    {
      async start(controller) {
        state.out = controller;
        proxy.start(controller, queued);
        worker = new Worker(workerUrl, { type: "module", name: `pipewright ${kind}` });
        workersCreated += 1;
        alive = true;
        ready = new Promise((resolve, reject) => {
          worker.onmessage = ({ data }) => {
            if (data.type === "ready") return data.error ? reject(remoteError(data.error, kind)) : resolve();
            if (data.seq === -1) return finished?.(data);
            answered += 1;
            onAnswer(data);
            wake();
          };
        });
        worker.onerror = (event) => {
          event.preventDefault();
          fail(new Error(`${kind}: the worker failed: ${event.message}`));
        };
        worker.postMessage({ type: "init", module, kind, options });
        try {
          await ready;
        } catch (e) {
          stop();
          throw e;
        }
      },
      async transform(chunk) {
        while (!state.failure && alive && sent - answered >= inFlight) await changed();
        if (state.failure) throw state.failure;
        if (!alive) return;
        // A chunk that owns its whole buffer moves to the worker; a view
        // into a larger buffer is copied by structured clone.
        const own = chunk instanceof Uint8Array && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
        finishOne(queued, highWaterMark);
        proxy.sent(lengthOf(chunk), own);
        worker.postMessage({ type: "chunk", seq: sent, chunk }, own ? [chunk.buffer] : []);
        sent += 1;
      },
      async flush() {
        while (!state.failure && alive && answered < sent) await changed();
        if (state.failure) throw state.failure;
        if (!alive) return;
        const reply = await new Promise((resolve) => {
          finished = resolve;
          worker.postMessage({ type: "finish", seq: -1 });
        });
        onAnswer(reply);
        if (state.failure) throw state.failure;
        proxy.done();
        stop();
      },
    },
    countingStrategy(queued, highWaterMark),
    { highWaterMark: 0 },
  );
  retirers.set(stream, () => {
    if (alive) proxy.cancelled("the pipeline ended");
    stop();
  });
  collector.register(stream, stop);
  return remember(stream, proxy);
}

// ---- Stages fanned out to a pool of Workers (core::pool decides) ----

export function makePoolTransform(control, workerUrl, module, kind, options, workers, highWaterMark, faults) {
  const queued = queueStats();
  const slots = [];
  // Chunks kept until their result is out, to run again if a worker dies.
  const payload = new Map();
  const results = new Map();
  const state = { out: null, failure: null };
  const { wake, changed } = wakeup();

  const kill = (slot) => {
    if (slot?.alive) {
      slot.alive = false;
      slot.worker.terminate();
      workersTerminated += 1;
    }
  };
  const stopAll = () => slots.forEach(kill);
  const fail = failOnce(state, control, () => stopAll(), wake);
  const send = (i, seq) => slots[i].worker.postMessage({ type: "chunk", seq, chunk: payload.get(seq) });
  const onReply = (i, slot, data) => {
    if (slot !== slots[i] || state.failure) return;
    if (data.error) return fail(Object.assign(remoteError(data.error, kind), { chunk: data.seq }));
    results.set(data.seq, data);
    for (const seq of control.completed(i, data.seq, data.busyMs ?? 0)) {
      const r = results.get(seq);
      results.delete(seq);
      payload.delete(seq);
      let bytes = 0;
      for (const v of r.out) {
        bytes += lengthOf(v);
        state.out.enqueue(v);
      }
      control.received(r.out.length, bytes);
    }
    wake();
  };
  const spawn = (i, incarnation) => {
    const worker = new Worker(workerUrl, { type: "module", name: `pipewright ${kind} #${i}` });
    workersCreated += 1;
    const slot = { worker, alive: true, incarnation };
    slot.ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === "ready") return data.error ? reject(remoteError(data.error, kind)) : resolve();
        onReply(i, slot, data);
      };
    });
    slot.ready.catch(fail);
    worker.onerror = (event) => {
      event.preventDefault();
      onCrash(i, slot, event.message || "the worker failed");
    };
    worker.postMessage({ type: "init", module, kind, options, index: i, incarnation, faults });
    slots[i] = slot;
  };
  const onCrash = (i, slot, why) => {
    if (slot !== slots[i] || state.failure) return;
    kill(slot);
    let again;
    try {
      again = control.crashed(i, why);
    } catch (e) {
      return fail(e);
    }
    spawn(i, slot.incarnation + 1);
    slots[i].ready.then(() => again.forEach((seq) => send(i, seq)));
  };

  const stream = new TransformStream(
    {
      async start(controller) {
        state.out = controller;
        control.start(controller, queued);
        for (let i = 0; i < workers; i++) spawn(i, 0);
        await Promise.all(slots.map((s) => s.ready));
      },
      async transform(chunk) {
        let slot;
        while (!state.failure && !(slot = control.admit())) await changed();
        if (state.failure) throw state.failure;
        const [seq, i] = slot;
        payload.set(seq, chunk);
        finishOne(queued, highWaterMark);
        control.sent(lengthOf(chunk));
        // Structured clone copies the chunk: the original stays here, to
        // run again if this worker dies before it answers.
        send(i, seq);
      },
      async flush() {
        while (!state.failure && !control.idle()) await changed();
        if (state.failure) throw state.failure;
        control.done();
        stopAll();
      },
    },
    countingStrategy(queued, highWaterMark),
    { highWaterMark: 0 },
  );
  retirers.set(stream, () => {
    if (slots.some((s) => s.alive)) control.cancelled("the pipeline ended");
    stopAll();
  });
  killers.set(stream, (k) => {
    const slot = slots[k];
    if (!slot?.alive) return false;
    onCrash(k, slot, `worker ${k} was terminated by killWorker()`);
    return true;
  });
  collector.register(stream, stopAll);
  return remember(stream, control);
}
