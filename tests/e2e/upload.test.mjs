// The upload processor (issue 14): the page's upload preset sends 16 MiB to
// the server `npm start` runs (scripts/upload.mjs, started here by the test
// server), which hashes and counts it in a worker_threads Worker; a slow
// server holds the sink and pauses the source; the report says whether the
// body was streamed or sent a request per chunk; a page without the server
// (a static host) says so instead of failing. In Chromium, Firefox ESR and
// WebKitGTK. The API itself, its limits and bad requests: tests/upload.test.mjs.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../scripts/serve.mjs";
import { eachEngine } from "./browser.mjs";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

// What the server should find: the preset's source, hashed and counted here.
const PRESET_SOURCE = { kind: "lorem", bytes: 16 << 20, chunkSize: 65536 };
const expected = await (async () => {
  const hash = (await pw.runPipeline({ source: PRESET_SOURCE, stages: [], sink: { kind: "digest" } })).stages.at(-1).result;
  let lines = 0;
  let last = 10;
  const { kind, ...options } = PRESET_SOURCE;
  const reader = pw.createSource(kind, options).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    for (const b of r.value) if (b === 10) lines += 1;
    last = r.value.at(-1);
  }
  return { hash, lines: lines + (last === 10 ? 0 : 1) };
})();
// The test server's uploads go to a folder of their own, so that nothing
// else on the machine counts.
const UPLOADS = mkdtempSync(join(tmpdir(), "pipewright-e2e-uploads-"));
const uploadFolders = () => readdirSync(UPLOADS);
after(() => rmSync(UPLOADS, { recursive: true, force: true }));
const number = (text) => Number(text.replaceAll(",", ""));

eachEngine((suite) => {
  test("the upload preset: the server's SHA-256 and line count match; the slow server fills the sink's queue and pauses the source; the body's way is said", async () => {
    const before = uploadFolders().length;
    const page = await suite.openReady();
    await page.locator("#preset").selectOption("upload");
    // Run: the preset's pipeline alone (Run preset's comparison, the same
    // bytes hashed here, is in tests/e2e/playground.test.mjs).
    await page.locator("#run").click();
    // Mid-run: the sink's queue at its mark, the source paused.
    await page.waitForFunction(() => {
      const row = (role) => document.querySelector(`#stages tbody tr[data-role="${role}"]`);
      return row("sink")?.querySelector(".state")?.textContent === "backpressured" && row("source")?.querySelector(".state")?.textContent === "backpressured";
    });
    const midSink = number(await page.locator('#stages tbody tr[data-role="sink"] .chunks-in').textContent());
    assert.ok(midSink < 256, `mid-run: ${midSink} of 256 chunks taken`);
    await suite.finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    assert.equal(await page.locator("#report .result-upload").textContent(), expected.hash, "the server's SHA-256 is the bytes' own");
    const body = await page.locator("#report .upload-body").textContent();
    const requests = number(await page.locator("#report .upload-requests").textContent());
    const counted = await page.locator("#report .upload-counted").textContent();
    const sinkRow = page.locator('#stages tbody tr[data-role="sink"]');
    assert.equal(await sinkRow.getAttribute("data-max-queue"), "1", "the sink's queue filled to its mark and no further");
    assert.equal(await page.locator('#stages tbody tr[data-role="source"]').getAttribute("data-max-queue"), "1");
    const kinds = await page.locator("#events tbody tr").evaluateAll((rows) => rows.map((r) => `${r.dataset.kind} ${r.cells[1].textContent}`));
    assert.ok(kinds.includes("backpressure source lorem"), "the log says the source paused");
    assert.equal(counted, `${expected.lines.toLocaleString("en-US")} lines, ${(16 << 20).toLocaleString("en-US")} bytes`);
    if (body.startsWith("streamed")) assert.equal(requests, 1);
    else {
      assert.match(body, /^chunked: one request per chunk \(this engine cannot stream a request body to this server/);
      assert.equal(requests, 258, "start, 256 parts, done");
    }
    assert.equal(uploadFolders().length, before, "the server removed its folder");
    assert.deepEqual(await page.problems(), []);
    await suite.record("upload.body", body.split(":")[0]);
  });

  test("a page served without the upload server says the preset needs it, instead of failing; the sink names what is missing", async () => {
    suite.broken.push("/api/upload");
    try {
      const page = await suite.openReady();
      await page.locator("#preset").selectOption("upload");
      await page.locator("#preset-text .needs-server").waitFor();
      assert.match(await page.locator("#preset-text .needs-server").textContent(), /^This preset needs the upload server that npm start runs/);
      assert.equal(await page.evaluate(() => document.querySelector("#run-preset").disabled), true);
      // Run anyway (the builder holds it): a clear error, never a hang.
      await page.locator("#run").click();
      await suite.finished(page);
      assert.equal(await page.locator("#status").textContent(), "Failed.");
      assert.match(await page.locator("#report .error").textContent(), /upload: there is no Pipewright upload server at \/api\/upload \(HTTP 404\): this sink needs the server `npm start` runs; a statically hosted page has none/);
      assert.equal(await page.evaluate(() => document.querySelector("#run-preset").disabled), true, "still not offered after the run");
    } finally {
      suite.broken.pop();
    }
    await suite.record("upload.static", "✓");
  });
}, { serverOptions: { upload: { dir: UPLOADS } } });
