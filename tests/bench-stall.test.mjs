// The bench's stall limit (bench/stall.js): a run whose steps stop coming
// fails naming the step it was in; one that keeps stepping finishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { step, withStallLimit } from "../bench/stall.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a run that stops making progress fails, naming the step it was in", { timeout: 10_000 }, async () => {
  await assert.rejects(
    withStallLimit(async () => {
      step("every stage alone: gzip");
      await sleep(20);
      step("every stage alone: loopback");
      await new Promise(() => {}); // hangs, as the loopback rows once did
    }, 200, 20),
    { message: /^bench: no progress for \d+\.\d s in "every stage alone: loopback"$/ },
  );
});

test("a run that keeps stepping may take longer than the limit in all, and returns its result", { timeout: 10_000 }, async () => {
  const result = await withStallLimit(async () => {
    for (let i = 0; i < 12; i += 1) {
      step(`row ${i}`);
      await sleep(100);
    }
    return "rows";
  }, 1000, 20);
  assert.equal(result, "rows");
});

test("a run that throws fails with its own error", { timeout: 10_000 }, async () => {
  await assert.rejects(
    withStallLimit(async () => {
      step("against the libraries");
      throw new Error("createSource: iterable needs options.iterable");
    }, 200, 20),
    { message: "createSource: iterable needs options.iterable" },
  );
});
