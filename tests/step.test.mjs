// Step mode (issue 14, part 2), below the page: runPipeline's `gate` holds
// the sink before each chunk, and the page's StepRun and narration
// (www/js/stepping.js, www/js/narrate.js), DOM-free, driven here in Node
// against the real pipeline. The page's Step button and S key, in the
// three browsers: tests/e2e/step.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/serve.mjs";
import { narrateStep } from "../www/js/narrate.js";
import { StepRun } from "../www/js/stepping.js";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

const SLOW = {
  source: { kind: "counter", count: 12 },
  stages: [{ kind: "uppercase", highWaterMark: 4 }],
  sink: { kind: "count" },
};
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

test("gate: the sink takes no chunk until the gate lets it; upstream fills to its marks, and each release moves every queue by one", async () => {
  const calls = [];
  let release = null;
  let latest = null;
  const run = pw.runPipeline(SLOW, {
    metricsInterval: 16,
    onMetrics: (m) => {
      latest = m;
    },
    gate: (snapshot) => {
      calls.push(snapshot);
      return new Promise((r) => {
        release = r;
      });
    },
  });
  await pause(120);
  assert.equal(calls.length, 1, "one gate call: the sink waits at its first chunk");
  assert.equal(calls[0].stages[2].kind, "count");
  assert.equal(calls[0].stages[2].chunksIn, 0, "the sink has taken nothing");
  // Held: one chunk in the source's queue, four in uppercase's, and the one it made in the sink's.
  const levels = () => latest.stages.map((s) => [s.chunksOut, s.queue, s.chunksIn]);
  assert.deepEqual(levels(), [[6, 1, 0], [1, 4, 1], [0, 1, 0]]);
  for (let k = 1; k <= 12; k += 1) {
    release();
    await pause(80);
    const [source, upper, sink] = latest.stages;
    assert.equal(sink.chunksIn, k, `after ${k} releases the sink took ${k}`);
    assert.equal(source.chunksOut, Math.min(12, 6 + k), `and the source made one more per release`);
    assert.equal(calls.length, Math.min(k + 1, 12), "one gate call per chunk");
    if (k <= 6) assert.equal(upper.queue, 4, "uppercase stays full while the source has more");
  }
  const report = await run;
  assert.equal(report.totals.chunks, 12);
});

test("gate: an abort while the sink waits ends the run with the reason; a gate that throws fails it, named", async () => {
  const controller = new AbortController();
  const waiting = pw.runPipeline(SLOW, { signal: controller.signal, gate: () => new Promise(() => {}) });
  await pause(50);
  controller.abort(new Error("stop here"));
  await assert.rejects(waiting, /stop here/);

  const failing = pw.runPipeline(SLOW, {
    gate: () => {
      throw new Error("no more");
    },
  });
  await assert.rejects(failing, (e) => e.option === "gate" && /runPipeline's gate failed: no more/.test(e.message));
});

test("gate: anything but a function is refused, naming the option", async () => {
  await assert.rejects(pw.runPipeline(SLOW, { gate: 5 }), (e) => e instanceof TypeError && /gate/.test(e.message) && /function/.test(e.message));
});

test("StepRun: each press lets the sink take one chunk, narrated in both vocabularies; presses made while settling queue up", async () => {
  const steps = [];
  const stepping = new StepRun((s) => steps.push(s));
  const run = pw.runPipeline(
    { source: { kind: "counter", count: 8 }, stages: [{ kind: "uppercase", highWaterMark: 4 }], sink: { kind: "count" } },
    { gate: stepping.gate, metricsInterval: 16, onMetrics: (m) => stepping.metrics(m) },
  );
  await stepping.started;
  assert.equal(steps.length, 1);
  const start = steps[0];
  assert.equal(start.step, 0);
  assert.match(start.title, /fills its queue up to its highWaterMark/);
  const counter = start.lines.find((l) => l.stage === "source counter");
  assert.match(counter.web, /^pull\(\) ran ×\d+: enqueue\(\) of \d+ chunks$/);
  assert.match(counter.node, /^_read\(\) called ×\d+: push\(\) of \d+ chunks$/);
  assert.ok(start.lines.some((l) => /push\(\) returned false/.test(l.node)), "the source was told to stop");
  assert.match(start.lines.at(-1).web, /^desiredSize now: counter 0 · uppercase 0 · count 0$/);

  stepping.press();
  await stepping.driving;
  const one = steps[1];
  assert.equal(one.step, 1);
  assert.equal(one.title, "Step 1: the sink took 1 chunk, and the source was pulled for 1 more chunk");
  // In the order it happens: the sink's write, its drain, uppercase
  // handing one down and its drain, the source pulled again.
  assert.deepEqual(
    one.lines.map((l) => [l.stage, l.web, l.node]),
    [
      ["sink count", "write(chunk 1) ran and its promise resolved", "_write(chunk 1) called back: the chunk is done"],
      ["sink count", "its queue fell below highWaterMark 1: writer.ready resolved", "'drain': write() may be called again"],
      ["sink count", "full again (queue 1 / 1): desiredSize 0", "write() returns false again"],
      ["transform uppercase", "transform() ran: enqueue() of 1 chunk", "_transform() called: push() of 1 chunk"],
      ["transform uppercase", "its queue fell below highWaterMark 4: writer.ready resolved", "'drain': write() may be called again"],
      ["transform uppercase", "full again (queue 4 / 4): desiredSize 0", "write() returns false again"],
      ["source counter", "pull() ran: enqueue() of 1 chunk", "_read() called: push() of 1 chunk"],
      ["source counter", "desiredSize 0: pull() waits until the reader takes a chunk", "push() returned false: no _read() until the buffer drains"],
      ["pipeline", "desiredSize now: counter 0 · uppercase 0 · count 0", "buffered / highWaterMark: counter 1/1 · uppercase 4/4 · count 1/1"],
    ],
  );

  // Two quick presses: two more chunks, narrated one after the other.
  stepping.press();
  stepping.press();
  await stepping.driving;
  assert.deepEqual(
    steps.map((s) => s.step),
    [0, 1, 2, 3],
  );
  assert.match(steps[3].lines.find((l) => l.stage === "sink count").web, /write\(chunk 3\)/);
  stepping.runToEnd();
  const report = await run;
  assert.equal(report.totals.chunks, 8);
  stepping.end(null);
  stepping.press();
  assert.equal(stepping.pending, 0, "a press after the end does nothing");
});

test("narrateStep: the last chunk, the source's end and the sink's finish", () => {
  const stage = (role, kind, o) => ({ role, kind, highWaterMark: 1, queue: 0, chunksIn: 0, chunksOut: 0, drains: 0, state: "flowing", backpressured: false, ...o });
  const before = { stages: [stage("source", "counter", { chunksOut: 3, state: "done" }), stage("sink", "count", { chunksIn: 2, queue: 1, backpressured: true })] };
  const after = { stages: [stage("source", "counter", { chunksOut: 3, state: "done" }), stage("sink", "count", { chunksIn: 3, state: "done", drains: 1 })] };
  const n = narrateStep(3, before, after);
  assert.equal(n.title, "Step 3: the sink took the last chunk; the pipeline is done");
  assert.ok(n.lines.some((l) => l.web === "close() resolved: pipeTo resolves" && l.node === "'finish': every write is done"));
  assert.ok(!n.lines.some((l) => l.stage === "source counter"), "the source, already done, did nothing");
  assert.equal(n.lines.at(-1).node, "buffered / highWaterMark: counter 0/1 · count 0/1");
});
