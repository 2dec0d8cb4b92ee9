// The Flow tab (issue 14): the pipeline drawn left to right, each chunk a
// marble in the queue of the stage it is in against that queue's
// highWaterMark, a stage pushing back drawn so, records as squares, fast
// runs sampled with the true counts beside them, reached by keyboard, and
// the same events as a list. In Chromium, Firefox ESR and WebKitGTK.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";

const number = (text) => Number(text.replaceAll(",", ""));

eachEngine((suite) => {
  const openPage = suite.openReady;
  const finished = suite.finished;
  const column = (page, kind) => page.locator(`.flow-svg .flow-stage[data-kind="${kind}"]`);

  test("slow consumer: the Flow tab by keyboard, four marbles at uppercase's mark of 4 while it pushes back, and the list says so", async () => {
    const page = await openPage();
    await page.locator("#preset").selectOption("slow-consumer");
    // Arrow keys move between the tabs: Live → Flow.
    await page.locator("#tab-live").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.locator("#tab-flow").getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "tab-flow");
    assert.equal(await page.locator("#panel-flow").isVisible(), true);
    assert.equal(await page.locator("#panel-live").isVisible(), false);

    await page.locator("#run-preset").click();
    // Mid-run: uppercase's queue at its mark, drawn as 4 marbles, pushing
    // back. Everything about that moment is read in the same evaluation:
    // the next snapshot (100 ms on) may already show 3.
    const moment = await page.waitForFunction(() => {
      const g = document.querySelector('.flow-svg .flow-stage[data-kind="uppercase"]');
      if (!(g && g.dataset.queue === "4" && g.classList.contains("pushing-back") && g.querySelectorAll(".queued-marble").length === 4)) return null;
      const marbles = [...g.querySelectorAll(".queued-marble")];
      return {
        over: g.querySelectorAll(".queued-marble.over").length,
        count: g.querySelector(".flow-count").textContent,
        markY: Number(g.querySelector(".flow-mark").getAttribute("y1")),
        topMarble: Math.min(...marbles.map((m) => Number(m.getAttribute("cy")))),
        summary: document.querySelector(".flow-summary").textContent,
      };
    });
    await page.screenshot({ path: suite.shot("flow-view.png") });
    assert.equal(moment.over, 0, "none past the mark: backpressure holds it there");
    assert.match(moment.count, /^queue 4 \/ 4$/);
    // The mark is drawn just above the row that holds the 4.
    assert.ok(moment.markY < moment.topMarble, `the mark (${moment.markY}) above the marbles (${moment.topMarble})`);
    assert.match(moment.summary, /uppercase: queue 4 of 4, pushing back/);
    await finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    // The list: what moved, with the true counts, and who pushed back.
    const lines = await page.locator(".flow-log li").allTextContents();
    assert.ok(lines.length >= 5, `${lines.length} lines`);
    assert.ok(lines.every((l) => /^\d+\.\d\d s: /.test(l)), lines[0]);
    assert.ok(lines.some((l) => /\d+ chunks? counter → uppercase/.test(l)));
    assert.ok(lines.some((l) => /uppercase pushing back, queue 4 of 4/.test(l)));
    const moved = lines.reduce((n, l) => n + Number(/(\d+) taken by throttle/.exec(l)?.[1] ?? 0), 0);
    assert.equal(moved, 400, "the list's counts add up to every chunk the sink took");
    assert.match(await column(page, "throttle").locator(".flow-total").textContent(), /^400 taken$/);
    assert.deepEqual(await page.problems(), []);
    await suite.record("flow.view", "✓");
  });

  test("a fast run is sampled: a bounded number of marbles on screen, exact counts beside them; records are squares", async () => {
    const spec = {
      source: { kind: "users", format: "ndjson", count: 3000, chunkSize: 4096 },
      stages: [{ kind: "ndjson-parse", highWaterMark: 64 }, { kind: "validate", minLength: 6, highWaterMark: 200 }],
      sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 2000, highWaterMark: 200 },
    };
    const page = await openPage(`index.html#spec=${encodeURIComponent(JSON.stringify(spec))}`);
    await page.locator("#tab-flow").click();
    await page.locator("#run").click();
    let mostMarbles = 0;
    let sawRecords = false;
    let sawOverflowNote = false;
    while ((await page.locator("#status").textContent()) === "Running…") {
      const seen = await page.evaluate(() => ({
        marbles: document.querySelectorAll(".flow-svg .queued-marble, .flow-svg .moving-marble").length,
        records: document.querySelectorAll(".flow-svg .queued-marble.record").length,
        note: [...document.querySelectorAll(".flow-svg .flow-count")].some((t) => /drawn\)$/.test(t.textContent)),
      }));
      mostMarbles = Math.max(mostMarbles, seen.marbles);
      sawRecords ||= seen.records > 0;
      sawOverflowNote ||= seen.note;
      await new Promise((r) => setTimeout(r, 50));
    }
    await finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    assert.ok(sawRecords, "records waiting in a queue were drawn as squares");
    assert.ok(sawOverflowNote, "a queue longer than the drawing says how many are drawn");
    assert.ok(mostMarbles <= 4 * 48 + 300, `at most 48 per queue and 300 moving: ${mostMarbles}`);
    // The exact counts, as the Live table has them.
    const sinkTaken = number(/^([\d,]+) taken$/.exec(await column(page, "throttle").locator(".flow-total").textContent())[1]);
    await page.locator("#tab-live").click();
    const live = number(await page.locator("#report .total-chunks").textContent());
    assert.equal(sinkTaken, live);
    assert.ok(live > 2000 && live <= 3000, `${live} valid records`);
    assert.deepEqual(await page.problems(), []);
  });
});
