// `npm run bench [-- --browser chromium|firefox|webkit]`: runs
// bench/index.html in one engine (headless Chromium by default; Firefox ESR
// headless; WebKitGTK's MiniBrowser under Xvfb), prints the tables and the
// wasm size, and writes JSON to bench/results/. With Chromium (unless
// --no-node) it then runs bench/cli.mjs: `pipewright run` on 1 GiB in Node. Every peer is measured in the
// same engine and run, so ratios compare within an engine.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { repoRoot, startServer } from "../scripts/serve.mjs";
import { ENGINES, launchEngine } from "../tests/e2e/engines.mjs";
import { Page } from "../tests/e2e/page.mjs";

const flag = process.argv.indexOf("--browser");
const engineName = flag >= 0 ? process.argv[flag + 1] : "chromium";
if (!ENGINES[engineName]) {
  console.error(`--browser: no engine "${engineName}" (known: ${Object.keys(ENGINES).join(", ")})`);
  process.exit(2);
}

const modules = new Map();
const { server, url } = await startServer({
  modules,
  roots: {
    "/": join(repoRoot, "www"),
    "/bench/": join(repoRoot, "bench"),
    "/node_modules/": join(repoRoot, "node_modules"),
  },
});
const session = await launchEngine(engineName);
// A whole bench run returns from one script call.
await session.driver.manage().setTimeouts({ script: 3_600_000 });
try {
  const page = new Page(session, { modules });
  await page.goto(`${url}bench/index.html`);
  await page.waitForFunction(() => document.querySelector("#out").textContent === "ready", undefined, { timeout: 60_000 });
  // Run in the page's own realm (a module script), as a user's code runs.
  const result = await page.runModule("return await window.runBench();", { timeout: 3_600_000 });
  result.engine = { name: engineName, title: session.title, version: (await session.driver.getCapabilities()).get("browserVersion") };

  const wasm = await readFile(join(repoRoot, "www", "pkg", "pipewright_bg.wasm"));
  result.wasmBytes = wasm.length;
  result.wasmGzipBytes = gzipSync(wasm, { level: 9 }).length;
  result.date = new Date().toISOString();

  const lines = [
    "| stage | chunk | MB/s | ns/chunk | vs peer (×, >1 is faster) |",
    "| --- | ---: | ---: | ---: | --- |",
    ...result.rows.map(
      (r) =>
        `| ${r.stage} | ${r.chunkBytes} B | ${r.mbPerSec.toFixed(1)} | ${Math.round(r.nsPerChunk).toLocaleString("en-US")} | ${
          r.vsPeer === null ? "(peer)" : `${r.vsPeer.toFixed(2)}× ${r.peer}`
        } |`,
    ),
  ];
  console.log(lines.join("\n"));
  // A rate is null where the run took 0 ms on a whole-millisecond clock
  // (WebKit here): too fast to time, shown as "–".
  const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
  console.log(
    [
      "",
      "| our stage | MB/s | peer | peer MB/s | ours ÷ peer (×, >1 is faster) |",
      "| --- | ---: | --- | ---: | ---: |",
      ...result.peers.map((r) => `| ${r.stage} | ${fmt(r.mbPerSec)} | ${r.peer} | ${fmt(r.peerMbPerSec)} | ${r.ratio.toFixed(2)}× |`),
    ].join("\n"),
  );
  console.log(
    [
      "",
      "| stage (alone) | input | MB/s | ns/chunk |",
      "| --- | --- | ---: | ---: |",
      ...result.stages.map((r) => `| ${r.stage} | ${r.input} | ${fmt(r.mbPerSec)} | ${Math.round(r.nsPerChunk).toLocaleString("en-US")} |`),
    ].join("\n"),
  );
  console.log(
    [
      "",
      "| workers | ms | speed-up (×) | longest main-thread frame gap / extra ns per chunk |",
      "| --- | ---: | ---: | ---: |",
      ...result.workers.map(
        (r) =>
          `| ${r.what} | ${Math.round(r.ms)} | ${r.speedup.toFixed(2)}× | ${
            r.gapMs !== undefined ? `${Math.round(r.gapMs)} ms gap` : `${Math.round(r.nsPerChunkExtra).toLocaleString("en-US")} ns extra per chunk`
          } |`,
      ),
    ].join("\n"),
  );
  result.playground = await benchPlayground(page, url);
  const pg = result.playground;
  console.log(
    [
      "",
      "| playground | median | worst |",
      "| --- | ---: | ---: |",
      ...pg.startup.map((r) => `| ${r.what} | ${Math.round(r.median)} ms | ${Math.round(r.worst)} ms |`),
      "",
      "| run with the live view (table, charts, log) vs runPipeline alone | live view ms | alone ms | live ÷ alone |",
      "| --- | ---: | ---: | ---: |",
      ...pg.overhead.map((r) => `| ${r.what} | ${Math.round(r.withUi)} | ${Math.round(r.alone)} | ${r.ratio.toFixed(2)}× |`),
      "",
      "| the same run with the Flow tab open vs closed (goal: within 5%) | open ms | closed ms | open ÷ closed |",
      "| --- | ---: | ---: | ---: |",
      ...pg.flow.map((r) => `| ${r.what} | ${Math.round(r.open)} | ${Math.round(r.closed)} | ${r.ratio.toFixed(2)}× |`),
    ].join("\n"),
  );
  console.log(
    `\nwasm: ${(result.wasmBytes / 1024).toFixed(1)} KiB raw, ${(result.wasmGzipBytes / 1024).toFixed(1)} KiB gzipped`,
  );
  console.log(
    [
      "",
      `| records, ${(result.records[0].bytes / 2 ** 20).toFixed(1)} MiB users CSV (200,000 rows) from a Blob | ours ms | plain JS ms | ours ÷ plain JS (×, >1 is faster) |`,
      "| --- | ---: | ---: | ---: |",
      ...result.records.map((r) => `| ${r.what} | ${Math.round(r.ms)} | ${Math.round(r.peerMs)} | ${r.ratio.toFixed(2)}× |`),
    ].join("\n"),
  );
  const mem = result.memory;
  const mib = (n) => (n === null ? "n/a" : `${(n / 2 ** 20).toFixed(1)} MiB`);
  console.log(
    [
      "",
      `| 1 GiB of lorem, main thread | MB/s | wasm memory peak growth | JS heap peak growth |`,
      "| --- | ---: | ---: | ---: |",
      `| pipewright uppercase → gzip → gunzip → digest | ${mem.ours.mbPerSec.toFixed(1)} | ${mib(mem.ours.wasmGrowth)} | ${mib(mem.ours.heapGrowth)} |`,
      `| browser: JS uppercase → CompressionStream → DecompressionStream → count | ${mem.browser.mbPerSec.toFixed(1)} | ${mib(mem.browser.wasmGrowth)} | ${mib(mem.browser.heapGrowth)} |`,
    ].join("\n"),
  );
  result.targets = targets(result);
  console.log(["", "| issue 12 target | goal | measured | met |", "| --- | --- | --- | --- |", ...result.targets.map((t) => `| ${t.what} | ${t.goal} | ${t.measured} | ${t.met === null ? "not built" : t.met ? "met" : "NOT met"} |`)].join("\n"));
  console.log(`${result.engine.title} ${result.engine.version}: ${result.userAgent}`);
  await mkdir(join(repoRoot, "bench", "results"), { recursive: true });
  const file = join(repoRoot, "bench", "results", `bench-${engineName}-${result.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  console.log(`written: ${file}`);
} finally {
  await session.close();
  server.close();
}

// Issue 13's command-line figures, in Node (not a browser): with the
// default run (Chromium). `node bench/cli.mjs` runs them by itself.
if (engineName === "chromium" && !process.argv.includes("--no-node")) {
  const { spawnSync } = await import("node:child_process");
  const cli = spawnSync(process.execPath, [join(repoRoot, "bench", "cli.mjs")], { stdio: "inherit" });
  if (cli.status !== 0) process.exitCode = 1;
}

// The page's own figures: how soon it is usable (Run enabled, from the
// start of navigation, every file fetched again: the server sends no-store),
// read from performance marks the page sets, and what the live view costs
// a run, against runPipeline with no onMetrics in the same page,
// alternating, medians of 7.
async function benchPlayground(page, base) {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const startup = [];
  for (const [what, path, marks] of [
    ["index.html: first usable (Run enabled)", "index.html", 1],
    ["examples/docs.html: both embeds usable", "examples/docs.html", 2],
  ]) {
    const times = [];
    for (let i = 0; i < 7; i += 1) {
      await page.goto("about:blank");
      await page.goto(`${base}${path}`);
      const at = await page.waitForFunction(
        (n) => {
          const marks = performance.getEntriesByName(n === 1 ? "pipewright-ready" : "pipewright-embed-ready");
          return marks.length >= n ? Math.max(...marks.map((m) => m.startTime)) : 0;
        },
        marks,
      );
      times.push(at);
    }
    startup.push({ what, median: median(times), worst: Math.max(...times), times });
  }

  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(`${base}index.html`);
  await page.waitForFunction(() => performance.getEntriesByName("pipewright-ready").length > 0);
  const overhead = [];
  const flow = [];
  for (const [what, spec] of [
    ["lorem 256 MiB → uppercase → digest (4,096 chunks)", { source: { kind: "lorem", bytes: 256 << 20 }, stages: [{ kind: "uppercase" }], sink: { kind: "digest" } }],
    [
      "users 100,000 → ndjson-parse → ndjson-stringify → count (100,000 records)",
      { source: { kind: "users", format: "ndjson", count: 100000 }, stages: [{ kind: "ndjson-parse" }, { kind: "ndjson-stringify" }], sink: { kind: "count" } },
    ],
  ]) {
    const r = await page.runModule(
      `const s = ${JSON.stringify(spec)};
      const { runPipeline } = await import("/pkg/pipewright.js");
      const app = document.querySelector("#app").playground;
      const withUi = [];
      const alone = [];
      for (let i = 0; i < 7; i += 1) {
        let t = performance.now();
        const outcome = await app.run(s);
        if (outcome.error) throw outcome.error;
        withUi.push(performance.now() - t);
        t = performance.now();
        await runPipeline(s);
        alone.push(performance.now() - t);
      }
      return { withUi, alone };`,
      { timeout: 600_000 },
    );
    overhead.push({ what, runs: r, withUi: median(r.withUi), alone: median(r.alone), ratio: median(r.withUi) / median(r.alone) });
    // The same run with the Flow tab open (marbles drawn) and closed (the
    // Live tab), alternating: issue 14 wants it within 5%.
    const f = await page.runModule(
      `const s = ${JSON.stringify(spec)};
      const app = document.querySelector("#app").playground;
      const open = [];
      const closed = [];
      for (let i = 0; i < 7; i += 1) {
        app.$("#tab-flow").click();
        let t = performance.now();
        let outcome = await app.run(s);
        if (outcome.error) throw outcome.error;
        open.push(performance.now() - t);
        app.$("#tab-live").click();
        t = performance.now();
        outcome = await app.run(s);
        if (outcome.error) throw outcome.error;
        closed.push(performance.now() - t);
      }
      return { open, closed };`,
      { timeout: 600_000 },
    );
    flow.push({ what, runs: f, open: median(f.open), closed: median(f.closed), ratio: median(f.open) / median(f.closed) });
  }
  return { startup, overhead, flow };
}

// Issue 12's targets, each a ratio against its peer in this run (or a size
// or time), as one line: goal, measured, met or not. A target with nothing
// to measure yet says so ("not built"), rather than passing silently.
function targets(r) {
  const out = [];
  const ratio = (stage, peer) => r.peers.find((p) => p.stage === stage && p.peer === peer)?.ratio;
  const atLeast = (what, value, goal) => out.push({ what, goal: `≥ ${goal}×`, measured: value === undefined ? "–" : `${value.toFixed(2)}×`, met: value === undefined ? null : value >= goal });
  const atMost = (what, value, goal, unit, digits = 1) => out.push({ what, goal: `≤ ${goal} ${unit}`, measured: `${value.toFixed(digits)} ${unit}`, met: value <= goal });
  for (const rec of r.records) atLeast(`1. ${rec.what} vs plain JS`, rec.ratio, 3);
  atLeast("2. csv-to-ndjson from a Blob vs papaparse + JSON.stringify", ratio("csv-to-ndjson (from a Blob)", "papaparse + JSON.stringify"), 5);
  atLeast("3. gunzip vs DecompressionStream", ratio("gunzip", "DecompressionStream gzip"), 2);
  atLeast("3. gunzip vs fflate", ratio("gunzip", "fflate Gunzip"), 5);
  atLeast("4. gzip pool ×2 vs CompressionStream (pigz method)", ratio("gzip pool ×2 (level 6)", "CompressionStream gzip"), 2.5);
  atMost("4. gzip pool ×2: size over single-threaded level 6", (r.parallelGzipSize - 1) * 100, 1, "%", 2);
  const pinned = r.workers.find((w) => w.what === "uppercase pinned vs main thread, 64 KiB chunks");
  atMost("5. pinned uppercase at 64 KiB: extra per chunk over the main thread", pinned.nsPerChunkExtra / 1000, 50, "µs");
  atLeast("6. sha256 vs hash-wasm streaming", ratio("sha256", "hash-wasm SHA-256 streaming"), 1.25);
  atLeast("6. sha256 vs crypto.subtle.digest one-shot", ratio("sha256", "crypto.subtle.digest (collect first)"), 0.95);
  atMost("7. gzipped .wasm", r.wasmGzipBytes / 1024, 300, "KiB");
  atMost("7. startup to a usable page (median)", r.playground.startup[0].median, 200, "ms");
  atMost("8. 1 GiB uppercase → gzip → gunzip → digest: wasm memory growth", r.memory.ours.wasmGrowth / 2 ** 20, 64, "MiB");
  if (r.memory.ours.heapGrowth !== null) atMost("8. the same: JS heap growth", r.memory.ours.heapGrowth / 2 ** 20, 64, "MiB");
  const identity = r.rows.find((x) => x.stage === "pipewright identity" && x.chunkBytes === 256);
  atMost("rule: identity at 256 B, cost per chunk vs native identity", 1 / identity.vsPeer, 1.3, "×");
  return out;
}
