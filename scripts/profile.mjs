// `node scripts/profile.mjs [filter|validate|hash|csv|gunzip|sha256]`: where
// the time goes in one of issue 12's chains, in Chromium. Builds the package
// keeping function names (release code, `wasm-opt -O3 -g`) into a temporary
// folder, runs the chain over 200,000 `users` rows from a Blob three times
// to warm up, then once under the DevTools protocol's sampling profiler,
// and prints each function's share of the samples (its own time, not its
// callees'). Names ending in [wasm] are Rust; the rest is JS or the engine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Builder } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";
import { repoRoot, startServer } from "./serve.mjs";

const CHAINS = {
  csv: [["csv-to-ndjson"]],
  filter: [["csv-to-ndjson"], ["ndjson-parse"], ["filter-records", { pattern: "example.org" }], ["ndjson-stringify"]],
  validate: [["csv-to-ndjson"], ["ndjson-parse"], ["validate"], ["ndjson-stringify"]],
  hash: [["csv-to-ndjson"], ["ndjson-parse"], ["validate"], ["hash-field", { iterations: 1 }], ["ndjson-stringify"]],
  // Byte chains over 16 MiB of lorem (gunzip's input gzipped by our gzip first).
  gunzip: [["gunzip"]],
  sha256: [["sha256"]],
};
const BYTES = { gunzip: "gzip", sha256: null };
const name = process.argv[2] ?? "hash";
const chain = CHAINS[name];
if (!chain) {
  console.error(`unknown chain ${name}: one of ${Object.keys(CHAINS).join(", ")}`);
  process.exit(2);
}

const pkg = mkdtempSync(join(tmpdir(), "pipewright-profile-"));
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, PATH: `${join(repoRoot, "node_modules", ".bin")}:${process.env.HOME}/.cargo/bin:${process.env.PATH}` } });
sh("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--lib"]);
sh("wasm-bindgen", ["--target", "web", "--keep-debug", "--split-linked-modules", "--out-dir", pkg, "--out-name", "pipewright", join(repoRoot, "target", "wasm32-unknown-unknown", "release", "pipewright.wasm")]);
const wasm = join(pkg, "pipewright_bg.wasm");
sh("wasm-opt", ["-O3", "-g", "--enable-simd", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals", wasm, "-o", wasm]);

const { server, url } = await startServer({ roots: { "/": join(repoRoot, "www"), "/profiled/": pkg } });
const options = new chrome.Options().setChromeBinaryPath(process.env.CHROMIUM ?? "/usr/bin/chromium").addArguments("--headless=new", "--no-sandbox");
const service = new chrome.ServiceBuilder(process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver");
const driver = await new Builder().forBrowser("chrome").setChromeOptions(options).setChromeService(service).build();
try {
  await driver.get(`${url}index.html`);
  await driver.manage().setTimeouts({ script: 600_000 });
  await driver.executeAsyncScript(`const done = arguments[arguments.length - 1]; (async () => {
    const pw = await import("/profiled/pipewright.js");
    await pw.default();
    const parts = [];
    const bytes = ${JSON.stringify(BYTES)}[${JSON.stringify(name)}];
    let input = bytes === undefined ? pw.createSource("users", { count: 200000, seed: 4 }) : pw.createSource("lorem", { bytes: 16 * 2 ** 20, chunkSize: 65536, seed: 2 });
    if (bytes) input = input.pipeThrough(pw.createTransform(bytes, {}));
    const reader = input.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    // Byte chains read 64 KiB chunks from an array, as the bench's codec
    // rows do; record chains read the CSV from a Blob.
    const whole = new Uint8Array(await new Blob(parts).arrayBuffer());
    const chunks = [];
    for (let i = 0; i < whole.length; i += 65536) chunks.push(whole.slice(i, i + 65536));
    window.profiled = { pw, csv: new Blob(parts), chunks: bytes === undefined ? null : chunks };
    done();
  })()`);
  const run = `const done = arguments[arguments.length - 1]; (async () => {
    const { pw, csv } = window.profiled;
    const times = [];
    for (let i = 0; i < arguments[0]; i++) {
      const t0 = performance.now();
      const { chunks } = window.profiled;
      let s = chunks ? new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x.slice()); c.close(); } }) : pw.createSource("file", { file: csv, chunkSize: 65536 });
      for (const [kind, options] of ${JSON.stringify(chain)}) s = s.pipeThrough(pw.createTransform(kind, options ?? {}));
      await s.pipeTo(new WritableStream({}));
      times.push(performance.now() - t0);
    }
    done(times);
  })()`;
  await driver.executeAsyncScript(run, 3);
  await driver.sendAndGetDevToolsCommand("Profiler.enable", {});
  await driver.sendAndGetDevToolsCommand("Profiler.setSamplingInterval", { interval: 100 });
  await driver.sendAndGetDevToolsCommand("Profiler.start", {});
  const [ms] = await driver.executeAsyncScript(run, 1);
  const { profile } = await driver.sendAndGetDevToolsCommand("Profiler.stop", {});
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of profile.samples) {
    const { callFrame } = nodes.get(id);
    const fn = `${callFrame.functionName || "(anonymous)"}${callFrame.url.includes("wasm") ? " [wasm]" : ""}`;
    self.set(fn, (self.get(fn) ?? 0) + 1);
  }
  console.log(`${name}: ${chain.map(([k]) => k).join(" → ")}, ${name in BYTES ? "16 MiB of lorem" : "200,000 rows"}, ${Math.round(ms)} ms under the profiler`);
  for (const [fn, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((100 * n) / profile.samples.length).toFixed(1).padStart(5)}%  ${fn}`);
  }
} finally {
  await driver.quit();
  server.close();
  rmSync(pkg, { recursive: true, force: true });
}
