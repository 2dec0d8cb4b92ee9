// `npm run bench`: runs bench/index.html in headless Chromium, prints a table
// and the wasm size, and writes JSON to bench/results/.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { repoRoot, startServer } from "../scripts/serve.mjs";
import { launch } from "../tests/e2e/browser.mjs";

const { server, url } = await startServer({
  roots: {
    "/": join(repoRoot, "www"),
    "/bench/": join(repoRoot, "bench"),
    "/node_modules/": join(repoRoot, "node_modules"),
  },
});
const browser = await launch();
try {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => console.error("bench page:", e.message));
  await page.goto(`${url}bench/index.html`);
  await page.waitForFunction(() => document.querySelector("#out").textContent === "ready");
  const result = await page.evaluate(() => window.runBench());

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
  const fmt = (n) => n.toFixed(1);
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
  result.playground = await benchPlayground(browser.context, url);
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
  console.log(result.userAgent);
  await mkdir(join(repoRoot, "bench", "results"), { recursive: true });
  const file = join(repoRoot, "bench", "results", `bench-${result.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  console.log(`written: ${file}`);
} finally {
  await browser.close();
  server.close();
}

// The page's own figures: how soon it is usable (Run enabled, from the
// start of navigation, every file fetched again: the server sends no-store),
// and what the live view costs a run, against runPipeline with no
// onMetrics in the same page, alternating, medians of 7.
async function benchPlayground(context, base) {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const startup = [];
  for (const [what, path, ready] of [
    ["index.html: first usable (Run enabled)", "index.html", () => performance.getEntriesByName("pipewright-ready")[0]?.startTime],
    [
      "examples/docs.html: both embeds usable",
      "examples/docs.html",
      () => {
        const all = [...document.querySelectorAll("pipewright-playground")].map((p) => p.shadowRoot?.querySelector(".pw[data-ready]"));
        return all.every(Boolean) ? performance.now() : undefined;
      },
    ],
  ]) {
    const times = [];
    for (let i = 0; i < 7; i += 1) {
      const page = await context.newPage();
      await page.goto(`${base}${path}`);
      times.push(await (await page.waitForFunction(ready, null, { polling: 5 })).jsonValue());
      await page.close();
    }
    startup.push({ what, median: median(times), worst: Math.max(...times), times });
  }

  const page = await context.newPage();
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
    const r = await page.evaluate(async (s) => {
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
      return { withUi, alone };
    }, spec);
    overhead.push({ what, runs: r, withUi: median(r.withUi), alone: median(r.alone), ratio: median(r.withUi) / median(r.alone) });
  }
  await page.close();
  return { startup, overhead };
}
