// Fuzzing the share-link reader (issue 11): the page's JS reader
// (specFromFragment) then the spec validator (validateSpec, Rust, which
// cargo fuzz also covers: fuzz/ pipeline_spec). 30,000 fragments, seeded:
// real share links of every preset mutated byte by byte, cut short, with
// junk percent-escapes, deep nesting, huge numbers, hostile keys; and
// their specs mutated as JSON (values, keys, kinds), to reach the validator. For each,
// the reader never throws and answers {}, { spec } or { error: text }; the
// validator accepts or throws a TypeError/RangeError whose message names
// the spec, and nothing else; and nothing is written to Object.prototype.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import init, { validateSpec } from "../www/pkg/pipewright.js";
import { shareFragment, specFromFragment } from "../www/js/model.js";
import { PRESETS } from "../www/js/presets.js";

await init({ module_or_path: await readFile(new URL("../www/pkg/pipewright_bg.wasm", import.meta.url)) });

const ROUNDS = 30_000;
let seed = 0x2545f491;
const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (n) => Math.floor(random() * n);

const SEEDS = PRESETS.map((p) => shareFragment(p.spec));
const JUNK = ["%", "%e", "%ZZ", "%00", "%ff", "%F0%9F", "\u0000", "\ud800", "#spec=", "{", "}", "[", "]", '"', "\\", ":", ",", "null", "1e309", "-0", "__proto__", "constructor", "prototype", "<script>", "%7B%22__proto__%22%3A%7B%22polluted%22%3A1%7D%7D"];
const HOSTILE = [
  `#spec=${encodeURIComponent('{"__proto__":{"polluted":1},"source":{"kind":"counter"},"sink":{"kind":"null"}}')}`,
  `#spec=${encodeURIComponent('{"source":{"kind":"counter","constructor":{"prototype":{"polluted":1}}},"sink":{"kind":"null"}}')}`,
  `#spec=${"[".repeat(5000)}`,
  `#spec=${encodeURIComponent(`{"source":${"{".repeat(3000)}`)}`,
  `#spec=${encodeURIComponent('{"source":{"kind":"counter","count":1e400},"sink":{"kind":"null"}}')}`,
  `#spec=${encodeURIComponent(JSON.stringify({ source: { kind: "counter", count: -1 }, stages: Array(5000).fill({ kind: "identity" }), sink: { kind: "null" } }))}`,
];

function mutate(text) {
  let s = text;
  for (let n = 1 + int(4); n > 0; n -= 1) {
    const at = int(s.length + 1);
    switch (int(5)) {
      case 0: // flip one character
        s = s.slice(0, at) + String.fromCharCode(int(128)) + s.slice(at + 1);
        break;
      case 1: // cut
        s = s.slice(0, at);
        break;
      case 2: // insert junk
        s = s.slice(0, at) + pick(JUNK) + s.slice(at);
        break;
      case 3: // drop a run
        s = s.slice(0, at) + s.slice(at + 1 + int(20));
        break;
      default: // splice from another link
        s = s.slice(0, at) + pick(SEEDS).slice(int(200));
    }
  }
  return s;
}

// Structured mutations: valid JSON that reaches the validator.
const VALUES = [null, true, false, 0, -1, 1.5, 2 ** 53, 1e308, -1e308, "", "x", "counter", "gzip", "__proto__", [], {}, [1, 2], { kind: "identity" }];
function mutateSpec(spec) {
  const copy = JSON.parse(JSON.stringify(spec));
  for (let n = 1 + int(3); n > 0; n -= 1) {
    // Walk to a random object or array in the spec.
    let node = copy;
    for (let depth = int(4); depth > 0; depth -= 1) {
      const children = Object.values(node).filter((v) => v && typeof v === "object");
      if (!children.length) break;
      node = pick(children);
    }
    const keys = Object.keys(node);
    switch (int(4)) {
      case 0:
        if (keys.length) node[pick(keys)] = structuredClone(pick(VALUES));
        break;
      case 1:
        if (keys.length) delete node[pick(keys)];
        break;
      case 2:
        node[pick(["kind", "stages", "source", "sink", "pool", "worker", "level", "count", "passphrase", "x"])] = structuredClone(pick(VALUES));
        break;
      default:
        if (Array.isArray(node)) node.push(structuredClone(pick(VALUES)));
        else node.kind = pick(["counter", "gzip", "collect", "nope", "users", "csv-to-ndjson", "decrypt"]);
    }
  }
  return shareFragment(copy);
}

test("the share-link reader and the spec validator hold under 30,000 mutated and hostile fragments", () => {
  const seen = { none: 0, error: 0, accepted: 0, refused: 0 };
  const inputs = [...HOSTILE, ...SEEDS];
  for (let i = 0; i < ROUNDS; i += 1) inputs.push(i % 2 ? mutate(pick(SEEDS)) : mutateSpec(pick(PRESETS).spec));
  for (const fragment of inputs) {
    let read;
    assert.doesNotThrow(() => {
      read = specFromFragment(fragment);
    }, `reader threw on ${JSON.stringify(fragment.slice(0, 80))}`);
    const keys = Object.keys(read).sort().join(",");
    assert.ok(["", "error", "spec"].includes(keys), `reader answered ${keys}`);
    if (keys === "") {
      seen.none += 1;
      continue;
    }
    if (keys === "error") {
      assert.equal(typeof read.error, "string");
      seen.error += 1;
      continue;
    }
    try {
      validateSpec(read.spec);
      seen.accepted += 1;
    } catch (e) {
      assert.ok(e instanceof TypeError || e instanceof RangeError, `validator threw ${e?.name}: ${e?.message} for ${JSON.stringify(fragment.slice(0, 80))}`);
      assert.match(e.message, /pipeline spec|^[a-z0-9-]+: option|unknown (source|transform|sink) kind/, e.message);
      seen.refused += 1;
    }
  }
  assert.equal({}.polluted, undefined, "nothing reached Object.prototype");
  // The mix covers every outcome.
  for (const [outcome, n] of Object.entries(seen)) assert.ok(n > 0, `${outcome}: ${n}`);
  console.log(`share links: ${inputs.length} fragments: ${JSON.stringify(seen)}`);
});
