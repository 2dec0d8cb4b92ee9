// Stages pinned to a Worker (`worker: true`) and pooled (`pool: n`), tested
// against the built package in Chromium, Firefox ESR and WebKitGTK: the
// worker loads the package entry by a relative path, which the wasm-pack
// test harness (whose entry has another name) lacks. The cases are
// tests/worker-cases.mjs, which Node runs on worker_threads too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";
import { CASES, HELPERS } from "../worker-cases.mjs";

eachEngine((suite) => {
  // Runs `body` (a function's source) as a module in the harness page, with
  // the package loaded as `pw` and the cases' helpers; returns what it
  // returns, and what the page recorded as problems.
  async function inPage(body) {
    const page = await suite.open("harness/harness.html");
    const result = await page.runModule(`
      const pw = await import("/pkg/pipewright.js");
      await pw.default();
      ${HELPERS}
      return (${body})();
    `);
    return { result, problems: await page.problems() };
  }

  for (const c of CASES) {
    test(c.name, async () => {
      const { result, problems } = await inPage(c.body);
      c.check(result);
      assert.deepEqual(problems, []);
      if (c.record) await suite.record(c.record, "✓");
    });
  }
});
