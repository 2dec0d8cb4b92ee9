// End-to-end: a panic in a stage (injected on purpose with the test-only
// `panicAt` option, on the main thread) traps the wasm instance. The stream
// errors with a PipewrightError naming the stage, streams of the old
// instance stop instead of hanging, the module is replaced, and the next
// pipeline runs normally; the page says what happened. In Chromium,
// Firefox ESR and WebKitGTK.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";

// The one console error a panic leaves: console_error_panic_hook's report.
const onlyThePanicReport = (problems) => {
  assert.ok(problems.length >= 1, "the panic is reported on the console");
  for (const p of problems) assert.match(p, /^console\.error: panicked at .*panicAt \d+ \(a fault injected on purpose\)/s);
};

eachEngine((suite) => {
  test("a panicking stage fails its stream, stops the old instance's streams, and the next pipeline runs", async () => {
    const page = await suite.open("harness/harness.html");
    const result = await page.runModule(`
      const pw = await import("/pkg/pipewright.js");
      await pw.default();
      const caught = (e) => ({ name: e.name, stage: e.stage ?? null, message: e.message });
      // A slow pipeline of the same instance, in flight when the panic
      // comes: a throttled sink (2 chunks a second) with chunks queued.
      const slow = pw.runPipeline({ source: { kind: "counter", count: 1000 }, stages: [{ kind: "identity" }], sink: { kind: "throttle", chunksPerSecond: 2, bytesPerSecond: 0 } }).then(
        () => ({ settled: "resolved" }),
        (e) => ({ settled: "rejected", ...caught(e) }),
      );
      await new Promise((r) => setTimeout(r, 300));
      // A stream composed by hand whose uppercase stage panics on chunk 3.
      let hand = null;
      const sink = pw.createSink("count", {});
      try {
        await pw.createSource("counter", { count: 10 }).pipeThrough(pw.createTransform("uppercase", { panicAt: 3 })).pipeTo(sink);
      } catch (e) {
        hand = caught(e);
      }
      const slowOutcome = await Promise.race([slow, new Promise((r) => setTimeout(() => r({ settled: "pending after 5 s" }), 5000))]);
      // The module works again: a pipeline and a hand-built stream.
      const after = await pw.runPipeline({ source: { kind: "counter", count: 100 }, stages: [{ kind: "uppercase" }, { kind: "sha256" }], sink: { kind: "collect" } });
      const chunks = [];
      await pw.createSource("counter", { count: 3 }).pipeThrough(pw.createTransform("uppercase", {})).pipeTo(new WritableStream({ write(c) { chunks.push(new TextDecoder().decode(c)); } }));
      // runPipeline with a panicking stage rejects naming it (no hang), and
      // the module recovers a second time.
      let run = null;
      try {
        await pw.runPipeline({ source: { kind: "counter", count: 50 }, stages: [{ kind: "identity" }, { kind: "uppercase", panicAt: 5 }], sink: { kind: "count" } });
      } catch (e) {
        run = caught(e);
      }
      const again = await pw.runPipeline({ source: { kind: "counter", count: 20 }, stages: [], sink: { kind: "count" } });
      // In Workers the option is refused: there, crashAt is the fault.
      let pooled = null;
      try {
        pw.createTransform("uppercase", { pool: 2, panicAt: 1 });
      } catch (e) {
        pooled = caught(e);
      }
      return { hand, slowOutcome, after: [after.ok, after.totals.chunks], chunks, run, again: [again.ok, again.totals.chunks], pooled };
    `);
    const crashed = "uppercase: the stage crashed (uppercase: panicAt 3 (a fault injected on purpose)); Pipewright restarted its WebAssembly module, so the next pipeline runs normally";
    assert.deepEqual(result.hand, { name: "PipewrightError", stage: "uppercase", message: crashed });
    assert.equal(result.slowOutcome.settled, "rejected", JSON.stringify(result.slowOutcome));
    assert.equal(result.slowOutcome.name, "PipewrightError");
    assert.match(result.slowOutcome.message, /stopped: Pipewright restarted its WebAssembly module after a crash in uppercase|the stage crashed/);
    assert.deepEqual(result.chunks, ["CHUNK 0\n", "CHUNK 1\n", "CHUNK 2\n"]);
    assert.equal(result.run.name, "PipewrightError");
    assert.equal(result.run.stage, "uppercase");
    assert.match(result.run.message, /^uppercase: the stage crashed \(uppercase: panicAt 5/);
    assert.deepEqual(result.after, [true, 1], "counter → uppercase → sha256 → collect: one digest");
    assert.deepEqual(result.again, [true, 20]);
    assert.equal(result.pooled.name, "RangeError");
    assert.match(result.pooled.message, /panicAt/);
    onlyThePanicReport(await page.problems());
    await suite.record("crash.recovers", "✓");
  });

  test("a trap that is no panic (trapAt) also fails only its stream, and the module is replaced", async () => {
    const page = await suite.open("harness/harness.html");
    const result = await page.runModule(`
      const pw = await import("/pkg/pipewright.js");
      await pw.default();
      let trapped = null;
      try {
        await pw.runPipeline({ source: { kind: "counter", count: 30 }, stages: [{ kind: "uppercase", trapAt: 4 }], sink: { kind: "count" } });
      } catch (e) {
        trapped = { name: e.name, stage: e.stage ?? null, message: e.message };
      }
      const after = await pw.runPipeline({ source: { kind: "counter", count: 30 }, stages: [{ kind: "uppercase" }], sink: { kind: "count" } });
      return { trapped, after: [after.ok, after.totals.chunks] };
    `);
    assert.equal(result.trapped.name, "PipewrightError");
    assert.equal(result.trapped.stage, "uppercase");
    // The engine words the trap itself ("unreachable", "Unreachable code
    // should not be executed", …).
    assert.match(result.trapped.message, /^uppercase: the stage crashed \(.+\); Pipewright restarted its WebAssembly module, so the next pipeline runs normally$/);
    assert.deepEqual(result.after, [true, 30]);
    assert.deepEqual(await page.problems(), []);
  });

  test("the page says a stage crashed and runs the next pipeline", async () => {
    const spec = { source: { kind: "counter", count: 40 }, stages: [{ kind: "uppercase", panicAt: 7 }], sink: { kind: "count" } };
    const page = await suite.open(`index.html#spec=${encodeURIComponent(JSON.stringify(spec))}`);
    await page.locator("#status", { hasText: "Ready." }).waitFor();
    await page.locator("#run").click();
    await page.locator("#status", { hasText: "Failed." }).waitFor();
    assert.match(await page.locator("#report .error").textContent(), /^PipewrightError \(stage uppercase\): uppercase: the stage crashed \(uppercase: panicAt 7 \(a fault injected on purpose\)\); Pipewright restarted its WebAssembly module, so the next pipeline runs normally/);
    // The same page, with no reload, runs the next pipeline to the end.
    await page.locator("#preset").selectOption("csv-to-json");
    await page.locator("#run-preset").click();
    await page.locator("#status", { hasText: "Done." }).waitFor();
    assert.match(await page.locator("#report pre.preview").textContent(), /"id":"20000"/);
    onlyThePanicReport(await page.problems());
  });
});
