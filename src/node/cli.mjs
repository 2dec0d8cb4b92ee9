#!/usr/bin/env node
// `pipewright run <spec.json>`: runs a pipeline spec — the JSON of the
// playground's share link — on a server's files, in Node >= 20. The stages
// are the package's own, on Node's WHATWG streams; files come in through
// the `file` source (fs.openAsBlob: read as the pipeline pulls, never
// whole) and go out through runPipeline's `output` (a file, or stdout).
// scripts/package.mjs ships this file as the package's `bin`.
import { createWriteStream, existsSync, openAsBlob, readFileSync, realpathSync, statSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import init, { catalog, runPipeline, validateSpec } from "./pipewright.js";

const USAGE = `Usage: pipewright run <spec.json> [options]

Runs a pipeline spec: the JSON the playground's share link carries (the
file may also hold the link itself). A "file" source reads a path; the
output goes to a file or stdout; the report is printed at the end.

  --input <path>    the file the "file" source reads (or "file": "<path>"
                    in the spec's source)
  --output <path>   writes what reaches the sink to <path>; "-" writes it
                    to stdout, and the report to stderr. A spec's sink may
                    also be { "kind": "file", "path": "<path>" | "-" }.
  --json            prints the report as JSON
  --quiet           prints neither the report nor the progress line
  --help            prints this

The progress line is drawn only on a terminal. Exit status: 0 when the
pipeline ran, 1 when it failed on its data, 2 for a bad command or spec.`;

// A failure of the command or the spec (exit 2), as opposed to the data.
class Usage extends Error {}

function fail(message, code) {
  process.stderr.write(`pipewright: ${message}\n`);
  process.exitCode = code;
}

function bytes(n) {
  if (!Number.isFinite(n)) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

// The spec a file holds: its JSON, or a share link's `#spec=` fragment.
function readSpec(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Usage(`${path}: cannot read the spec (${e.code ?? e.message})`);
  }
  const link = /#spec=(\S*)/.exec(text);
  if (link) {
    try {
      text = decodeURIComponent(link[1]);
    } catch {
      throw new Usage(`${path}: the share link's #spec= part is not percent-encoded JSON`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Usage(`${path}: not a pipeline spec: ${e.message}`);
  }
}

// Where the sink's input also goes: a file, or stdout ("-"). Text is
// written as UTF-8 and records (`records`: the last stage gives records)
// as JSON lines. A write waits for Node's
// stream to drain, so a slow disk or pipe holds the pipeline back. A failed
// run still ends the file gracefully: what the stages gave before the
// fault is all written, in order.
function outputStream(path, records) {
  const target = path === "-" ? process.stdout : createWriteStream(path);
  const opened = path === "-" ? Promise.resolve() : once(target, "open");
  // Ends a file; for stdout, waits until what was written is flushed.
  const end = () => new Promise((resolve, reject) => (target === process.stdout ? target.write("", (e) => (e ? reject(e) : resolve())) : target.end((e) => (e ? reject(e) : resolve()))));
  return new WritableStream(
    {
      start: () => opened,
      async write(chunk) {
        const bytes = records ? Buffer.from(`${JSON.stringify(chunk)}\n`, "utf8") : chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk), "utf8");
        if (!target.write(bytes)) await once(target, "drain");
      },
      close: end,
      abort: () => end().catch(() => {}),
    },
    { highWaterMark: 1 },
  );
}

// The spec with its files put in: the file source's Blob, and a `file`
// sink turned into the count sink plus the output path.
async function prepare(spec, { input, output }) {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new Usage("the spec must be a JSON object with source, stages and sink");
  const kinds = catalog();
  let inputPath = null;
  const blobParam = kinds.find((s) => s.role === "source" && s.kind === spec.source?.kind)?.params.find((p) => p.type === "blob");
  const source = { ...spec.source };
  if (blobParam) {
    const path = input ?? source[blobParam.name];
    if (typeof path !== "string" || path === "") {
      throw new Usage(`source.${blobParam.name}: the ${source.kind} source needs a path: --input <path>, or "${blobParam.name}": "<path>" in the spec's source`);
    }
    try {
      if (!statSync(path).isFile()) throw Object.assign(new Error(), { code: "not a file" });
      source[blobParam.name] = await openAsBlob(path);
      inputPath = path;
    } catch (e) {
      throw new Usage(`source.${blobParam.name}: cannot read ${JSON.stringify(path)} (${e.code ?? e.message})`);
    }
  } else if (input !== undefined) {
    throw new Usage(`--input: the spec's source is ${JSON.stringify(source.kind)}, which reads no file`);
  }
  let sink = spec.sink;
  let out = output;
  if (sink?.kind === "file" && !kinds.some((s) => s.role === "sink" && s.kind === "file")) {
    if (typeof sink.path !== "string" || sink.path === "") throw new Usage('sink.path: the file sink needs a path, or "-" for stdout');
    out ??= sink.path;
    sink = { kind: "count" };
  }
  // Opening the output truncates it: never the file being read.
  if (inputPath !== null && out !== undefined && out !== "-" && existsSync(out) && realpathSync(out) === realpathSync(inputPath)) {
    throw new Usage(`output: ${JSON.stringify(out)} is the file the source reads; writing it would destroy the input`);
  }
  // What reaches the sink: the last transform's output, or the source's.
  const last = Array.isArray(spec.stages) ? spec.stages.at(-1) : undefined;
  const role = last ? "transform" : "source";
  const info = kinds.find((s) => s.role === role && s.kind === (last ?? spec.source)?.kind);
  return { spec: { ...spec, source, sink }, output: out, records: info?.output === "records" };
}

function progressLine(snapshot) {
  const [source] = snapshot.stages;
  const sink = snapshot.stages[snapshot.stages.length - 1];
  const seconds = snapshot.elapsedMs / 1000;
  const read = source?.bytesOut ?? 0;
  const of = source?.totalBytes ? ` of ${bytes(source.totalBytes)} (${Math.floor((100 * read) / source.totalBytes)}%)` : "";
  const rate = seconds > 0 ? `, ${bytes(read / seconds)}/s` : "";
  return `read ${bytes(read)}${of}${rate}; written ${bytes(sink?.bytesIn ?? 0)}; ${seconds.toFixed(1)} s`;
}

function reportText(report, output, peakRss) {
  const lines = [`ran in ${(report.durationMs / 1000).toFixed(2)} s; ${report.totals.chunks} chunks, ${bytes(report.totals.bytes)} reached the sink`];
  for (const s of report.stages) {
    const place = s.placement && s.placement !== "main" ? ` [${s.placement}]` : "";
    const flow = s.role === "source" ? `out ${bytes(s.bytesOut)}` : s.role === "sink" ? `in ${bytes(s.bytesIn)}` : `in ${bytes(s.bytesIn)} → out ${bytes(s.bytesOut)}`;
    const extra = [s.rejected ? `${s.rejected} rejected` : "", s.drains ? `drains ${s.drains}` : "", s.result ? `result ${s.result}` : ""].filter(Boolean).join(", ");
    lines.push(`  ${s.role.padEnd(9)} ${`${s.kind}${place}`.padEnd(22)} ${flow}${extra ? `; ${extra}` : ""}`);
  }
  if (output) lines.push(`  output    ${output === "-" ? "stdout" : output}`);
  lines.push(`  peak memory (RSS) ${bytes(peakRss)}`);
  return `${lines.join("\n")}\n`;
}

async function run(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: "string" },
      output: { type: "string" },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, specPath, ...rest] = positionals;
  if (command !== "run") throw new Usage(command === undefined ? `no command\n\n${USAGE}` : `unknown command ${JSON.stringify(command)}: the command is "run"\n\n${USAGE}`);
  if (specPath === undefined) throw new Usage(`run: which spec? pipewright run <spec.json>`);
  if (rest.length > 0) throw new Usage(`run: one spec at a time, got also ${rest.join(" ")}`);

  await init({ module_or_path: readFileSync(new URL("./pipewright_bg.wasm", import.meta.url)) });
  const prepared = await prepare(readSpec(specPath), values);
  try {
    validateSpec(prepared.spec);
  } catch (e) {
    throw new Usage(`${specPath}: ${e.message}`);
  }
  // Where the report and the progress line go: stdout, unless the
  // pipeline's output does.
  const ui = prepared.output === "-" ? process.stderr : process.stdout;
  const live = ui.isTTY && !values.quiet && !values.json;
  let shown = false;
  const options = {};
  if (prepared.output !== undefined) {
    try {
      options.output = outputStream(prepared.output, prepared.records);
    } catch (e) {
      throw new Usage(`output: cannot write ${JSON.stringify(prepared.output)} (${e.code ?? e.message})`);
    }
  }
  if (live) {
    options.metricsInterval = 250;
    options.onMetrics = (snapshot) => {
      shown = true;
      ui.write(`\r\x1b[2K${progressLine(snapshot)}`);
    };
  }
  const stopLine = () => shown && ui.write("\r\x1b[2K");
  let report;
  try {
    report = await runPipeline(prepared.spec, options);
  } catch (e) {
    stopLine();
    if (e instanceof TypeError || e instanceof RangeError) throw new Usage(`${specPath}: ${e.message}`);
    const where = [e.line ? `line ${e.line}` : "", e.offset !== undefined ? `byte ${e.offset}` : ""].filter(Boolean).join(", ");
    fail(`${e.message}${where && !e.message.includes(where) ? ` (${where})` : ""}`, 1);
    return;
  }
  stopLine();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  if (values.json) ui.write(`${JSON.stringify({ ...report, output: prepared.output ?? null, peakRssBytes: peakRss })}\n`);
  else if (!values.quiet) ui.write(reportText(report, prepared.output, peakRss));
}

try {
  await run(process.argv.slice(2));
} catch (e) {
  if (e instanceof Usage || e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") fail(e.message, 2);
  else fail(e?.stack ?? String(e), 1);
}
