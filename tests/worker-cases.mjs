// The cases every placement in Workers must pass, in the browsers (Web
// Workers: tests/e2e/workers.test.mjs, per engine) and in Node
// (worker_threads: tests/node-workers.test.mjs): the same ordering, bounds,
// crash recovery and clean-up. Each case's `body` is a function's source,
// run where the package is loaded as `pw` with HELPERS in scope; `check`
// asserts on what it returned; `record` names the README engine table's row
// a browser run fills.
import assert from "node:assert/strict";

// In scope for every body: a reader loop (not for await: some streams here
// are the engine's own, DecompressionStream, and WebKit cannot iterate
// those), a stream of given chunks, a poll, and the core count `pool: true`
// should use.
export const HELPERS = `
const collect = async (readable) => {
  const parts = [];
  const reader = readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const sourceOf = (chunks) => new ReadableStream({
  start(c) { for (const x of chunks) c.enqueue(x); c.close(); },
});
const until = async (check) => { while (!check()) await new Promise((r) => setTimeout(r, 10)); };
const cores = globalThis.navigator?.hardwareConcurrency ?? globalThis.process.getBuiltinModule("node:os").availableParallelism();
`;

// Users through hash-field, optionally pooled; the digest of what comes out.
const HASH_SPEC = `(extra) => ({
    source: { kind: "users", format: "ndjson", count: 300, seed: 3, chunkSize: 2048 },
    stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 300, ...extra }, { kind: "ndjson-stringify" }],
    sink: { kind: "digest" },
  })`;

export const CASES = [
  {
    name: "a pinned gzip gives output byte-identical to the same stage on the main thread",
    record: "workers.pinned",
    body: `async () => {
        const text = await collect(pw.createSource("lorem", { bytes: 3000000, chunkSize: 65536, seed: 5 }));
        const chunks = () => { const out = []; for (let i = 0; i < text.length; i += 65536) out.push(text.slice(i, i + 65536)); return out; };
        const main = await collect(sourceOf(chunks()).pipeThrough(pw.createTransform("gzip", { level: 6 })));
        const pinned = await collect(sourceOf(chunks()).pipeThrough(pw.createTransform("gzip", { level: 6, worker: true })));
        const back = await collect(sourceOf([pinned]).pipeThrough(new DecompressionStream("gzip")));
        return {
          same: main.length === pinned.length && main.every((b, i) => b === pinned[i]),
          size: pinned.length,
          roundTrip: back.length === text.length && back.every((b, i) => b === text[i]),
          counts: pw.workerCounts(),
        };
      }`,
    check(result) {
      assert.ok(result.same, "identical bytes");
      assert.ok(result.size > 100000);
      assert.ok(result.roundTrip, "DecompressionStream reads it back");
      assert.equal(result.counts.active, 0, "the worker ended with the stream");
    },
  },
  // 1 MiB chunks, whose hashing takes whole milliseconds: Firefox's clock
  // ticks in whole milliseconds here.
  {
    name: "metrics show the work ran in the worker, with buffers transferred",
    body: `async () => {
        const report = await pw.runPipeline({
          source: { kind: "lorem", bytes: 16 * 1048576, chunkSize: 1048576 },
          stages: [{ kind: "sha256", worker: true }, { kind: "text-encode" }],
          sink: { kind: "count" },
        });
        return report.stages[1];
      }`,
    check(result) {
      assert.equal(result.placement, "worker");
      assert.equal(result.mainThreadCalls, 0, "no chunk was transformed on the main thread");
      assert.ok(result.workerBusyMs > 0, `busy ${result.workerBusyMs}`);
      assert.equal(result.chunksIn, 16);
      assert.equal(result.transfers, 16, "every chunk owned its buffer, so every chunk moved");
      assert.equal(result.copies, 0);
      assert.equal(result.result.length, 64, "the digest came back as the stage's result");
    },
  },
  {
    name: "a file source's chunks (views of one read) reach Workers as their own bytes; a consumer that detaches one is told",
    body: `async () => {
        const text = await collect(pw.createSource("lorem", { bytes: 3000000, chunkSize: 65536, seed: 9 }));
        const blob = new Blob([text]);
        const views = [];
        const seen = pw.createSource("file", { file: blob, chunkSize: 65536 }).getReader();
        for (let r = await seen.read(); !r.done; r = await seen.read()) views.push(r.value.byteLength < r.value.buffer.byteLength);
        const upper = await collect(sourceOf([text]).pipeThrough(pw.createTransform("uppercase")));
        const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
        const report = await pw.runPipeline({
          source: { kind: "file", file: blob, chunkSize: 65536 },
          stages: [{ kind: "uppercase", worker: true }, { kind: "uppercase", pool: 2 }],
          sink: { kind: "digest" },
        });
        const expected = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", upper)), (b) => b.toString(16).padStart(2, "0")).join("");
        const pinned = await collect(pw.createSource("file", { file: blob, chunkSize: 65536 }).pipeThrough(pw.createTransform("uppercase", { worker: true })));
        // A consumer that transfers a chunk's buffer takes the rest of its
        // read: a chunk with more of its read after it (Chromium's reads vary
        // in size, and one may end with the chunk that detaches it).
        const reader = pw.createSource("file", { file: blob, chunkSize: 65536 }).getReader();
        let first = (await reader.read()).value;
        while (first.byteOffset + first.byteLength === first.buffer.byteLength) first = (await reader.read()).value;
        structuredClone(first.buffer, { transfer: [first.buffer] });
        const error = await reader.read().then(() => null, (e) => ({ name: e.name, message: e.message }));
        // Cancelled with its next read already asked for: nothing unhandled.
        const early = pw.createSource("file", { file: blob, chunkSize: 65536 }).getReader();
        await early.read();
        await early.cancel("enough");
        await new Promise((r) => setTimeout(r, 100));
        return { views: views.filter(Boolean).length, chunks: views.length, digest: report.stages[3].result, expected, pinned: same(pinned, upper), transfers: report.stages[1].transfers, error };
      }`,
    check(result) {
      assert.ok(result.views > 0, `some chunks are views of a larger read (${result.views} of ${result.chunks})`);
      assert.equal(result.digest, result.expected, "pinned then pooled uppercase over the file's views: the right bytes");
      assert.ok(result.pinned, "a pinned stage after the file source: the right bytes");
      assert.equal(result.transfers, result.chunks, "each view went as its own buffer, moved");
      assert.equal(result.error?.name, "TypeError");
      assert.match(result.error?.message ?? "", /^file: a chunk's buffer was transferred or detached/);
    },
  },
  // 2 MiB chunks, so that each one keeps the worker busy for a
  // measurable time: Firefox's performance.now() ticks in whole
  // milliseconds here, and a tiny chunk's work reads as 0 ms.
  {
    name: "a pinned stage's one lane shows its chunks in flight, up to inFlight",
    body: `async () => {
        const seen = [];
        const report = await pw.runPipeline(
          {
            source: { kind: "lorem", bytes: 30 * 2097152, chunkSize: 2097152, highWaterMark: 4 },
            stages: [{ kind: "delay", ms: 20, worker: true, inFlight: 3, highWaterMark: 4 }],
            sink: { kind: "count", highWaterMark: 4 },
          },
          { metricsInterval: 16, onMetrics: (m) => seen.push(m.stages[1].workers[0].inFlight) },
        );
        return { seen, last: report.stages[1].workers };
      }`,
    check(result) {
      assert.ok(Math.max(...result.seen) > 1, `pipelined: ${result.seen}`);
      assert.ok(Math.max(...result.seen) <= 3, `bounded by inFlight: ${result.seen}`);
      assert.equal(result.last.length, 1);
      assert.equal(result.last[0].inFlight, 0);
      assert.ok(result.last[0].busyMs > 0);
    },
  },
  {
    name: "bad data in a worker errors the stream naming the stage and offset",
    body: `async () => {
        try {
          await collect(sourceOf([new TextEncoder().encode("definitely not gzip")]).pipeThrough(pw.createTransform("gunzip", { worker: true })));
          return { error: null };
        } catch (e) {
          await until(() => pw.workerCounts().active === 0);
          return { error: { name: e.name, stage: e.stage, offset: e.offset, message: e.message }, counts: pw.workerCounts() };
        }
      }`,
    check(result) {
      assert.equal(result.error.name, "PipewrightError");
      assert.equal(result.error.stage, "gunzip");
      assert.equal(typeof result.error.offset, "number");
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "finishing or aborting leaves no worker behind, 20 times over",
    record: "workers.noneLeftBehind",
    body: `async () => {
        const before = pw.workerCounts();
        const outcomes = [];
        for (let i = 0; i < 20; i++) {
          const controller = new AbortController();
          const abort = i % 2 === 1;
          if (abort) setTimeout(() => controller.abort(new Error("stop")), 30);
          try {
            await pw.runPipeline({
              source: { kind: "lorem", bytes: abort ? 50000000 : 200000, chunkSize: 16384 },
              stages: [{ kind: "gzip", worker: true }, { kind: "gunzip", worker: true }],
              sink: { kind: abort ? "throttle" : "count", ...(abort ? { bytesPerSecond: 2000000 } : {}) },
            }, { signal: controller.signal });
            outcomes.push("done");
          } catch (e) {
            outcomes.push(e.message);
          }
        }
        const after = pw.workerCounts();
        return { outcomes, made: after.created - before.created, ended: after.terminated - before.terminated, active: after.active };
      }`,
    check(result) {
      assert.equal(result.outcomes.filter((o) => o === "done").length, 10);
      assert.equal(result.outcomes.filter((o) => o === "stop").length, 10);
      assert.equal(result.made, 40, "two workers per run");
      assert.equal(result.made - result.ended, 0, "every worker created was terminated");
      assert.equal(result.active, 0);
    },
  },
  {
    name: "a pool of 3 restores input order when workers finish out of order",
    record: "workers.pool",
    body: `async () => {
        const spec = ${HASH_SPEC};
        const clean = await pw.runPipeline(spec({}));
        const pooled = await pw.runPipeline(spec({ pool: 3, jitterMs: 15 }));
        return { clean: clean.stages[4].result, pooled: pooled.stages[4].result, stage: pooled.stages[2], counts: pw.workerCounts() };
      }`,
    check(result) {
      assert.equal(result.pooled, result.clean, "same bytes, same order");
      assert.equal(result.stage.placement, "pool");
      assert.equal(result.stage.mainThreadCalls, 0);
      assert.ok(result.stage.heldForOrderMax > 0, "some results finished early and were held for order");
      assert.equal(result.stage.workers.length, 3);
      assert.ok(result.stage.workers.every((w) => w.busyMs > 0), "every worker did work");
      assert.equal(result.stage.chunksOut, 300);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a crashed worker is replaced and its chunks run again, byte-identically",
    record: "workers.crashRecovery",
    body: `async () => {
        const spec = ${HASH_SPEC};
        const clean = await pw.runPipeline(spec({}));
        const crashed = await pw.runPipeline(spec({ pool: 3, crashWorker: 1, crashAt: 5 }));
        let gaveUp = null;
        try {
          await pw.runPipeline(spec({ pool: 2, crashEvery: 3, maxRestarts: 2 }));
        } catch (e) {
          gaveUp = { message: e.message, stage: e.stage };
        }
        return { clean: clean.stages[4].result, crashed: crashed.stages[4].result, stage: crashed.stages[2], gaveUp, counts: pw.workerCounts() };
      }`,
    check(result) {
      assert.equal(result.crashed, result.clean, "nothing lost, nothing duplicated");
      assert.equal(result.stage.restarts, 1);
      assert.equal(result.gaveUp.stage, "hash-field");
      assert.match(result.gaveUp.message, /^hash-field: 3 workers died, more than maxRestarts \(2\); the last: .*injected crash/);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a stalled sink stops the source: chunks in flight stay bounded",
    record: "workers.bounded",
    body: `async () => {
        const source = pw.createSource("counter", { count: 100000, highWaterMark: 1 });
        const pool = pw.createTransform("uppercase", { pool: 2, inFlight: 2 });
        const stalled = new WritableStream({ write: () => new Promise(() => {}) }, { highWaterMark: 1 });
        source.pipeThrough(pool).pipeTo(stalled);
        let last = -1;
        for (let stable = 0; stable < 10; ) {
          await new Promise((r) => setTimeout(r, 20));
          const now = pw.stageMetrics(source).chunksOut;
          stable = now === last ? stable + 1 : 0;
          last = now;
        }
        return { produced: last, pool: pw.stageMetrics(pool) };
      }`,
    check(result) {
      // Once the sink stalls, the pool's results pile up in its readable queue,
      // at most workers x inFlight = 4 of them, and while that queue is backed
      // up the TransformStream stops calling transform(). So at most: the
      // source's highWaterMark 1 + the pool's input queue 1 + 4 results + the
      // sink's write in flight 1. How many of the 4 fill depends on whether
      // answers come back before the next read (measured: 5 or 7 in the same
      // build, since before this issue), so the bound is what is asserted.
      assert.ok(result.produced >= 3 && result.produced <= 1 + 1 + 2 * 2 + 1, `produced ${result.produced}`);
      assert.ok(result.pool.workers.every((w) => w.inFlight <= 2));
    },
  },
  {
    name: "asking to pool a stateful stage is a clear error",
    body: `async () => {
        try { pw.createTransform("gunzip", { pool: 2 }); return null; } catch (e) { return { name: e.name, message: e.message }; }
      }`,
    check(result) {
      assert.equal(result.name, "RangeError");
      assert.match(result.message, /^gunzip: option `pool` cannot be used: this stage keeps state across chunks; use worker: true/);
    },
  },
  // gzip with `pool: n` (pigz's method, src/core/pgzip.rs): blocks of 128
  // KiB compressed in Workers, each primed with the 32 KiB before it, framed
  // as one gzip member on the main thread.
  {
    name: "a pooled gzip is one gzip member: the same bytes for any pool size and chunking, read back exactly",
    record: "workers.parallelGzip",
    body: `async () => {
        const text = await collect(pw.createSource("lorem", { bytes: 1500000, chunkSize: 65536, seed: 9 }));
        const noise = await collect(pw.createSource("random", { bytes: 300000, seed: 2 }));
        const data = new Uint8Array(text.length + noise.length);
        data.set(text);
        data.set(noise, text.length);
        const cut = (size) => { const out = []; for (let i = 0; i < data.length; i += size) out.push(data.slice(i, i + size)); return out; };
        const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
        const runs = [];
        for (const [pool, size] of [[1, 65536], [2, 65536], [3, 1000], [2, data.length], [2, 131072]]) {
          const gzip = pw.createTransform("gzip", { level: 6, pool, inFlight: 2 });
          const out = await collect(sourceOf(cut(size)).pipeThrough(gzip));
          runs.push({ pool, size, out, metrics: pw.stageMetrics(gzip) });
        }
        const first = runs[0].out;
        const single = await collect(sourceOf(cut(65536)).pipeThrough(pw.createTransform("gzip", { level: 6 })));
        const byBrowser = await collect(sourceOf([first]).pipeThrough(new DecompressionStream("gzip")));
        const byUs = await collect(sourceOf([first.slice(0, 7), first.slice(7)]).pipeThrough(pw.createTransform("gunzip")));
        const empty = await collect(sourceOf([]).pipeThrough(pw.createTransform("gzip", { pool: 2 })));
        const emptyBack = await collect(sourceOf([empty]).pipeThrough(new DecompressionStream("gzip")));
        const m = runs[1].metrics;
        return {
          allSame: runs.every((r) => same(r.out, first)),
          sizes: runs.map((r) => r.out.length),
          members: first[0] === 0x1f && first[1] === 0x8b,
          ratio: first.length / single.length,
          browser: same(byBrowser, data),
          ours: same(byUs, data),
          emptyOk: empty.length > 0 && emptyBack.length === 0,
          metrics: { placement: m.placement, bytesIn: m.bytesIn, bytesOut: m.bytesOut, mainThreadCalls: m.mainThreadCalls, busy: m.workers.map((w) => w.busyMs), state: m.state },
          length: data.length,
          counts: pw.workerCounts(),
        };
      }`,
    check(result) {
      assert.ok(result.allSame, `the same bytes for every pool size and chunking: ${result.sizes}`);
      assert.ok(result.members, "a gzip header");
      assert.ok(result.ratio < 1.01, `within 1% of single-threaded level 6: ${result.ratio}`);
      assert.ok(result.browser, "DecompressionStream reads it back exactly");
      assert.ok(result.ours, "our gunzip reads it back exactly");
      assert.ok(result.emptyOk, "empty input is a valid, empty gzip member");
      assert.equal(result.metrics.placement, "pool");
      assert.equal(result.metrics.state, "done");
      assert.equal(result.metrics.bytesIn, result.length, "bytes in are the input's");
      assert.equal(result.metrics.bytesOut, result.sizes[1], "bytes out are the member's, header and trailer included");
      assert.equal(result.metrics.mainThreadCalls, 0);
      assert.ok(result.metrics.busy.every((b) => b > 0), `both Workers compressed: ${result.metrics.busy}`);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a pooled gzip survives a crashed Worker with the same bytes, and a bad chunk names the stage and its position",
    body: `async () => {
        const text = await collect(pw.createSource("lorem", { bytes: 1200000, chunkSize: 65536, seed: 4 }));
        const cut = () => { const out = []; for (let i = 0; i < text.length; i += 65536) out.push(text.slice(i, i + 65536)); return out; };
        const clean = await collect(sourceOf(cut()).pipeThrough(pw.createTransform("gzip", { pool: 2 })));
        const gzip = pw.createTransform("gzip", { pool: 2, crashWorker: 1, crashAt: 2 });
        const crashed = await collect(sourceOf(cut()).pipeThrough(gzip));
        const bad = pw.createTransform("gzip", { pool: 2 });
        const error = await collect(sourceOf([text.slice(0, 10), "text"]).pipeThrough(bad)).then(() => null, (e) => ({ name: e.name, message: e.message, stage: e.stage }));
        return {
          same: clean.length === crashed.length && clean.every((b, i) => b === crashed[i]),
          restarts: pw.stageMetrics(gzip).restarts,
          error,
          badState: pw.stageMetrics(bad).state,
          counts: pw.workerCounts(),
        };
      }`,
    check(result) {
      assert.ok(result.same, "the replacement compressed the lost blocks again, byte-identically");
      assert.equal(result.restarts, 1);
      assert.equal(result.error.stage, "gzip");
      assert.match(result.error.message, /^gzip: chunk 1 is a string/);
      assert.equal(result.badState, "errored");
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "any stage can be pinned: a delay waits on the worker's own timers",
    body: `async () => {
        const report = await pw.runPipeline({
          source: { kind: "counter", count: 5 },
          stages: [{ kind: "delay", ms: 20, worker: true }],
          sink: { kind: "count" },
        });
        return report.stages[1];
      }`,
    check(result) {
      assert.equal(result.placement, "worker");
      assert.equal(result.chunksOut, 5);
      assert.equal(result.mainThreadCalls, 0);
    },
  },
  {
    name: "pool: true means one worker per core",
    body: `async () => {
        const t = pw.createTransform("uppercase", { pool: true });
        const out = await collect(sourceOf([new TextEncoder().encode("abc")]).pipeThrough(t));
        return { text: new TextDecoder().decode(out), workers: pw.stageMetrics(t).workers.length, cores };
      }`,
    check(result) {
      assert.equal(result.text, "ABC");
      assert.equal(result.workers, result.cores);
    },
  },
  {
    name: "a pinned head still ends the pipeline early and cancels the source",
    body: `async () => {
        const report = await pw.runPipeline({
          source: { kind: "counter", count: 1000000 },
          stages: [{ kind: "head", count: 5, worker: true }],
          sink: { kind: "count" },
        });
        return { bytes: report.totals.bytes, source: report.stages[0], counts: pw.workerCounts() };
      }`,
    check(result) {
      assert.equal(result.bytes, "Chunk 0\nChunk 1\nChunk 2\nChunk 3\nChunk 4\n".length);
      assert.equal(result.source.state, "cancelled");
      assert.ok(result.source.chunksOut < 50, `the source stopped early: ${result.source.chunksOut}`);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a worker terminated mid-stream (killWorker) is replaced and nothing is lost",
    record: "workers.killWorker",
    body: `async () => {
        const records = Array.from({ length: 200 }, (_, i) => ({ id: i, password: "pw" + i }));
        const hash = pw.createTransform("hash-field", { pool: 2, iterations: 2000, inFlight: 4 });
        const got = [];
        const done = sourceOf(records).pipeThrough(hash).pipeTo(new WritableStream({ write: (r) => { got.push(r); } }));
        await until(() => pw.stageMetrics(hash).chunksIn >= 20);
        const killed = pw.killWorker(hash, 1);
        await done;
        const m = pw.stageMetrics(hash);
        return { killed, ids: got.map((r) => r.id), restarts: m.restarts, hashed: got.every((r) => r.password.length === 64), counts: pw.workerCounts() };
      }`,
    check(result) {
      assert.equal(result.killed, true);
      assert.deepEqual(result.ids, Array.from({ length: 200 }, (_, i) => i), "all 200, in order, none twice");
      assert.equal(result.restarts, 1);
      assert.ok(result.hashed);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a pinned stage whose worker dies fails the stream, naming the stage and why, and never restarts",
    body: `async () => {
        const gzip = pw.createTransform("gzip", { worker: true, inFlight: 1 });
        const chunks = Array.from({ length: 400 }, (_, i) => new TextEncoder().encode("line " + i + "\\n".repeat(200)));
        let out = 0;
        const done = sourceOf(chunks)
          .pipeThrough(gzip)
          .pipeTo(new WritableStream({ write: (c) => { out += c.length; } }))
          .then(() => null, (e) => e);
        await until(() => pw.stageMetrics(gzip).chunksIn >= 5);
        const killed = pw.killWorker(gzip, 0);
        const error = await done;
        const m = pw.stageMetrics(gzip);
        return { killed, message: error?.message, stage: error?.stage, state: m.state, saysRestarts: "restarts" in m, placement: m.placement, counts: pw.workerCounts() };
      }`,
    check(result) {
      assert.equal(result.killed, true);
      assert.equal(result.message, "gzip: the worker failed: worker 0 was terminated by killWorker()");
      assert.equal(result.stage, "gzip");
      assert.equal(result.state, "errored");
      assert.equal(result.placement, "worker");
      assert.equal(result.saysRestarts, false, "a pinned stage never restarts, and does not say it might");
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "a pool's schedule: round-robin gives each Worker its turn, least-loaded the one with fewest in flight; the same output either way",
    record: "workers.schedule",
    body: `async () => {
      const spec = (schedule) => ({
        source: { kind: "users", format: "ndjson", count: 90, seed: 4, chunkSize: 1024 },
        stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 50, pool: 3, schedule, jitterMs: 5 }, { kind: "ndjson-stringify" }],
        sink: { kind: "digest" },
      });
      const rr = await pw.runPipeline(spec("round-robin"));
      const ll = await pw.runPipeline(spec("least-loaded"));
      const clean = await pw.runPipeline({ ...spec("least-loaded"), stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 50 }, { kind: "ndjson-stringify" }] });
      let refused = null;
      try { pw.createTransform("uppercase", { schedule: "round-robin" }); } catch (e) { refused = { name: e.name, option: e.option, message: e.message }; }
      return {
        rr: rr.stages[2].workers.map((w) => w.chunks),
        ll: ll.stages[2].workers.map((w) => w.chunks),
        digests: [rr.stages[4].result, ll.stages[4].result, clean.stages[4].result],
        refused,
        counts: pw.workerCounts(),
      };
    }`,
    check(result) {
      assert.deepEqual(result.rr, [30, 30, 30], "each Worker its turn");
      assert.equal(result.ll.reduce((a, b) => a + b), 90);
      assert.equal(new Set(result.digests).size, 1, "the same bytes as on the main thread, either way");
      assert.equal(result.refused.name, "RangeError");
      assert.equal(result.refused.option, "schedule");
      assert.match(result.refused.message, /set pool too/);
      assert.equal(result.counts.active, 0);
    },
  },
  {
    name: "the duplex loopback: bytes back unchanged and in order; a slow reader fills the readable side, the server, then the writable side; a cancel ends its Worker",
    record: "workers.duplex",
    body: `async () => {
      const text = await collect(pw.createSource("lorem", { bytes: 200000, chunkSize: 4096, seed: 8 }));
      const pieces = () => { const out = []; for (let i = 0; i < text.length; i += 4096) out.push(text.slice(i, i + 4096)); return out; };
      const back = await collect(sourceOf(pieces()).pipeThrough(pw.createTransform("loopback", { serverChunks: 3 })));
      // A reader that takes nothing: each side fills to its own mark.
      const loop = pw.createTransform("loopback", { highWaterMark: 2, readableHighWaterMark: 3, serverChunks: 2 });
      const writer = loop.writable.getWriter();
      let written = 0;
      const writes = pieces().slice(0, 20).map((p) => writer.write(p).then(() => (written += 1)));
      await until(() => pw.stageMetrics(loop).readQueue === 3 && pw.stageMetrics(loop).serverHeld === 2 && pw.stageMetrics(loop).queue >= 2);
      await new Promise((r) => setTimeout(r, 100));
      const held = pw.stageMetrics(loop);
      const stalled = { written, desired: writer.desiredSize };
      // Read one: one more echo, one more write completes.
      const reader = loop.readable.getReader();
      await reader.read();
      await until(() => written === stalled.written + 1);
      await reader.cancel("enough");
      await Promise.allSettled(writes);
      let refused = null;
      try { pw.createTransform("loopback", { worker: true }); } catch (e) { refused = { option: e.option, message: e.message }; }
      return {
        same: back.length === text.length && back.every((b, i) => b === text[i]),
        held: { queue: held.queue, readQueue: held.readQueue, serverHeld: held.serverHeld, chunksOut: held.chunksOut },
        stalled,
        refused,
        counts: pw.workerCounts(),
      };
    }`,
    check(result) {
      assert.ok(result.same, "every byte back, in order");
      // 20 written at once (ignoring the writer's desiredSize, as a Node
      // write() whose false is ignored): 3 came back into the readable
      // side (its mark), the server holds 2, so 5 writes completed; the
      // other 15 wait on the writable side, one of them at the server.
      assert.deepEqual(result.held, { queue: 15, readQueue: 3, serverHeld: 2, chunksOut: 3 });
      assert.equal(result.stalled.written, 5);
      assert.ok(result.stalled.desired <= 0, "the writer is told to wait");
      assert.equal(result.refused.option, "worker");
      assert.match(result.refused.message, /already runs in a Worker/);
      assert.equal(result.counts.active, 0, "the echo server ended with the cancel");
    },
  },
  {
    // Chromium 156 and WebKitGTK 2.50 collected the loopback's readable
    // stream object while a reader still read it; the collector, watching
    // that object, stopped the echo server and the read waited for ever
    // (within 20 runs here). Each run is held by its reader alone.
    name: "a loopback held only by its reader runs to the end, run after run: the collector never stops its echo server mid-run",
    body: `async () => {
      const runs = [];
      for (let i = 0; i < 60 && runs.at(-1) !== -1; i++) {
        const reader = pw.createSource("lorem", { bytes: 300000, chunkSize: 7000, seed: 13 }).pipeThrough(pw.createTransform("loopback")).getReader();
        const parts = [];
        for (;;) {
          let timer;
          const stalled = new Promise((r) => (timer = setTimeout(() => r(null), 20000)));
          const r = await Promise.race([reader.read(), stalled]);
          clearTimeout(timer);
          if (r === null) {
            parts.length = 0;
            break;
          }
          if (r.done) break;
          parts.push(r.value);
        }
        runs.push(parts.length === 0 ? -1 : new Uint8Array(await new Blob(parts).arrayBuffer()).length);
      }
      return { runs, counts: pw.workerCounts() };
    }`,
    check(result) {
      assert.deepEqual(result.runs, Array(60).fill(300000), "every run gave all its bytes (-1: a run stopped for 20 s)");
      assert.equal(result.counts.active, 0, "each echo server ended with its run");
    },
  },
];
