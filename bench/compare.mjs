// `node bench/compare.mjs`: the newest `npm run bench` result of each engine
// (bench/results/bench-<engine>-*.json), side by side. Only ratios against
// a peer measured in the same engine and run are compared across engines;
// absolute figures are shown per engine, for the reader to see the noise.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../scripts/serve.mjs";

const ORDER = ["chromium", "firefox", "webkit"];
const dir = join(repoRoot, "bench", "results");
const files = (await readdir(dir)).filter((f) => /^bench-[a-z]+-.*\.json$/.test(f)).sort();
const runs = [];
for (const name of ORDER) {
  const newest = files.filter((f) => f.startsWith(`bench-${name}-`)).at(-1);
  if (newest) runs.push(JSON.parse(await readFile(join(dir, newest), "utf8")));
}
if (runs.length === 0) {
  console.error("no results in bench/results/: run `npm run bench -- --browser <engine>` first");
  process.exit(1);
}

const head = (first, ...rest) => [`| ${[first, ...runs.map((r) => `${r.engine.title} ${r.engine.version}`), ...rest].join(" | ")} |`, `| --- | ${runs.map(() => "---:").join(" | ")}${rest.map(() => " | ---").join("")} |`];
const cell = (v, digits = 2, unit = "×") => (v === undefined || v === null || !Number.isFinite(v) ? "–" : `${v.toFixed(digits)}${unit}`);
const find = (list, pred) => list.find(pred);
const out = [];

out.push(`Runs: ${runs.map((r) => `${r.engine.title} ${r.date.slice(0, 16).replace("T", " ")} UTC`).join("; ")}.`, "");

out.push(...head("per-chunk cost: ours ÷ peer (>1 is faster)"));
for (const row of runs[0].rows.filter((r) => r.vsPeer !== null)) {
  const cells = runs.map((run) => cell(find(run.rows, (r) => r.stage === row.stage && r.chunkBytes === row.chunkBytes)?.vsPeer));
  out.push(`| ${row.stage} vs ${row.peer}, ${row.chunkBytes} B | ${cells.join(" | ")} |`);
}
out.push("");

out.push(...head("against the libraries: ours ÷ peer (>1 is faster)"));
for (const row of runs[0].peers) {
  const cells = runs.map((run) => cell(find(run.peers, (r) => r.stage === row.stage && r.peer === row.peer)?.ratio));
  out.push(`| ${row.stage} vs ${row.peer} | ${cells.join(" | ")} |`);
}
out.push("");

out.push(...head("workers"));
for (const row of runs[0].workers) {
  const cells = runs.map((run) => {
    const r = find(run.workers, (w) => w.what === row.what);
    if (!r) return "–";
    return r.gapMs !== undefined ? `${cell(r.speedup)}, ${Math.round(r.gapMs)} ms gap` : `${cell(r.speedup)}, ${Math.round(r.nsPerChunkExtra / 1000)} µs/chunk extra`;
  });
  out.push(`| ${row.what} | ${cells.join(" | ")} |`);
}
out.push("");

out.push(...head("the playground"));
for (const row of runs[0].playground.startup) {
  out.push(`| ${row.what}, median | ${runs.map((run) => `${Math.round(find(run.playground.startup, (r) => r.what === row.what)?.median)} ms`).join(" | ")} |`);
}
for (const row of runs[0].playground.overhead) {
  out.push(`| live view ÷ runPipeline alone: ${row.what} | ${runs.map((run) => cell(find(run.playground.overhead, (r) => r.what === row.what)?.ratio)).join(" | ")} |`);
}
for (const row of runs[0].playground.flow ?? []) {
  out.push(`| Flow tab open ÷ closed: ${row.what} | ${runs.map((run) => cell(find(run.playground.flow ?? [], (r) => r.what === row.what)?.ratio)).join(" | ")} |`);
}
out.push("");

out.push(...head("every stage alone, MB/s (absolute: noisy)"));
for (const row of runs[0].stages) {
  out.push(`| ${row.stage} | ${runs.map((run) => cell(find(run.stages, (r) => r.stage === row.stage)?.mbPerSec, 1, "")).join(" | ")} |`);
}
console.log(out.join("\n"));
