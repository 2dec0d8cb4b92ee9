// The page's DOM-free modules, under Node, with the real catalogue (the
// built package, loaded in Node): download names, the file source, the
// event log's entries, the Code tab's text and the presets' shape. That the
// generated code really runs, and that each preset runs, is in tests/e2e.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import init, { catalog as readCatalog, validateSpec } from "../www/pkg/pipewright.js";
import { generateCode } from "../www/js/codegen.js";
import { endEvent, eventsBetween } from "../www/js/events.js";
import { DEFAULT_SPEC, downloadName, fileSource, missingSecrets, publicSpec, secretsOf } from "../www/js/model.js";
import { PRESETS } from "../www/js/presets.js";

await init({ module_or_path: await readFile(new URL("../www/pkg/pipewright_bg.wasm", import.meta.url)) });
const catalog = readCatalog();

const spec = (source, stages, sink = { kind: "collect" }) => ({ source, stages, sink });

test("a download is named after its source and what the transforms made of it, from the catalogue", () => {
  const name = (...args) => downloadName(catalog, ...args);
  assert.equal(name(spec({ kind: "lorem" }, [{ kind: "gzip" }])), "lorem.txt.gz");
  assert.equal(name(spec({ kind: "file" }, [{ kind: "gzip" }]), "report.pdf"), "report.pdf.gz");
  assert.equal(name(spec({ kind: "file" }, [{ kind: "gunzip" }]), "logs.txt.gz"), "logs.txt");
  assert.equal(name(spec({ kind: "users", format: "ndjson" }, [{ kind: "gzip" }])), "users.ndjson.gz");
  assert.equal(name(spec({ kind: "users" }, [{ kind: "csv-to-ndjson" }, { kind: "gzip" }])), "users.ndjson.gz");
  assert.equal(name(spec({ kind: "file" }, [{ kind: "encrypt" }, { kind: "decrypt" }]), "a.bin"), "a.bin");
  assert.equal(name(spec({ kind: "random" }, [{ kind: "uppercase" }])), "random.bin");
  assert.equal(name(spec({ kind: "file" }, [{ kind: "base64-encode" }])), "output.bin.b64", "a file source with no file yet");
});

test("the file source is the catalogue's source with a blob param", () => {
  const { info, param } = fileSource(catalog);
  assert.equal(info.role, "source");
  assert.equal(info.params.find((p) => p.name === param).type, "blob");
});

test("a spec error carries the path of its field, for the page to mark", () => {
  const fault = (s) => {
    try {
      validateSpec(s);
    } catch (e) {
      return { name: e.name, path: e.path };
    }
    return null;
  };
  assert.deepEqual(fault(spec({ kind: "counter" }, [{ kind: "uppercase" }, { kind: "gzip", level: 12 }])), { name: "RangeError", path: "stages[1].level" });
  assert.deepEqual(fault(spec({ kind: "counter", count: -1 }, [])), { name: "RangeError", path: "source.count" });
  assert.deepEqual(fault(spec({ kind: "counter" }, [{ kind: "nope" }])), { name: "TypeError", path: "stages[0].kind" });
  assert.equal(fault(spec({ kind: "counter" }, [{ kind: "gzip" }])), null);
});

test("placement fields are the catalogue's placement group, the same on every transform", () => {
  const transforms = catalog.filter((s) => s.role === "transform");
  const names = (info) => info.params.filter((p) => p.group === "placement").map((p) => p.name);
  assert.deepEqual(names(transforms[0]), ["worker", "pool", "schedule", "inFlight", "maxRestarts", "crashAt", "crashWorker", "jitterMs", "crashEvery", "panicAt", "trapAt"]);
  for (const info of transforms) assert.deepEqual(names(info), names(transforms[0]), info.kind);
  for (const info of catalog.filter((s) => s.role !== "transform")) assert.deepEqual(names(info), [], info.kind);
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
  const file = generateCode({ source: { kind: "file", chunkSize: 1024 }, stages: [], sink: { kind: "count" } }, "file");
  assert.match(file, /const source = createSource\("file", \{ chunkSize: 1024, file \}\);/);
  assert.match(file, /const file = /);
});

test("fifteen presets, each with 2–4 sentences and a spec", () => {
  assert.equal(PRESETS.length, 15);
  assert.equal(new Set(PRESETS.map((p) => p.id)).size, 15);
  for (const p of PRESETS) {
    assert.ok(p.text.length >= 2 && p.text.length <= 4, p.id);
    assert.ok(p.spec.source && p.spec.sink, p.id);
  }
});

test("the default pipeline and every preset's specs are valid against the catalogue", () => {
  validateSpec(DEFAULT_SPEC);
  for (const p of PRESETS) {
    validateSpec(p.spec);
    if (p.compare) validateSpec(p.compare.spec);
  }
});

test("secrets (the catalogue's secret params) are left out of what is shared and shown, and named", () => {
  const s = spec({ kind: "lorem" }, [{ kind: "encrypt", passphrase: "hunter2", iterations: 1000 }, { kind: "decrypt" }], { kind: "digest" });
  assert.deepEqual(secretsOf(catalog, "transform", "encrypt"), ["passphrase"]);
  assert.deepEqual(secretsOf(catalog, "transform", "gzip"), []);
  const { spec: shown, left } = publicSpec(catalog, s);
  assert.deepEqual(left, ["stages[0].passphrase"]);
  assert.deepEqual(shown.stages, [{ kind: "encrypt", iterations: 1000 }, { kind: "decrypt" }]);
  assert.equal(s.stages[0].passphrase, "hunter2", "the spec itself is left alone");
  assert.deepEqual(missingSecrets(catalog, s), ["stages[1].passphrase"]);
  assert.deepEqual(missingSecrets(catalog, shown), ["stages[0].passphrase", "stages[1].passphrase"]);
  const code = generateCode(s, null, (role, kind) => secretsOf(catalog, role, kind));
  assert.ok(!code.includes("hunter2"));
  assert.equal(code.match(/^const passphrase = "";$/gm).length, 1, "one variable for both stages");
  assert.match(code, /createTransform\("encrypt", \{ iterations: 1000, passphrase \}\)/);
  assert.match(code, /createTransform\("decrypt", \{ passphrase \}\)/);
});
