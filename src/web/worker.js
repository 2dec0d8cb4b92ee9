// Entry of a Worker that runs one Pipewright stage (see src/web/worker.rs).
// It loads the same package and wasm module as the page: the package entry
// sits four levels up from this file (snippets/<crate>/src/web/), and the
// compiled WebAssembly.Module arrives in the first message.
import init, { WorkerStage } from "../../../../pipewright.js";

// In Node, a worker_threads thread: its port to the main thread stands in
// for a Web Worker's global scope.
const thread = typeof self === "undefined" ? globalThis.process.getBuiltinModule("node:worker_threads").parentPort : null;
const post = (message, transfer) => (thread ?? self).postMessage(message, transfer);

let stage = null;
let faults = {};
let index = 0;
let incarnation = 0;
let received = 0;

// Transfer the buffers of byte outputs instead of copying them back.
function transferables(reply) {
  return reply.out.filter((v) => v instanceof Uint8Array).map((v) => v.buffer);
}

// Fault injection for tests and the crash-recovery lesson: `crashAt` kills
// worker `crashWorker` (its first incarnation) on its Nth chunk;
// `crashEvery` kills every worker on every Nth chunk it gets.
function shouldCrash() {
  const { crashAt = 0, crashWorker = 0, crashEvery = 0 } = faults;
  if (crashAt > 0 && index === crashWorker && incarnation === 0 && received === crashAt) return true;
  return crashEvery > 0 && received % crashEvery === 0;
}

async function handle(data) {
  if (data.type === "init") {
    faults = data.faults ?? {};
    index = data.index ?? 0;
    incarnation = data.incarnation ?? 0;
    try {
      await init({ module_or_path: data.module });
      stage = new WorkerStage(data.kind, data.options, Boolean(data.blocks));
      post({ type: "ready" });
    } catch (e) {
      post({ type: "ready", error: { name: e.name, message: e.message, stage: e.stage } });
    }
    return;
  }
  // Fault injection: hold every third chunk's answer, so that workers
  // finish out of order and the pool must restore the order.
  if (faults.jitterMs > 0 && data.seq % 3 === 0) await new Promise((r) => setTimeout(r, faults.jitterMs));
  if (data.type === "chunk") {
    // Pacing stages (throttle, delay) wait here, on the worker's timers.
    const wait = stage.pace(data.chunk?.byteLength ?? 0);
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
  }
  const t0 = performance.now();
  const reply = data.type === "finish" ? stage.finish() : stage.push(data.chunk);
  reply.busyMs = performance.now() - t0;
  reply.seq = data.seq;
  if (data.type === "finish") reply.report = stage.report();
  post(reply, transferables(reply));
}

// Messages are handled strictly in order: chunks that arrive while `init`
// is still loading the module wait for it.
let chain = Promise.resolve();

// Anything that fails while handling a chunk (a Rust panic, an injected
// crash) is thrown again from a timer: an uncaught error is what reaches the
// page as this Worker's `error` event, which replaces the worker. (A
// rejected promise would not, and the page would wait for an answer.)
function die(error) {
  setTimeout(() => {
    throw error;
  });
}

function receive(data) {
  let crash = false;
  if (data.type === "chunk") {
    received += 1;
    crash = shouldCrash();
  }
  chain = chain
    .then(() => {
      if (crash) throw new Error(`injected crash in worker ${index} at its chunk ${received}`);
      return handle(data);
    })
    .catch(die);
}

if (thread) thread.on("message", receive);
else self.onmessage = ({ data }) => receive(data);
