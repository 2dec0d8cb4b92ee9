// End-to-end: the playground's presets, Code tab, pre-Run checks, keyboard
// and drag building, small screens and embeds, on the real page served as
// `npm start` serves it, in Chromium, Firefox ESR and WebKitGTK alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { eachEngine } from "./browser.mjs";

const number = (text) => Number(text.replaceAll(",", ""));

eachEngine((suite) => {
  const openPage = suite.openReady;

  // Every resource this document fetched from anywhere but our server
  // (blob: and data: URLs stay in the page), from its resource timing.
  const foreignRequests = (page) =>
    page.evaluate((base) => performance.getEntriesByType("resource").map((e) => e.name).filter((u) => !u.startsWith(base) && !u.startsWith("blob:") && !u.startsWith("data:")), suite.url);

  const finished = suite.finished;

  async function runPreset(page, id) {
    await page.locator("#preset").selectOption(id);
    const started = Date.now();
    await page.locator("#run-preset").click();
    // A comparison runs a second pipeline: wait for its box.
    const hasCompare = await page.evaluate(() => document.querySelector("#preset-text .note") !== null);
    if (hasCompare) await page.locator("#compare:not([hidden])").waitFor({ timeout: 60_000 });
    else await finished(page);
    await finished(page);
    return Date.now() - started;
  }

  const row = (page, kind) => page.locator(`#stages tbody tr[data-kind="${kind}"]`).last();
  const eventKinds = (page) => page.locator("#events tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));

  test("every preset runs to completion with its expected results, and nothing leaves the page", async (t) => {
    const page = await openPage();
    const took = {};

    // Mid-run, for the README's screenshot: the queue full, the source paused.
    await page.locator("#preset").selectOption("slow-consumer");
    const started = Date.now();
    await page.locator("#run-preset").click();
    await page.waitForFunction(() => Number(document.querySelector('#stages tbody tr[data-role="sink"] .chunks-in')?.textContent.replaceAll(",", "")) > 200);
    await page.screenshot({ path: suite.shot("playground-running.png"), fullPage: true });
    // The total is known: a progress bar with an ETA.
    assert.match(await page.locator(".eta").textContent(), /^\d+ % · (about [\d.]+ m?s left|ETA when data flows)$/);
    assert.ok(await page.locator("#progress").evaluate((p) => p.value > 0 && p.value < p.max));
    await finished(page);
    took["slow-consumer"] = Date.now() - started;
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
    // Only Chromium exposes the JS heap (performance.memory); elsewhere the
    // memory chart says so in place of the figure.
    const hasHeap = await page.evaluate(() => Boolean(performance.memory));
    const heapGrowth = async () => {
      if (hasHeap) return number(await page.locator("#memory").getAttribute("data-heap-growth-mib"));
      assert.equal(await page.locator("#memory").getAttribute("data-heap-growth-mib"), null);
      assert.match(await page.locator(".memory-note").textContent(), /^This browser does not expose its JS heap \(performance\.memory is Chromium's alone\): the chart shows wasm memory only\.$/);
      assert.equal(await page.locator(".memory-note").isVisible(), true);
      return null;
    };
    const flatHeap = await heapGrowth();
    const links = await page.locator(".flow .link-rate").allTextContents();
    assert.equal(links.length, 2);
    assert.ok(links.every((l) => /\/s$/.test(l)));
    await page.screenshot({ path: suite.shot("preset-slow-consumer.png"), fullPage: true });

    took["no-backpressure"] = await runPreset(page, "no-backpressure");
    assert.equal(number(await page.locator("#report .total-chunks").textContent()), 256);
    // Its queue ran far past its high-water mark of 1.
    assert.ok(number(await row(page, "push").getAttribute("data-max-queue")) > 50);
    assert.match(await row(page, "push").locator(".queue").textContent(), /^0 \/ 1 · peak \d+$/);
    // Its 16 MiB sit in the JS heap at once; the slow consumer's heap barely
    // moved (where the engine shows the heap).
    const pushHeap = await heapGrowth();
    if (hasHeap) assert.ok(pushHeap >= 8 && pushHeap > flatHeap, `heap growth: push ${pushHeap} MiB, slow consumer ${flatHeap} MiB`);
    await page.screenshot({ path: suite.shot("preset-no-backpressure.png"), fullPage: true });

    took["csv-to-json"] = await runPreset(page, "csv-to-json");
    const preview = await page.locator("#report pre.preview").textContent();
    const last = JSON.parse(preview.trim().split("\n").at(-1));
    assert.equal(last.id, "20000");
    assert.ok(last.email.includes("@"));

    took["compress-file"] = await runPreset(page, "compress-file");
    const link = page.locator("#report a.download");
    assert.match(await link.textContent(), /^Download lorem\.txt\.gz/);
    const download = await page.download(link);
    assert.equal(download.name, "lorem.txt.gz");
    assert.equal(gunzipSync(download.bytes).length, 8 << 20);
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
    await page.screenshot({ path: suite.shot("preset-main-vs-worker.png"), fullPage: true });

    took["errors-max-errors"] = await runPreset(page, "errors-max-errors");
    assert.equal(await page.locator("#status").textContent(), "Failed.");
    assert.match(await page.locator("#report .error").textContent(), /stage csv-to-ndjson.*11 bad records, more than maxErrors \(10\); the last, line \d+: /);
    assert.equal(await row(page, "users").locator(".state").textContent(), "cancelled");
    assert.equal(await row(page, "csv-to-ndjson").locator(".state").textContent(), "errored");
    kinds = await eventKinds(page);
    for (const k of ["skip", "error", "cancel"]) assert.ok(kinds.includes(k), `${k} in ${kinds.join()}`);
    await page.screenshot({ path: suite.shot("preset-errors.png"), fullPage: true });

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
    await page.screenshot({ path: suite.shot("preset-worker-crash.png"), fullPage: true });

    took["round-robin"] = await runPreset(page, "round-robin");
    assert.equal(await page.locator("#compare").getAttribute("data-same"), "true", "the same bytes either way");
    const load = async (cls) => {
      const m = /^(\d+) ms in all; chunks per Worker (\d+) \/ (\d+) \/ (\d+)$/.exec(await page.locator(`#compare .${cls}`).textContent());
      assert.ok(m, `${cls}: ${await page.locator(`#compare .${cls}`).textContent()}`);
      return { ms: Number(m[1]), chunks: m.slice(2).map(Number) };
    };
    const roundRobin = await load("compare-first");
    const leastLoaded = await load("compare-second");
    // 300 records: round-robin gives each of 3 Workers exactly 100, and all
    // 100 slow ones (every third) to the first, so it cannot take less than
    // 100 x 20 ms; least-loaded spreads them, and finishes sooner (2.1 s
    // against 1.2 s in Chromium here).
    assert.deepEqual(roundRobin.chunks, [100, 100, 100]);
    assert.equal(leastLoaded.chunks.reduce((a, b) => a + b), 300);
    assert.ok(roundRobin.ms >= 2000, `round-robin ${roundRobin.ms} ms`);
    assert.ok(leastLoaded.ms < roundRobin.ms, `least-loaded ${leastLoaded.ms} ms against round-robin ${roundRobin.ms} ms`);
    assert.equal(await row(page, "hash-field").locator(".lane").count(), 3);
    await page.screenshot({ path: suite.shot("preset-round-robin.png"), fullPage: true });

    took["memory-leak"] = await runPreset(page, "memory-leak");
    const [leaky, bounded] = await page.locator("#compare dd").allTextContents();
    const held = (text) => /^holds (\d+) chunks, (\d+) bytes; wasm memory ([\d.]+) (MiB|GiB) at the end$/.exec(text);
    assert.ok(held(leaky) && held(bounded), `${leaky} | ${bounded}`);
    assert.deepEqual(held(leaky).slice(1, 3).map(Number), [1024, 64 << 20], "the unbounded cache holds every chunk it saw");
    assert.deepEqual(held(bounded).slice(1, 3).map(Number), [16, 16 * 65536], "the bounded one its last 16");
    assert.ok(Number(held(leaky)[3]) >= 64 || held(leaky)[4] === "GiB", `the leak lives in wasm memory: ${leaky}`);
    await page.screenshot({ path: suite.shot("preset-memory-leak.png"), fullPage: true });

    took.upload = await runPreset(page, "upload");
    // The server's SHA-256 (the upload sink's result) and the one hashed
    // here are the same (the rest: tests/e2e/upload.test.mjs).
    const [server, here] = await page.locator("#compare dd").allTextContents();
    assert.match(server, /^[0-9a-f]{64}$/);
    assert.equal(server, here);
    assert.equal(await page.locator("#compare").getAttribute("data-same"), "true");

    took.duplex = await runPreset(page, "duplex");
    assert.equal(number(await page.locator("#report .total-chunks").textContent()), 120);
    // Each side filled to its own mark, and the server to its 2.
    const loopback = row(page, "loopback");
    assert.equal(await loopback.getAttribute("data-max-queue"), "4", "the writable side's queue at its mark");
    assert.equal(await loopback.getAttribute("data-max-read-queue"), "4", "the readable side's at its own");
    assert.equal(await loopback.getAttribute("data-max-server"), "2");
    // Every line back, unchanged: the sink got the counter's bytes.
    const sinkBytes = number(await page.locator("#report .total-bytes").textContent());
    assert.equal(sinkBytes, number(await row(page, "counter").locator(".bytes-out").textContent()));
    kinds = await eventKinds(page);
    assert.ok(kinds.includes("drain"), kinds.join());
    assert.ok(await page.evaluate(() => [...document.querySelectorAll("#events tbody tr")].some((r) => r.textContent.includes("transform loopback (readable side)"))), "the readable side's pulls are logged");

    took.generator = await runPreset(page, "generator");
    assert.equal(number(await page.locator("#report .total-chunks").textContent()), 200);
    // The body ran once per line: 200 times, each asked for by a pull().
    assert.equal(await page.locator(".generator-note").getAttribute("data-runs"), "200");
    assert.equal(await row(page, "iterable").getAttribute("data-max-queue"), "1", "the generator never ran ahead of its queue");
    assert.equal(await row(page, "uppercase").getAttribute("data-max-queue"), "2");

    t.diagnostic(`preset run times (ms, comparisons included): ${JSON.stringify(took)}`);
    assert.deepEqual(await foreignRequests(page), []);
    assert.deepEqual(await page.problems(), []);
    // Every preset the page offers was run above.
    const offered = await page.locator("#preset option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(Object.keys(took).sort(), offered.sort());
    await suite.record("playground.presets", `${Object.keys(took).length} of ${Object.keys(took).length}`);
    await suite.record("playground.jsHeap", hasHeap ? "✓" : "said: not exposed");
    await suite.record("playground.wasmMemory", "✓");
  });

  test("worker crashes and respawns show in the event log", async () => {
    const page = await openPage();
    await page.locator("#preset").selectOption("worker-crash");
    // Run only the crashing pipeline (Run, not Run preset), to read its log.
    await page.locator("#run").click();
    await finished(page);
    const kinds = await eventKinds(page);
    assert.ok(kinds.filter((k) => k === "crash").length >= 2, kinds.join());
    const restarts = /restarts (\d+)/.exec(await row(page, "hash-field").locator(".where").textContent())[1];
    assert.equal(kinds.filter((k) => k === "crash").length, Number(restarts));
    assert.deepEqual(await page.problems(), []);
  });

  // The Code tab's text, run as a module in a bare page that maps
  // "pipewright" to the package; resolves to the object its last line logs.
  async function runGeneratedCode(code) {
    const page = await suite.open("harness/harness.html");
    await page.addModule(code);
    const logs = await page.waitForLog((l) => typeof l === "object", { timeout: 60_000 });
    assert.deepEqual(await page.problems(), []);
    return logs.find((l) => typeof l === "object");
  }

  // What the clipboard holds, read as a page reads it: in a click handler
  // (a user gesture, which WebKit asks for, and then allows for text its
  // own origin wrote), with the permission granted where the driver can
  // grant it (chromedriver; Firefox's profile allows it by a pref).
  async function clipboardText(page) {
    await page.grant("clipboard-read");
    await page.evaluate(() => {
      const b = document.createElement("button");
      b.id = "test-read-clipboard";
      b.textContent = "read the clipboard";
      b.onclick = async () => {
        try {
          window.testClipboard = { text: await navigator.clipboard.readText() };
        } catch (e) {
          window.testClipboard = { error: String(e) };
        }
      };
      document.body.prepend(b);
    });
    await page.locator("#test-read-clipboard").click();
    const got = await page.waitForFunction(() => window.testClipboard);
    await page.evaluate(() => {
      document.querySelector("#test-read-clipboard").remove();
      delete window.testClipboard;
    });
    if (got.error) throw new Error(`${page.engine}: reading the clipboard: ${got.error}`);
    return got.text;
  }

  test("the Code tab's JavaScript runs and gives what the page gave", async () => {
    const page = await openPage();
    const cases = [];
    for (const [id, expect] of [
      ["encrypt-decrypt", async () => ({ result: await page.locator("#report .result-digest").textContent() })],
      ["csv-to-json", async () => ({ result: await page.locator("#report pre.preview").textContent() })],
      ["validate-users", async () => ({ chunks: number(await page.locator("#report .total-chunks").textContent()) })],
      // An async generator as the source, read to the end with for await.
      ["generator", async () => ({ chunks: number(await page.locator("#report .total-chunks").textContent()), bytes: number(await page.locator("#report .total-bytes").textContent()) })],
    ]) {
      await page.locator("#preset").selectOption(id);
      await page.locator("#run").click();
      await finished(page);
      const fromPage = await expect();
      await page.locator("#tab-code").click();
      const code = await page.locator("#code").textContent();
      assert.match(code, /from "pipewright"/);
      // Copy puts exactly that text on the clipboard.
      await page.locator("#copy-code").click();
      await page.locator("#copy-code", { hasText: "Copied" }).waitFor();
      assert.equal(await clipboardText(page), code);
      await page.locator("#tab-live").click();
      cases.push({ id, code, fromPage });
    }
    assert.deepEqual(await page.problems(), []);
    // The secret is a variable the reader fills in, never the value.
    const generator = cases.find((c) => c.id === "generator").code;
    assert.match(generator, /^async function\* lines\(count, seen = \(\) => \{\}\) \{$/m);
    assert.match(generator, /^  for await \(const chunk of readable\) await writer\.write\(chunk\);$/m);
    const secret = cases.find((c) => c.id === "encrypt-decrypt").code;
    assert.match(secret, /^const passphrase = "";$/m);
    assert.ok(!secret.includes("correct horse battery staple"), "the preset's passphrase is not in the code");
    for (const { id, code, fromPage } of cases) {
      const filled = code.replace('const passphrase = "";', 'const passphrase = "correct horse battery staple";');
      const fromCode = await runGeneratedCode(filled);
      for (const [k, v] of Object.entries(fromPage)) assert.equal(fromCode[k], v, `${id}: ${k}`);
    }
    await suite.record("playground.codeTab", "✓");
  });

  test("bad values and neighbours that don't fit are flagged before Run, in the API's words", async () => {
    const page = await openPage();
    const problem = page.locator("#problem");
    assert.equal(await problem.isHidden(), true);
    await page.locator("#source-count").fill("-5");
    await problem.waitFor();
    const flagged = await problem.textContent();
    assert.match(flagged, /^RangeError: pipeline spec: `source\.count` .*counter/);
    assert.equal(await page.locator("#source-count").getAttribute("aria-invalid"), "true");
    // Run gives the very same words.
    await page.locator("#run").click();
    await finished(page);
    assert.equal(await page.locator("#report .error").textContent(), flagged);

    await page.locator("#source-count").fill("10");
    await problem.waitFor({ state: "hidden" });
    assert.equal(await page.locator("#source-count").getAttribute("aria-invalid"), null);
    // Records into a byte stage: both neighbours named.
    for (const kind of ["ndjson-parse", "gzip"]) {
      await page.locator("#add-kind").selectOption(kind);
      await page.locator("#add-transform").click();
    }
    await problem.waitFor();
    assert.match(await problem.textContent(), /`gzip` takes bytes but `ndjson-parse` \(stages\[1\]\) gives records/);
    assert.equal(await page.locator("#stage-2-kind").getAttribute("aria-invalid"), "true");
    assert.deepEqual(await page.problems(), []);
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

  // Picks the option whose title starts with `title` in the focused select with the arrow
  // keys. (Typing the title works for the first word typed in WebKitGTK
  // under WebDriver and not after: a second word leaves the select as it
  // was. Arrows are the other way a keyboard user picks, in every engine.)
  async function chooseWithArrows(page, selector, title) {
    const delta = await page.evaluate(([sel, t]) => {
      const select = document.querySelector(sel);
      return [...select.options].findIndex((o) => o.textContent.startsWith(t)) - select.selectedIndex;
    }, [selector, title]);
    for (let k = 0; k < Math.abs(delta); k += 1) await page.keyboard.press(delta > 0 ? "ArrowDown" : "ArrowUp");
    assert.ok((await page.evaluate((sel) => document.querySelector(sel).selectedOptions[0].textContent, selector)).startsWith(title));
  }

  test("a three-stage pipeline is built and run with the keyboard alone", async () => {
    const page = await openPage();
    await page.locator("body").focus();
    // Remove the default transform.
    await tabTo(page, '[aria-label="Remove Transform 1"]');
    await page.keyboard.press("Enter");
    assert.equal(await page.locator("#transforms li").count(), 0);
    // Source: lorem, 100000 bytes.
    await tabTo(page, "#source-kind");
    await chooseWithArrows(page, "#source-kind", "Lorem");
    await tabTo(page, "#source-bytes");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type("100000");
    // Three transforms: gzip, gunzip, uppercase, then gunzip moved last.
    for (const title of ["Gzip", "Gunzip", "Uppercase"]) {
      await tabTo(page, "#add-kind");
      await chooseWithArrows(page, "#add-kind", title);
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
    }
    await tabTo(page, '[aria-label="Move down Transform 2"]');
    await page.keyboard.press("Enter");
    // Sink: digest.
    await tabTo(page, "#sink-kind");
    await chooseWithArrows(page, "#sink-kind", "Digest");
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
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.keyboard", "✓");
  });

  // Drags `from` onto `to`. Where the driver's pointer actions start an
  // HTML drag session (chromedriver), a real drag; geckodriver and
  // WebKitWebDriver start none (measured: the drop never arrives), so there
  // the events a person's drag fires (dragstart, dragenter, dragover, drop,
  // dragend) are dispatched in the page, carrying one DataTransfer.
  async function dragTo(page, from, to) {
    if (suite.engine.pointerDrag) {
      await page.driver.actions().dragAndDrop(await page.locator(from).element(), await page.locator(to).element()).perform();
      return;
    }
    await page.evaluate(([fromSel, toSel]) => {
      const source = document.querySelector(fromSel);
      const target = document.querySelector(toSel);
      const dataTransfer = new DataTransfer();
      const fire = (node, type) => node.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }));
      fire(source, "dragstart");
      fire(target, "dragenter");
      fire(target, "dragover");
      fire(target, "drop");
      fire(source, "dragend");
    }, [from, to]);
  }

  test("transforms reorder by dragging their handle", async () => {
    const page = await openPage();
    for (const kind of ["gzip", "identity"]) {
      await page.locator("#add-kind").selectOption(kind);
      await page.locator("#add-transform").click();
    }
    const kinds = () => page.locator("#transforms select[id$=-kind]").evaluateAll((s) => s.map((x) => x.value));
    assert.deepEqual(await kinds(), ["uppercase", "gzip", "identity"]);
    await dragTo(page, "#transforms li:nth-child(3) .handle", "#transforms li:nth-child(1)");
    assert.deepEqual(await kinds(), ["identity", "uppercase", "gzip"]);
    await dragTo(page, "#transforms li:nth-child(1) .handle", "#transforms li:nth-child(2)");
    assert.deepEqual(await kinds(), ["uppercase", "identity", "gzip"]);
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.drag", suite.engine.pointerDrag ? "✓ (pointer drag)" : "✓ (drag events dispatched)");
  });

  test("a dropped file becomes the source, and its download keeps its name plus .gz", async () => {
    const page = await openPage();
    await page.locator("#preset").selectOption("compress-file");
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
    await page.locator("#run-preset").click();
    await finished(page);
    const link = page.locator("#report a.download");
    const download = await page.download(link);
    assert.equal(download.name, "notes.txt.gz");
    assert.equal(gunzipSync(download.bytes).toString("utf8"), text);
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.fileDrop", "✓");
  });

  test("at 375 px wide the page fits, its controls are labelled, and a preset runs", async () => {
    // Browser windows have a minimum width (Firefox's headless window 500
    // px, MiniBrowser's 447 px, measured), so the page is loaded into a
    // 375 × 800 iframe: to its CSS and layout, a 375 px viewport.
    const page = await suite.open("harness/harness.html");
    await page.evaluate(() => {
      const frame = document.createElement("iframe");
      frame.id = "phone";
      frame.title = "the playground, 375 px wide";
      frame.src = "/";
      frame.style.cssText = "display: block; width: 375px; height: 800px; border: 0";
      document.body.style.margin = "0";
      document.body.append(frame);
    });
    await page.enterFrame(page.locator("#phone"));
    await page.locator("#status", { hasText: "Ready." }).waitFor();
    assert.equal(await page.evaluate(() => innerWidth), 375);
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
    await page.locator("#preset").selectOption("csv-to-json");
    await page.locator("#run-preset").click();
    await finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), "still no sideways scrolling");
    assert.deepEqual(await page.problems(), []);
    await page.leaveFrame();
    await page.locator("#phone").screenshot({ path: suite.shot("playground-375px.png") });
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.narrow", "✓");
  });

  test("the docs page's two embeds run on their own, each sized to its container", async () => {
    const page = await suite.open("examples/docs.html", { viewport: { width: 1200, height: 1000 } });
    // A locator's next step looks inside the element's shadow root.
    const first = page.locator("#first");
    const second = page.locator("#second");
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
    // Both run at once, each with its own result. The second is started
    // from the keyboard (focus, Enter), as a keyboard user would: a pointer
    // click on it can land while the first's live view is growing the page
    // (once in a full fresh-clone run, the second never started).
    await first.locator("#run-preset").click();
    await second.locator("#run").focus();
    await page.keyboard.press("Enter");
    assert.equal(await first.locator("#status").textContent(), "Running…");
    await second
      .locator("#status", { hasText: "Done." })
      .waitFor()
      .catch(async (e) => {
        throw new Error(`${e.message}; the second says "${await second.locator("#status").textContent()}"`);
      });
    await first.locator("#status", { hasText: "Done." }).waitFor({ timeout: 20_000 });
    assert.equal(number(await first.locator("#report .total-chunks").textContent()), 400);
    assert.match(await second.locator("#report pre.preview").textContent(), /"id":"49"/);
    assert.equal(await page.locator("pipewright-playground").locator("#stages").count(), 2);
    await page.screenshot({ path: suite.shot("docs-embeds.png"), fullPage: true });
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.embeds", "✓");
  });

  test("a removed <pipewright-playground> leaves no animation-frame loop running; put back, its meter runs again", async () => {
    const page = await suite.open("examples/docs.html");
    await page.locator("#first").locator("#status", { hasText: "Ready." }).waitFor();
    await page.locator("#second").locator("#status", { hasText: "Ready." }).waitFor();
    // Count animation-frame requests from here on (the meters ask for one
    // every frame while they run), in the page's own realm.
    await page.runModule(`
      const raf = window.requestAnimationFrame.bind(window);
      window.__frames = 0;
      window.requestAnimationFrame = (cb) => {
        window.__frames += 1;
        return raf(cb);
      };`);
    const framesIn = (ms) => page.runModule(`window.__frames = 0; await new Promise((r) => setTimeout(r, ${ms})); return window.__frames;`);
    assert.ok((await framesIn(500)) > 0, "two mounted playgrounds draw their meters");
    await page.runModule(`
      window.__removed = [...document.querySelectorAll("pipewright-playground")];
      for (const el of window.__removed) el.remove();
      await new Promise((r) => setTimeout(r, 100));`);
    assert.equal(await framesIn(500), 0, "removed, nothing of them asks for frames");
    await page.runModule(`document.body.append(window.__removed[1]);`);
    assert.ok((await framesIn(500)) > 0, "put back, its meter runs again");
    assert.deepEqual(await page.problems(), []);
  });

  test("embed.html restores a pipeline from its fragment, for iframes", async () => {
    const spec = { source: { kind: "counter", count: 7 }, stages: [], sink: { kind: "count" } };
    const page = await suite.open(`embed.html#spec=${encodeURIComponent(JSON.stringify(spec))}`);
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
    assert.equal(await page.evaluate(() => window.pwned === undefined), true);
    assert.deepEqual(await page.problems(), []);
    // ?preset= with ?autorun runs it on load, as the attributes do.
    await page.goto(`${suite.url}embed.html?preset=csv-to-json&autorun&compact`);
    await playground.locator("#status", { hasText: "Done." }).waitFor();
    assert.equal(await playground.locator("#preset").inputValue(), "csv-to-json");
    assert.match(await playground.locator("#report pre.preview").textContent(), /"id":"20000"/);
    assert.deepEqual(await page.problems(), []);
    await suite.record("playground.embedHtml", "✓");
  });
});
