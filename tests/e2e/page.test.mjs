// End-to-end: the real page, served as `npm start` serves it, driven through
// its UI in Chromium, Firefox ESR and WebKitGTK alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readmeBlock } from "../readme.mjs";
import { eachEngine } from "./browser.mjs";

const counterBytes = (n) => Array.from({ length: n }, (_, i) => `Chunk ${i}\n`.length).reduce((a, b) => a + b, 0);
const number = (text) => Number(text.replaceAll(",", ""));

eachEngine((suite) => {
  const openPage = (path = "") => suite.openReady(path);

  const sinkCell = (page, cls) => page.locator(`#stages tbody tr[data-role=sink] .${cls}`).textContent();

  test("a pipeline built by clicking runs and shows the exact counts", async () => {
    const page = await openPage();
    await page.locator("#source-kind").selectOption("counter");
    await page.locator("#source-count").fill("500");
    await page.locator("#add-kind").selectOption("identity");
    await page.locator("#add-transform").click();
    await page.locator("#sink-kind").selectOption("count");
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();

    assert.equal(number(await sinkCell(page, "chunks-in")), 500);
    assert.equal(number(await sinkCell(page, "bytes-in")), counterBytes(500));
    assert.equal(number(await page.locator("#report .total-chunks").textContent()), 500);
    assert.equal(number(await page.locator("#report .total-bytes").textContent()), counterBytes(500));
    const kinds = await page.locator("#stages tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
    assert.deepEqual(kinds, ["counter", "uppercase", "identity", "count"]);
    assert.deepEqual(await page.locator("#stages tbody .state").allTextContents(), ["done", "done", "done", "done"]);
    assert.deepEqual(await page.locator("#stages tbody .queue").allTextContents(), ["0 / 1", "0 / 1", "0 / 1", "0 / 1"]);
    const rate = await page.locator("#stages tbody tr[data-role=sink] .rate").textContent();
    assert.notEqual(rate, "0 B/s", "the final view shows the run's average rate");
    await page.screenshot({ path: suite.shot("playground-done.png"), fullPage: true });
    assert.deepEqual(await page.problems(), []);
  });

  test("transforms can be added, reordered and removed", async () => {
    const page = await openPage();
    const kinds = () => page.locator("#transforms select[id$=-kind]").evaluateAll((s) => s.map((x) => x.value));
    assert.deepEqual(await kinds(), ["uppercase"]);
    await page.locator("#add-kind").selectOption("split-lines");
    await page.locator("#add-transform").click();
    await page.locator("#add-kind").selectOption("identity");
    await page.locator("#add-transform").click();
    assert.deepEqual(await kinds(), ["uppercase", "split-lines", "identity"]);
    await page.locator("[aria-label='Move up Transform 3']").click();
    assert.deepEqual(await kinds(), ["uppercase", "identity", "split-lines"]);
    await page.locator("[aria-label='Move down Transform 1']").click();
    assert.deepEqual(await kinds(), ["identity", "uppercase", "split-lines"]);
    await page.locator("[aria-label='Remove Transform 2']").click();
    assert.deepEqual(await kinds(), ["identity", "split-lines"]);
    assert.deepEqual(await page.problems(), []);
  });

  test("sinks show their results: a digest, a preview, a download", async () => {
    const page = await openPage();
    await page.locator("#source-count").fill("3");
    await page.locator("#sink-kind").selectOption("digest");
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    // Checked against Node's own SHA-256 of the same text.
    const digest = await page.locator("#report .result-digest").textContent();
    assert.equal(digest, createHash("sha256").update("CHUNK 0\nCHUNK 1\nCHUNK 2\n").digest("hex"));

    await page.locator("#sink-kind").selectOption("preview");
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.equal(await page.locator("#report pre.preview").textContent(), "CHUNK 0\nCHUNK 1\nCHUNK 2\n");

    await page.locator("#sink-kind").selectOption("collect");
    await page.locator("#run").click();
    const saved = await page.download(page.locator("#report a.download"));
    assert.equal(saved.bytes.toString("utf8"), "CHUNK 0\nCHUNK 1\nCHUNK 2\n");
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.downloads", "✓");
  });

  test("a picked file streams through and its digest matches", async () => {
    const page = await openPage();
    const content = "picked file contents\n".repeat(5000);
    await page.locator("#source-kind").selectOption("file");
    await page.locator("#source-file").setInputFiles({ name: "notes.txt", buffer: Buffer.from(content) });
    await page.locator("#source-chunkSize").fill("4096");
    await page.locator("#stage-0-kind").selectOption("identity");
    await page.locator("#sink-kind").selectOption("digest");
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.equal(await page.locator("#report .result-digest").textContent(), createHash("sha256").update(content).digest("hex"));
    assert.equal(number(await sinkCell(page, "bytes-in")), content.length);
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.filePicker", "✓");
  });

  test("the builder offers a pool where a stage can be pooled: gzip by blocks, not gunzip", async () => {
    const page = await openPage();
    const poolField = async (kind) => {
      await page.locator("#add-kind").selectOption(kind);
      await page.locator("#add-transform").click();
      await page.locator("#transforms li:last-child details.advanced summary").click();
      return page.locator("#transforms li:last-child [id$='-pool']").count();
    };
    assert.equal(await poolField("gzip"), 1, "gzip pools by independent blocks");
    assert.equal(await poolField("gunzip"), 0, "gunzip keeps state and cannot");
    assert.equal(await poolField("uppercase"), 1);
    assert.deepEqual(await page.problems(), []);
  });

  test("the page shows where a stage runs, and the main thread's responsiveness", async () => {
    const page = await openPage();
    await page.locator("#responsiveness[data-ms]").waitFor();
    assert.match(await page.locator("#responsiveness").textContent(), /^\d+ ms$/);
    await page.locator("#source-count").fill("200");
    await page.locator("#transforms li:nth-child(1) details.advanced summary").click();
    await page.locator("#stage-0-worker").check();
    await page.locator("#add-kind").selectOption("identity");
    await page.locator("#add-transform").click();
    await page.locator("#transforms li:nth-child(2) details.advanced summary").click();
    await page.locator("#stage-1-pool").fill("2");
    await page.locator("#sink-kind").selectOption("count");
    await page.locator("#run").click();
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
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.placementShown", "✓");
  });

  test("Abort stops a slow pipeline and shows the source cancelled", async () => {
    const page = await openPage();
    await page.locator("#source-count").fill("100000");
    await page.locator("#sink-kind").selectOption("throttle");
    await page.locator("#sink-bytesPerSecond").fill("0");
    await page.locator("#sink-chunksPerSecond").fill("100");
    await page.locator("#run").click();
    // Backpressure shows while it runs: the slow sink's queue fills.
    await page.locator("#stages tbody .state", { hasText: "backpressured" }).first().waitFor();
    await page.screenshot({ path: suite.shot("playground-backpressure.png"), fullPage: true });
    await page.locator("#abort").click();
    await page.locator("#report .error", { hasText: "Aborted: aborted by the user" }).waitFor();
    assert.equal(await page.locator("#stages tbody tr[data-role=source] .state").textContent(), "cancelled");
    assert.equal(await page.locator("#run").textContent(), "Run again");
    // The log tells it in both vocabularies.
    const abort = page.locator("#events tbody tr[data-kind=abort]");
    assert.equal(await abort.count(), 1);
    assert.match(await abort.locator(".node").textContent(), /AbortController\.abort\(\)/);
    assert.match(await abort.locator(".web").textContent(), /cancel upstream/);
    const cancel = page.locator("#events tbody tr[data-kind=cancel]").first();
    assert.match(await cancel.locator(".web").textContent(), /cancel\(reason\)/);
    assert.deepEqual(await page.problems(), []);
  });

  test("a data error names the stage and the line", async () => {
    const page = await openPage();
    await page.locator("#source-count").fill("1000");
    await page.locator("#stage-0-kind").selectOption("split-lines");
    await page.locator("#stage-0-maxLineBytes").fill("7");
    await page.locator("#sink-kind").selectOption("count");
    await page.locator("#run").click();
    const error = page.locator("#report .error");
    await error.waitFor();
    assert.match(await error.textContent(), /PipewrightError \(stage split-lines\): .*line 11/);
    assert.equal(await page.locator("#stages tbody tr[data-role=source] .state").textContent(), "cancelled");
    assert.equal(number(await sinkCell(page, "chunks-in")), 10);
    assert.deepEqual(await page.problems(), []);
  });

  test("a bad option shows the API's own message", async () => {
    const page = await openPage();
    await page.locator("#source-count").fill("-3");
    await page.locator("#run").click();
    const error = page.locator("#report .error");
    await error.waitFor();
    assert.match(await error.textContent(), /RangeError: .*`source.count`.*from 0 to/);
    assert.deepEqual(await page.problems(), []);
  });

  test("the README's JavaScript example runs as written", async () => {
    const page = await suite.open("harness/harness.html");
    await page.addModule(readmeBlock("example"));
    const logs = await page.waitForLog((l) => typeof l === "string" && l.startsWith("user 2:"));
    assert.deepEqual(logs.filter((l) => l.startsWith("CHUNK")), ["CHUNK 0", "CHUNK 1", "CHUNK 2"]);
    assert.ok(logs.includes("total: 1000000 bytes"), logs.join("\n"));
    const users = logs.filter((l) => l.startsWith("user "));
    assert.equal(users.length, 2);
    assert.match(users[0], /^user 1: [A-Z][a-z]+( [A-Za-z-]+)+ <\S+@\S+\.\S+>$/);
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.readmeExample", "✓");
  });

  // Opens the page at `fragment`, ready or refusing: a fresh load (from
  // the page that made the link, only the fragment would change, and
  // nothing would reload).
  async function openAt(fragment) {
    await suite.page.goto("about:blank");
    const page = await suite.open(fragment);
    await page.locator("#run:not([disabled])").waitFor();
    return page;
  }

  test("a shared link restores the pipeline exactly", async () => {
    let page = await openPage();
    await page.locator("#source-count").fill("123");
    await page.locator("#stage-0-kind").selectOption("split-lines");
    await page.locator("#stage-0-maxLineBytes").fill("64");
    await page.locator("#sink-kind").selectOption("preview");
    await page.locator("#sink-kib").fill("2");
    assert.equal(await page.locator("#share-url").isVisible(), false, "no link before Share");
    await page.locator("#share").click();
    assert.equal(await page.locator("#share-url").isVisible(), true);
    const link = await page.locator("#share-url").inputValue();
    assert.match(link, /#spec=/);
    assert.deepEqual(await page.problems(), []);

    page = await openAt(link.slice(suite.url.length));
    assert.equal(await page.locator("#status").textContent(), "Ready.");
    assert.equal(await page.locator("#source-kind").inputValue(), "counter");
    assert.equal(await page.locator("#source-count").inputValue(), "123");
    assert.equal(await page.locator("#stage-0-kind").inputValue(), "split-lines");
    assert.equal(await page.locator("#stage-0-maxLineBytes").inputValue(), "64");
    assert.equal(await page.locator("#sink-kind").inputValue(), "preview");
    assert.equal(await page.locator("#sink-kib").inputValue(), "2");
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.shareLinks", "✓");
  });

  test("a passphrase never travels in a share link, the Code tab or the event log; a shared link asks for it", async () => {
    const secret = "tr0ub4dor&3 is not it";
    let page = await openPage();
    await page.locator("#stage-0-kind").selectOption("encrypt");
    await page.locator("#stage-0-iterations").fill("1000");
    // An empty passphrase is asked for before Run, not run without.
    await page.locator("#problem", { hasText: "Type the passphrase for stages[0]" }).waitFor();
    assert.equal(await page.locator("#stage-0-passphrase").getAttribute("type"), "password");
    await page.locator("#stage-0-passphrase").fill(secret);
    await page.locator("#problem").waitFor({ state: "hidden" });
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    await page.locator("#share").click();
    const link = await page.locator("#share-url").inputValue();
    assert.ok(!decodeURIComponent(link).includes(secret), "not in the link");
    assert.ok(!decodeURIComponent(link).includes("passphrase"), "not even its name");
    assert.equal(await page.locator(".share-note").textContent(), "The link leaves out stages[0].passphrase: whoever opens it types it in.");
    const everywhere = await page.evaluate(() => document.querySelector(".pw").textContent + JSON.stringify(localStorage) + location.href);
    assert.ok(!everywhere.includes("tr0ub4dor"), "not in the page's text (event log, report), localStorage or the URL");
    await page.locator("#tab-code").click();
    const code = await page.locator("#code").textContent();
    assert.ok(!code.includes("tr0ub4dor"), "not in the Code tab");
    assert.match(code, /^const passphrase = "";$/m);
    assert.deepEqual(await page.problems(), []);

    // Whoever opens the link is asked for the passphrase before Run.
    page = await openAt(link.slice(suite.url.length));
    await page.locator("#problem", { hasText: "Type the passphrase for stages[0] before Run: a shared link never carries it." }).waitFor();
    await page.locator("#run").click();
    assert.equal(await page.locator("#stage-0-passphrase").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "stage-0-passphrase", "the cursor is in the passphrase field");
    assert.equal(await page.locator("#report .result").count(), 0, "nothing ran");
    await page.locator("#stage-0-passphrase").fill(secret);
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.deepEqual(await page.problems(), []);
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
      // A fresh document each time: only the fragment changes otherwise.
      await suite.page.goto("about:blank");
      const page = await openAt(fragment);
      const status = await page.locator("#status").textContent();
      assert.match(status, /^The shared link could not be loaded: .+\. This is the default pipeline\.$/);
      assert.equal(await page.locator("#source-kind").inputValue(), "counter", "the default pipeline");
      assert.equal(await page.locator("img").count(), 0, "nothing inserted as HTML");
      assert.deepEqual(await page.dialogs(), [], "no script ran");
      assert.deepEqual(await page.problems(), []);
    }
    // A valid spec whose string option holds markup: loaded, shown as the
    // literal text in its field, never executed.
    const payload = '<script>alert(3)</script><img src=x onerror="alert(4)">';
    await suite.page.goto("about:blank");
    const page = await openAt(
      `#spec=${encodeURIComponent(JSON.stringify({ source: { kind: "counter" }, stages: [{ kind: "filter", pattern: payload }], sink: { kind: "count" } }))}`,
    );
    assert.equal(await page.locator("#status").textContent(), "Ready.");
    assert.equal(await page.locator("#stage-0-pattern").inputValue(), payload);
    assert.equal(await page.locator("img").count(), 0);
    assert.deepEqual(await page.dialogs(), []);
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.hostileLinks", "✓");
  });

  // Opens `path` with `broken` answered 404, and waits until the page has
  // started or said why it could not.
  async function openBroken(path, broken) {
    suite.broken.push(...broken);
    try {
      const page = await suite.open(path);
      await page.waitForFunction(() => {
        const embeds = [...document.querySelectorAll("pipewright-playground")].map((p) => p.shadowRoot);
        const all = embeds.length ? embeds : [document];
        return all.every((root) => root && (root.querySelector(".pw[data-ready]") || root.querySelector(".boot-failed, #status.error")));
      });
      return page;
    } finally {
      suite.broken.length = 0;
    }
  }

  test("under a locale Intl rejects (navigator.language \"C\"), the page works and the charts say why they are missing", async () => {
    const page = await suite.open("?pw-locale=C");
    await page.locator("#status", { hasText: "Ready." }).waitFor();
    assert.equal(await page.evaluate(() => navigator.language), "C");
    assert.match(
      await page.locator("#timeline .chart-unavailable").textContent(),
      /^Charts are unavailable: vendor\/uPlot\.esm\.js could not be loaded \(RangeError: .+\)\. The table above has every figure\.$/,
    );
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.equal(await page.locator("#stages tbody tr[data-role=sink] .state").textContent(), "done");
    assert.deepEqual(await page.problems(), []);
    await suite.record("page.unusualLocale", "✓");
  });

  test("a vendor file that does not load leaves a working page without charts, saying so", async () => {
    const page = await openBroken("", ["/vendor/uPlot.esm.js"]);
    assert.equal(await page.locator("#status").textContent(), "Ready.");
    assert.match(await page.locator("#memory .chart-unavailable").textContent(), /^Charts are unavailable: vendor\/uPlot\.esm\.js could not be loaded \(TypeError: .+\)/);
    await page.locator("#run").click();
    await page.locator("#report .result", { hasText: "done" }).waitFor();
    assert.deepEqual(await page.problems(), []);
  });

  test("a playground module or the wasm that does not load is named on the page, not a blank page", async () => {
    for (const missing of ["/js/ui/builder.js", "/pkg/pipewright_bg.wasm"]) {
      const page = await openBroken("", [missing]);
      const said = await page.locator("#app").evaluate((app) => app.querySelector(".boot-failed, #status.error")?.textContent ?? "");
      // The failing file by its path, from the page's list of files that
      // did not load, or (the wasm) from the loader's own message.
      assert.match(said, /^The playground could not start: .+/, missing);
      assert.ok(said.includes(`${missing} (404)`) || said.includes(`404 Not Found fetching '${suite.url.slice(0, -1)}${missing}'`), `${missing}: ${said}`);
      assert.ok(await page.locator("#app .boot-failed, #app #status.error").isVisible());
      assert.deepEqual(await page.problems(), [`console.error: ${said}`]);
    }
    // The docs page: each embed says it, in its own box.
    const page = await openBroken("examples/docs.html", ["/js/ui/builder.js"]);
    for (const id of ["#first", "#second"]) {
      const said = await page.locator(id).locator(".boot-failed").textContent();
      assert.match(said, /^The playground could not start: .+; not loaded: .*\/js\/ui\/builder\.js \(404\)/);
    }
    await suite.record("page.loadFailuresNamed", "✓");
  });
});
