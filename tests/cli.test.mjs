// `pipewright run spec.json` (src/node/cli.mjs, the package's `bin`), run
// as a user runs it: node on the built package's cli.mjs, in a temporary
// folder with files in and out. Its output is checked against Node's own
// zlib and crypto; bad specs must fail with the browser's words and paths
// and a non-zero exit; the progress line shows on a terminal only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { repoRoot } from "../scripts/serve.mjs";

const cli = join(repoRoot, "www", "pkg", "cli.mjs");
const dir = mkdtempSync(join(tmpdir(), "pipewright-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const at = (name) => join(dir, name);
const pipewright = (args, { input, env } = {}) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, input, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
const spec = (name, value) => {
  writeFileSync(at(name), typeof value === "string" ? value : JSON.stringify(value));
  return name;
};
const sha = (b) => createHash("sha256").update(b).digest("hex");

const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i}: the quick brown fox, ${i * 7919 % 1000}\n`).join(""));
writeFileSync(at("in.txt"), text);

test("a file through gzip into a file: zlib reads it back, the report names every stage and the digest sink's result", () => {
  const s = spec("gzip.json", { source: { kind: "file", file: "in.txt" }, stages: [{ kind: "gzip", level: 6 }], sink: { kind: "digest" } });
  const run = pipewright(["run", s, "--output", "out.gz"]);
  assert.equal(run.status, 0, run.stderr.toString());
  const gz = readFileSync(at("out.gz"));
  assert.ok(gunzipSync(gz).equals(text));
  const out = run.stdout.toString();
  assert.match(out, /^ran in [\d.]+ s; \d+ chunks, [\d.]+ KiB reached the sink/);
  assert.match(out, /source\s+file\s+out 710 KiB/);
  assert.match(out, /transform\s+gzip\s+in 710 KiB → out/);
  assert.ok(out.includes(`result ${sha(gz)}`), "the digest sink's result is the file's SHA-256");
  assert.match(out, /output\s+out\.gz/);
  assert.doesNotMatch(out, /\r|\x1b\[/, "no progress line when stdout is not a terminal");
});

test("--json prints the report as JSON; a share link in the spec file works as its JSON does; --input names the file", () => {
  const json = { source: { kind: "file" }, stages: [{ kind: "filter", pattern: "fox, 7" }], sink: { kind: "count" } };
  const s = spec("link.txt", `https://example.org/pipewright/#spec=${encodeURIComponent(JSON.stringify(json))}\n`);
  const run = pipewright(["run", s, "--input", "in.txt", "--json"]);
  assert.equal(run.status, 0, run.stderr.toString());
  const report = JSON.parse(run.stdout.toString());
  const lines = text.toString().split("\n").filter((l) => l.includes("fox, 7"));
  assert.equal(report.ok, true);
  assert.deepEqual(report.stages.map((s) => s.kind), ["file", "filter", "count"]);
  assert.equal(report.stages[2].bytesIn, Buffer.byteLength(lines.map((l) => `${l}\n`).join("")));
  assert.ok(report.peakRssBytes > 0);
});

test("a file sink writes to stdout with '-', the report then goes to stderr; records are written as JSON lines", () => {
  writeFileSync(at("in.gz"), gzipSync(text));
  const s = spec("gunzip.json", { source: { kind: "file", file: "in.gz" }, stages: [{ kind: "gunzip" }], sink: { kind: "file", path: "-" } });
  const run = pipewright(["run", s]);
  assert.equal(run.status, 0, run.stderr.toString());
  assert.ok(run.stdout.equals(text), "stdout carries the data, nothing else");
  assert.match(run.stderr.toString(), /sink\s+count\s+in 710 KiB/);

  writeFileSync(at("users.csv"), "id,name,email\n1,Ada,ada@example.org\n2,Brian,brian@example.org\n");
  const r = spec("records.json", { source: { kind: "file", file: "users.csv" }, stages: [{ kind: "csv-to-ndjson" }, { kind: "ndjson-parse" }, { kind: "json-pointer", pointer: "/email" }], sink: { kind: "file", path: "emails.ndjson" } });
  const records = pipewright(["run", r, "--quiet"]);
  assert.equal(records.status, 0, records.stderr.toString());
  assert.equal(records.stdout.length, 0, "--quiet prints nothing");
  assert.equal(readFileSync(at("emails.ndjson"), "utf8"), '"ada@example.org"\n"brian@example.org"\n');
});

test("stages in Workers run on worker_threads: a pooled and a pinned stage give the main thread's bytes", () => {
  const rows = ["id,name,email,password", ...Array.from({ length: 2000 }, (_, i) => `${i},user ${i},u${i}@example.org,secret-${i}`)];
  writeFileSync(at("people.csv"), `${rows.join("\n")}\n`);
  const stages = (placed) => [
    { kind: "csv-to-ndjson" },
    { kind: "ndjson-parse" },
    { kind: "hash-field", field: "password", iterations: 50, ...(placed ? { pool: 2 } : {}) },
    { kind: "ndjson-stringify" },
    { kind: "gzip", ...(placed ? { worker: true } : {}) },
  ];
  const main = pipewright(["run", spec("main.json", { source: { kind: "file", file: "people.csv" }, stages: stages(false), sink: { kind: "file", path: "main.gz" } })]);
  assert.equal(main.status, 0, main.stderr.toString());
  const placed = pipewright(["run", spec("placed.json", { source: { kind: "file", file: "people.csv" }, stages: stages(true), sink: { kind: "file", path: "placed.gz" } })]);
  assert.equal(placed.status, 0, placed.stderr.toString());
  assert.ok(readFileSync(at("placed.gz")).equals(readFileSync(at("main.gz"))), "the same bytes");
  const lines = gunzipSync(readFileSync(at("placed.gz"))).toString().trimEnd().split("\n");
  assert.equal(lines.length, 2000);
  assert.match(JSON.parse(lines[0]).password, /^[0-9a-f]{64}$/);
  assert.match(placed.stdout.toString(), /hash-field \[pool\]/);
  assert.match(placed.stdout.toString(), /gzip \[worker\]/);
});

test("bad specs and commands: the browser's words, with the path, and exit status 2", () => {
  const cases = [
    [["run", spec("level.json", { source: { kind: "file", file: "in.txt" }, stages: [{ kind: "gzip", level: 12 }], sink: { kind: "count" } })], /level\.json: pipeline spec: `stages\[0\]\.level` \(gzip\) must be an integer from 0 to 9, got 12/],
    [["run", spec("kind.json", { source: { kind: "lorem" }, stages: [{ kind: "gzp" }], sink: { kind: "count" } })], /`stages\[0\]\.kind` unknown transform kind `gzp`/],
    [["run", spec("broken.json", '{"source": ')], /broken\.json: not a pipeline spec/],
    [["run", spec("nofile.json", { source: { kind: "file" }, sink: { kind: "count" } })], /source\.file: the file source needs a path: --input <path>/],
    [["run", spec("missing.json", { source: { kind: "file", file: "nope.csv" }, sink: { kind: "count" } })], /source\.file: cannot read "nope\.csv" \(ENOENT\)/],
    [["run", spec("dir.json", { source: { kind: "file", file: "." }, sink: { kind: "count" } })], /source\.file: cannot read "\." \(not a file\)/],
    [["run", spec("nopath.json", { source: { kind: "lorem" }, sink: { kind: "file" } })], /sink\.path: the file sink needs a path/],
    [["run", "absent.json"], /absent\.json: cannot read the spec \(ENOENT\)/],
    [["run", spec("input.json", { source: { kind: "lorem" }, sink: { kind: "count" } }), "--input", "in.txt"], /--input: the spec's source is "lorem", which reads no file/],
    [["run", spec("same.json", { source: { kind: "file", file: "in.txt" }, sink: { kind: "count" } }), "--output", "./in.txt"], /output: "\.\/in\.txt" is the file the source reads; writing it would destroy the input/],
    [["walk", "x.json"], /unknown command "walk"/],
    [["run"], /which spec\?/],
    [["run", "a.json", "--frobnicate"], /Unknown option '--frobnicate'/],
  ];
  const before = readFileSync(at("in.txt"));
  for (const [args, message] of cases) {
    const run = pipewright(args);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr.toString(), message, args.join(" "));
    assert.equal(run.stdout.length, 0);
  }
  assert.ok(readFileSync(at("in.txt")).equals(before), "the input was not touched");
});

test("bad data fails the run with the stage and the byte, exit status 1, and the output file holds all that came before", () => {
  const good = gzipSync(text);
  // A whole member, then bytes that are no gzip member.
  writeFileSync(at("torn.gz"), Buffer.concat([good, Buffer.from("not gzip at all, not at all")]));
  const s = spec("torn.json", { source: { kind: "file", file: "torn.gz" }, stages: [{ kind: "gunzip" }], sink: { kind: "count" } });
  const run = pipewright(["run", s, "--output", "torn.txt"]);
  assert.equal(run.status, 1);
  assert.match(run.stderr.toString(), /^pipewright: gunzip: .*byte \d+/);
  const kept = readFileSync(at("torn.txt"));
  assert.ok(kept.equals(text), `what was decoded before the fault was written, in order (${kept.length} bytes)`);
  assert.match(run.stderr.toString(), new RegExp(`byte ${good.length}\\b`), "the fault's byte: the first after the good member");
});

test("on a terminal a progress line is drawn and cleared before the report", { skip: spawnSync("script", ["--version"]).status !== 0 && "no script(1) for a pseudo-terminal" }, () => {
  // Slow enough for a few 100 ms metrics ticks: 4 MB at 8 MB/s.
  const big = Buffer.alloc(4 << 20, 97);
  writeFileSync(at("big.bin"), big);
  const s = spec("slow.json", { source: { kind: "file", file: "big.bin" }, stages: [{ kind: "throttle", bytesPerSecond: 8 << 20 }], sink: { kind: "count" } });
  const command = [process.execPath, cli, "run", s].map((a) => `'${a}'`).join(" ");
  const run = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: dir });
  assert.equal(run.status, 0, run.stdout.toString());
  const out = run.stdout.toString();
  assert.match(out, /\r\x1b\[2Kread [\d.]+ (KiB|MiB) of 4\.0 MiB \(\d+%\), [\d.]+ (KiB|MiB)\/s; written/);
  assert.match(out, /\r\x1b\[2Kran in/, "the line is cleared before the report");
});
