// Record and replay (issue 14, part 3), below the page: a real run recorded
// in Node with the page's Recorder (www/js/recording.js) goes to JSON and
// back unchanged; a file that is not a run, or is a hostile one, is refused
// with a message naming where, and nothing but checked fields survives;
// Compare's series and figures. The page's scrubber, export, load and
// Compare in the three browsers: tests/e2e/replay.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/serve.mjs";
import { compareSeries, MAX_FRAMES, parseRecording, Recorder, recordingJson, summary } from "../www/js/recording.js";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

const SPEC = {
  source: { kind: "counter", count: 60 },
  stages: [{ kind: "uppercase", highWaterMark: 4 }],
  sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 200 },
};

async function record(spec, label) {
  const recorder = new Recorder(spec, label);
  const report = await pw.runPipeline(spec, { metricsInterval: 20, onMetrics: (m) => recorder.frame(m) });
  return recorder.end({ report });
}

const parse = (value) => parseRecording(typeof value === "string" ? value : JSON.stringify(value), pw.validateSpec);

test("a recorded run goes to JSON and back unchanged, its frames in time order, its end the report's", async () => {
  const recording = await record(SPEC, "Run 1");
  assert.ok(recording.frames.length >= 5, `${recording.frames.length} frames`);
  const times = recording.frames.map((f) => f.elapsedMs);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  const last = recording.frames.at(-1);
  assert.equal(last.stages.at(-1).chunksIn, 60, "the last frame is the end: every chunk taken");
  assert.equal(last.stages.at(-1).state, "done");
  assert.deepEqual(recording.end.totals, { chunks: 60, bytes: last.stages.at(-1).bytesIn });
  const back = parse(recordingJson(recording));
  assert.deepEqual(back, recording);
});

test("a long run keeps at most MAX_FRAMES frames, the first and the last among them", () => {
  const recorder = new Recorder(SPEC, "long");
  const frame = (ms) => ({ elapsedMs: ms, wasmMemoryBytes: 1, stages: [{ index: 0, role: "source", kind: "counter", state: "flowing", chunksOut: ms }] });
  for (let ms = 0; ms < MAX_FRAMES * 3; ms += 1) recorder.frame(frame(ms));
  const frames = recorder.recording.frames;
  assert.ok(frames.length <= MAX_FRAMES && frames.length > MAX_FRAMES / 2, `${frames.length}`);
  assert.equal(frames[0].elapsedMs, 0);
  assert.equal(frames.at(-1).elapsedMs, MAX_FRAMES * 3 - 1);
  // A snapshot stamped before the last one replaces it: time never goes back.
  recorder.frame(frame(5));
  assert.equal(recorder.recording.frames.at(-1).elapsedMs, MAX_FRAMES * 3 - 1);
  assert.equal(recorder.recording.frames.at(-1).stages[0].chunksOut, 5);
});

test("files that are not runs are refused, saying where", async () => {
  const good = await record(SPEC, "Run 1");
  const refused = (value, pattern) => assert.throws(() => parse(value), pattern);
  refused("<html><script>alert(1)</script>", /^Error: it is not JSON/);
  refused("[]", /the file must be an object/);
  refused({ ...good, format: "other" }, /format must be "pipewright-run"/);
  refused({ ...good, version: 2 }, /version must be 1/);
  refused({ ...good, spec: { source: { kind: "nope" }, stages: [], sink: { kind: "count" } } }, /^Error: spec is not a pipeline this page can build: .*nope/);
  refused({ ...good, frames: [] }, /frames is empty/);
  refused({ ...good, frames: "x" }, /frames must be an array/);
  const frames = structuredClone(good.frames);
  frames[2].stages[1].queue = "4";
  refused({ ...good, frames }, /frames\[2\]\.stages\[1\]\.queue must be a number ≥ 0/);
  const markup = structuredClone(good.frames);
  markup[0].stages[1].kind = '<img src=x onerror="alert(1)">';
  refused({ ...good, frames: markup }, /frames\[0\]\.stages\[1\] is transform <img src=x onerror="alert\(1\)"> where the spec has transform uppercase/);
  const backwards = structuredClone(good.frames);
  backwards[3].elapsedMs = 0;
  refused({ ...good, frames: backwards }, /frames\[3\]\.elapsedMs goes back in time/);
  const short = structuredClone(good.frames);
  short[1].stages.pop();
  refused({ ...good, frames: short }, /frames\[1\]\.stages has 2 stages where the spec has 3/);
  refused({ ...good, end: { ok: "yes" } }, /end\.ok must be true or false/);
  const long = structuredClone(good.frames);
  long[0].stages[2].error = "x".repeat(5000);
  refused({ ...good, frames: long }, /frames\[0\]\.stages\[2\]\.error is longer than 4000 characters/);
});

test("only checked fields survive a load: unknown keys and __proto__ are dropped, markup stays a string", async () => {
  const good = await record(SPEC, "Run 1");
  const text = recordingJson(good)
    .replace('"frames":[{', '"frames":[{"__proto__":{"polluted":true},"onload":"alert(1)",')
    .replace('"label":"Run 1"', '"label":"<b onmouseover=alert(1)>run</b>","extra":{"x":1}');
  const back = parseRecording(text, pw.validateSpec);
  assert.equal({}.polluted, undefined, "Object.prototype untouched");
  assert.equal(back.frames[0].polluted, undefined);
  assert.equal(Object.getPrototypeOf(back.frames[0]), Object.prototype);
  assert.deepEqual(Object.keys(back.frames[0]).sort(), ["elapsedMs", "stages", "wasmMemoryBytes"]);
  assert.equal(back.extra, undefined);
  assert.equal(back.label, "<b onmouseover=alert(1)>run</b>", "kept as text, which is all the page ever sets it as");
});

test("Compare: two runs on one time axis, and their figures", async () => {
  const slow = await record(SPEC, "slow consumer");
  const push = await record({ source: { kind: "push", bytes: 1 << 20, chunkSize: 16384 }, stages: [], sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 200 } }, "no backpressure");
  const series = compareSeries(slow, push);
  assert.deepEqual(series.x, [...series.x].sort((a, b) => a - b));
  assert.equal(series.x.length, series.heldA.length);
  assert.equal(series.x.length, series.takenB.length);
  assert.ok(series.heldA.some((v) => v === null) || series.heldB.some((v) => v === null), "each run has gaps where only the other has a frame");
  const [a, b] = [summary(slow), summary(push)];
  assert.equal(a.taken, 60);
  assert.equal(b.taken, 64);
  assert.ok(a.peakHeld <= 6, `the slow consumer holds at most its marks: ${a.peakHeld}`);
  assert.ok(b.peakHeld > 30, `the push source runs far past its mark of 1: ${b.peakHeld}`);
  assert.equal(a.ok, true);
});
