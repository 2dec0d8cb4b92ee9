// The package as people get it (issue 13): `npm pack` of the built package
// (www/pkg), installed from its tarball into a fresh project and used in
// each browser engine from a plain <script type="module"> page importing it
// by path, a Vite build, Vite's dev server and an esbuild bundle, each
// running the same app with a stage pinned to a Worker and a pooled one,
// under a strict Content-Security-Policy. Every way must start its Workers
// and give the bytes the same pipeline gives in Node from the same tarball
// (on the main thread, and on worker_threads), and the plain page runs
// every transform in the catalogue to the digests Node gets
// (tests/digests.mjs). The README's Node example runs there as written.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { repoRoot, startServer } from "../../scripts/serve.mjs";
import { ENGINES, engineNames, launchEngine } from "./engines.mjs";
import { Page } from "./page.mjs";
import { readmeBlock } from "../readme.mjs";

const work = mkdtempSync(join(tmpdir(), "pipewright-package-"));
const project = join(work, "app");
const bin = (name) => join(repoRoot, "node_modules", ".bin", name);
const sh = (file, args, cwd = project) => execFileSync(file, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

// What the tarball must hold: the wasm, the JS, the types, the Worker entry
// (in snippets/, and its stable name worker.js), the command, README and
// the two licences. Nothing else of the repo.
const EXPECTED = [
  "LICENSE-APACHE",
  "LICENSE-MIT",
  "README.md",
  "cli.mjs",
  "package.json",
  "pipewright.d.ts",
  "pipewright.js",
  "pipewright_bg.wasm",
  "pipewright_bg.wasm.d.ts",
  "snippets/*/src/web/glue.js",
  "snippets/*/src/web/worker.js",
  "worker.js",
];

// The app, shared by the three ways: users → ndjson-parse → hash-field in
// a pool of 2 → ndjson-stringify → gzip pinned to a Worker, and the
// SHA-256 of the result. `workers: false` runs every stage on the main
// thread.
const PIPELINE = `
import { sha256 } from "./digests.js";

export async function run(pw, { workers = true } = {}) {
  const place = (options, placement) => (workers ? { ...options, ...placement } : options);
  const stream = pw
    .createSource("users", { format: "ndjson", count: 3000, seed: 5, chunkSize: 8192 })
    .pipeThrough(pw.createTransform("ndjson-parse"))
    .pipeThrough(pw.createTransform("hash-field", place({ field: "password", iterations: 2 }, { pool: 2 })))
    .pipeThrough(pw.createTransform("ndjson-stringify"))
    .pipeThrough(pw.createTransform("gzip", place({ level: 6 }, { worker: true })));
  const parts = [];
  for (const reader = stream.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const digest = await sha256(parts);
  const output = workers ? undefined : new Uint8Array(await new Blob(parts).arrayBuffer());
  return { ...digest, workersStarted: pw.workerCounts().created, output };
}
`;

// A page's result goes to window.result, for the test to read.
const publish = (call) => `
${call}.then(
  (value) => { window.result = value; document.body.textContent = "done"; },
  (e) => { window.result = { error: e instanceof Error ? \`\${e.name}: \${e.message}\` : String(e) }; },
);
`;

const page = (script) =>
  `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'">
<title>app</title><script type="module" src="${script}"></script></head><body>running</body></html>
`;

let packed;
let node;
let nodeDigests;

before(() => {
  // npm pack of the built package, as a publisher would run it.
  const [info] = JSON.parse(sh("npm", ["pack", join(repoRoot, "www", "pkg"), "--pack-destination", work, "--json", "--loglevel=error"], work));
  packed = info;
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "pipewright-user-app", private: true, type: "module" }, null, 2)}\n`);
  sh("npm", ["install", join(work, info.filename), "--no-audit", "--no-fund", "--offline", "--loglevel=error"]);

  writeFileSync(join(project, "pipeline.js"), PIPELINE);
  copyFileSync(join(repoRoot, "tests", "digests.mjs"), join(project, "digests.js"));
  // 1. A plain module script, importing the package by path.
  mkdirSync(join(project, "plain"));
  writeFileSync(join(project, "plain", "index.html"), page("./main.js"));
  writeFileSync(
    join(project, "plain", "main.js"),
    `import init, * as pw from "../node_modules/pipewright/pipewright.js";
import { run } from "../pipeline.js";
import { transformDigests } from "../digests.js";
await init();
${publish("run(pw).then(async (app) => ({ ...app, digests: await transformDigests(pw) }))")}`,
  );
  // 2. Vite: the package by name; Vite finds the Worker entry itself.
  const app = `import init, * as pw from "pipewright";
import { run } from "../pipeline.js";
await init();
${publish("run(pw)")}`;
  mkdirSync(join(project, "vite"));
  writeFileSync(join(project, "vite", "index.html"), page("./main.js"));
  writeFileSync(join(project, "vite", "main.js"), app);
  // --base ./: the test serves each build under its own path.
  sh(bin("vite"), ["build", "vite", "--outDir", "../dist-vite", "--emptyOutDir", "--base", "./", "--logLevel", "error"]);
  // 3. esbuild, with the README's one command: the Worker entry and the
  // wasm as two more entry points beside the bundle.
  mkdirSync(join(project, "esbuild"));
  writeFileSync(join(project, "esbuild", "main.js"), app);
  sh(bin("esbuild"), ["esbuild/main.js", "worker=pipewright/worker.js", "pipewright_bg=pipewright/pipewright_bg.wasm", "--bundle", "--format=esm", "--loader:.wasm=copy", "--outdir=dist-esbuild", "--log-level=error"]);
  writeFileSync(join(project, "dist-esbuild", "index.html"), page("./main.js"));
  // The same bundle shipped wrong: without worker.js, and with a worker.js
  // that loads but does nothing (what esbuild made of the entry while the
  // package's sideEffects pattern missed its nested snippets).
  for (const [dir, worker] of [["dist-no-worker", null], ["dist-empty-worker", ""]]) {
    mkdirSync(join(project, dir));
    for (const file of ["index.html", "main.js", "pipewright_bg.wasm"]) copyFileSync(join(project, "dist-esbuild", file), join(project, dir, file));
    if (worker !== null) writeFileSync(join(project, dir, "worker.js"), worker);
  }
});

// 4. Vite's dev server on the same app (no build): its URL once it listens.
let viteDev = null;
let viteDevUrl = null;
before(async () => {
  viteDev = spawn(bin("vite"), ["vite", "--host", "127.0.0.1", "--port", "0", "--logLevel", "info"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  viteDevUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite dev did not start: ${log}`)), 30_000);
    const seen = (d) => {
      log += d;
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    viteDev.stdout.on("data", seen);
    viteDev.stderr.on("data", seen);
    viteDev.on("exit", (code) => reject(new Error(`vite dev exited (${code}): ${log}`)));
  });
});

after(() => {
  viteDev?.kill();
  rmSync(work, { recursive: true, force: true });
});

test("npm pack: the tarball holds the wasm, JS, types, Worker entry, command, README and licences, and nothing else", () => {
  const files = packed.files.map((f) => f.path).sort();
  const matches = (pattern, file) => new RegExp(`^${pattern.replaceAll(".", "\\.").replaceAll("*", "[^/]+")}$`).test(file);
  assert.deepEqual(
    files.map((f) => EXPECTED.find((p) => matches(p, f)) ?? f),
    [...EXPECTED].sort(),
  );
  const manifest = JSON.parse(readFileSync(join(project, "node_modules", "pipewright", "package.json"), "utf8"));
  assert.equal(manifest.license, "MIT OR Apache-2.0");
  assert.equal(manifest.types, "pipewright.d.ts");
  assert.deepEqual(manifest.bin, { pipewright: "cli.mjs" });
  assert.match(readFileSync(join(project, "node_modules", "pipewright", "LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0/);
  assert.match(readFileSync(join(project, "node_modules", "pipewright", "LICENSE-MIT"), "utf8"), /Permission is hereby granted, free of charge/);
});

test("Node, from the tarball: the app's pipeline on the main thread and on worker_threads, read back by zlib; every transform's digest", async () => {
  const installed = join(project, "node_modules", "pipewright");
  const pw = await import(pathToFileURL(join(installed, "pipewright.js")).href);
  await pw.default({ module_or_path: readFileSync(join(installed, "pipewright_bg.wasm")) });
  const { run } = await import(pathToFileURL(join(project, "pipeline.js")).href);
  node = await run(pw, { workers: false });
  // And on worker_threads, as the browsers run it: the same bytes.
  const threaded = await run(pw);
  assert.deepEqual({ bytes: threaded.bytes, sha256: threaded.sha256 }, { bytes: node.bytes, sha256: node.sha256 });
  assert.ok(threaded.workersStarted >= 3, `Node started Worker threads for the pinned stage and the pool of 2 (${threaded.workersStarted})`);
  const lines = gunzipSync(node.output).toString("utf8").trimEnd().split("\n");
  assert.equal(lines.length, 3000, "zlib reads back one line per user");
  for (const line of lines) assert.match(JSON.parse(line).password, /^[0-9a-f]{64}$/, "every password is hashed");
  const { transformDigests } = await import(pathToFileURL(join(project, "digests.js")).href);
  nodeDigests = await transformDigests(pw);
  assert.deepEqual(Object.keys(nodeDigests).sort(), pw.catalog().filter((s) => s.role === "transform").map((s) => s.kind).sort());
});

test("npx pipewright run, the package's bin from the tarball: a share link's spec with a pooled stage, on files", () => {
  const spec = { source: { kind: "file" }, stages: [{ kind: "csv-to-ndjson" }, { kind: "gzip", pool: 2 }], sink: { kind: "file", path: "people.ndjson.gz" } };
  writeFileSync(join(project, "link.txt"), `http://127.0.0.1:8080/#spec=${encodeURIComponent(JSON.stringify(spec))}\n`);
  writeFileSync(join(project, "people.csv"), "id,name\n1,Ada\n2,Grace\n");
  const out = sh("npx", ["--no", "pipewright", "run", "link.txt", "--input", "people.csv"]);
  assert.match(out, /transform gzip \[pool\]/);
  assert.equal(gunzipSync(readFileSync(join(project, "people.ndjson.gz"))).toString(), '{"id":"1","name":"Ada"}\n{"id":"2","name":"Grace"}\n');
  assert.match(sh("npx", ["--no", "--", "pipewright", "--help"]), /^Usage: pipewright run <spec\.json>/);
});

test("the README's Node example, as written, in the project that installed the tarball", () => {
  writeFileSync(join(project, "readme-node.mjs"), readmeBlock("node-example"));
  const log = Buffer.from(Array.from({ length: 5000 }, (_, i) => `127.0.0.1 - - GET /page/${i % 37} 200\n`).join(""));
  writeFileSync(join(project, "access.log"), log);
  sh(process.execPath, ["readme-node.mjs"]);
  assert.ok(gunzipSync(readFileSync(join(project, "access.log.gz"))).equals(log), "zlib reads access.log back");
});

for (const name of engineNames()) {
  describe(`${ENGINES[name].title}: the package from its tarball`, () => {
    let server;
    let url;
    let session;
    let browser;
    before(async () => {
      ({ server, url } = await startServer({
        roots: {
          "/vite/": join(project, "dist-vite"),
          "/esbuild/": join(project, "dist-esbuild"),
          "/no-worker/": join(project, "dist-no-worker"),
          "/empty-worker/": join(project, "dist-empty-worker"),
          "/": project,
        },
      }));
      session = await launchEngine(name);
      browser = new Page(session);
    });
    after(async () => {
      await session?.close();
      server?.close();
    });

    const outcome = async (path) => {
      await browser.goto(url + path);
      return browser.waitForFunction(() => window.result, null, { timeout: 120_000 });
    };
    const open = async (path) => {
      const result = await outcome(path);
      assert.equal(result.error, undefined, `${path}: ${result.error}`);
      return result;
    };
    const sameAsNode = (result, how) => {
      assert.ok(node, "the Node test ran first");
      assert.deepEqual({ bytes: result.bytes, sha256: result.sha256 }, { bytes: node.bytes, sha256: node.sha256 }, `${how}: the pinned gzip and pooled hash-field give Node's bytes`);
      assert.ok(result.workersStarted >= 3, `${how}: the pinned stage and the pool of 2 started Workers (${result.workersStarted})`);
    };

    test("a plain <script type=\"module\"> page importing the package by path: the app, and every transform's digest as in Node", async () => {
      const result = await open("plain/");
      sameAsNode(result, "plain page");
      assert.ok(nodeDigests, "the Node test ran first");
      for (const kind of Object.keys(nodeDigests)) assert.deepEqual(result.digests[kind], nodeDigests[kind], `${kind}: the browser's digest is Node's`);
      assert.deepEqual(Object.keys(result.digests).sort(), Object.keys(nodeDigests).sort());
    });

    test("a Vite build of the app", async () => {
      sameAsNode(await open("vite/"), "Vite");
    });

    test("the app on Vite's dev server (no build, no configuration)", async () => {
      await browser.goto(viteDevUrl);
      const result = await browser.waitForFunction(() => window.result, null, { timeout: 120_000 });
      assert.equal(result.error, undefined, result.error);
      sameAsNode(result, "Vite dev");
    });

    test("an esbuild bundle of the app", async () => {
      sameAsNode(await open("esbuild/"), "esbuild");
    });

    test("a bundle shipped without its Worker entry fails at once, naming the stage and the cause", async () => {
      const { error } = await outcome("no-worker/");
      assert.match(error, /PipewrightError: (hash-field|gzip): its Worker could not be loaded as a module script; a bundler must ship the package's Worker entry \(worker\.js\)/);
    });

    // 30 s: the time a Worker has to answer; once, in one engine.
    test("a Worker entry that loads but never answers fails its stage after 30 s, never a hang", { skip: name !== "chromium" && "Chromium only (30 s)" }, async () => {
      const { error } = await outcome("empty-worker/");
      assert.match(error, /PipewrightError: (hash-field|gzip): its Worker loaded but did not answer within 30 s/);
    });
  });
}
