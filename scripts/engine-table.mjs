// The README's engine table, from the end-to-end run: each engine's tests
// record what they showed in test-results/engines/<engine>.json (a test
// records only after its assertions pass), and this script turns those
// records into the table between <!-- engines:start --> and
// <!-- engines:end -->.
//
//   node scripts/engine-table.mjs          prints the table
//   node scripts/engine-table.mjs --write  writes it into README.md
//   node scripts/engine-table.mjs --check  fails if README.md's table is not
//                                          this run's (browser versions are
//                                          compared by major version only)
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./serve.mjs";

const ENGINES = [
  ["chromium", "Chromium"],
  ["firefox", "Firefox ESR"],
  ["webkit", "WebKitGTK"],
];
const MISSING = "✗ not shown";

const yes = (v) => (v === true ? "✓" : v === false ? "✗" : v);
const list = (v) => (Array.isArray(v) ? v.join(", ") : v);

// [row label, fact key, how to show the value]
const ROWS = [
  ["**The engine's own streams**", null],
  ["`for await` over a `ReadableStream`", "engine.asyncIteration", yes],
  ["`ReadableStream.from`", "engine.readableStreamFrom", yes],
  ["a transformer's `cancel()` called on cancel or abort", "engine.transformerCancel", yes],
  ["transferable streams", "engine.transferableStreams", yes],
  ["byte streams", "engine.byteStreams", yes],
  ["`CompressionStream` formats", "engine.compressionFormats", list],
  ["`performance.memory`", "engine.performanceMemory", yes],
  ["`navigator.hardwareConcurrency` (what `pool: true` uses)", "engine.hardwareConcurrency", String],
  ["**The package**", null],
  ["`for await` over every stream it returns (`break` cancels, errors rethrown)", "pipewright.asyncIteration", (v) => `✓ (${v})`],
  ["Workers end however the stream ends (cancel, abort, errors)", "pipewright.workersEndOnCancel"],
  ["a dropped stream's Workers end (pooled: 2 s idle; pinned: when collected)", "pipewright.droppedStreamCollected"],
  ["pinned stages (`worker: true`), byte-identical to the main thread", "workers.pinned"],
  ["pools (`pool: n`): input order, bounded in flight", "workers.pool"],
  ["pools handing out chunks round-robin or least-loaded (`schedule`)", "workers.schedule"],
  ["the duplex loopback: each side its own queue and mark, bytes back unchanged, its Worker ended", "workers.duplex"],
  ["crash recovery (`crashAt`, `killWorker`), output unchanged", "workers.crashRecovery"],
  ["no Worker left after 20 runs, half aborted", "workers.noneLeftBehind"],
  ["gzip `pool: n` (pigz's method): one member, same bytes for any pool and chunking", "workers.parallelGzip"],
  ["records between two Rust stages cross as NDJSON batches, output unchanged", "records.batches"],
  ["main thread, pinned and pooled: Node's bytes", "pipewright.sameBytes"],
  ["a panic in a stage fails its stream naming it; the module restarts, the next run works", "crash.recovers"],
  ["gzip output, level 6 (SHA-256 of the same 164 KB of text)", "pipewright.gzipSha256", (v) => `\`${v.slice(0, 12)}…\``],
  ["**The page**", null],
  ["presets run to their expected results", "playground.presets"],
  ["Flow tab: marbles against each high-water mark, pushing back drawn, the same as a list", "flow.view"],
  ["Step mode: one chunk per press, narrated in both vocabularies", "step.mode"],
  ["Record and replay: scrubber, Play, export and load (hostile files refused), Compare", "replay"],
  ["an async generator as the source: its body runs once per pull, stepped", "preset.generator"],
  ["the upload processor: how the body went to the local server (fetch request streams, or a request per chunk)", "upload.body"],
  ["a page without the upload server: the preset says it needs one; the sink names what is missing", "upload.static"],
  ["memory chart: wasm memory", "playground.wasmMemory"],
  ["memory chart: JS heap", "playground.jsHeap"],
  ["the README's example, as written", "page.readmeExample"],
  ["Code tab: runs as a module; Copy", "playground.codeTab"],
  ["share links (and hostile ones refused)", "page.shareLinks"],
  ["embeds: the docs page's two, and `embed.html`", "playground.embeds"],
  ["downloads, a picked file, a dropped file", "page.downloads"],
  ["keyboard-only building", "playground.keyboard"],
  ["drag reordering", "playground.drag"],
  ["375 px wide", "playground.narrow"],
  ["a locale `Intl` rejects; a file that fails to load is named", "page.loadFailuresNamed"],
  ["Content-Security-Policy enforced: inline script, handlers and string code blocked and reported", "csp.enforced"],
  ["`embed.html` framed by another origin; the full page only by its own", "csp.frameAncestors"],
];

// Rows that need more than one record to be true.
const ALSO = {
  "playground.embeds": ["playground.embedHtml"],
  "page.downloads": ["page.filePicker", "playground.fileDrop"],
  "page.shareLinks": ["page.hostileLinks"],
  "workers.crashRecovery": ["workers.killWorker"],
  "workers.pool": ["workers.bounded"],
  "page.loadFailuresNamed": ["page.unusualLocale"],
};

export async function facts() {
  const all = {};
  for (const [name] of ENGINES) {
    try {
      all[name] = JSON.parse(await readFile(join(repoRoot, "test-results", "engines", `${name}.json`), "utf8"));
    } catch {
      all[name] = {};
    }
  }
  return all;
}

export function render(all) {
  const head = ENGINES.map(([name, title]) => `${title} ${all[name].version ?? "(not run)"}`);
  const lines = [`| | ${head.join(" | ")} |`, `| --- | ${ENGINES.map(() => "---").join(" | ")} |`];
  for (const [label, key, show = (v) => v] of ROWS) {
    if (key === null) {
      lines.push(`| ${label} | ${ENGINES.map(() => "").join(" | ")} |`);
      continue;
    }
    const cells = ENGINES.map(([name]) => {
      const f = all[name];
      const needed = [key, ...(ALSO[key] ?? [])];
      if (needed.some((k) => f[k] === undefined)) return MISSING;
      return show(f[key]);
    });
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

const START = "<!-- engines:start -->\n";
const END = "<!-- engines:end -->";

// Versions compared by their major part: a Debian point release does not
// make the README untrue.
const majors = (table) => table.replace(/(Chromium|Firefox ESR|WebKitGTK) (\d+)(\.[\d.]+)?/g, "$1 $2");

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const table = render(await facts());
  const mode = process.argv[2];
  const readmePath = join(repoRoot, "README.md");
  const readme = await readFile(readmePath, "utf8");
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (mode === "--write" || mode === "--check") {
    if (a < 0 || b < a) throw new Error("README.md has no <!-- engines:start --> … <!-- engines:end --> block");
  }
  if (mode === "--write") {
    await writeFile(readmePath, readme.slice(0, a + START.length) + table + readme.slice(b));
    console.log("README.md: engine table written from this run");
  } else if (mode === "--check") {
    const current = readme.slice(a + START.length, b);
    if (table.includes(MISSING)) {
      console.error(`Some engine did not show everything in this run:\n${table}`);
      process.exit(1);
    }
    const all = await facts();
    const digests = new Set(ENGINES.map(([name]) => all[name]["pipewright.gzipSha256"]));
    if (digests.size !== 1) {
      console.error(`The engines gave different gzip bytes: ${[...digests].join(", ")}`);
      process.exit(1);
    }
    if (majors(current) !== majors(table)) {
      console.error(`README.md's engine table is not this run's. This run:\n${table}\nREADME.md:\n${current}\nRun \`node scripts/engine-table.mjs --write\` after a full \`npm test\`.`);
      process.exit(1);
    }
    console.log("README.md's engine table matches this run");
  } else {
    process.stdout.write(table);
  }
}
