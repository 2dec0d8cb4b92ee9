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
