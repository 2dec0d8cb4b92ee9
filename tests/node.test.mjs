// The package in Node ≥ 20 (issue 13, in part): initialised from the .wasm
// file's bytes, its main-thread stages run on Node's global WHATWG streams,
// interoperate with Node's own streams (Readable.toWeb / Writable.toWeb),
// and say what is wrong as in the browser (stages in Workers, on
// worker_threads: tests/node-workers.test.mjs). Every transform in the catalogue
// runs here on tests/digests.mjs's seeded input (tests/e2e/package.test.mjs
// checks the browsers get the same digests, from the package's tarball). Stages in Workers are refused
// with an error naming the option and the runtime — never a hang or
// "Worker is not defined".
import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { repoRoot } from "../scripts/serve.mjs";
import { chainFor, transformDigests } from "./digests.mjs";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

const bytesOf = async (readable) => {
  const parts = [];
  for await (const chunk of readable) parts.push(chunk);
  return Buffer.concat(parts);
};

test("main-thread stages run on Node's streams: gzip is read back by Node's zlib", async () => {
  const text = await bytesOf(pw.createSource("lorem", { bytes: 300000, chunkSize: 4096, seed: 3 }));
  assert.equal(text.length, 300000);
  const gz = await bytesOf(Readable.toWeb(Readable.from([text])).pipeThrough(pw.createTransform("gzip", { level: 6 })));
  assert.ok(gunzipSync(gz).equals(text), "zlib.gunzipSync gives the text back");
  const back = await bytesOf(Readable.toWeb(Readable.from([gz])).pipeThrough(pw.createTransform("gunzip")));
  assert.ok(back.equals(text), "and so does our gunzip");
});

test("a file through gzip with Readable.toWeb and Writable.toWeb, as the README shows", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-node-"));
  try {
    const path = join(dir, "in.txt");
    const out = join(dir, "in.txt.gz");
    const text = Buffer.from("Node's streams meet Pipewright's.\n".repeat(5000));
    writeFileSync(path, text);
    await Readable.toWeb(createReadStream(path)).pipeThrough(pw.createTransform("gzip")).pipeTo(Writable.toWeb(createWriteStream(out)));
    assert.ok(gunzipSync(readFileSync(out)).equals(text));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runPipeline reports, with metrics, in Node", async () => {
  const seen = [];
  const report = await pw.runPipeline(
    { source: { kind: "users", count: 500, seed: 2 }, stages: [{ kind: "csv-to-ndjson" }, { kind: "gzip" }], sink: { kind: "digest" } },
    { onMetrics: (m) => seen.push(m.stages.length), metricsInterval: 16 },
  );
  assert.equal(report.ok, true);
  assert.equal(report.stages.length, 4);
  assert.equal(report.stages[0].chunksOut, report.stages[1].chunksIn);
  assert.match(report.stages[3].result, /^[0-9a-f]{64}$/);
  assert.ok(report.totals.bytes > 0);
  assert.ok(seen.length >= 1 && seen.every((n) => n === 4), "onMetrics saw every stage");
});

test("errors name the stage, the option or the position, as in the browser", async () => {
  assert.throws(() => pw.createTransform("gzip", { level: 12 }), (e) => e instanceof RangeError && e.stage === "gzip" && e.option === "level" && /option `level`/.test(e.message));
  assert.throws(() => pw.createTransform("gzipp"), (e) => e instanceof TypeError && /gzipp/.test(e.message));
  const bad = Readable.toWeb(Readable.from([Buffer.from("this is not gzip at all")])).pipeThrough(pw.createTransform("gunzip"));
  await assert.rejects(bytesOf(bad), (e) => e.stage === "gunzip" && typeof e.offset === "number" && /gunzip/.test(e.message));
  await assert.rejects(pw.runPipeline({ source: { kind: "lorem" }, stages: [{ kind: "gzip", level: "high" }], sink: { kind: "count" } }), (e) => e.path === "stages[0].level");
});

test("every transform in the catalogue runs in Node; what can be checked against Node's own zlib and crypto is", async () => {
  const digests = await transformDigests(pw);
  const transforms = pw.catalog().filter((s) => s.role === "transform");
  assert.deepEqual(Object.keys(digests).sort(), transforms.map((s) => s.kind).sort());
  // The seeded source's own bytes, as the chains start from them.
  const [[source, options]] = chainFor(transforms.find((s) => s.kind === "identity"));
  const input = await bytesOf(pw.createSource(source, options));
  const sha = (b) => createHash("sha256").update(b).digest("hex");
  assert.deepEqual(digests.identity, { bytes: input.length, sha256: sha(input) });
  // Round trips give the input back.
  for (const kind of ["gunzip", "inflate", "base64-decode", "decrypt", "encrypt", "text-decode", "text-encode", "throttle", "delay", "rechunk"]) {
    assert.deepEqual(digests[kind], digests.identity, `${kind} gives the input back`);
  }
  const gz = await bytesOf(Readable.toWeb(Readable.from([input])).pipeThrough(pw.createTransform("gzip", { level: 5 })));
  assert.deepEqual(digests.gzip, { bytes: gz.length, sha256: sha(gz) });
  assert.ok(gunzipSync(gz).equals(input), "zlib reads gzip's output back");
  const raw = await bytesOf(Readable.toWeb(Readable.from([input])).pipeThrough(pw.createTransform("deflate", { format: "deflate-raw", level: 3 })));
  assert.equal(digests.deflate.sha256, sha(raw));
  assert.ok(inflateRawSync(raw).equals(input));
  assert.equal(digests.sha256.sha256, sha(Buffer.from(sha(input))), "sha256 writes the input's digest in hex");
  assert.deepEqual(digests["base64-encode"].sha256, sha(Buffer.from(input.toString("base64url"))));
  assert.equal(digests.uppercase.sha256, sha(Buffer.from(input.toString("latin1").toUpperCase(), "latin1")));
  assert.equal(digests.head.sha256, sha(Buffer.from(`${input.toString("utf8").split("\n").slice(0, 123).join("\n")}\n`)));
});

test("runPipeline's output: every chunk the sink gets, written to a Node stream in order, and the run's failure aborts it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-node-"));
  try {
    const out = join(dir, "out.gz");
    const report = await pw.runPipeline(
      { source: { kind: "lorem", bytes: 200000, chunkSize: 3000, seed: 4 }, stages: [{ kind: "gzip" }], sink: { kind: "digest" } },
      { output: Writable.toWeb(createWriteStream(out)) },
    );
    const written = readFileSync(out);
    assert.equal(report.stages[2].result, createHash("sha256").update(written).digest("hex"), "the file holds what the sink digested");
    const text = await bytesOf(pw.createSource("lorem", { bytes: 200000, chunkSize: 3000, seed: 4 }));
    assert.ok(gunzipSync(written).equals(text));

    let aborted = null;
    const output = new WritableStream({ abort: (reason) => (aborted = reason) });
    await assert.rejects(pw.runPipeline({ source: { kind: "lorem", bytes: 1000 }, stages: [{ kind: "gunzip" }], sink: { kind: "count" } }, { output }), (e) => e.stage === "gunzip");
    assert.equal(aborted?.stage, "gunzip", "the output was aborted with the run's error");

    const locked = new WritableStream();
    locked.getWriter();
    await assert.rejects(pw.runPipeline({ source: { kind: "lorem", bytes: 10 }, sink: { kind: "count" } }, { output: locked }), (e) => e instanceof TypeError && e.option === "output" && /locked/.test(e.message));
    await assert.rejects(pw.runPipeline({ source: { kind: "lorem", bytes: 10 }, sink: { kind: "count" } }, { output: "out.txt" }), (e) => e instanceof TypeError && e.option === "output" && /WritableStream/.test(e.message));
    // A failing output fails the run with its own error.
    const broken = new WritableStream({ write: () => Promise.reject(new Error("disk full")) });
    await assert.rejects(pw.runPipeline({ source: { kind: "lorem", bytes: 500000 }, sink: { kind: "count" } }, { output: broken }), /disk full/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the iterable source: an async generator's body runs only when pulled; bad values and the generator's own error fail it, named; a cancel runs its finally", async () => {
  const ran = [];
  async function* lines(n) {
    try {
      for (let i = 1; i <= n; i += 1) {
        ran.push(i);
        yield `line ${i}\n`;
      }
    } finally {
      ran.push("finally");
    }
  }
  // Read one: the body has run for that line and the one the queue (1) holds.
  const stream = pw.createSource("iterable", { iterable: lines(1000) });
  const reader = stream.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "line 1\n");
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ran, [1, 2], "nothing ran ahead of the queue");
  await reader.cancel("enough");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ran, [1, 2, "finally"], "cancel() called return(): the generator's finally ran");

  // The same text as Node's Readable.from over the same generator, and
  // plain iterables and byte values too.
  ran.length = 0;
  const ours = await bytesOf(pw.createSource("iterable", { iterable: lines(300) }));
  const nodes = (await Readable.from(lines(300)).toArray()).join("");
  assert.equal(ours.toString(), nodes);
  const plain = await bytesOf(pw.createSource("iterable", { iterable: ["a", new Uint8Array([98, 99]), new TextEncoder().encode("d").buffer] }));
  assert.equal(plain.toString(), "abcd");

  async function* bad() {
    yield "fine";
    yield 42;
  }
  await assert.rejects(pw.runPipeline({ source: { kind: "iterable", iterable: bad() }, stages: [], sink: { kind: "count" } }), (e) => e.name === "PipewrightError" && e.stage === "iterable" && e.message === "iterable: value 2 is a number; yield strings or Uint8Arrays");
  async function* failing() {
    yield "fine";
    throw new Error("the generator failed");
  }
  await assert.rejects(pw.runPipeline({ source: { kind: "iterable", iterable: failing() }, stages: [{ kind: "uppercase" }], sink: { kind: "count" } }), /the generator failed/);
  assert.throws(() => pw.createSource("iterable", { iterable: "text" }), (e) => e instanceof TypeError && e.option === "iterable" && /must be an iterable or async iterable .* got a string/.test(e.message));
  await assert.rejects(pw.runPipeline({ source: { kind: "iterable" }, stages: [], sink: { kind: "count" } }), (e) => e.path === "source.iterable" && /a spec given as JSON text cannot carry one/.test(e.message));
});
