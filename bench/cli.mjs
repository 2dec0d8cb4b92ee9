// `node bench/cli.mjs [--mib 1024]` (part of `npm run bench`): the
// `pipewright run` command on a 1 GiB file through gzip (level 6) into a
// file, side by side with Node's own zlib.createGzip() at the same level in
// a stream.pipeline() from and to files, and with gzip pooled over 2
// worker_threads, each in its own Node process, in turns, twice each. Prints both throughputs and their ratio, and the
// command's memory: its peak RSS on the 1 GiB file less its peak RSS on a
// 1 MiB one (the growth a bigger file costs; flat means it streams).
// Writes JSON to bench/results/. Ratios only compare within one run: the
// machine is shared.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../scripts/serve.mjs";

const flag = process.argv.indexOf("--mib");
const MIB = flag >= 0 ? Number(process.argv[flag + 1]) : 1024;
const LEVEL = 6;
const cli = join(repoRoot, "www", "pkg", "cli.mjs");
const dir = mkdtempSync(join(tmpdir(), "pipewright-bench-cli-"));

try {
  // The input: the package's seeded lorem text (what the page's lorem
  // source gives), 8 MiB of it written again and again.
  const pw = await import(join(repoRoot, "www", "pkg", "pipewright.js"));
  await pw.default({ module_or_path: readFileSync(join(repoRoot, "www", "pkg", "pipewright_bg.wasm")) });
  const parts = [];
  for await (const chunk of pw.createSource("lorem", { bytes: 8 << 20, seed: 11 })) parts.push(chunk);
  const block = Buffer.concat(parts);
  const write = (path, mib) => {
    const fd = openSync(path, "w");
    for (let left = mib << 20; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
    closeSync(fd);
  };
  const big = join(dir, "big.txt");
  const small = join(dir, "small.txt");
  write(big, MIB);
  write(small, 1);

  const spec = join(dir, "gzip.json");
  writeFileSync(spec, JSON.stringify({ source: { kind: "file" }, stages: [{ kind: "gzip", level: LEVEL }], sink: { kind: "count" } }));
  // The same with gzip pooled over 2 worker_threads (pigz's method).
  const pooledSpec = join(dir, "gzip-pool.json");
  writeFileSync(pooledSpec, JSON.stringify({ source: { kind: "file" }, stages: [{ kind: "gzip", level: LEVEL, pool: 2 }], sink: { kind: "count" } }));
  const ours = (input, which = spec) => {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, "run", which, "--input", input, "--output", join(dir, "ours.gz"), "--json"], { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`pipewright run failed: ${run.stderr}`);
    const report = JSON.parse(run.stdout);
    return { ms, peakRss: report.peakRssBytes, outBytes: statSync(join(dir, "ours.gz")).size };
  };
  const zlib = (input) => {
    const script = `const fs = require("node:fs"), zlib = require("node:zlib"), { pipeline } = require("node:stream/promises");
pipeline(fs.createReadStream(process.argv[1]), zlib.createGzip({ level: ${LEVEL} }), fs.createWriteStream(process.argv[2])).then(() => console.log(process.resourceUsage().maxRSS * 1024));`;
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ["-e", script, input, join(dir, "zlib.gz")], { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`zlib run failed: ${run.stderr}`);
    return { ms, peakRss: Number(run.stdout), outBytes: statSync(join(dir, "zlib.gz")).size };
  };

  const baseline = ours(small);
  const runs = { ours: [], zlib: [], pooled: [] };
  for (let i = 0; i < 2; i++) {
    runs.ours.push(ours(big));
    runs.zlib.push(zlib(big));
    runs.pooled.push(ours(big, pooledSpec));
  }
  const best = (list) => list.reduce((a, b) => (b.ms < a.ms ? b : a));
  const o = best(runs.ours);
  const z = best(runs.zlib);
  const p = best(runs.pooled);
  const mbs = (r) => (MIB * 1.048576) / (r.ms / 1000);
  const growth = Math.max(...runs.ours.map((r) => r.peakRss)) - baseline.peakRss;
  const result = {
    when: new Date().toISOString(),
    node: process.version,
    inputMiB: MIB,
    level: LEVEL,
    pipewright: { bestMs: o.ms, mbPerS: mbs(o), outBytes: o.outBytes, runsMs: runs.ours.map((r) => r.ms), peakRss: runs.ours.map((r) => r.peakRss) },
    zlib: { bestMs: z.ms, mbPerS: mbs(z), outBytes: z.outBytes, runsMs: runs.zlib.map((r) => r.ms), peakRss: runs.zlib.map((r) => r.peakRss) },
    pooled: { bestMs: p.ms, mbPerS: mbs(p), outBytes: p.outBytes, runsMs: runs.pooled.map((r) => r.ms), peakRss: runs.pooled.map((r) => r.peakRss) },
    ratio: z.ms / o.ms,
    pooledRatio: z.ms / p.ms,
    rss: { baselineBytes: baseline.peakRss, growthBytes: growth },
  };
  const f = (n) => n.toFixed(0);
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`\npipewright run vs Node's zlib.createGzip(), gzip level ${LEVEL}, ${MIB} MiB file to file (best of 2 each, in turns; Node ${process.version})\n`);
  console.log("| | MB/s | output | peak RSS |");
  console.log("|---|---:|---:|---:|");
  console.log(`| \`pipewright run\` (file → gzip → file) | ${f(result.pipewright.mbPerS)} | ${mib(o.outBytes)} MiB | ${mib(Math.max(...result.pipewright.peakRss))} MiB |`);
  console.log(`| Node \`zlib.createGzip()\` in \`stream.pipeline()\` | ${f(result.zlib.mbPerS)} | ${mib(z.outBytes)} MiB | ${mib(Math.max(...result.zlib.peakRss))} MiB |`);
  console.log(`| \`pipewright run\`, gzip \`pool: 2\` (worker_threads) | ${f(result.pooled.mbPerS)} | ${mib(p.outBytes)} MiB | ${mib(Math.max(...result.pooled.peakRss))} MiB |`);
  console.log(`\npipewright / zlib throughput: ${result.ratio.toFixed(2)}x (target >= 1); pooled over 2 threads: ${result.pooledRatio.toFixed(2)}x`);
  console.log(`pipewright run RSS growth, ${MIB} MiB file vs 1 MiB file: ${mib(growth)} MiB (target <= 64 MiB; 1 MiB run peaked at ${mib(baseline.peakRss)} MiB)`);
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  const file = join(repoRoot, "bench", "results", `cli-${result.when.replaceAll(":", "-").replace(".", "-")}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
