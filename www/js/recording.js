// Record and replay, free of the DOM: every run's metrics snapshots kept as
// frames with how it ended; a recording as a JSON file and back; and what
// "Compare" draws of two recordings on one time axis.
//
// A loaded file is data only: it is parsed with JSON.parse, and every value
// the page will show is copied field by field from a checked place in it,
// so nothing else in the file (an unknown key, `__proto__`, markup in a
// string) reaches the page, and markup is only ever set as text. A fault is
// an Error whose message names where it is (`frames[3].stages[1].queue`).

export const FORMAT = "pipewright-run";
export const VERSION = 1;
// Frames a recording keeps: past this, every other frame is dropped (the
// first and the last stay), so a long run's recording stays small.
export const MAX_FRAMES = 2000;
// The largest run file the page reads.
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_TEXT = 4000;

const ROLES = ["source", "transform", "sink"];
const STATES = ["idle", "flowing", "backpressured", "done", "errored", "cancelled"];
const PLACEMENTS = ["main", "worker", "pool"];
const COUNTS = ["chunksIn", "bytesIn", "chunksOut", "bytesOut", "queue", "highWaterMark", "drains", "stalledMs", "rejected"];
const OPTIONAL_COUNTS = ["restarts", "heldForOrderMax", "workerBusyMs", "transfers", "copies", "mainThreadCalls", "batchesIn", "batchesOut", "totalBytes"];

function fault(path, message) {
  return new Error(`${path} ${message}`);
}

function number(v, path, { optional = false } = {}) {
  if (v === undefined && optional) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw fault(path, "must be a number ≥ 0");
  return v;
}

function text(v, path, { optional = false } = {}) {
  if (v === undefined && optional) return undefined;
  if (typeof v !== "string") throw fault(path, "must be a string");
  if (v.length > MAX_TEXT) throw fault(path, `is longer than ${MAX_TEXT} characters`);
  return v;
}

function oneOf(v, choices, path) {
  if (!choices.includes(v)) throw fault(path, `must be one of ${choices.join(", ")}`);
  return v;
}

function object(v, path) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw fault(path, "must be an object");
  return v;
}

function array(v, path, max) {
  if (!Array.isArray(v)) throw fault(path, "must be an array");
  if (v.length > max) throw fault(path, `has more than ${max} entries`);
  return v;
}

// One stage of a frame, copied field by field; `expect` ({ role, kind })
// is what the spec says stands at that place.
function cleanStage(s, path, expect) {
  object(s, path);
  const out = {
    index: number(s.index, `${path}.index`),
    role: oneOf(s.role, ROLES, `${path}.role`),
    kind: text(s.kind, `${path}.kind`),
    state: oneOf(s.state, STATES, `${path}.state`),
    placement: oneOf(s.placement ?? "main", PLACEMENTS, `${path}.placement`),
    backpressured: Boolean(s.backpressured),
  };
  if (expect && (out.role !== expect.role || out.kind !== expect.kind)) {
    throw fault(path, `is ${out.role} ${out.kind} where the spec has ${expect.role} ${expect.kind}`);
  }
  for (const k of COUNTS) out[k] = number(s[k] ?? 0, `${path}.${k}`);
  for (const k of OPTIONAL_COUNTS) {
    const v = number(s[k], `${path}.${k}`, { optional: true });
    if (v !== undefined) out[k] = v;
  }
  if (s.workers !== undefined) {
    out.workers = array(s.workers, `${path}.workers`, 256).map((w, k) => {
      const at = `${path}.workers[${k}]`;
      object(w, at);
      return { busyMs: number(w.busyMs, `${at}.busyMs`), inFlight: number(w.inFlight, `${at}.inFlight`), chunks: number(w.chunks ?? 0, `${at}.chunks`) };
    });
  }
  for (const k of ["result", "error"]) {
    const v = text(s[k], `${path}.${k}`, { optional: true });
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function cleanFrame(f, path, expect) {
  object(f, path);
  const stages = array(f.stages, `${path}.stages`, 64);
  if (expect && stages.length !== expect.length) throw fault(`${path}.stages`, `has ${stages.length} stages where the spec has ${expect.length}`);
  const frame = {
    elapsedMs: number(f.elapsedMs, `${path}.elapsedMs`),
    wasmMemoryBytes: number(f.wasmMemoryBytes ?? 0, `${path}.wasmMemoryBytes`),
    stages: stages.map((s, i) => cleanStage(s, `${path}.stages[${i}]`, expect?.[i])),
  };
  if (f.jsHeapBytes !== undefined && f.jsHeapBytes !== null) frame.jsHeapBytes = number(f.jsHeapBytes, `${path}.jsHeapBytes`);
  return frame;
}

function cleanEnd(e, path) {
  object(e, path);
  if (e.ok === true) {
    const totals = object(e.totals, `${path}.totals`);
    return {
      ok: true,
      durationMs: number(e.durationMs, `${path}.durationMs`),
      totals: { chunks: number(totals.chunks, `${path}.totals.chunks`), bytes: number(totals.bytes, `${path}.totals.bytes`) },
      wasmMemoryBytes: number(e.wasmMemoryBytes ?? 0, `${path}.wasmMemoryBytes`),
    };
  }
  if (e.ok !== false) throw fault(`${path}.ok`, "must be true or false");
  const end = { ok: false, aborted: Boolean(e.aborted), name: text(e.name ?? "Error", `${path}.name`), message: text(e.message, `${path}.message`) };
  const stage = text(e.stage, `${path}.stage`, { optional: true });
  if (stage !== undefined) end.stage = stage;
  return end;
}

// What stands at each place of a spec: [{ role, kind }].
function places(spec) {
  return [{ role: "source", kind: spec.source.kind }, ...spec.stages.map((s) => ({ role: "transform", kind: s.kind })), { role: "sink", kind: spec.sink.kind }];
}

// A run as it goes: `frame(snapshot)` for each snapshot, `end(outcome)`
// once. `spec` is the public spec (no secrets); `label` names the run.
export class Recorder {
  constructor(spec, label) {
    this.recording = { format: FORMAT, version: VERSION, label, spec, frames: [], end: null };
  }

  frame(snapshot, jsHeapBytes = null) {
    const frames = this.recording.frames;
    const frame = cleanFrame(snapshot, "snapshot");
    if (jsHeapBytes !== null) frame.jsHeapBytes = jsHeapBytes;
    // A snapshot at the same moment as the last one (or, by a clock's
    // rounding, before it) replaces it: time never goes back.
    if (frames.length && frames.at(-1).elapsedMs >= frame.elapsedMs) {
      frame.elapsedMs = frames.at(-1).elapsedMs;
      frames[frames.length - 1] = frame;
    }
    else frames.push(frame);
    if (frames.length > MAX_FRAMES) {
      const last = frames.at(-1);
      this.recording.frames = frames.filter((_, i) => i % 2 === 0);
      if (this.recording.frames.at(-1) !== last) this.recording.frames.push(last);
    }
  }

  // `{ report }` or `{ error, aborted }`.
  end({ report, error, aborted }) {
    this.recording.end = report
      ? { ok: true, durationMs: report.durationMs, totals: { ...report.totals }, wasmMemoryBytes: report.wasmMemoryBytes }
      : { ok: false, aborted: Boolean(aborted), name: String(error?.name ?? "Error"), message: String(error?.message ?? error).slice(0, MAX_TEXT), ...(error?.stage ? { stage: String(error.stage) } : {}) };
    return this.recording;
  }
}

// The JSON text of a recording, for a file.
export function recordingJson(recording) {
  return `${JSON.stringify(recording)}\n`;
}

// A recording from a file's text, checked throughout; `validateSpec`
// checks its spec as runPipeline would. Throws an Error that says where.
export function parseRecording(textIn, validateSpec) {
  let data;
  try {
    data = JSON.parse(textIn);
  } catch (e) {
    throw new Error(`it is not JSON (${e.message})`);
  }
  object(data, "the file");
  if (data.format !== FORMAT) throw fault("format", `must be "${FORMAT}": this is not a Pipewright run`);
  if (data.version !== VERSION) throw fault("version", `must be ${VERSION}`);
  object(data.spec, "spec");
  try {
    validateSpec(data.spec);
  } catch (e) {
    throw fault("spec", `is not a pipeline this page can build: ${e.message}`);
  }
  // The spec kept is the checked one, copied through JSON: data only.
  const spec = JSON.parse(JSON.stringify(data.spec));
  const expect = places(spec);
  const frames = array(data.frames, "frames", MAX_FRAMES);
  if (frames.length === 0) throw fault("frames", "is empty: there is nothing to replay");
  const clean = frames.map((f, i) => cleanFrame(f, `frames[${i}]`, expect));
  clean.forEach((f, i) => {
    if (i > 0 && f.elapsedMs < clean[i - 1].elapsedMs) throw fault(`frames[${i}].elapsedMs`, "goes back in time");
  });
  return {
    format: FORMAT,
    version: VERSION,
    label: text(data.label ?? "a loaded run", "label"),
    spec,
    frames: clean,
    end: data.end === null || data.end === undefined ? null : cleanEnd(data.end, "end"),
  };
}

// Chunks held in every queue of a frame.
const held = (frame) => frame.stages.reduce((n, s) => n + s.queue, 0);

// What Compare shows of a recording: its duration, the most chunks ever
// held in its queues, its peak wasm memory and JS heap, chunks at the sink.
export function summary(recording) {
  const frames = recording.frames;
  const heaps = frames.map((f) => f.jsHeapBytes).filter((v) => v !== undefined);
  return {
    label: recording.label,
    durationMs: recording.end?.durationMs ?? frames.at(-1).elapsedMs,
    peakHeld: Math.max(...frames.map(held)),
    peakMemory: Math.max(...frames.map((f) => f.wasmMemoryBytes)),
    heapGrowth: heaps.length ? Math.max(...heaps) - heaps[0] : null,
    taken: frames.at(-1).stages.at(-1).chunksIn,
    ok: recording.end?.ok ?? null,
  };
}

// Two recordings on one time axis (seconds from each run's start): x, and
// for each run the chunks held in its queues and the chunks its sink has
// taken, null where that run has no frame at that moment.
export function compareSeries(a, b) {
  const times = [...new Set([...a.frames, ...b.frames].map((f) => f.elapsedMs))].sort((p, q) => p - q);
  const at = (rec, pick) => {
    const byTime = new Map(rec.frames.map((f) => [f.elapsedMs, f]));
    return times.map((t) => (byTime.has(t) ? pick(byTime.get(t)) : null));
  };
  return {
    x: times.map((t) => t / 1000),
    heldA: at(a, held),
    heldB: at(b, held),
    takenA: at(a, (f) => f.stages.at(-1).chunksIn),
    takenB: at(b, (f) => f.stages.at(-1).chunksIn),
  };
}
