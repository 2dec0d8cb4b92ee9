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

// A counting strategy whose size() also counts the chunks queued: the only
// place a writable side learns what waits in its queue. The count stays in JS
// and Rust reads it only for a snapshot, so metrics cost no wasm call per chunk.
function countingStrategy(queued, highWaterMark) {
  return {
    highWaterMark,
    size() {
      queued.accepted += 1;
      return 1;
    },
  };
}

export function makeReadable(stage, highWaterMark) {
  const source = {
    start: (controller) => stage.start(controller),
    pull: (controller) => stage.pull(controller),
    cancel: (reason) => stage.cancel(reason),
  };
  return remember(new ReadableStream(source, { highWaterMark }), stage);
}

export function makeTransform(stage, highWaterMark) {
  const queued = { accepted: 0 };
  const transformer = {
    start: (controller) => stage.start(controller, queued),
    transform: (chunk, controller) => stage.transform(chunk, controller),
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
  const queued = { accepted: 0 };
  const sink = {
    start: (controller) => stage.start(controller, queued),
    write: (chunk) => stage.write(chunk),
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
