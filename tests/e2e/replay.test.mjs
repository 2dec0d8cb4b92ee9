// Record and replay (issue 14, part 3) on the page, in Chromium, Firefox ESR
// and WebKitGTK: every run is recorded; after it ends the scrubber, the
// frame buttons, the arrow keys and Play move through it and the table, the
// flow view, the charts and the log all show that moment; a run exported as
// JSON loads again; a file that is not a run, or a hostile one, gets a
// message as text and runs nothing; Compare puts two runs on one time axis.
// The recording's format below the page: tests/recording.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";

const SLOW = {
  source: { kind: "counter", count: 60 },
  stages: [{ kind: "uppercase", highWaterMark: 4 }],
  sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 50 },
};
const PUSH = {
  source: { kind: "push", bytes: 1 << 20, chunkSize: 16384 },
  stages: [],
  sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 100 },
};
const link = (spec) => `index.html#spec=${encodeURIComponent(JSON.stringify(spec))}`;

eachEngine((suite) => {
  // What the views show now: the sink's chunks in (table), the log's rows
  // and last time, the timeline's points, the report's text, the time label.
  const views = (page) =>
    page.evaluate(() => {
      const row = document.querySelector('#stages tbody tr[data-role="sink"]');
      const times = [...document.querySelectorAll("#events tbody td.t")].map((td) => parseFloat(td.textContent));
      return {
        sinkIn: Number(row?.querySelector(".chunks-in")?.textContent.replaceAll(",", "")),
        logRows: times.length,
        logLast: times.at(-1),
        points: Number(document.querySelector("#timeline").dataset.points ?? 0),
        report: document.querySelector(".report").textContent,
        time: document.querySelector(".replay-time").textContent,
        value: Number(document.querySelector("#scrub").value),
      };
    });
  const scrubTo = (page, k) =>
    page.evaluate((k) => {
      const scrub = document.querySelector("#scrub");
      scrub.value = String(k);
      scrub.dispatchEvent(new Event("input", { bubbles: true }));
    }, k);

  let exported = null;

  test("a run is recorded: scrubber, frame steps, arrow keys and Play show each moment in every view; exported as JSON", async () => {
    const page = await suite.openReady(link(SLOW));
    await page.locator("#run").click();
    await suite.finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    const saved = await page.download(page.locator("#export-run"));
    assert.match(saved.name, /^pipewright-run-\d+\.json$/);
    const recording = JSON.parse(saved.bytes.toString("utf8"));
    exported = saved.bytes;
    assert.equal(recording.format, "pipewright-run");
    const frames = recording.frames;
    const n = frames.length;
    assert.ok(n >= 8, `${n} frames`);
    assert.equal(frames.at(-1).stages.at(-1).chunksIn, 60);
    const end = await views(page);
    assert.equal(end.value, n - 1, "the scrubber starts at the run's end");
    assert.match(end.time, new RegExp(`frame ${n} of ${n}$`));
    assert.equal(end.sinkIn, 60);

    // The middle: every view at that moment.
    const k = Math.floor(n / 2);
    await scrubTo(page, k);
    const mid = await views(page);
    assert.equal(mid.sinkIn, frames[k].stages.at(-1).chunksIn, "the table shows frame k's count");
    assert.ok(mid.sinkIn > 0 && mid.sinkIn < 60, `${mid.sinkIn}`);
    assert.ok(mid.logLast <= frames[k].elapsedMs / 1000 + 0.005, `log up to ${mid.logLast} s`);
    assert.ok(mid.logRows < end.logRows, "the log holds only what happened by then");
    assert.ok(mid.points < end.points, "the charts end at that moment");
    assert.equal(mid.report, "", "no report before the end");
    assert.match(mid.time, new RegExp(`^${(frames[k].elapsedMs / 1000).toFixed(2)} s of .* · frame ${k + 1} of ${n}$`));
    await page.locator("#tab-flow").click();
    assert.equal(await page.locator('.flow-svg .flow-stage[data-kind="throttle"] .flow-total').textContent(), `${frames[k].stages.at(-1).chunksIn} taken`);
    assert.equal(await page.locator('.flow-svg .flow-stage[data-kind="uppercase"]').getAttribute("data-queue"), String(frames[k].stages[1].queue));
    await page.locator("#tab-live").click();

    // One frame on, by button and by arrow key; one back.
    await page.locator("#frame-next").click();
    assert.equal((await views(page)).sinkIn, frames[k + 1].stages.at(-1).chunksIn);
    await page.locator("#scrub").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal((await views(page)).value, k + 2);
    assert.equal((await views(page)).sinkIn, frames[k + 2].stages.at(-1).chunksIn);
    await page.locator("#frame-back").click();
    assert.equal((await views(page)).sinkIn, frames[k + 1].stages.at(-1).chunksIn);

    // Play to the end, at the recorded pace: the report comes back.
    await page.locator("#play").click();
    assert.equal(await page.locator("#play").textContent(), "Pause");
    await page.waitForFunction((n) => Number(document.querySelector("#scrub").value) === n - 1 && document.querySelector("#play").textContent === "Play", n, { timeout: 30_000 });
    const played = await views(page);
    assert.equal(played.sinkIn, 60);
    assert.match(played.report, /60/);
    assert.equal(played.logRows, end.logRows, "the same log as the live run's end");
    assert.deepEqual(await page.problems(), []);
  });

  test("an exported run loads again; files that are not runs get a message as text and run nothing", async () => {
    assert.ok(exported, "the export from the test before");
    const page = await suite.openReady();
    const note = page.locator(".replay-note");
    await page.locator("#load-run").setInputFiles({ name: "run.json", buffer: exported });
    await page.waitForFunction(() => /^Loaded run\.json: \d+ frames over/.test(document.querySelector(".replay-note").textContent));
    const recording = JSON.parse(exported.toString("utf8"));
    const loaded = await views(page);
    assert.equal(loaded.value, recording.frames.length - 1);
    assert.equal(loaded.sinkIn, 60);
    assert.equal(await page.locator("#source-kind").inputValue(), "counter", "the builder holds its pipeline");
    await scrubTo(page, 1);
    assert.equal((await views(page)).sinkIn, recording.frames[1].stages.at(-1).chunksIn);

    const hostile = structuredClone(recording);
    hostile.label = '<img src=x onerror="alert(1)">';
    hostile.frames[0].stages[1].kind = '<img src=x onerror="alert(2)">';
    const files = [
      [{ name: "notes.json", buffer: Buffer.from("<script>alert(3)</script>") }, /^notes\.json is not a run this page can replay: it is not JSON/],
      [{ name: "evil.json", buffer: Buffer.from(JSON.stringify(hostile)) }, /^evil\.json is not a run this page can replay: frames\[0\]\.stages\[1\] is transform <img src=x onerror="alert\(2\)"> where the spec has transform uppercase\.$/],
      [{ name: "other.json", buffer: Buffer.from(JSON.stringify({ format: "x" })) }, /format must be "pipewright-run": this is not a Pipewright run/],
    ];
    for (const [file, message] of files) {
      await page.locator("#load-run").setInputFiles(file);
      await page.waitForFunction((name) => document.querySelector(".replay-note").textContent.startsWith(name), file.name);
      assert.match(await note.textContent(), message);
      assert.equal(await note.getAttribute("class"), "replay-note error");
    }
    assert.equal(await page.evaluate(() => document.querySelectorAll("img").length), 0, "no markup from a file reached the page");
    // The label of a loaded run is text too.
    hostile.frames[0].stages[1].kind = "uppercase";
    await page.locator("#load-run").setInputFiles({ name: "label.json", buffer: Buffer.from(JSON.stringify(hostile)) });
    await page.waitForFunction(() => document.querySelector(".replay-note").textContent.startsWith("Loaded label.json"));
    assert.ok((await page.locator("#run-b option").allTextContents()).some((t) => t.includes('<img src=x onerror="alert(1)">')));
    assert.equal(await page.evaluate(() => document.querySelectorAll("img").length), 0);
    assert.deepEqual(await page.dialogs(), [], "no script ran");
    assert.deepEqual(await page.problems(), []);
  });

  test("Compare: the slow consumer and the no-backpressure preset on one time axis, with their figures", async () => {
    const page = await suite.openReady(link(SLOW));
    await page.locator("#run").click();
    await suite.finished(page);
    assert.equal(await page.evaluate(() => document.querySelector("#compare-runs").disabled), true, "one run: nothing to compare yet");
    await page.locator("#preset").selectOption("no-backpressure");
    await page.locator("#run").click();
    await suite.finished(page);
    const options = await page.locator("#run-a option").allTextContents();
    assert.equal(options.length, 2);
    assert.match(options[0], /^Run 1: counter → uppercase → throttle \(done in /);
    assert.match(options[1], /^Run 2: No backpressure \(done in /);
    await page.locator(".compare-runs summary").click();
    await page.locator("#compare-runs").click();
    const row = (key) => page.evaluate((key) => [...document.querySelectorAll(`.compare-table tr[data-row="${key}"] td`)].map((td) => td.textContent), key);
    const held = (await row("peakHeld")).map((t) => Number(t.replaceAll(",", "")));
    assert.ok(held[0] <= 6, `the slow consumer holds at most its marks (1 + 4 + 1): ${held[0]}`);
    assert.ok(held[1] > 100, `the push source runs far past its mark: ${held[1]}`);
    assert.deepEqual(await row("taken"), ["60", "256"]);
    const heap = await row("heapGrowth");
    if (suite.name === "chromium") assert.ok(heap.every((t) => /^\d[\d.,]* (B|KiB|MiB|GiB)$/.test(t)), heap.join());
    else assert.deepEqual(heap, ["not exposed by this browser", "not exposed by this browser"]);
    const points = Number(await page.locator(".compare-held").getAttribute("data-points"));
    assert.ok(points > 10, `${points} moments on the shared axis`);
    assert.deepEqual(await page.problems(), []);
    await suite.record("replay", "✓");
  });
});
