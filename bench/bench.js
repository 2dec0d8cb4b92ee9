// Throughput of stages through a real pipe (source → stage → sink), each
// against the peer a user would otherwise pick, measured in the same run and
// interleaved so a noisy machine hits both alike. Figures, not gates.
import init, { createSource, createTransform } from "/pkg/pipewright.js";

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

export async function runBench() {
  await init();
  const rows = [];
  for (const { size, count } of SIZES) {
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
  rows.push(...(await codecRows()));
  return { userAgent: navigator.userAgent, rounds: ROUNDS, rows };
}

// Codecs: 16 MiB of text in 64 KiB chunks, through a whole pipe.
const CODEC_BYTES = 16 << 20;
const CODEC_CHUNK = 65536;

function split(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

// The whole output: bytes joined, or text (sha256's digest) joined.
async function collect(readable) {
  const parts = [];
  for await (const c of readable) parts.push(c);
  if (parts.length > 0 && typeof parts[0] === "string") return parts.join("");
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sourceOf(chunks) {
  let i = 0;
  return new ReadableStream({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]) : c.close()) }, { highWaterMark: 4 });
}

// Time one pipe of `chunks` through `makeStage()`; returns ms and the output.
async function timePipe(makeStage, chunks) {
  const t0 = performance.now();
  const out = await collect(sourceOf(chunks).pipeThrough(makeStage()));
  return { ms: performance.now() - t0, out };
}

// SHA-256 the way a page would without Pipewright: gather the stream, then
// crypto.subtle.digest.
async function subtleOfStream(chunks) {
  const t0 = performance.now();
  const all = await collect(sourceOf(chunks));
  const digest = await crypto.subtle.digest("SHA-256", all);
  return { ms: performance.now() - t0, out: new Uint8Array(digest) };
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export async function codecRows() {
  // Seeded lorem text: a realistic word mix (gzip shrinks it ~3.5x), the
  // same in every run.
  const text = await collect(createSource("lorem", { bytes: CODEC_BYTES, chunkSize: CODEC_CHUNK, seed: 1 }));
  const chunks = () => split(text, CODEC_CHUNK);
  const gz = (await timePipe(() => new CompressionStream("gzip"), chunks())).out;
  const gzChunks = () => split(gz, CODEC_CHUNK);

  const cases = [
    { stage: "pipewright gzip (level 6)", peer: "CompressionStream gzip", input: chunks,
      ours: (c) => timePipe(() => createTransform("gzip", { level: 6 }), c),
      theirs: (c) => timePipe(() => new CompressionStream("gzip"), c) },
    { stage: "pipewright gunzip", peer: "DecompressionStream gzip", input: gzChunks,
      ours: (c) => timePipe(() => createTransform("gunzip"), c),
      theirs: (c) => timePipe(() => new DecompressionStream("gzip"), c) },
    { stage: "pipewright sha256", peer: "collect + crypto.subtle.digest", input: chunks,
      ours: (c) => timePipe(() => createTransform("sha256"), c),
      theirs: subtleOfStream },
  ];
  const rows = [];
  for (const k of cases) {
    const ours = [];
    const theirs = [];
    let outBytes = 0;
    for (let round = 0; round <= 3; round++) {
      const a = await k.ours(k.input());
      const b = await k.theirs(k.input());
      if (round > 0) {
        ours.push(a.ms);
        theirs.push(b.ms);
      }
      outBytes = a.out.length;
      if (k.stage.includes("gunzip") && a.out.length !== text.length) throw new Error("gunzip: wrong length");
      if (k.stage.includes("sha256") && a.out !== hex(b.out)) throw new Error("sha256 differs from crypto.subtle");
    }
    // Throughput counts uncompressed bytes on both sides of a codec.
    const chunkCount = k.input().length;
    const [ms, peerMs] = [median(ours), median(theirs)];
    const row = (name, t, vs, peer) => ({
      stage: name, chunkBytes: CODEC_CHUNK, chunks: chunkCount,
      mbPerSec: text.length / 1e6 / (t / 1000), nsPerChunk: (t * 1e6) / chunkCount, vsPeer: vs, peer,
    });
    rows.push({ ...row(k.stage, ms, peerMs / ms, k.peer), outBytes });
    rows.push(row(k.peer, peerMs, null, null));
  }
  return rows;
}

window.runBench = runBench;
document.querySelector("#out").textContent = "ready";
