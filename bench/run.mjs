// `npm run bench [-- --browser chromium|firefox|webkit]`: runs
// bench/index.html in one engine (headless Chromium by default; Firefox ESR
// headless; WebKitGTK's MiniBrowser under Xvfb), prints the tables and the
// wasm size, and writes JSON to bench/results/. Every peer is measured in the
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
            r.gapMs !== undefined ? `${Math.round(r.gapMs)} ms gap` : `${Math.round(r.nsPerChunkExtra).toLocaleString("en-US")} ns extra`
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
    ].join("\n"),
  );
  console.log(
    `\nwasm: ${(result.wasmBytes / 1024).toFixed(1)} KiB raw, ${(result.wasmGzipBytes / 1024).toFixed(1)} KiB gzipped`,
  );
  console.log(`${result.engine.title} ${result.engine.version}: ${result.userAgent}`);
  await mkdir(join(repoRoot, "bench", "results"), { recursive: true });
  const file = join(repoRoot, "bench", "results", `bench-${engineName}-${result.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  console.log(`written: ${file}`);
} finally {
  await session.close();
  server.close();
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
  }
  return { startup, overhead };
}
