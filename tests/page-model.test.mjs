// The page's DOM-free modules, under Node: download names, fault paths, the
// event log's entries, the Code tab's text and the presets' shape. That the
// generated code really runs, and that each preset runs, is in tests/e2e.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generateCode } from "../www/js/codegen.js";
import { endEvent, eventsBetween } from "../www/js/events.js";
import { downloadName, faultPath } from "../www/js/model.js";
import { PRESETS } from "../www/js/presets.js";

const spec = (source, stages, sink = { kind: "collect" }) => ({ source, stages, sink });

test("a download is named after its source and what the transforms made of it", () => {
  assert.equal(downloadName(spec({ kind: "lorem" }, [{ kind: "gzip" }])), "lorem.txt.gz");
  assert.equal(downloadName(spec({ kind: "file" }, [{ kind: "gzip" }]), "report.pdf"), "report.pdf.gz");
  assert.equal(downloadName(spec({ kind: "file" }, [{ kind: "gunzip" }]), "logs.txt.gz"), "logs.txt");
  assert.equal(downloadName(spec({ kind: "users" }, [{ kind: "csv-to-ndjson" }, { kind: "gzip" }])), "users.ndjson.gz");
  assert.equal(downloadName(spec({ kind: "file" }, [{ kind: "encrypt" }, { kind: "decrypt" }]), "a.bin"), "a.bin");
  assert.equal(downloadName(spec({ kind: "random" }, [{ kind: "uppercase" }])), "random.bin");
});

test("a validation message's path is found, or null", () => {
  assert.equal(faultPath("pipeline spec: `stages[1].count` (counter) must be ≥ 0"), "stages[1].count");
  assert.equal(faultPath("something else"), null);
});

const stage = (over) => ({ role: "transform", kind: "uppercase", state: "flowing", queue: 0, highWaterMark: 4, drains: 0, rejected: 0, placement: "main", ...over });
const snap = (ms, ...stages) => ({ elapsedMs: ms, stages });

test("the event log speaks Node and WHATWG for backpressure, drain, errors, cancel and workers", () => {
  const a = snap(100, stage({ role: "source", kind: "counter" }), stage({}));
  const b = snap(200, stage({ role: "source", kind: "counter", state: "backpressured" }), stage({ state: "backpressured", queue: 4, drains: 3 }));
  const events = eventsBetween(a, b);
  assert.deepEqual(events.map((e) => e.kind), ["backpressure", "backpressure", "drain"]);
  assert.match(events[0].node, /push\(\) returned false/);
  assert.match(events[0].web, /desiredSize ≤ 0/);
  assert.match(events[1].node, /write\(\) would return false/);
  assert.match(events[1].web, /queue 4 \/ highWaterMark 4/);
  assert.match(events[2].node, /'drain' ×3/);
  assert.equal(events[2].count, 3);
  assert.ok(events.every((e) => e.ms === 200));

  const c = snap(300, stage({ role: "source", kind: "counter", state: "cancelled" }), stage({ state: "errored", error: "uppercase: bad", queue: 4, drains: 3 }));
  const ends = eventsBetween(b, c);
  assert.deepEqual(ends.map((e) => e.kind), ["cancel", "error"]);
  assert.match(ends[0].web, /cancel\(reason\)/);
  assert.match(ends[1].node, /'error': uppercase: bad/);

  const pool = (over) => stage({ kind: "hash-field", placement: "pool", workers: [{}, {}], restarts: 0, ...over });
  const start = eventsBetween(null, snap(100, pool({})));
  assert.deepEqual(start.map((e) => e.kind), ["worker"]);
  assert.match(start[0].node, /2 workers 'online'/);
  const crashes = eventsBetween(snap(100, pool({})), snap(200, pool({ restarts: 2 })));
  assert.deepEqual(crashes.map((e) => e.kind), ["crash", "crash"]);
  assert.match(crashes[0].node, /worker 'exit', then fork\(\)/);

  assert.match(endEvent(new Error("stop"), true, 5).node, /AbortController\.abort\(\)/);
  assert.match(endEvent(Object.assign(new Error("boom"), { stage: "gunzip" }), false, 5).stage, /gunzip/);
});

test("the Code tab writes the factories and pipes of the pipeline", () => {
  const code = generateCode({
    source: { kind: "counter", count: 400 },
    stages: [{ kind: "uppercase", highWaterMark: 4 }, { kind: "hash-field", "odd-key": 1 }],
    sink: { kind: "throttle", chunksPerSecond: 100 },
  });
  assert.match(code, /^import init, \{ createSource, createTransform, createSink, stageMetrics \} from "pipewright";/);
  assert.match(code, /const source = createSource\("counter", \{ count: 400 \}\);/);
  assert.match(code, /\.pipeThrough\(createTransform\("uppercase", \{ highWaterMark: 4 \}\)\)\n {4}\.pipeThrough\(createTransform\("hash-field", \{ "odd-key": 1 \}\)\)\n {4}\.pipeTo\(sink\);/);
  assert.match(code, /const sink = createSink\("throttle", \{ chunksPerSecond: 100 \}\);/);
  const file = generateCode({ source: { kind: "file", chunkSize: 1024 }, stages: [], sink: { kind: "count" } });
  assert.match(file, /const source = createSource\("file", \{ chunkSize: 1024, file \}\);/);
  assert.match(file, /const file = /);
});

test("ten presets, each with 2–4 sentences and a spec", () => {
  assert.equal(PRESETS.length, 10);
  assert.equal(new Set(PRESETS.map((p) => p.id)).size, 10);
  for (const p of PRESETS) {
    assert.ok(p.text.length >= 2 && p.text.length <= 4, p.id);
    assert.ok(p.spec.source && p.spec.sink, p.id);
  }
});
