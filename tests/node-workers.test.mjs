// Stages in Workers in Node >= 20.16: worker_threads stand in for Web
// Workers, and every case the browsers pass (tests/worker-cases.mjs:
// identical bytes, order restored, crash recovery, bounds in flight, no
// Worker left behind) runs here against the built package. Where Node
// offers no worker_threads to the package (before 20.16, simulated), a
// stage asked to run in Workers is refused, naming the option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../scripts/serve.mjs";
import { CASES, HELPERS } from "./worker-cases.mjs";

const pkg = join(repoRoot, "www", "pkg");
const pw = await import(pathToFileURL(join(pkg, "pipewright.js")).href);
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });

const AsyncFunction = (async () => {}).constructor;

for (const c of CASES) {
  test(`worker_threads: ${c.name}`, async () => {
    const run = new AsyncFunction("pw", `${HELPERS}\nreturn (${c.body})();`);
    c.check(await run(pw));
  });
}

test("every Worker thread this file started has ended", () => {
  const counts = pw.workerCounts();
  assert.ok(counts.created > 40, `${counts.created} started`);
  assert.equal(counts.active, 0);
  assert.equal(counts.terminated, counts.created);
});

test("without worker_threads (Node before 20.16, simulated), worker and pool are refused, naming the option", () => {
  const script = `
    delete process.getBuiltinModule;
    const { readFileSync } = await import("node:fs");
    const pw = await import(${JSON.stringify(pathToFileURL(join(pkg, "pipewright.js")).href)});
    await pw.default({ module_or_path: readFileSync(${JSON.stringify(join(pkg, "pipewright_bg.wasm"))}) });
    const out = [];
    for (const options of [{ worker: true }, { pool: 2 }]) {
      try { pw.createTransform("uppercase", options); out.push("made"); } catch (e) { out.push({ name: e.name, stage: e.stage, option: e.option, message: e.message }); }
    }
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const [pinned, pooled] = JSON.parse(run.stdout);
  for (const [e, option] of [[pinned, "worker"], [pooled, "pool"]]) {
    assert.equal(e.name, "TypeError");
    assert.equal(e.stage, "uppercase");
    assert.equal(e.option, option);
    assert.match(e.message, /needs Web Workers or Node's worker_threads \(Node 20\.16 or later\)/);
  }
});

test("a package whose worker.js is missing fails the stage at once, naming the stage and what to install, never a hang", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-noworker-"));
  try {
    cpSync(pkg, dir, { recursive: true });
    const snippets = join(dir, "snippets");
    for (const crate of readdirSync(snippets)) rmSync(join(snippets, crate, "src", "web", "worker.js"));
    const script = `
      const { readFileSync } = await import("node:fs");
      const pw = await import(${JSON.stringify(pathToFileURL(join(dir, "pipewright.js")).href)});
      await pw.default({ module_or_path: readFileSync(${JSON.stringify(join(dir, "pipewright_bg.wasm"))}) });
      const out = pw.createSource("lorem", { bytes: 100000 }).pipeThrough(pw.createTransform("gzip", { worker: true }));
      try { for await (const _ of out); console.log("no error"); } catch (e) { console.log(JSON.stringify({ name: e.name, stage: e.stage, message: e.message, counts: pw.workerCounts() })); }`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const e = JSON.parse(run.stdout);
    assert.equal(e.name, "PipewrightError");
    assert.equal(e.stage, "gzip");
    assert.match(e.message, /^gzip: its Worker failed while starting: .*worker\.js.*; the package's worker\.js must be installed beside its JS$/);
    assert.equal(e.counts.active, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
