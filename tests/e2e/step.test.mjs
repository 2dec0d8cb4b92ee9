// Step mode (issue 14, part 2) on the page, in Chromium, Firefox ESR and
// WebKitGTK: Step (the button, or the S key) starts the slow-consumer
// preset held at the sink; each press lets the sink take exactly one chunk,
// and the step is narrated in the WHATWG streams' words and in Node's while
// the live table and the flow view show the queues one chunk at a time.
// The gate and the narration below the page: tests/step.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";

eachEngine((suite) => {
  // The narrated lines of step `k`, as [stage, WHATWG, Node].
  const stepLines = (page, k) =>
    page.evaluate(
      (k) =>
        [...document.querySelectorAll(`.step-list li[data-step="${k}"] tbody tr`)].map((tr) => [...tr.cells].map((c) => c.textContent)),
      k,
    );
  const waitStep = (page, k) => page.locator(`.step-list li[data-step="${k}"]`).waitFor();
  // The sink's chunks in, from the live table's row (“in → out”).
  const taken = (page) =>
    page.evaluate(() => {
      const flow = document.querySelector('.flow-svg .flow-stage[data-kind="throttle"] .flow-total');
      return flow?.textContent ?? "";
    });

  test("slow consumer, step by step: one chunk per press, the queues at their marks, narrated both ways; then Run to the end", async () => {
    const page = await suite.openReady();
    await page.locator("#preset").selectOption("slow-consumer");
    await page.locator("#step").click();
    await waitStep(page, 0);
    assert.match(await page.locator(".step-now").textContent(), /^Start: each stage fills its queue up to its highWaterMark/);
    assert.equal(await page.locator("#run").textContent(), "Run to the end");
    const start = await stepLines(page, 0);
    assert.deepEqual(start.at(-1), ["pipeline", "desiredSize now: counter 0 · uppercase 0 · throttle 0", "buffered / highWaterMark: counter 1/1 · uppercase 4/4 · throttle 1/1"]);
    assert.ok(start.some(([stage, web]) => stage === "source counter" && /^pull\(\) ran ×6: enqueue\(\) of 6 chunks$/.test(web)), JSON.stringify(start));

    // The key: S, with the focus on a button (not in a field).
    await page.locator("#step").focus();
    await page.keyboard.press("s");
    await waitStep(page, 1);
    assert.equal(await page.locator(".step-now").textContent(), "Step 1: the sink took 1 chunk, and the source was pulled for 1 more chunk");
    const one = await stepLines(page, 1);
    assert.deepEqual(one[0], ["sink throttle", "write(chunk 1) ran and its promise resolved", "_write(chunk 1) called back: the chunk is done"]);
    assert.ok(one.some(([stage, web, node]) => stage === "transform uppercase" && /writer\.ready resolved/.test(web) && /^'drain'/.test(node)), JSON.stringify(one));
    assert.ok(one.some(([stage, , node]) => stage === "source counter" && node === "_read() called: push() of 1 chunk"));
    assert.deepEqual(one.at(-1), ["pipeline", "desiredSize now: counter 0 · uppercase 0 · throttle 0", "buffered / highWaterMark: counter 1/1 · uppercase 4/4 · throttle 1/1"]);

    // S typed into a field types; it does not step.
    const field = page.locator("#builder input").first();
    await field.focus();
    await page.keyboard.press("s");
    await page.locator("#step").click();
    await page.locator("#step").click();
    await waitStep(page, 3);
    assert.equal(await page.locator(".step-list li").count(), 4, "steps 0–3 and no other");
    assert.match((await stepLines(page, 3))[0][1], /^write\(chunk 3\) ran/);
    // The views show the same moment: three taken, uppercase still at its mark.
    await page.locator("#tab-flow").click();
    await page.waitForFunction(() => document.querySelector('.flow-svg .flow-stage[data-kind="uppercase"]')?.dataset.queue === "4");
    assert.match(await taken(page), /^3 taken$/);
    await page.locator("#tab-live").click();

    await page.locator("#run").click();
    await suite.finished(page);
    assert.equal(await page.locator("#status").textContent(), "Done.");
    assert.match(await page.locator(".report").textContent(), /400/);
    assert.equal(await page.locator("#run").textContent(), "Run again");
    assert.deepEqual(await page.problems(), []);
    await suite.record("step.mode", "✓");
  });

  test("Abort while the sink waits for Step ends the run at once", async () => {
    const page = await suite.openReady();
    await page.locator("#preset").selectOption("slow-consumer");
    await page.locator("#step").click();
    await waitStep(page, 0);
    await page.locator("#abort").click();
    await suite.finished(page);
    assert.equal(await page.locator("#status").textContent(), "Aborted.");
    assert.equal(await page.locator("#step").getAttribute("disabled"), null, "Step can start a new run");
    assert.deepEqual(await page.problems(), []);
  });

  test("generators as sources, step by step: the generator's body runs once per pull, one more line per chunk the sink takes", async () => {
    const page = await suite.openReady();
    await page.locator("#preset").selectOption("generator");
    await page.locator("#step").click();
    await waitStep(page, 0);
    const runs = async () => Number(await page.locator(".generator-note").getAttribute("data-runs"));
    const pulled = () => page.evaluate(() => Number(document.querySelector('#stages tbody tr[data-role="source"] .chunks-out').textContent.replaceAll(",", "")));
    // Filled: the source's queue (1), uppercase's (2), and one in the sink's.
    assert.equal(await runs(), 4, "the body ran only for the lines the queues hold");
    assert.equal(await pulled(), 4);
    for (let k = 1; k <= 3; k += 1) {
      await page.locator("#step").click();
      await waitStep(page, k);
      const lines = await stepLines(page, k);
      assert.ok(
        lines.some(([stage, web, node]) => stage === "source iterable" && web === "pull() ran: iterator.next() resumed the generator's body, which yielded 1 chunk" && node === "_read() called: Readable.from(generator) called next() for 1 value"),
        JSON.stringify(lines),
      );
      assert.equal(await runs(), 4 + k, `after ${k} steps the body has run ${4 + k} times`);
      assert.equal(await pulled(), 4 + k);
    }
    assert.match(await page.locator(".generator-note").textContent(), /^The generator's body has run 7 times: line 7 is the last it yielded/);
    await page.locator("#abort").click();
    await suite.finished(page);
    assert.deepEqual(await page.problems(), []);
    await suite.record("preset.generator", "✓");
  });
});
