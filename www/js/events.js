// The event log's entries, derived from two metrics snapshots in a row:
// each in Node's words beside the WHATWG streams' words. Free of the DOM.

// What a stage's state change means, from the view of the stage's writer.
function stateEvent(stage, name, from, to) {
  if (to === "backpressured") {
    return stage.role === "source"
      ? { kind: "backpressure", stage: name, node: "push() returned false: the source pauses", web: "desiredSize ≤ 0: pull() is not called" }
      : { kind: "backpressure", stage: name, node: "backpressure: write() would return false", web: `desiredSize ≤ 0 (queue ${stage.queue} / highWaterMark ${stage.highWaterMark})` };
  }
  if (to === "errored") {
    return { kind: "error", stage: name, node: `'error': ${stage.error ?? "failed"}`, web: "the stream errors; pipeTo rejects" };
  }
  if (to === "cancelled") {
    return stage.role === "source"
      ? { kind: "cancel", stage: name, node: "destroy(): upstream stopped", web: "cancel(reason) reaches the source" }
      : { kind: "cancel", stage: name, node: "destroy()", web: "abort(reason) reaches the writable side" };
  }
  if (to === "done" && from !== "done") {
    return stage.role === "sink"
      ? { kind: "end", stage: name, node: "'finish': every write is done", web: "close() resolved; pipeTo resolves" }
      : { kind: "end", stage: name, node: "'end': no more data", web: "the readable side closes" };
  }
  return null;
}

// `n` drains since the last snapshot: each one ended a pause. Counted by
// the stage itself, so none is missed between two snapshots.
function drainEvent(stage, name, n) {
  const times = n === 1 ? "" : ` ×${n}`;
  return stage.role === "source"
    ? { kind: "drain", stage: name, node: `_read() called again after push() returned false${times}`, web: `pull() called again once desiredSize > 0${times}`, count: n }
    : { kind: "drain", stage: name, node: `'drain'${times}: write() returned false, then writing resumed`, web: `writer.ready resolved (desiredSize > 0 again)${times}`, count: n };
}

// Worker events a pooled or pinned stage shows between two snapshots.
function workerEvents(stage, name, before) {
  const out = [];
  const hadWorkers = before?.workers?.length ?? (before?.placement === "worker" ? 1 : 0);
  const nowWorkers = stage.workers?.length ?? (stage.placement === "worker" ? 1 : 0);
  if (!before?.placement || (before.placement === "main" && stage.placement !== "main") || nowWorkers > hadWorkers) {
    if (stage.placement === "worker") {
      out.push({ kind: "worker", stage: name, node: "new Worker(): 'online'", web: "a module Worker runs the whole stage" });
    } else if (stage.placement === "pool" && nowWorkers > hadWorkers) {
      out.push({
        kind: "worker",
        stage: name,
        node: `worker pool: ${nowWorkers - hadWorkers} worker${nowWorkers - hadWorkers === 1 ? "" : "s"} 'online'`,
        web: "module Workers share the stage's chunks",
      });
    }
  }
  const restarts = (stage.restarts ?? 0) - (before?.restarts ?? 0);
  for (let i = 0; i < restarts; i += 1) {
    out.push({ kind: "crash", stage: name, node: "cluster: worker 'exit', then fork() a new one", web: "Worker 'error' event; a new Worker re-runs its chunks" });
  }
  return out;
}

// The events between `previous` (or null at the start) and `current`.
export function eventsBetween(previous, current) {
  const out = [];
  current.stages.forEach((stage, i) => {
    const before = previous?.stages[i];
    const from = before?.state ?? "idle";
    const name = `${stage.role} ${stage.kind}`;
    if (stage.placement && stage.placement !== "main") out.push(...workerEvents(stage, name, before));
    if (from !== stage.state) {
      const e = stateEvent(stage, name, from, stage.state);
      if (e) out.push(e);
    }
    const drains = (stage.drains ?? 0) - (before?.drains ?? 0);
    if (drains > 0) out.push(drainEvent(stage, name, drains));
    // A duplex stage's readable side: its reader made room again.
    const readDrains = (stage.readDrains ?? 0) - (before?.readDrains ?? 0);
    if (readDrains > 0) {
      const times = readDrains === 1 ? "" : ` ×${readDrains}`;
      out.push({ kind: "drain", stage: `${name} (readable side)`, node: `_read() called again${times}: the reader took a chunk from the readable side`, web: `pull() called again${times}: the readable side's queue has room`, count: readDrains });
    }
    if ((stage.rejected ?? 0) > (before?.rejected ?? 0)) {
      const n = stage.rejected - (before?.rejected ?? 0);
      out.push({
        kind: "skip",
        stage: name,
        node: `${n} bad record${n === 1 ? "" : "s"} skipped (${stage.rejected} so far)`,
        web: "transform() drops them; the stream goes on",
      });
    }
  });
  return out.map((e) => ({ ...e, ms: current.elapsedMs ?? 0 }));
}

// The entry for the run's own end: aborted by the user, or failed.
export function endEvent(error, aborted, ms) {
  if (aborted) {
    return { kind: "abort", stage: "pipeline", node: "AbortController.abort(): pipeline() destroys every stream", web: "the signal aborts pipeTo: cancel upstream, abort downstream", ms };
  }
  return { kind: "error", stage: error?.stage ? `stage ${error.stage}` : "pipeline", node: `pipeline() callback(err): ${error?.message ?? error}`, web: "runPipeline rejects with the first error", ms };
}
