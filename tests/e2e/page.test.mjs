// End-to-end: the real page, served as `npm start` serves it, driven through
// its UI in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../../scripts/serve.mjs";
import { servedBrowser, watchedPage } from "./browser.mjs";

const suite = servedBrowser();
const SHOTS = suite.shots;

const counterBytes = (n) => Array.from({ length: n }, (_, i) => `Chunk ${i}\n`.length).reduce((a, b) => a + b, 0);
const number = (text) => Number(text.replaceAll(",", ""));

async function openPage() {
  const watched = await watchedPage(suite.browser.context);
  await watched.page.goto(suite.url);
  await watched.page.locator("#status", { hasText: "Ready." }).waitFor();
  return watched;
}

async function sinkCell(page, cls) {
  return page.locator(`#stages tbody tr[data-role=sink] .${cls}`).textContent();
}

test("a pipeline built by clicking runs and shows the exact counts", async () => {
  const { page, problems } = await openPage();
  await page.selectOption("#source-kind", "counter");
  await page.fill("#source-count", "500");
  await page.selectOption("#add-kind", "identity");
  await page.click("#add-transform");
  await page.selectOption("#sink-kind", "count");
  await page.click("#run");
  await page.locator("#report .result", { hasText: "done" }).waitFor();

  assert.equal(number(await sinkCell(page, "chunks-in")), 500);
  assert.equal(number(await sinkCell(page, "bytes-in")), counterBytes(500));
  assert.equal(number(await page.locator("#report .total-chunks").textContent()), 500);
  assert.equal(number(await page.locator("#report .total-bytes").textContent()), counterBytes(500));
  const kinds = await page.locator("#stages tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
  assert.deepEqual(kinds, ["counter", "uppercase", "identity", "count"]);
  const states = await page.locator("#stages tbody .state").allTextContents();
  assert.deepEqual(states, ["done", "done", "done", "done"]);
  const queues = await page.locator("#stages tbody .queue").allTextContents();
  assert.deepEqual(queues, ["0 / 1", "0 / 1", "0 / 1", "0 / 1"]);
  const rate = await page.locator("#stages tbody tr[data-role=sink] .rate").textContent();
  assert.notEqual(rate, "0 B/s", "the final view shows the run's average rate");
  await page.screenshot({ path: join(SHOTS, "playground-done.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("transforms can be added, reordered and removed", async () => {
  const { page, problems } = await openPage();
  const kinds = () => page.locator("#transforms select[id$=-kind]").evaluateAll((s) => s.map((x) => x.value));
  assert.deepEqual(await kinds(), ["uppercase"]);
  await page.selectOption("#add-kind", "split-lines");
  await page.click("#add-transform");
  await page.selectOption("#add-kind", "identity");
  await page.click("#add-transform");
  assert.deepEqual(await kinds(), ["uppercase", "split-lines", "identity"]);
  await page.click("[aria-label='Move up Transform 3']");
  assert.deepEqual(await kinds(), ["uppercase", "identity", "split-lines"]);
  await page.click("[aria-label='Move down Transform 1']");
  assert.deepEqual(await kinds(), ["identity", "uppercase", "split-lines"]);
  await page.click("[aria-label='Remove Transform 2']");
  assert.deepEqual(await kinds(), ["identity", "split-lines"]);
  assert.deepEqual(problems, []);
  await page.close();
});

test("sinks show their results: a digest, a preview, a download", async () => {
  const { page, problems } = await openPage();
  await page.fill("#source-count", "3");
  await page.selectOption("#sink-kind", "digest");
  await page.click("#run");
  await page.locator("#report .result", { hasText: "done" }).waitFor();
  // Checked against Node's own SHA-256 of the same text.
  const digest = await page.locator("#report .result-digest").textContent();
  assert.equal(digest, createHash("sha256").update("CHUNK 0\nCHUNK 1\nCHUNK 2\n").digest("hex"));

  await page.selectOption("#sink-kind", "preview");
  await page.click("#run");
  await page.locator("#report .result", { hasText: "done" }).waitFor();
  assert.equal(await page.locator("#report pre.preview").textContent(), "CHUNK 0\nCHUNK 1\nCHUNK 2\n");

  await page.selectOption("#sink-kind", "collect");
  await page.click("#run");
  const link = page.locator("#report a.download");
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const saved = await readFile(await download.path(), "utf8");
  assert.equal(saved, "CHUNK 0\nCHUNK 1\nCHUNK 2\n");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a picked file streams through and its digest matches", async () => {
  const { page, problems } = await openPage();
  const content = "picked file contents\n".repeat(5000);
  await page.selectOption("#source-kind", "file");
  await page.setInputFiles("#source-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from(content) });
  await page.fill("#source-chunkSize", "4096");
  await page.selectOption("#stage-0-kind", "identity");
  await page.selectOption("#sink-kind", "digest");
  await page.click("#run");
  await page.locator("#report .result", { hasText: "done" }).waitFor();
  assert.equal(await page.locator("#report .result-digest").textContent(), createHash("sha256").update(content).digest("hex"));
  assert.equal(number(await sinkCell(page, "bytes-in")), content.length);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the page shows where a stage runs, and the main thread's responsiveness", async () => {
  const { page, problems } = await openPage();
  await page.locator("#responsiveness[data-ms]").waitFor();
  assert.match(await page.locator("#responsiveness").textContent(), /^\d+ ms$/);
  await page.fill("#source-count", "200");
  await page.click("#source-slot ~ #transforms li:nth-child(1) details.advanced summary");
  await page.check("#stage-0-worker");
  await page.selectOption("#add-kind", "identity");
  await page.click("#add-transform");
  await page.click("#transforms li:nth-child(2) details.advanced summary");
  await page.fill("#stage-1-pool", "2");
  await page.selectOption("#sink-kind", "count");
  await page.click("#run");
  await page.locator("#report .result", { hasText: "done" }).waitFor();
  const where = await page.locator("#stages tbody .where").allTextContents();
  assert.equal(where[0], "main");
  assert.match(where[1], /^worker · \d+ ms busy$/);
  // A pinned stage has one lane, empty at the end.
  assert.deepEqual(await page.locator("#stages tbody tr:nth-child(2) .lane").evaluateAll((ls) => ls.map((l) => l.dataset.inFlight)), ["0"]);
  assert.match(where[2], /^pool ×2 · restarts 0$/);
  // One lane per Worker, each with nothing in flight at the end.
  const lanes = page.locator("#stages tbody tr:nth-child(3) .lane");
  assert.equal(await lanes.count(), 2);
  assert.deepEqual(await lanes.evaluateAll((ls) => ls.map((l) => l.dataset.inFlight)), ["0", "0"]);
  assert.equal(number(await sinkCell(page, "chunks-in")), 200);
  assert.deepEqual(problems, []);
  await page.close();
});

test("Abort stops a slow pipeline and shows the source cancelled", async () => {
  const { page, problems } = await openPage();
  await page.fill("#source-count", "100000");
  await page.selectOption("#sink-kind", "throttle");
  await page.fill("#sink-bytesPerSecond", "0");
  await page.fill("#sink-chunksPerSecond", "100");
  await page.click("#run");
  // Backpressure shows while it runs: the slow sink's queue fills.
  await page.locator("#stages tbody .state", { hasText: "backpressured" }).first().waitFor();
  await page.screenshot({ path: join(SHOTS, "playground-backpressure.png"), fullPage: true });
  await page.click("#abort");
  await page.locator("#report .error", { hasText: "Aborted: aborted by the user" }).waitFor();
  const source = page.locator("#stages tbody tr[data-role=source] .state");
  assert.equal(await source.textContent(), "cancelled");
  assert.equal(await page.locator("#run").textContent(), "Run again");
  // The log tells it in both vocabularies.
  const abort = page.locator("#events tbody tr[data-kind=abort]");
  assert.equal(await abort.count(), 1);
  assert.match(await abort.locator(".node").textContent(), /AbortController\.abort\(\)/);
  assert.match(await abort.locator(".web").textContent(), /cancel upstream/);
  const cancel = page.locator("#events tbody tr[data-kind=cancel]").first();
  assert.match(await cancel.locator(".web").textContent(), /cancel\(reason\)/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a data error names the stage and the line", async () => {
  const { page, problems } = await openPage();
  await page.fill("#source-count", "1000");
  await page.selectOption("#stage-0-kind", "split-lines");
  await page.fill("#stage-0-maxLineBytes", "7");
  await page.selectOption("#sink-kind", "count");
  await page.click("#run");
  const error = page.locator("#report .error");
  await error.waitFor();
  assert.match(await error.textContent(), /PipewrightError \(stage split-lines\): .*line 11/);
  assert.equal(await page.locator("#stages tbody tr[data-role=source] .state").textContent(), "cancelled");
  assert.equal(number(await sinkCell(page, "chunks-in")), 10);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a bad option shows the API's own message", async () => {
  const { page, problems } = await openPage();
  await page.fill("#source-count", "-3");
  await page.click("#run");
  const error = page.locator("#report .error");
  await error.waitFor();
  assert.match(await error.textContent(), /RangeError: .*`source.count`.*from 0 to/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the README's JavaScript example runs as written", async () => {
  const readme = await readFile(join(repoRoot, "README.md"), "utf8");
  const match = readme.match(/<!-- example:start -->\s*```js\n([\s\S]*?)```/);
  assert.ok(match, "README has an example block");
  const { page, problems, logs } = await watchedPage(suite.browser.context);
  await page.goto(`${suite.url}harness/harness.html`);
  const finished = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("user 2:") });
  await page.addScriptTag({ type: "module", content: match[1] });
  await finished;
  assert.deepEqual(logs.filter((l) => l.startsWith("CHUNK")), ["CHUNK 0", "CHUNK 1", "CHUNK 2"]);
  assert.ok(logs.includes("total: 1000000 bytes"), logs.join("\n"));
  const users = logs.filter((l) => l.startsWith("user "));
  assert.equal(users.length, 2);
  assert.match(users[0], /^user 1: [A-Z][a-z]+( [A-Za-z-]+)+ <\S+@\S+\.\S+>$/);
  assert.deepEqual(problems, []);
  await page.close();
});

// Opens the page at `fragment` and records any dialog an injected script
// might open.
async function openAt(fragment) {
  const watched = await watchedPage(suite.browser.context);
  watched.dialogs = [];
  watched.page.on("dialog", (d) => {
    watched.dialogs.push(d.message());
    d.dismiss();
  });
  await watched.page.goto(`${suite.url}${fragment}`);
  await watched.page.locator("#run:not([disabled])").waitFor();
  return watched;
}

test("a shared link restores the pipeline exactly", async () => {
  const { page, problems } = await openPage();
  await page.fill("#source-count", "123");
  await page.selectOption("#stage-0-kind", "split-lines");
  await page.fill("#stage-0-maxLineBytes", "64");
  await page.selectOption("#sink-kind", "preview");
  await page.fill("#sink-kib", "2");
  assert.equal(await page.locator("#share-url").isVisible(), false, "no link before Share");
  await page.click("#share");
  assert.equal(await page.locator("#share-url").isVisible(), true);
  const link = await page.locator("#share-url").inputValue();
  assert.match(link, /#spec=/);
  await page.close();

  const other = await openAt(link.slice(suite.url.length));
  const p = other.page;
  assert.equal(await p.locator("#status").textContent(), "Ready.");
  assert.equal(await p.locator("#source-kind").inputValue(), "counter");
  assert.equal(await p.locator("#source-count").inputValue(), "123");
  assert.equal(await p.locator("#stage-0-kind").inputValue(), "split-lines");
  assert.equal(await p.locator("#stage-0-maxLineBytes").inputValue(), "64");
  assert.equal(await p.locator("#sink-kind").inputValue(), "preview");
  assert.equal(await p.locator("#sink-kib").inputValue(), "2");
  await p.click("#run");
  await p.locator("#report .result", { hasText: "done" }).waitFor();
  assert.deepEqual([...problems, ...other.problems], []);
  await p.close();
});

test("a malformed or hostile link is refused as text, and nothing in it runs", async () => {
  const hostile = [
    // Not JSON at all.
    "#spec=%7Bnot%20json",
    // Markup where a stage kind goes: refused by validation, shown as text.
    `#spec=${encodeURIComponent(JSON.stringify({ source: { kind: '<img src=x onerror="alert(1)">' }, sink: { kind: "count" } }))}`,
    // A script in an option name.
    `#spec=${encodeURIComponent(JSON.stringify({ source: { kind: "counter", "<script>alert(2)</script>": 1 }, sink: { kind: "null" } }))}`,
  ];
  for (const fragment of hostile) {
    const { page, problems, dialogs } = await openAt(fragment);
    const status = await page.locator("#status").textContent();
    assert.match(status, /^The shared link could not be loaded: .+\. This is the default pipeline\.$/);
    assert.equal(await page.locator("#source-kind").inputValue(), "counter", "the default pipeline");
    assert.equal(await page.locator("img").count(), 0, "nothing inserted as HTML");
    assert.deepEqual(dialogs, [], "no script ran");
    assert.deepEqual(problems, []);
    await page.close();
  }
  // A valid spec whose string option holds markup: loaded, shown as the
  // literal text in its field, never executed.
  const payload = '<script>alert(3)</script><img src=x onerror="alert(4)">';
  const { page, dialogs, problems } = await openAt(
    `#spec=${encodeURIComponent(JSON.stringify({ source: { kind: "counter" }, stages: [{ kind: "filter", pattern: payload }], sink: { kind: "count" } }))}`,
  );
  assert.equal(await page.locator("#status").textContent(), "Ready.");
  assert.equal(await page.locator("#stage-0-pattern").inputValue(), payload);
  assert.equal(await page.locator("img").count(), 0);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await page.close();
});
