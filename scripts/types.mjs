// `node scripts/types.mjs [pkg dir]`: TypeScript declarations for the
// built package, written from its own `catalog()` so they cannot drift from
// it (issue 13). Loads the package in Node from the .wasm file's bytes,
// reads every stage's kind and options, and replaces wasm-bindgen's untyped
// declarations of the API (`kind: string, options: any`) in
// pipewright.d.ts with typed ones: kinds as string-literal unions, each
// kind's options with their types, choices as literal unions and the
// catalogue's help and ranges as doc comments, and the pipeline spec,
// report, metrics and error as interfaces. build.sh runs it after
// wasm-pack; tests/types.test.mjs type-checks against the result.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "www", "pkg"));
const pw = await import(pathToFileURL(join(dir, "pipewright.js")).href);
await pw.default({ module_or_path: readFileSync(join(dir, "pipewright_bg.wasm")) });
const catalog = pw.catalog();

const quote = (s) => JSON.stringify(s);
const comment = (lines, indent = "") => [`${indent}/**`, ...lines.flatMap((l) => l.split("\n")).map((l) => `${indent} * ${l.replaceAll("*/", "*\\/")}`), `${indent} */`];
const kinds = (role) => catalog.filter((s) => s.role === role).map((s) => s.kind);

function paramType(p) {
  switch (p.type) {
    case "integer":
    case "number":
      // `pool: true` asks for one Worker per core.
      return p.name === "pool" ? "number | boolean" : "number";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "blob":
      return "Blob";
    case "iterable":
      return "AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>";
    case "choice":
      return p.choices.map(quote).join(" | ");
    default:
      throw new Error(`types: ${p.name} has a parameter type the generator does not know: ${p.type}`);
  }
}

function paramDoc(p) {
  const facts = [];
  if (p.type === "integer") facts.push("an integer");
  if (p.min !== undefined && p.max !== undefined) facts.push(`${p.min} to ${p.max}`);
  if (p.default !== null && p.default !== undefined) facts.push(`default ${JSON.stringify(p.default)}`);
  if (p.name === "pool") facts.push("`true` for one Worker per core");
  return [p.help + (facts.length ? ` (${facts.join("; ")})` : "")];
}

// A parameter with no default (a `file` source's Blob) must be given.
const required = (p) => p.default === null || p.default === undefined;

function optionsInterface(role, name) {
  const out = [`export interface ${name} {`];
  for (const s of catalog.filter((x) => x.role === role)) {
    out.push(...comment([`${s.title}: ${s.summary}`], "  "));
    out.push(`  ${quote(s.kind)}: {`);
    for (const p of s.params) {
      out.push(...comment(paramDoc(p), "    "));
      out.push(`    ${p.name}${required(p) ? "" : "?"}: ${paramType(p)};`);
    }
    out.push("  };");
  }
  out.push("}");
  return out;
}

const block = [
  "// ---- Typed from catalog() by scripts/types.mjs: do not edit ----",
  "",
  `export type SourceKind = ${kinds("source").map(quote).join(" | ")};`,
  `export type TransformKind = ${kinds("transform").map(quote).join(" | ")};`,
  `export type SinkKind = ${kinds("sink").map(quote).join(" | ")};`,
  "export type StageKind = SourceKind | TransformKind | SinkKind;",
  "",
  ...optionsInterface("source", "SourceOptions"),
  "",
  ...optionsInterface("transform", "TransformOptions"),
  "",
  ...optionsInterface("sink", "SinkOptions"),
  "",
  `/** One stage of a pipeline spec: its kind and that kind's options. */
export type SourceSpec = { [K in SourceKind]: { kind: K } & SourceOptions[K] }[SourceKind];
export type TransformSpec = { [K in TransformKind]: { kind: K } & TransformOptions[K] }[TransformKind];
export type SinkSpec = { [K in SinkKind]: { kind: K } & SinkOptions[K] }[SinkKind];

/** A whole pipeline, as JSON: the same shape as the page's share link. */
export interface PipelineSpec {
  source: SourceSpec;
  stages?: TransformSpec[];
  sink: SinkSpec;
}

/** A parameter as the catalogue describes it. */
export interface ParamInfo {
  name: string;
  type: "integer" | "number" | "boolean" | "string" | "choice" | "blob" | "iterable";
  default: number | boolean | string | null;
  min?: number;
  max?: number;
  choices?: string[];
  help: string;
  group: "stage" | "stream" | "placement";
  /** A passphrase: the page masks it and keeps it out of share links. */
  secret?: boolean;
}

/** A stage as the catalogue describes it. */
export interface StageInfo {
  kind: StageKind;
  role: "source" | "transform" | "sink";
  title: string;
  summary: string;
  params: ParamInfo[];
  input: "bytes" | "text" | "records" | "any" | null;
  output: "bytes" | "text" | "records" | null;
  cpuBound: boolean;
  poolable: boolean;
  blockPool: boolean;
  strategy: string;
  /** A source's download name. */
  fileName?: string;
  /** How a transform changes a download's name. */
  extension?: { add: string; strip: string };
  /** How to show a stage's result. */
  view?: "value" | "text";
}

/** One pooled or pinned Worker's lane. */
export interface WorkerLane {
  busyMs: number;
  inFlight: number;
  /** Chunks (or, for a pooled gzip, blocks) this Worker answered. */
  chunks: number;
}

/** A stage's live counters (stageMetrics, onMetrics, the report). */
export interface StageMetrics {
  index: number;
  kind: StageKind;
  role: "source" | "transform" | "sink";
  state: string;
  chunksIn: number;
  bytesIn: number;
  chunksOut: number;
  bytesOut: number;
  rejected: number;
  drains: number;
  stalledMs: number;
  placement: "main" | "worker" | "pool";
  mainThreadCalls?: number;
  batchesIn?: number;
  batchesOut?: number;
  workerBusyMs?: number;
  transfers?: number;
  copies?: number;
  workers?: WorkerLane[];
  restarts?: number;
  heldForOrderMax?: number;
  queue: number;
  highWaterMark: number;
  backpressured: boolean;
  totalBytes?: number;
  /** What the stage concluded (a digest), if anything. */
  result?: string;
  /** Stage-specific details (validate's rejected records, …). */
  details?: unknown;
  error?: string;
}

/** What onMetrics is called with while a pipeline runs. */
export interface MetricsSnapshot {
  elapsedMs: number;
  stages: StageMetrics[];
  wasmMemoryBytes: number;
}

/** What runPipeline resolves with. */
export interface Report {
  ok: true;
  durationMs: number;
  stages: StageMetrics[];
  totals: { chunks: number; bytes: number };
  wasmMemoryBytes: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onMetrics?: (metrics: MetricsSnapshot) => void;
  metricsInterval?: number;
  /**
   * Also writes every chunk the sink gets into this stream, in order, at
   * its pace (a chunk reaches the sink once this stream took it) (a file: \`Writable.toWeb(fs.createWriteStream(path))\`); closed at
   * the end, aborted when the run fails.
   */
  output?: WritableStream;
  /**
   * Step mode: called, with the pipeline's snapshot, before the sink takes
   * each chunk; the sink waits for what it returns (a promise) to settle,
   * so upstream fills to its high-water marks and stops. A rejection fails
   * the run; an abort settles a gate still waiting.
   */
  gate?: (metrics: MetricsSnapshot) => unknown;
}

/**
 * What the stages throw or error their streams with: a TypeError or
 * RangeError for a bad option or spec, an Error named "PipewrightError"
 * for bad data; each says where.
 */
export interface PipewrightError extends Error {
  /** The stage that failed. */
  stage?: StageKind;
  /** The record's or line's number (from 1), for record stages. */
  line?: number;
  /** The byte offset in the stage's input. */
  offset?: number;
  /** Where in a pipeline spec the fault is, e.g. \`stages[1].level\`. */
  path?: string;
  /** The option a factory refused. */
  option?: string;
  /** A fetch source's HTTP status. */
  status?: number;
}

/** Every stage, with its options, ranges and help. */
export function catalog(): StageInfo[];

/**
 * A pull-based ReadableStream of the source \`kind\`.
 * @throws {PipewrightError} a TypeError/RangeError for a bad option.
 */
export function createSource<K extends SourceKind>(kind: K, options?: SourceOptions[K]): ReadableStream;

/**
 * A native TransformStream whose transformer runs the Rust stage \`kind\`.
 * @throws {PipewrightError} a TypeError/RangeError for a bad option.
 */
export function createTransform<K extends TransformKind>(kind: K, options?: TransformOptions[K]): TransformStream;

/**
 * A WritableStream for the sink \`kind\`.
 * @throws {PipewrightError} a TypeError/RangeError for a bad option.
 */
export function createSink<K extends SinkKind>(kind: K, options?: SinkOptions[K]): WritableStream;

/**
 * Builds, runs and reports a pipeline. Rejects with a PipewrightError: a
 * bad spec (with its path), the failing stage's error, or the signal's
 * reason when aborted.
 */
export function runPipeline(spec: PipelineSpec | string, options?: RunOptions): Promise<Report>;

/** Checks a spec without running it, with runPipeline's rules and words. */
export function validateSpec(spec: PipelineSpec | string): void;

/** The live counters of a stream made by this package; undefined for any other value. */
export function stageMetrics(stream: unknown): StageMetrics | undefined;

/** Workers this package started, ended, and running now. */
export function workerCounts(): { created: number; terminated: number; active: number };

/**
 * Debug API: terminates Worker \`k\` of a stage in Workers mid-stream, as a
 * crash would. Returns false if there is no such live Worker.
 */
export function killWorker(stream: ReadableStream | TransformStream | WritableStream, k: number): boolean;`,
  "",
];

const TYPED = ["catalog", "createSource", "createTransform", "createSink", "runPipeline", "validateSpec", "stageMetrics", "workerCounts", "killWorker"];
const file = join(dir, "pipewright.d.ts");
let dts = readFileSync(file, "utf8");
const marker = "// ---- Typed from catalog()";
// Run twice on one build: the untyped declarations are gone already.
const again = dts.includes(marker);
if (again) dts = dts.slice(0, dts.indexOf(marker));
for (const name of again ? [] : TYPED) {
  const untyped = new RegExp(`(?:/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\n)?export function ${name}\\([^;]*;\\n`);
  if (!untyped.test(dts)) throw new Error(`types: wasm-bindgen's declaration of ${name} was not found in ${file}`);
  dts = dts.replace(untyped, "");
}
writeFileSync(file, `${dts.trimEnd()}\n\n${block.join("\n")}`);
console.log(`types: ${catalog.length} stages typed in ${file}`);
