// Throughput of stages through a real pipe (source → stage → sink), each
// against the peer a user would otherwise pick, measured in the same run and
// interleaved so a noisy machine hits both alike. Figures, not gates.
import init, { catalog, createSink, createSource, createTransform, runPipeline } from "/pkg/pipewright.js";
import { step, withStallLimit } from "./stall.js";

const TEXT = new TextEncoder().encode(
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ",
);

// Fresh lowercase-heavy chunks, built before the clock starts: allocating a
// 64 KiB array costs more than a whole stage, so it must not be timed.
function makeChunks(size, count) {
  const chunks = new Array(count);
  for (let i = 0; i < count; i++) {
    const c = new Uint8Array(size);
    for (let o = 0; o < size; o += TEXT.length) c.set(TEXT.subarray(0, Math.min(TEXT.length, size - o)), o);
    chunks[i] = c;
  }
  return chunks;
}

function jsUppercase() {
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b >= 97 && b <= 122) chunk[i] = b - 32;
      }
      controller.enqueue(chunk);
    },
  });
}

const CANDIDATES = {
  "native identity": () => new TransformStream(),
  // Not a peer: shows what any JS-defined transformer costs over native.
  "js identity transformer": () => new TransformStream({ transform: (c, ctl) => ctl.enqueue(c) }),
  "pipewright identity": () => createTransform("identity"),
  "js uppercase": jsUppercase,
  "pipewright uppercase": () => createTransform("uppercase"),
};

// [stage, its peer]
const PAIRS = [
  ["pipewright identity", "native identity"],
  ["js identity transformer", "native identity"],
  ["pipewright uppercase", "js uppercase"],
];

async function timeOnce(makeStage, chunks) {
  let i = 0;
  let last = null;
  const source = new ReadableStream(
    {
      pull(c) {
        if (i < chunks.length) c.enqueue(chunks[i++]);
        else c.close();
      },
    },
    { highWaterMark: 4 },
  );
  const sink = new WritableStream({ write(c) { last = c; } }, { highWaterMark: 4 });
  const t0 = performance.now();
  await source.pipeThrough(makeStage()).pipeTo(sink);
  return { ms: performance.now() - t0, last };
}

const SIZES = [
  { size: 256, count: 12000 },
  { size: 4096, count: 3000 },
  { size: 65536, count: 300 },
];
const ROUNDS = 5;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// A stage that makes no progress for 5 minutes fails the run, naming it
// (the longest step here, 1 GiB through four stages, takes under a minute).
const STALL_MS = 300_000;

export function runBench() {
  return withStallLimit(measure, STALL_MS);
}

async function measure() {
  const wasm = await init();
  const rows = [];
  for (const { size, count } of SIZES) {
    step(`per-chunk cost, ${size} B chunks`);
    const times = Object.fromEntries(Object.keys(CANDIDATES).map((k) => [k, []]));
    // A warm-up round, then rounds with candidates interleaved.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, make] of Object.entries(CANDIDATES)) {
        const chunks = makeChunks(size, count);
        const { ms, last } = await timeOnce(make, chunks);
        // "Lorem…": the second byte must have become "O".
        if (name.includes("uppercase") && last[1] !== 79) throw new Error(`${name}: output not uppercased`);
        if (round > 0) times[name].push(ms);
      }
    }
    const seen = new Set();
    for (const [stage, peer] of PAIRS) {
      for (const name of [stage, peer]) {
        if (seen.has(name)) continue;
        seen.add(name);
        const ms = median(times[name]);
        const peerMs = median(times[peer]);
        rows.push({
          stage: name,
          chunkBytes: size,
          chunks: count,
          mbPerSec: (size * count) / 1e6 / (ms / 1000),
          nsPerChunk: (ms * 1e6) / count,
          vsPeer: name === peer ? null : peerMs / ms,
          peer: name === peer ? null : peer,
        });
      }
    }
  }
  step("against the libraries");
  const peers = await codecRows();
  const stages = await stageRows(catalog());
  step("workers");
  const workers = await workerRows();
  const records = await recordRows();
  step("memory at scale");
  const memory = await memoryAtScale(wasm);
  return { userAgent: navigator.userAgent, rounds: ROUNDS, rows, peers, parallelGzipSize, stages, workers, records, memory };
}

// Peers: each of our stages next to what a web developer would otherwise
// use, on the same data in the same run. 16 MiB in 64 KiB chunks.
const PEER_BYTES = 16 << 20;
const PEER_CHUNK = 65536;

function split(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

// The whole output: bytes joined, or text (sha256's digest) joined. A
// reader loop, not for await: the peers' streams are the engine's own, and
// WebKit's cannot be iterated.
async function collect(readable) {
  const parts = [];
  const reader = readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  if (parts.length > 0 && typeof parts[0] === "string") return parts.join("");
  const out = new Uint8Array(parts.reduce((n, p) => n + (p.length ?? 0), 0));
  let at = 0;
  for (const p of parts) {
    if (!(p instanceof Uint8Array)) continue;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sourceOf(chunks) {
  let i = 0;
  return new ReadableStream({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]) : c.close()) }, { highWaterMark: 4 });
}

async function timed(run) {
  const t0 = performance.now();
  const out = await run();
  return { ms: performance.now() - t0, out };
}

const through = (makeStage) => (chunks) => timed(() => collect(sourceOf(chunks).pipeThrough(makeStage())));

// Peer libraries wrapped as TransformStreams, as a developer would.
function fflateStream(Klass, options) {
  let codec;
  return new TransformStream({
    start(c) {
      codec = options ? new Klass(options) : new Klass();
      codec.ondata = (data) => c.enqueue(data);
    },
    transform(chunk) {
      codec.push(chunk);
    },
    flush() {
      codec.push(new Uint8Array(0), true);
    },
  });
}

function pakoGzipStream() {
  let d;
  return new TransformStream({
    start(c) {
      d = new pako.Deflate({ level: 6, gzip: true });
      d.onData = (data) => c.enqueue(data);
    },
    transform(chunk) {
      d.push(chunk, false);
    },
    flush() {
      d.push(new Uint8Array(0), true);
    },
  });
}

function hashWasmStream() {
  let h;
  return new TransformStream({
    async start() {
      h = await hashWasm.createSHA256();
      h.init();
    },
    transform(chunk) {
      h.update(chunk);
    },
    flush(c) {
      c.enqueue(h.digest("hex"));
    },
  });
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// papaparse reading the same Blob, with header keys, each row as a JSON line.
function papaNdjson(blob) {
  return timed(
    () =>
      new Promise((resolve, reject) => {
        let lines = 0;
        window.Papa.parse(blob, {
          header: true,
          skipEmptyLines: true,
          chunkSize: PEER_CHUNK,
          chunk: (results) => {
            for (const row of results.data) {
              JSON.stringify(row);
              lines++;
            }
          },
          complete: () => resolve(lines),
          error: reject,
        });
      }),
  );
}

async function oursNdjson(blob) {
  return timed(async () => {
    let lines = 0;
    const out = createSource("file", { file: blob, chunkSize: PEER_CHUNK }).pipeThrough(createTransform("csv-to-ndjson"));
    // Rows counted with indexOf (the engine's own search), not a JS loop
    // over every byte: that loop alone took longer than the stage (Chromium,
    // 24 MB of output), and the peer counts rows without reading its text.
    for await (const chunk of out) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    return lines;
  });
}

let fflate, pako, hashWasm;
// Parallel gzip's size over single-threaded level 6, measured in codecRows.
let parallelGzipSize = null;

export async function codecRows() {
  fflate = await import("/node_modules/fflate/esm/browser.js");
  pako = await import("/node_modules/pako/dist/browser/pako.esm.min.mjs");
  hashWasm = await import("/node_modules/hash-wasm/dist/index.esm.js");
  // Seeded lorem text: a realistic word mix (gzip shrinks it ~3.5x), the
  // same in every run.
  const text = await collect(createSource("lorem", { bytes: PEER_BYTES, chunkSize: PEER_CHUNK, seed: 1 }));
  const chunks = () => split(text, PEER_CHUNK);
  const gz = (await through(() => new CompressionStream("gzip"))(chunks())).out;
  const gzChunks = () => split(gz, PEER_CHUNK);
  const csvBlob = new Blob([await collect(createSource("users", { count: 150000, seed: 1 }))]);

  let parallelChecked = false;
  const checkParallelGzip = async (r) => {
    if (parallelChecked) return;
    parallelChecked = true;
    const back = (await through(() => new DecompressionStream("gzip"))(split(r.out, PEER_CHUNK))).out;
    if (back.length !== text.length || back.some((b, i) => b !== text[i])) throw new Error("gzip pool: DecompressionStream read back other bytes");
    const single = (await through(() => createTransform("gzip", { level: 6 }))(chunks())).out;
    parallelGzipSize = r.out.length / single.length;
  };
  const checkGunzip = (r) => {
    if (r.out.length !== text.length) throw new Error("gunzip: wrong length");
  };
  const cases = [
    {
      ours: "gzip (level 6)",
      run: () => through(() => createTransform("gzip", { level: 6 }))(chunks()),
      bytes: text.length,
      peers: {
        "fflate Gzip": () => through(() => fflateStream(fflate.Gzip, { level: 6 }))(chunks()),
        "CompressionStream gzip": () => through(() => new CompressionStream("gzip"))(chunks()),
        "pako Deflate gzip": () => through(pakoGzipStream)(chunks()),
      },
    },
    {
      // Target 4: pigz's method, blocks compressed in 2 Workers (the
      // Workers' start is in the time: a user pays it). The output must
      // read back exactly, and stay within 1% of single-threaded level 6.
      ours: "gzip pool ×2 (level 6)",
      run: () => through(() => createTransform("gzip", { level: 6, pool: 2 }))(chunks()),
      check: checkParallelGzip,
      bytes: text.length,
      peers: {
        "CompressionStream gzip": () => through(() => new CompressionStream("gzip"))(chunks()),
        "gzip (level 6) on the main thread": () => through(() => createTransform("gzip", { level: 6 }))(chunks()),
      },
    },
    {
      ours: "gunzip",
      run: () => through(() => createTransform("gunzip"))(gzChunks()),
      check: checkGunzip,
      bytes: text.length,
      peers: {
        "fflate Gunzip": () => through(() => fflateStream(fflate.Gunzip))(gzChunks()),
        "DecompressionStream gzip": () => through(() => new DecompressionStream("gzip"))(gzChunks()),
      },
    },
    {
      ours: "sha256",
      run: () => through(() => createTransform("sha256"))(chunks()),
      bytes: text.length,
      peers: {
        "hash-wasm SHA-256 streaming": () => through(hashWasmStream)(chunks()),
        "crypto.subtle.digest (collect first)": () =>
          timed(async () => hex(new Uint8Array(await crypto.subtle.digest("SHA-256", await collect(sourceOf(chunks())))))),
      },
    },
    {
      ours: "csv-to-ndjson (from a Blob)",
      run: () => oursNdjson(csvBlob),
      bytes: csvBlob.size,
      peers: { "papaparse + JSON.stringify": () => papaNdjson(csvBlob) },
    },
  ];
  const rows = [];
  for (const k of cases) {
    const times = { [k.ours]: [] };
    for (const p of Object.keys(k.peers)) times[p] = [];
    let reference;
    for (let round = 0; round <= 3; round++) {
      const a = await k.run();
      await k.check?.(a);
      if (round > 0) times[k.ours].push(a.ms);
      for (const [name, run] of Object.entries(k.peers)) {
        const b = await run();
        if (round > 0) times[name].push(b.ms);
        if (k.ours === "sha256" && a.out !== b.out) throw new Error(`sha256 differs from ${name}`);
        if (k.ours.startsWith("csv") && a.out !== b.out) reference = `${a.out} vs ${b.out} rows`;
      }
    }
    if (reference) throw new Error(`csv-to-ndjson and papaparse disagree: ${reference}`);
    const ms = median(times[k.ours]);
    for (const peer of Object.keys(k.peers)) {
      const peerMs = median(times[peer]);
      rows.push({
        stage: k.ours,
        peer,
        mbPerSec: k.bytes / 1e6 / (ms / 1000),
        peerMbPerSec: k.bytes / 1e6 / (peerMs / 1000),
        ratio: peerMs / ms,
      });
    }
  }
  return rows;
}

// Every transform alone, on input it can take, 8 MiB in 64 KiB chunks.
export async function stageRows(catalog) {
  step("every stage alone");
  const bytes = 8 << 20;
  const lorem = await collect(createSource("lorem", { bytes, chunkSize: PEER_CHUNK, seed: 2 }));
  const users = (format) => collect(createSource("users", { format, count: 60000, seed: 2 }));
  const made = async (kind, options, input) => collect(sourceOf(split(input, PEER_CHUNK)).pipeThrough(createTransform(kind, options)));
  const csv = await users("csv");
  const ndjson = await users("ndjson");
  const objects = [];
  for await (const r of sourceOf(split(ndjson, PEER_CHUNK)).pipeThrough(createTransform("ndjson-parse"))) objects.push(r);
  const textChunks = split(lorem, PEER_CHUNK).map((c) => new TextDecoder().decode(c));
  const inputs = {
    "csv-to-ndjson": csv,
    "ndjson-parse": ndjson,
    gunzip: await made("gzip", {}, lorem),
    inflate: await made("deflate", {}, lorem),
    "base64-decode": await made("base64-encode", {}, lorem),
    decrypt: await made("encrypt", { passphrase: "bench", iterations: 1000 }, lorem),
  };
  const options = {
    encrypt: { passphrase: "bench", iterations: 1000 },
    decrypt: { passphrase: "bench" },
    head: { count: 1e15 },
    "head-records": { count: 1e15 },
    delay: { ms: 0 },
    throttle: { bytesPerSecond: 1e12 },
    primes: { limit: 100000 },
    "hash-field": { iterations: 1 },
    filter: { pattern: "lorem" },
    "filter-records": { pattern: "Ada" },
  };
  const rows = [];
  for (const info of catalog.filter((s) => s.role === "transform")) {
    const kind = info.kind;
    step(`every stage alone: ${kind}`);
    let chunks;
    let size;
    if (info.input === "records") {
      chunks = objects;
      size = ndjson.length;
    } else if (info.input === "text") {
      chunks = textChunks;
      size = lorem.length;
    } else {
      const data = inputs[kind] ?? lorem;
      chunks = split(data, PEER_CHUNK);
      size = data.length;
    }
    const ms = [];
    for (let round = 0; round <= 2; round++) {
      // Records are objects: pass them as they are; bytes may be mutated in
      // place (uppercase), so give each round fresh copies.
      const input = info.input === "bytes" ? chunks.map((c) => c.slice()) : chunks;
      const t = await timed(() => collect(sourceOf(input).pipeThrough(createTransform(kind, options[kind]))));
      if (round > 0) ms.push(t.ms);
    }
    const m = median(ms);
    rows.push({ stage: kind, input: info.input, chunks: chunks.length, mbPerSec: size / 1e6 / (m / 1000), nsPerChunk: (m * 1e6) / chunks.length });
  }
  // Sources, drained by a JS reader; sinks, fed by a JS source.
  const blob = new Blob([lorem]);
  const url = URL.createObjectURL(blob);
  const sourceOptions = {
    counter: { count: 100000 },
    lorem: { bytes, chunkSize: PEER_CHUNK },
    random: { bytes, chunkSize: PEER_CHUNK },
    users: { count: 60000 },
    file: { file: blob, chunkSize: PEER_CHUNK },
    fetch: { url },
    push: { bytes, chunkSize: PEER_CHUNK },
    // A fresh generator each round: an async generator of the same chunks.
    iterable: () => ({
      iterable: (async function* () {
        yield* split(lorem, PEER_CHUNK);
      })(),
    }),
  };
  const optionsOf = (kind) => (typeof sourceOptions[kind] === "function" ? sourceOptions[kind]() : sourceOptions[kind]);
  for (const info of catalog.filter((s) => s.role === "source")) {
    step(`every stage alone: ${info.kind} (source)`);
    const ms = [];
    let size = 0;
    let chunks = 0;
    for (let round = 0; round <= 2; round++) {
      const t = await timed(async () => {
        let n = 0;
        let c = 0;
        for await (const chunk of createSource(info.kind, optionsOf(info.kind))) {
          n += chunk.length;
          c++;
        }
        return [n, c];
      });
      [size, chunks] = t.out;
      if (round > 0) ms.push(t.ms);
    }
    const m = median(ms);
    rows.push({ stage: `${info.kind} (source)`, input: "—", chunks, mbPerSec: size / 1e6 / (m / 1000), nsPerChunk: (m * 1e6) / chunks });
  }
  URL.revokeObjectURL(url);
  const sinkOptions = { throttle: { bytesPerSecond: 1e12 }, collect: { maxBytes: 1 << 30 } };
  for (const info of catalog.filter((s) => s.role === "sink")) {
    step(`every stage alone: ${info.kind} (sink)`);
    const ms = [];
    const chunks = split(lorem, PEER_CHUNK);
    for (let round = 0; round <= 2; round++) {
      const t = await timed(() => sourceOf(chunks).pipeTo(createSink(info.kind, sinkOptions[info.kind])));
      if (round > 0) ms.push(t.ms);
    }
    const m = median(ms);
    rows.push({ stage: `${info.kind} (sink)`, input: "any", chunks: chunks.length, mbPerSec: lorem.length / 1e6 / (m / 1000), nsPerChunk: (m * 1e6) / chunks.length });
  }
  return rows;
}


// The longest gap between animation frames while `run` runs: how long the
// main thread was unable to draw.
async function longestFrameGap(run) {
  let last = performance.now();
  let worst = 0;
  let on = true;
  const frame = (now) => {
    worst = Math.max(worst, now - last);
    last = now;
    if (on) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const t = await timed(run);
  on = false;
  worst = Math.max(worst, performance.now() - last);
  return { ms: t.ms, gap: worst };
}

// Workers: pool scaling on a CPU-heavy stage, the cost of pinning, and what
// each does to the main thread. hash-field with many iterations is the
// classic password-hashing job.
export async function workerRows() {
  const rows = [];
  const users = await collect(createSource("users", { format: "ndjson", count: 400, seed: 4 }));
  const hashing = (placement) => ({
    source: { kind: "fetch", url: URL.createObjectURL(new Blob([users])) },
    stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 20000, ...placement }, { kind: "ndjson-stringify" }],
    sink: { kind: "digest" },
  });
  const runs = { "main thread": {}, "pool ×1": { pool: 1 }, "pool ×2": { pool: 2 } };
  const results = {};
  for (const [name, placement] of Object.entries(runs)) {
    const times = [];
    const gaps = [];
    for (let round = 0; round <= 2; round++) {
      const r = await longestFrameGap(() => runPipeline(hashing(placement)));
      if (round > 0) {
        times.push(r.ms);
        gaps.push(r.gap);
      }
    }
    results[name] = { ms: median(times), gap: Math.max(...gaps) };
  }
  const base = results["pool ×1"].ms;
  for (const [name, r] of Object.entries(results)) {
    rows.push({
      what: `hash-field, 400 records × 20,000 SHA-256 rounds: ${name}`,
      ms: r.ms,
      speedup: base / r.ms,
      gapMs: r.gap,
    });
  }
  // Pinning's cost per chunk, at two chunk sizes: the slope between a run
  // of n and of 4n chunks, pinned minus main thread, so that the Worker's
  // start (paid once per stage) is not spread over the chunks.
  for (const size of [4096, 65536]) {
    const n = Math.round((8 << 20) / size);
    const times = { main1: [], main4: [], pinned1: [], pinned4: [] };
    for (let round = 0; round <= 3; round++) {
      for (const [key, count, options] of [
        ["main1", n, {}],
        ["pinned1", n, { worker: true }],
        ["main4", 4 * n, {}],
        ["pinned4", 4 * n, { worker: true }],
      ]) {
        const r = await timeOnce(() => createTransform("uppercase", options), makeChunks(size, count));
        if (r.last[1] !== 79) throw new Error("pinned uppercase: output not uppercased");
        if (round > 0) times[key].push(r.ms);
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const perChunk = (a, b) => ((b - a) * 1e6) / (3 * n);
    const extra = perChunk(m.pinned1, m.pinned4) - perChunk(m.main1, m.main4);
    rows.push({
      what: `uppercase pinned vs main thread, ${size / 1024} KiB chunks`,
      ms: m.pinned4,
      speedup: m.main4 / m.pinned4,
      nsPerChunkExtra: extra,
    });
  }
  return rows;
}

// 1 GiB of lorem through uppercase → gzip → gunzip → digest on the main
// thread: the peaks of wasm memory and (where the engine tells) the JS heap
// over their values at the start, sampled every 50 ms, and the throughput
// next to the same chain from the browser's own streams where they exist
// (a JS uppercase, CompressionStream, DecompressionStream; no engine has a
// streaming digest, so its sink only counts).
export async function memoryAtScale(wasm, bytes = 2 ** 30) {
  const heap = () => performance.memory?.usedJSHeapSize ?? null;
  const sample = async (run) => {
    const mem0 = wasm.memory.buffer.byteLength;
    const heap0 = heap();
    let memPeak = mem0;
    let heapPeak = heap0;
    const tick = setInterval(() => {
      memPeak = Math.max(memPeak, wasm.memory.buffer.byteLength);
      if (heap0 !== null) heapPeak = Math.max(heapPeak, heap());
    }, 50);
    const t0 = performance.now();
    const out = await run();
    const ms = performance.now() - t0;
    clearInterval(tick);
    return { ms, out, wasmGrowth: memPeak - mem0, heapGrowth: heap0 === null ? null : heapPeak - heap0 };
  };
  const ours = await sample(async () => {
    const report = await runPipeline({
      source: { kind: "lorem", bytes, chunkSize: PEER_CHUNK, seed: 3 },
      stages: [{ kind: "uppercase" }, { kind: "gzip" }, { kind: "gunzip" }],
      sink: { kind: "digest" },
    });
    if (!report.ok || report.totals.bytes !== bytes) throw new Error(`memory at scale: the run did not finish whole (${report.error?.message})`);
    return report.totals.bytes;
  });
  const browser = await sample(async () => {
    let n = 0;
    await createSource("lorem", { bytes, chunkSize: PEER_CHUNK, seed: 3 })
      .pipeThrough(jsUppercase())
      .pipeThrough(new CompressionStream("gzip"))
      .pipeThrough(new DecompressionStream("gzip"))
      .pipeTo(new WritableStream({ write: (c) => void (n += c.length) }));
    if (n !== bytes) throw new Error(`memory at scale: the browser's chain gave ${n} bytes`);
    return n;
  });
  return {
    bytes,
    ours: { ...ours, mbPerSec: bytes / 1e6 / (ours.ms / 1000) },
    browser: { ...browser, mbPerSec: bytes / 1e6 / (browser.ms / 1000) },
  };
}

// Target 1: records between Rust stages. Two pipelines of record stages,
// each next to the same job in plain JS by a competent user (papaparse
// streaming with header keys, a JS filter or validate, hash-wasm's SHA-256,
// JSON.stringify), on the same CSV Blob; outputs must be equal byte for
// byte. csv-to-ndjson gives NDJSON bytes and validate takes records, so the
// second chain has an ndjson-parse between them, as the spec requires.
// hash-field writes its record back with sorted keys (serde_json's map), so
// the plain-JS peer sorts them too.
async function papaRows(blob, onRow) {
  await new Promise((resolve, reject) => {
    window.Papa.parse(blob, {
      header: true,
      skipEmptyLines: true,
      chunkSize: PEER_CHUNK,
      chunk: (results) => results.data.forEach(onRow),
      complete: resolve,
      error: reject,
    });
  });
}

const emailShaped = (s) => {
  const parts = s.split("@");
  if (parts.length !== 2 || parts[0] === "" || /\s/.test(s)) return false;
  const domain = parts[1].split(".");
  return domain.length >= 2 && domain.every((p) => p !== "");
};

function plainValidate(row) {
  for (const f of ["id", "name", "email"]) if (row[f] === undefined || row[f] === null || (typeof row[f] === "string" && row[f].trim() === "")) return false;
  if (row.email !== undefined && !(typeof row.email === "string" && emailShaped(row.email))) return false;
  if (row.password !== undefined && (typeof row.password === "string" ? [...row.password].length : 0) < 8) return false;
  return true;
}

export async function recordRows() {
  step("record chains");
  const rows = [];
  const csvBlob = new Blob([await collect(createSource("users", { count: 200000, seed: 4 }))]);
  const decoder = new TextDecoder();
  const ours = (stages) =>
    timed(async () => {
      let stream = createSource("file", { file: csvBlob, chunkSize: PEER_CHUNK });
      for (const [kind, options] of stages) stream = stream.pipeThrough(createTransform(kind, options));
      return decoder.decode(await collect(stream));
    });
  hashWasm ??= await import("/node_modules/hash-wasm/dist/index.esm.js");
  const sha = await hashWasm.createSHA256();
  const jobs = [
    {
      what: "CSV → csv-to-ndjson → ndjson-parse → filter-records → ndjson-stringify",
      ours: () => ours([["csv-to-ndjson"], ["ndjson-parse"], ["filter-records", { pattern: "example.org" }], ["ndjson-stringify"]]),
      peer: () =>
        timed(async () => {
          const out = [];
          await papaRows(csvBlob, (row) => {
            const line = JSON.stringify(row);
            if (line.includes("example.org")) out.push(line + "\n");
          });
          return out.join("");
        }),
    },
    {
      what: "users CSV → csv-to-ndjson → ndjson-parse → validate → hash-field (1 round) → ndjson-stringify",
      ours: () => ours([["csv-to-ndjson"], ["ndjson-parse"], ["validate"], ["hash-field", { iterations: 1 }], ["ndjson-stringify"]]),
      peer: () =>
        timed(async () => {
          const out = [];
          await papaRows(csvBlob, (row) => {
            if (!plainValidate(row)) return;
            sha.init();
            sha.update(row.password);
            row.password = sha.digest("hex");
            out.push(JSON.stringify(row, Object.keys(row).sort()) + "\n");
          });
          return out.join("");
        }),
    },
  ];
  // A warm-up round, then the median of 5: these rows move most between
  // runs (a median of 2 moved 2.9–3.8× for the second chain in one evening).
  for (const job of jobs) {
    step(job.what);
    const times = { ours: [], peer: [] };
    for (let round = 0; round <= 5; round++) {
      const a = await job.ours();
      const b = await job.peer();
      if (a.out !== b.out) throw new Error(`${job.what}: output differs from plain JS (${a.out.length} vs ${b.out.length} chars)`);
      if (round > 0) {
        times.ours.push(a.ms);
        times.peer.push(b.ms);
      }
    }
    rows.push({ what: job.what, bytes: csvBlob.size, ms: median(times.ours), peerMs: median(times.peer), ratio: median(times.peer) / median(times.ours) });
  }
  return rows;
}

window.runBench = runBench;
document.querySelector("#out").textContent = "ready";
