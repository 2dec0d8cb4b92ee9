// End-to-end: the playground's presets, Code tab, pre-Run checks, keyboard
// and drag building, small screens and embeds, on the real page served as
// `npm start` serves it, in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { servedBrowser, watchedPage } from "./browser.mjs";

const suite = servedBrowser();
const SHOTS = suite.shots;

const number = (text) => Number(text.replaceAll(",", ""));

// A page that also records every request that leaves for somewhere other
// than our server (blob: and data: URLs stay in the page).
async function openPage(path = "", viewport = { width: 1280, height: 1000 }) {
  const watched = await watchedPage(suite.browser.context);
  const foreign = [];
  watched.page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(suite.url) && !u.startsWith("blob:") && !u.startsWith("data:")) foreign.push(u);
  });
  await watched.page.setViewportSize(viewport);
  await watched.page.goto(suite.url + path);
  await watched.page.locator("#status", { hasText: "Ready." }).waitFor();
  return { ...watched, foreign };
}

const finished = (page) => page.waitForFunction(() => {
  const s = document.querySelector("#status").textContent;
  return !document.querySelector("#run").disabled && s !== "Running…" && s !== "Ready.";
});

async function runPreset(page, id) {
  await page.selectOption("#preset", id);
  const started = Date.now();
  await page.click("#run-preset");
  // A comparison runs a second pipeline: wait for its box.
  const hasCompare = await page.evaluate((p) => document.querySelector("#preset-text .note") !== null, id);
  if (hasCompare) await page.locator("#compare:not([hidden])").waitFor({ timeout: 30_000 });
  else await finished(page);
  await finished(page);
  return Date.now() - started;
}

const row = (page, kind) => page.locator(`#stages tbody tr[data-kind="${kind}"]`).last();
const eventKinds = (page) => page.locator("#events tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));

test("every preset runs to completion with its expected results, and nothing leaves the page", async (t) => {
  const { page, problems, foreign } = await openPage();
  const took = {};

  // Mid-run, for the README's screenshot: the queue full, the source paused.
  const midRun = page.waitForFunction(() => Number(document.querySelector('#stages tbody tr[data-role="sink"] .chunks-in')?.textContent.replaceAll(",", "")) > 200);
  const running = runPreset(page, "slow-consumer");
  await midRun;
  await page.screenshot({ path: join(SHOTS, "playground-running.png"), fullPage: true });
  // The total is known: a progress bar with an ETA.
  assert.match(await page.locator(".eta").textContent(), /^\d+ % · (about [\d.]+ m?s left|ETA when data flows)$/);
  assert.ok(await page.locator("#progress").evaluate((p) => p.value > 0 && p.value < p.max));
  took["slow-consumer"] = await running;
  assert.equal(await page.locator("#status").textContent(), "Done.");
  assert.equal(number(await page.locator("#report .total-chunks").textContent()), 400);
  // The transform's queue filled to its mark of 4 and no further; the
  // source paused, and drains followed.
  assert.equal(await row(page, "uppercase").getAttribute("data-max-queue"), "4");
  assert.equal(await row(page, "counter").getAttribute("data-max-queue"), "1");
  let kinds = await eventKinds(page);
  assert.ok(kinds.includes("backpressure") && kinds.includes("drain"), kinds.join());
  assert.ok(number(await page.locator("#timeline").getAttribute("data-points")) > 5);
  assert.ok(number(await page.locator("#memory").getAttribute("data-points")) > 5);
  assert.notEqual(await row(page, "uppercase").locator(".stall").textContent(), "0 ms");
  const flatHeap = number(await page.locator("#memory").getAttribute("data-heap-growth-mib"));
  const links = await page.locator(".flow .link-rate").allTextContents();
  assert.equal(links.length, 2);
  assert.ok(links.every((l) => /\/s$/.test(l)));
  await page.screenshot({ path: join(SHOTS, "preset-slow-consumer.png"), fullPage: true });

  took["no-backpressure"] = await runPreset(page, "no-backpressure");
  assert.equal(number(await page.locator("#report .total-chunks").textContent()), 256);
  // Its queue ran far past its high-water mark of 1.
  assert.ok(number(await row(page, "push").getAttribute("data-max-queue")) > 50);
  assert.match(await row(page, "push").locator(".queue").textContent(), /^0 \/ 1 · peak \d+$/);
  // Its 16 MiB sit in the JS heap at once; the slow consumer's heap barely moved.
  const pushHeap = number(await page.locator("#memory").getAttribute("data-heap-growth-mib"));
  assert.ok(pushHeap >= 8 && pushHeap > flatHeap, `heap growth: push ${pushHeap} MiB, slow consumer ${flatHeap} MiB`);
  await page.screenshot({ path: join(SHOTS, "preset-no-backpressure.png"), fullPage: true });

  took["csv-to-json"] = await runPreset(page, "csv-to-json");
  const preview = await page.locator("#report pre.preview").textContent();
  const last = JSON.parse(preview.trim().split("\n").at(-1));
  assert.equal(last.id, "20000");
  assert.ok(last.email.includes("@"));

  took["compress-file"] = await runPreset(page, "compress-file");
  const link = page.locator("#report a.download");
  assert.match(await link.textContent(), /^Download lorem\.txt\.gz/);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), "lorem.txt.gz");
  assert.equal(gunzipSync(await readFile(await download.path())).length, 8 << 20);
  // A progress bar, as the total is known, that ends full.
  assert.equal(await page.locator("#progress").evaluate((p) => p.value === p.max && p.max === 8 << 20), true);
  assert.match(await page.locator(".eta").textContent(), /^100 % · done in/);

  took["hash-passwords"] = await runPreset(page, "hash-passwords");
  const hashed = (await page.locator("#report pre.preview").textContent()).trim().split("\n").slice(1).map((l) => JSON.parse(l));
  assert.ok(hashed.length > 3 && hashed.every((u) => /^[0-9a-f]{64}$/.test(u.password)));
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.match(await row(page, "hash-field").locator(".where").textContent(), new RegExp(`^pool ×${cores}`));
  assert.equal(number(await page.locator("#report .total-chunks").textContent()), 600);
  kinds = await eventKinds(page);
  assert.ok(kinds.includes("worker"), kinds.join());

  took["validate-users"] = await runPreset(page, "validate-users");
  const rejected = number(await page.locator("#report .rejected-validate").textContent());
  const passed = number(await page.locator("#report .total-chunks").textContent());
  assert.equal(rejected + passed, 2000);
  assert.ok(rejected > 0 && passed > 0);
  const reasons = await page.locator("#report .rejects li").allTextContents();
  assert.equal(reasons.length, 10);
  assert.ok(reasons.every((r) => /^record \d+: /.test(r)), reasons.join("\n"));

  took["main-vs-worker"] = await runPreset(page, "main-vs-worker");
  const gap = async (cls) => number(/longest frame gap (\d+) ms/.exec(await page.locator(`#compare .${cls}`).textContent())[1]);
  const onMain = await gap("compare-first");
  const inWorker = await gap("compare-second");
  assert.ok(onMain > 300 && onMain > 2 * inWorker, `main ${onMain} ms, worker ${inWorker} ms`);
  await page.screenshot({ path: join(SHOTS, "preset-main-vs-worker.png"), fullPage: true });

  took["errors-max-errors"] = await runPreset(page, "errors-max-errors");
  assert.equal(await page.locator("#status").textContent(), "Failed.");
  assert.match(await page.locator("#report .error").textContent(), /stage csv-to-ndjson.*11 bad records, more than maxErrors \(10\); the last, line \d+: /);
  assert.equal(await row(page, "users").locator(".state").textContent(), "cancelled");
  assert.equal(await row(page, "csv-to-ndjson").locator(".state").textContent(), "errored");
  kinds = await eventKinds(page);
  for (const k of ["skip", "error", "cancel"]) assert.ok(kinds.includes(k), `${k} in ${kinds.join()}`);
  await page.screenshot({ path: join(SHOTS, "preset-errors.png"), fullPage: true });

  took["encrypt-decrypt"] = await runPreset(page, "encrypt-decrypt");
  assert.equal(await page.locator("#compare").getAttribute("data-same"), "true");
  const digests = await page.locator("#compare dd").allTextContents();
  assert.match(digests[0], /^[0-9a-f]{64}$/);
  assert.equal(digests[0], digests[1]);

  took["worker-crash"] = await runPreset(page, "worker-crash");
  assert.equal(await page.locator("#compare").getAttribute("data-same"), "true");
  const [crashed, clean] = await page.locator("#compare dd").allTextContents();
  assert.match(crashed, /^[0-9a-f]{64} · \d+ worker restarts$/);
  assert.match(clean, /^[0-9a-f]{64}$/);
  await page.screenshot({ path: join(SHOTS, "preset-worker-crash.png"), fullPage: true });

  t.diagnostic(`preset run times (ms, comparisons included): ${JSON.stringify(took)}`);
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test("worker crashes and respawns show in the event log", async () => {
  const { page, problems } = await openPage();
  await page.selectOption("#preset", "worker-crash");
  // Run only the crashing pipeline (Run, not Run preset), to read its log.
  await page.click("#run");
  await finished(page);
  const kinds = await eventKinds(page);
  assert.ok(kinds.filter((k) => k === "crash").length >= 2, kinds.join());
  const restarts = /restarts (\d+)/.exec(await row(page, "hash-field").locator(".where").textContent())[1];
  assert.equal(kinds.filter((k) => k === "crash").length, Number(restarts));
  assert.deepEqual(problems, []);
  await page.close();
});

// The Code tab's text, run as a module in a bare page that maps
// "pipewright" to the package; resolves to what its last line logs.
async function runGeneratedCode(code) {
  const { page, problems } = await watchedPage(suite.browser.context);
  await page.goto(`${suite.url}harness/harness.html`);
  const logged = page.waitForEvent("console", { predicate: (m) => m.type() === "log", timeout: 60_000 });
  await page.addScriptTag({ type: "module", content: code });
  const value = await (await logged).args()[0].jsonValue();
  assert.deepEqual(problems, []);
  await page.close();
  return value;
}

test("the Code tab's JavaScript runs and gives what the page gave", async () => {
  await suite.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: suite.url.replace(/\/$/, "") });
  const { page, problems } = await openPage();
  for (const [id, expect] of [
    ["encrypt-decrypt", async () => ({ result: await page.locator("#report .result-digest").textContent() })],
    ["csv-to-json", async () => ({ result: await page.locator("#report pre.preview").textContent() })],
    ["validate-users", async () => ({ chunks: number(await page.locator("#report .total-chunks").textContent()) })],
  ]) {
    await page.selectOption("#preset", id);
    await page.click("#run");
    await finished(page);
    const fromPage = await expect();
    await page.click("#tab-code");
    const code = await page.locator("#code").textContent();
    assert.match(code, /from "pipewright"/);
    // Copy puts exactly that text on the clipboard.
    await page.click("#copy-code");
    await page.locator("#copy-code", { hasText: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
    await page.click("#tab-live");
    const fromCode = await runGeneratedCode(code);
    for (const [k, v] of Object.entries(fromPage)) assert.equal(fromCode[k], v, `${id}: ${k}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("bad values and neighbours that don't fit are flagged before Run, in the API's words", async () => {
  const { page, problems } = await openPage();
  const problem = page.locator("#problem");
  assert.equal(await problem.isHidden(), true);
  await page.fill("#source-count", "-5");
  await problem.waitFor();
  const flagged = await problem.textContent();
  assert.match(flagged, /^RangeError: pipeline spec: `source\.count` .*counter/);
  assert.equal(await page.locator("#source-count").getAttribute("aria-invalid"), "true");
  // Run gives the very same words.
  await page.click("#run");
  await finished(page);
  assert.equal(await page.locator("#report .error").textContent(), flagged);

  await page.fill("#source-count", "10");
  await problem.waitFor({ state: "hidden" });
  assert.equal(await page.locator("#source-count").getAttribute("aria-invalid"), null);
  // Records into a byte stage: both neighbours named.
  for (const kind of ["ndjson-parse", "gzip"]) {
    await page.selectOption("#add-kind", kind);
    await page.click("#add-transform");
  }
  await problem.waitFor();
  assert.match(await problem.textContent(), /`gzip` takes bytes but `ndjson-parse` \(stages\[1\]\) gives records/);
  assert.equal(await page.locator("#stage-2-kind").getAttribute("aria-invalid"), "true");
  assert.deepEqual(problems, []);
  await page.close();
});

// Presses Tab (or Shift+Tab, when it lies before the focus) until
// `selector` has the focus; fails if it never does.
async function tabTo(page, selector) {
  for (let i = 0; i < 80; i += 1) {
    const where = await page.evaluate((sel) => {
      const target = document.querySelector(sel);
      const active = document.activeElement;
      if (active === target) return "here";
      if (!active || active === document.body) return "after";
      return target.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING ? "before" : "after";
    }, selector);
    if (where === "here") return;
    await page.keyboard.press(where === "before" ? "Shift+Tab" : "Tab");
  }
  assert.fail(`${selector} is not reachable with Tab`);
}

test("a three-stage pipeline is built and run with the keyboard alone", async () => {
  const { page, problems } = await openPage();
  await page.locator("body").focus();
  // Remove the default transform.
  await tabTo(page, '[aria-label="Remove Transform 1"]');
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#transforms li").count(), 0);
  // Source: lorem, 100000 bytes.
  await tabTo(page, "#source-kind");
  await page.keyboard.type("Lorem");
  await tabTo(page, "#source-bytes");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("100000");
  // Three transforms: gzip, gunzip, uppercase, then gunzip moved last.
  for (const title of ["Gzip", "Gunzip", "Uppercase"]) {
    await tabTo(page, "#add-kind");
    await page.keyboard.type(title);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
  }
  await tabTo(page, '[aria-label="Move down Transform 2"]');
  await page.keyboard.press("Enter");
  // Sink: digest.
  await tabTo(page, "#sink-kind");
  await page.keyboard.type("Digest");
  await tabTo(page, "#run");
  await page.keyboard.press("Enter");
  await finished(page);
  const kinds = await page.locator("#stages tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
  assert.deepEqual(kinds, ["lorem", "gzip", "uppercase", "gunzip", "digest"]);
  // gzip → uppercase corrupts the gzip stream: the run fails, naming gunzip.
  assert.match(await page.locator("#report .error").textContent(), /gunzip/);
  // Put it right with the keyboard: uppercase last.
  await tabTo(page, '[aria-label="Move down Transform 2"]');
  await page.keyboard.press("Enter");
  await tabTo(page, "#run");
  await page.keyboard.press("Enter");
  await finished(page);
  assert.match(await page.locator("#report .result-digest").textContent(), /^[0-9a-f]{64}$/);
  assert.equal(number(await page.locator("#report .total-bytes").textContent()), 100000);
  assert.deepEqual(problems, []);
  await page.close();
});

test("transforms reorder by dragging their handle", async () => {
  const { page, problems } = await openPage();
  for (const kind of ["gzip", "identity"]) {
    await page.selectOption("#add-kind", kind);
    await page.click("#add-transform");
  }
  const kinds = () => page.locator("#transforms select[id$=-kind]").evaluateAll((s) => s.map((x) => x.value));
  assert.deepEqual(await kinds(), ["uppercase", "gzip", "identity"]);
  await page.locator("#transforms li:nth-child(3) .handle").dragTo(page.locator("#transforms li:nth-child(1)"));
  assert.deepEqual(await kinds(), ["identity", "uppercase", "gzip"]);
  await page.locator("#transforms li:nth-child(1) .handle").dragTo(page.locator("#transforms li:nth-child(2)"));
  assert.deepEqual(await kinds(), ["uppercase", "identity", "gzip"]);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a dropped file becomes the source, and its download keeps its name plus .gz", async () => {
  const { page, problems } = await openPage();
  await page.selectOption("#preset", "compress-file");
  const text = "dropped file contents\n".repeat(5000);
  await page.evaluate((body) => {
    const dt = new DataTransfer();
    dt.items.add(new File([body], "notes.txt", { type: "text/plain" }));
    const area = document.querySelector(".pw");
    area.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    area.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  assert.equal(await page.locator("#source-kind").inputValue(), "file");
  assert.match(await page.locator("#status").textContent(), /notes\.txt/);
  await page.click("#run-preset");
  await finished(page);
  const link = page.locator("#report a.download");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), "notes.txt.gz");
  assert.equal(gunzipSync(await readFile(await download.path())).toString("utf8"), text);
  assert.deepEqual(problems, []);
  await page.close();
});

test("at 375 px wide the page fits, its controls are labelled, and a preset runs", async () => {
  const { page, problems } = await openPage("", { width: 375, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), "no sideways scrolling");
  // One column throughout: the fields and the charts stack.
  const columns = await page.evaluate(() => [".pw", ".params", ".charts"].map((s) => getComputedStyle(document.querySelector(s)).gridTemplateColumns.split(" ").length));
  assert.deepEqual(columns, [1, 1, 1]);
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("#app button, #app input, #app select")]
      .filter((c) => !c.closest("[hidden]"))
      .filter((c) => !(c.labels?.length || c.getAttribute("aria-label") || c.textContent.trim()))
      .map((c) => c.id || c.outerHTML.slice(0, 60)),
  );
  assert.deepEqual(unlabelled, []);
  await page.selectOption("#preset", "csv-to-json");
  await page.locator("#run-preset").click();
  await finished(page);
  assert.equal(await page.locator("#status").textContent(), "Done.");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), "still no sideways scrolling");
  await page.screenshot({ path: join(SHOTS, "playground-375px.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the docs page's two embeds run on their own, each sized to its container", async () => {
  const watched = await watchedPage(suite.browser.context);
  const { page, problems } = watched;
  await page.setViewportSize({ width: 1200, height: 1000 });
  await page.goto(`${suite.url}examples/docs.html`);
  const first = page.locator("#first");
  const second = page.locator("#second");
  // Playwright's CSS selectors reach into open shadow roots.
  await first.locator("#status", { hasText: "Ready." }).waitFor();
  await second.locator("#status", { hasText: "Ready." }).waitFor();
  assert.equal(await first.locator("#preset").inputValue(), "slow-consumer");
  assert.equal(await first.locator("#builder").evaluate((d) => d.open), false, "compact: builder folded");
  assert.equal(await second.locator("#source-count").inputValue(), "50");
  // Sized to the container: the narrow one is 26rem and stacks its columns.
  const widths = await page.evaluate(() =>
    ["#first", "#second"].map((s) => {
      const node = document.querySelector(s);
      const parent = getComputedStyle(node.parentElement);
      const inner = node.parentElement.clientWidth - parseFloat(parent.paddingLeft) - parseFloat(parent.paddingRight);
      return [node.getBoundingClientRect().width, inner];
    }),
  );
  for (const [w, parent] of widths) assert.ok(Math.abs(w - parent) < 2, `${w} vs ${parent}`);
  assert.ok(widths[1][0] < 450);
  const stacked = await second.locator(".live-col").evaluate((live) => live.getBoundingClientRect().top >= live.parentElement.querySelector(".builder-col").getBoundingClientRect().bottom);
  assert.ok(stacked, "the narrow embed stacks builder and live view");
  // Both run at once, each with its own result.
  // (One click after the other: two clicks at once race their scrolling.)
  await first.locator("#run-preset").click();
  await second.locator("#run").click();
  assert.equal(await first.locator("#status").textContent(), "Running…");
  await second.locator("#status", { hasText: "Done." }).waitFor();
  await first.locator("#status", { hasText: "Done." }).waitFor({ timeout: 20_000 });
  assert.equal(number(await first.locator("#report .total-chunks").textContent()), 400);
  assert.match(await second.locator("#report pre.preview").textContent(), /"id":"49"/);
  assert.equal(await page.locator("#stages").count(), 2);
  await page.screenshot({ path: join(SHOTS, "docs-embeds.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("embed.html restores a pipeline from its fragment, for iframes", async () => {
  const { page, problems } = await watchedPage(suite.browser.context);
  const spec = { source: { kind: "counter", count: 7 }, stages: [], sink: { kind: "count" } };
  await page.goto(`${suite.url}embed.html#spec=${encodeURIComponent(JSON.stringify(spec))}`);
  const playground = page.locator("pipewright-playground");
  await playground.locator("#status", { hasText: "Ready." }).waitFor();
  assert.equal(await playground.locator("#source-count").inputValue(), "7");
  await playground.locator("#run").click();
  await playground.locator("#status", { hasText: "Done." }).waitFor();
  assert.equal(number(await playground.locator("#report .total-chunks").textContent()), 7);
  // Its share link opens the full page, not the iframe's host.
  await playground.locator("#share").click();
  assert.match(await playground.locator("#share-url").inputValue(), new RegExp(`^${suite.url}index\\.html#spec=`));
  // An unknown or hostile preset name is named, as text, over the default.
  const hostile = '<img src=x onerror="window.pwned=1">';
  await page.goto(`${suite.url}embed.html?preset=${encodeURIComponent(hostile)}`);
  await playground.locator("#status.error").waitFor();
  assert.equal(await playground.locator("#status").textContent(), `The playground's pipeline could not be loaded: there is no preset "${hostile}". This is the default pipeline.`);
  assert.equal(await playground.locator("img").count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // ?preset= with ?autorun runs it on load, as the attributes do.
  await page.goto(`${suite.url}embed.html?preset=csv-to-json&autorun&compact`);
  await playground.locator("#status", { hasText: "Done." }).waitFor();
  assert.equal(await playground.locator("#preset").inputValue(), "csv-to-json");
  assert.match(await playground.locator("#report pre.preview").textContent(), /"id":"20000"/);
  assert.deepEqual(problems, []);
  await page.close();
});
