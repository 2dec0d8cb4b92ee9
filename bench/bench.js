// Throughput of stages through a real pipe (source → stage → sink), each
// against the peer a user would otherwise pick, measured in the same run and
// interleaved so a noisy machine hits both alike. Figures, not gates.
import init, { createTransform } from "/pkg/pipewright.js";

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
  return { userAgent: navigator.userAgent, rounds: ROUNDS, rows };
}

window.runBench = runBench;
document.querySelector("#out").textContent = "ready";
