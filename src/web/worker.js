// Entry of a Worker that runs one Pipewright stage (see src/web/worker.rs).
// It loads the same package and wasm module as the page: the package entry
// sits four levels up from this file (snippets/<crate>/src/web/), and the
// compiled WebAssembly.Module arrives in the first message.
import init, { WorkerStage } from "../../../../pipewright.js";

let stage = null;

// Transfer the buffers of byte outputs instead of copying them back.
function transferables(reply) {
  return reply.out.filter((v) => v instanceof Uint8Array).map((v) => v.buffer);
}

self.onmessage = async ({ data }) => {
  if (data.type === "init") {
    try {
      await init({ module_or_path: data.module });
      stage = new WorkerStage(data.kind, data.options);
      self.postMessage({ type: "ready" });
    } catch (e) {
      self.postMessage({ type: "ready", error: { name: e.name, message: e.message, stage: e.stage } });
    }
    return;
  }
  const t0 = performance.now();
  const reply = data.type === "finish" ? stage.finish() : stage.push(data.chunk);
  reply.busyMs = performance.now() - t0;
  if (data.type === "finish") reply.report = stage.report();
  self.postMessage(reply, transferables(reply));
};
