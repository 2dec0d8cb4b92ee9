// The upload server (scripts/upload.mjs, which `npm start` runs beside the
// page) and the package's upload sink against it, in Node: streamed and
// chunked bodies give the server the same bytes, hash and line count as
// the package's own digest; a slow server holds the sink, so the source
// never runs ahead; limits, bad requests and ids that try to be paths get
// JSON errors; every upload's folder is removed, finished or given up. The
// page's preset in the browsers: tests/e2e/upload.test.mjs.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startServer } from "../scripts/serve.mjs";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

// Uploads go to a folder of this file's own, so that nothing else counts.
const UPLOADS = mkdtempSync(join(tmpdir(), "pipewright-test-uploads-"));
const { server, url } = await startServer({ upload: { dir: UPLOADS } });
const small = await startServer({ upload: { dir: UPLOADS, maxBytes: 100_000 } });
after(() => {
  server.close();
  small.server.close();
  rmSync(UPLOADS, { recursive: true, force: true });
});
const api = new URL("api/upload", url).href;
const folders = () => readdirSync(UPLOADS).length;
const until = async (check) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 25));
  return check();
};
const SOURCE = { kind: "users", format: "ndjson", count: 3000, seed: 2, chunkSize: 8192 };

test("streamed and chunked bodies reach the server whole: its SHA-256 is the digest's, its line count the records'", async () => {
  const before = folders();
  const digest = (await pw.runPipeline({ source: SOURCE, stages: [], sink: { kind: "digest" } })).stages.at(-1).result;
  for (const body of ["streamed", "chunked", "auto"]) {
    const report = await pw.runPipeline({ source: SOURCE, stages: [], sink: { kind: "upload", url: api, body } });
    const sink = report.stages.at(-1);
    assert.equal(sink.result, digest, body);
    assert.equal(sink.serverLines, 3000, `${body}: one line per record`);
    assert.equal(sink.serverBytes, report.totals.bytes);
    // Node's fetch streams a body over HTTP/1.1, so auto streams.
    assert.equal(sink.uploadBody, body === "auto" ? "streamed" : body);
    assert.equal(sink.requests, body === "chunked" ? report.totals.chunks + 2 : 1);
  }
  assert.equal(folders(), before, "every folder removed");
});

test("a slow server holds the sink: the source never runs ahead of what the server has taken, either way", async () => {
  for (const body of ["streamed", "chunked"]) {
    let ahead = 0;
    let sinkPeak = 0;
    const report = await pw.runPipeline(
      { source: { kind: "lorem", bytes: 8 << 20, chunkSize: 65536 }, stages: [], sink: { kind: "upload", url: api, body, serverDelayMs: 5 } },
      {
        metricsInterval: 20,
        onMetrics: (m) => {
          const [source, sink] = m.stages;
          ahead = Math.max(ahead, source.chunksOut - sink.chunksIn);
          sinkPeak = Math.max(sinkPeak, sink.queue);
        },
      },
    );
    const [source] = report.stages;
    assert.equal(report.totals.chunks, 128);
    assert.ok(sinkPeak <= 1, `${body}: the sink's queue stays at its mark (${sinkPeak})`);
    assert.ok(ahead <= 2, `${body}: the source is at most its queue and the sink's ahead (${ahead})`);
    assert.ok(source.stalledMs > 0, `${body}: the source was paused`);
  }
});

test("limits and bad requests get JSON errors naming what is wrong; ids are looked up, never paths", async () => {
  const post = (path, body, base = api) => fetch(base + path, { method: "POST", body });
  const json = async (r) => [r.status, (await r.json()).error];
  assert.deepEqual(await json(await post("?delayMs=abc", "x")), [400, 'upload: delayMs must be a number of ms from 0 to 1000, got "abc"']);
  assert.deepEqual(await json(await post("?delayMs=5000", "x")), [400, 'upload: delayMs must be a number of ms from 0 to 1000, got "5000"']);
  for (const id of ["..%2F..%2Fetc%2Fpasswd", "..%2F", "%00", "00000000-0000-0000-0000-000000000000"]) {
    const [status, error] = await json(await post(`/${id}/part?seq=0`, "x"));
    assert.equal(status, 404, id);
    assert.match(error, /^upload: there is no upload /);
  }
  assert.deepEqual(await json(await fetch(`${api}/start`)), [405, "upload: GET /api/upload/start is not part of the upload API"]);
  const { id } = await (await post("/start")).json();
  assert.deepEqual(await json(await post(`/${id}/part?seq=1`, "x")), [409, "upload: part 1 came where part 0 was due"]);
  // Past the server's limit: 413, and the upload is gone.
  const smallApi = new URL("api/upload", small.url).href;
  const big = new Uint8Array(150_000);
  assert.deepEqual(await json(await post("", big, smallApi)), [413, "upload: the body is larger than the 100,000 bytes this server takes"]);
  const s = await (await post("/start", undefined, smallApi)).json();
  assert.equal((await post(`/${s.id}/part?seq=0`, big.subarray(0, 60_000), smallApi)).status, 200);
  assert.deepEqual(await json(await post(`/${s.id}/part?seq=1`, big.subarray(0, 60_000), smallApi)), [413, "upload: the body is larger than the 100,000 bytes this server takes"]);
  assert.equal((await post(`/${s.id}/done`, undefined, smallApi)).status, 404, "a failed upload is removed");
  // The sink says what the server said.
  await assert.rejects(
    pw.runPipeline({ source: { kind: "lorem", bytes: 300_000 }, stages: [], sink: { kind: "upload", url: smallApi, body: "chunked" } }),
    (e) => e.name === "PipewrightError" && e.stage === "upload" && e.status === 413 && /^upload: part \d+: upload: the body is larger than/.test(e.message),
  );
  await assert.rejects(pw.runPipeline({ source: { kind: "counter", count: 2 }, stages: [], sink: { kind: "upload", url: new URL("nothing", url).href } }), /upload: there is no Pipewright upload server at \/nothing \(HTTP 404\)/);
  await assert.rejects(pw.runPipeline({ source: { kind: "counter", count: 2 }, stages: [], sink: { kind: "upload" } }), /upload: url "\/api\/upload" is not a URL here \(outside a page, give an absolute one\)/);
  assert.throws(() => pw.createSink("upload", { url: "" }), (e) => e.option === "url");
  assert.throws(() => pw.createSink("upload", { body: "zip" }), (e) => e.option === "body");
});

test("an upload given up (aborted) leaves no folder behind, streamed or chunked", async () => {
  const before = folders();
  for (const body of ["streamed", "chunked"]) {
    const controller = new AbortController();
    const run = pw.runPipeline(
      { source: { kind: "lorem", bytes: 8 << 20, chunkSize: 65536 }, stages: [], sink: { kind: "upload", url: api, body, serverDelayMs: 20 } },
      { signal: controller.signal, metricsInterval: 20, onMetrics: (m) => m.stages[1].chunksIn > 5 && controller.abort(new Error("given up")) },
    );
    await assert.rejects(run, /given up/);
  }
  assert.ok(await until(() => folders() === before), `folders left: ${folders() - before}`);
});
