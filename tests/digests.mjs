// Every transform in the catalogue on the same seeded input, as the SHA-256
// of what comes out. tests/node.test.mjs runs it in Node and
// tests/e2e/package.test.mjs in the browsers, from the package's tarball;
// the digests must agree. Plain ES module: `pw` is the initialised package.
//
// Each transform gets input it can take, made by the package itself from a
// seeded source (gunzip reads gzip's output, records stages read parsed
// users, …), and its output goes through the stage that turns it back
// into bytes (ndjson-stringify after records, text-encode after text).
// Pacing stages run unpaced; encrypt draws a fresh salt and nonce each
// run, so its row is the digest of encrypt then decrypt.

const BYTES = 300_000;
const lorem = ["lorem", { bytes: BYTES, chunkSize: 7_000, seed: 13 }];
const users = (format) => ["users", { format, count: 800, seed: 13, badRate: 0.05, chunkSize: 5_000 }];
const secret = { passphrase: "correct horse battery staple" };

// The options each transform is tested with, where its defaults would not
// show what it does (or would take long).
const OPTIONS = {
  "split-lines": {},
  gzip: { level: 5 },
  deflate: { format: "deflate-raw", level: 3 },
  inflate: { format: "deflate-raw" },
  "base64-encode": { variant: "url" },
  "base64-decode": { variant: "url" },
  filter: { pattern: "dolor", invert: true },
  "filter-records": { pattern: "@example\\.(com|org)", mode: "regex" },
  "hash-field": { field: "password", salt: "pepper", iterations: 3, maxErrors: 1000 },
  validate: { minLength: 10 },
  "json-pointer": { pointer: "/email", maxErrors: 1000 },
  primes: { blockSize: 4096, limit: 50_000 },
  throttle: { bytesPerSecond: 1e12 },
  delay: { ms: 0 },
  encrypt: { ...secret, iterations: 1000, frameSize: 4096 },
  decrypt: secret,
  head: { count: 123 },
  "head-records": { count: 45 },
  rechunk: { size: 1000 },
  "ndjson-parse": { maxErrors: 1000 },
  "csv-to-ndjson": { maxErrors: 1000 },
};

// What feeds each transform: a source and the stages before it.
function feed(kind, input) {
  switch (kind) {
    case "gunzip":
      return [lorem, ["gzip", {}]];
    case "inflate":
      return [lorem, ["deflate", { format: "deflate-raw" }]];
    case "base64-decode":
      return [lorem, ["base64-encode", { variant: "url" }]];
    case "decrypt":
      return [lorem, ["encrypt", OPTIONS.encrypt]];
    case "csv-to-ndjson":
      return [users("csv")];
    case "ndjson-parse":
      return [users("ndjson")];
  }
  if (input === "records") return [users("ndjson"), ["ndjson-parse", { maxErrors: 1000 }]];
  if (input === "text") return [lorem, ["text-decode", {}]];
  return [lorem];
}

function after(kind, output) {
  if (kind === "encrypt") return [["decrypt", secret]];
  if (output === "records") return [["ndjson-stringify", {}]];
  if (output === "text") return [["text-encode", {}]];
  return [];
}

// The stages a transform is tested in, as [kind, options] pairs, the
// source first.
export function chainFor(info) {
  return [...feed(info.kind, info.input), [info.kind, OPTIONS[info.kind] ?? {}], ...after(info.kind, info.output)];
}

// `{ bytes, sha256 }` of the concatenated `parts` (Uint8Arrays), in hex.
export async function sha256(parts) {
  const length = parts.reduce((n, p) => n + p.byteLength, 0);
  const all = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return { bytes: length, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
}

// `{ kind: { bytes, sha256 } }` for every transform in pw.catalog().
export async function transformDigests(pw) {
  const results = {};
  for (const info of pw.catalog().filter((s) => s.role === "transform")) {
    const [[source, sourceOptions], ...stages] = chainFor(info);
    let stream = pw.createSource(source, sourceOptions);
    for (const [kind, options] of stages) stream = stream.pipeThrough(pw.createTransform(kind, options));
    const parts = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new Error(`digests: ${info.kind}'s chain gave a ${typeof value}, not bytes`);
      parts.push(value);
    }
    results[info.kind] = await sha256(parts);
  }
  return results;
}
