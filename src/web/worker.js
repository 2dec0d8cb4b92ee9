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

// The loopback stage's echo server (glue.js, makeLoopback): plain JS, no
// wasm. It takes a written chunk into its buffer and acknowledges it while
// it holds fewer than `serverChunks`; a chunk past that waits
// unacknowledged (the writer's write stays pending). It sends a chunk back
// for each credit (one per pull of the readable side), after `latencyMs`.
// After "end", once everything has gone back, it says "end".
const echo = { on: false, serverChunks: 1, latencyMs: 0, held: [], waiting: [], credit: 0, ending: false, sending: false };

function echoHeld() {
  post({ type: "held", n: echo.held.length });
}

async function echoPump() {
  if (echo.sending) return;
  echo.sending = true;
  while (echo.credit > 0 && echo.held.length > 0) {
    if (echo.latencyMs > 0) await new Promise((r) => setTimeout(r, echo.latencyMs));
    echo.credit -= 1;
    const chunk = echo.held.shift();
    post({ type: "echo", chunk }, [chunk.buffer]);
    // Room again: the first chunk waiting is taken, and its write completes.
    if (echo.waiting.length > 0) {
      echo.held.push(echo.waiting.shift());
      post({ type: "ack" });
    }
    echoHeld();
  }
  echo.sending = false;
  if (echo.ending && echo.held.length === 0 && echo.waiting.length === 0) post({ type: "end" });
}

function echoReceive(data) {
  if (data.type === "loopback") {
    Object.assign(echo, { on: true, serverChunks: data.serverChunks, latencyMs: data.latencyMs });
  } else if (data.type === "data") {
    if (echo.held.length < echo.serverChunks) {
      echo.held.push(data.chunk);
      post({ type: "ack" });
    } else {
      echo.waiting.push(data.chunk);
    }
    echoHeld();
  } else if (data.type === "credit") {
    echo.credit += 1;
  } else if (data.type === "end") {
    echo.ending = true;
  }
  echoPump();
}

const ECHO = new Set(["loopback", "data", "credit", "end"]);
const dispatch = (data) => (ECHO.has(data.type) ? echoReceive(data) : receive(data));
if (thread) thread.on("message", dispatch);
else self.onmessage = ({ data }) => dispatch(data);
