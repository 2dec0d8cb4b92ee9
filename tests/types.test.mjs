// The package's TypeScript declarations (issue 13): written by
// scripts/types.mjs from catalog() at build time. They must list exactly the
// kinds and options the catalogue has, accept the README's examples, and
// reject the mistakes an editor should catch: an unknown kind, an unknown
// option, an option of the wrong type, a choice that is not one. Type-checks
// with the `typescript` package's compiler, in process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { repoRoot } from "../scripts/serve.mjs";
import { readmeBlock } from "./readme.mjs";

const pkg = join(repoRoot, "www", "pkg");
const dts = join(pkg, "pipewright.d.ts");
const pw = await import(join(pkg, "pipewright.js"));
await pw.default({ module_or_path: readFileSync(join(pkg, "pipewright_bg.wasm")) });
const catalog = pw.catalog();

const OPTIONS = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts", "lib.dom.asynciterable.d.ts"],
  paths: { pipewright: [dts] },
};

// Type-checks `code` as a module importing "pipewright": its diagnostics.
function check(code, options = OPTIONS) {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-types-"));
  try {
    const file = join(dir, "user.ts");
    writeFileSync(file, code);
    const program = ts.createProgram([file], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file || !d.file);
    return diagnostics.map((d) => ({
      line: d.file ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
      text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the declarations list exactly the kinds and options catalog() has", () => {
  const program = ts.createProgram([dts], OPTIONS);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts);
  const symbols = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(source)).map((s) => [s.name, s]));
  for (const [role, kindType, optionsType] of [
    ["source", "SourceKind", "SourceOptions"],
    ["transform", "TransformKind", "TransformOptions"],
    ["sink", "SinkKind", "SinkOptions"],
  ]) {
    const expected = catalog.filter((s) => s.role === role);
    const union = checker.getDeclaredTypeOfSymbol(symbols.get(kindType));
    const kinds = union.types.map((t) => t.value).sort();
    assert.deepEqual(kinds, expected.map((s) => s.kind).sort(), `${kindType}`);
    const options = checker.getDeclaredTypeOfSymbol(symbols.get(optionsType));
    assert.deepEqual(checker.getPropertiesOfType(options).map((p) => p.name).sort(), kinds, `${optionsType}'s kinds`);
    for (const stage of expected) {
      const perKind = checker.getTypeOfSymbol(options.getProperty(stage.kind));
      const names = checker.getPropertiesOfType(perKind).map((p) => p.name).sort();
      assert.deepEqual(names, stage.params.map((p) => p.name).sort(), `${stage.kind}'s options`);
      for (const param of stage.params.filter((p) => p.type === "choice")) {
        const type = checker.getTypeOfSymbol(perKind.getProperty(param.name));
        const choices = (type.types ?? [type]).map((t) => t.value).filter((v) => v !== undefined).sort();
        assert.deepEqual(choices, [...param.choices].sort(), `${stage.kind}.${param.name}'s choices`);
      }
    }
  }
});

// A Node project's settings: Node's types and no DOM lib (so Node's web
// streams meet ours), with skipLibCheck as `tsc --init` writes it.
const NODE = {
  ...OPTIONS,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  typeRoots: [join(repoRoot, "node_modules", "@types")],
  skipLibCheck: true,
};

test("the README's examples type-check as they are: the browser's, and Node's in a Node project", () => {
  const example = readmeBlock("example");
  assert.ok(example.includes("runPipeline"), "the example block was found");
  assert.deepEqual(check(example), []);
  const node = readmeBlock("node-example");
  assert.ok(node.includes("Readable.toWeb"), "the Node example block was found");
  assert.deepEqual(check(node, NODE), []);
  // The Node settings still catch a mistake.
  assert.equal(check(node.replace("level: 6", "levl: 6"), NODE).length, 1);
});

test("tsc refuses an unknown kind, an unknown option, a wrong option type and a bad choice", () => {
  const lines = [
    `import init, { createSource, createTransform, createSink, runPipeline, type PipewrightError } from "pipewright";`,
    `await init();`,
    `createTransform("gzip", { level: 9 });`,
    `createSource("file", { file: new Blob(["a,b\\n"]), chunkSize: 4 });`,
    `createTransform("hash-field", { field: "password", pool: true });`,
    `const ok = await runPipeline({ source: { kind: "users", format: "ndjson" }, stages: [{ kind: "validate" }], sink: { kind: "digest" } });`,
    `const bytes: number = ok.totals.bytes + (ok.stages[0].bytesOut ?? 0);`,
    `try { createTransform("gzip"); } catch (e) { const p = e as PipewrightError; console.log(p.stage, p.offset, p.line, p.path, bytes); }`,
  ];
  const mistakes = {
    "unknown kind": `createTransform("gzipp", {});`,
    "a source kind as a transform": `createTransform("lorem", {});`,
    "unknown option": `createTransform("gzip", { levle: 9 });`,
    "wrong option type": `createTransform("gzip", { level: "9" });`,
    "bad choice": `createSource("users", { format: "xml" });`,
    "a file source without its Blob": `createSource("file", { chunkSize: 4 });`,
    "unknown option in a spec": `runPipeline({ source: { kind: "lorem", byts: 10 }, sink: { kind: "count" } });`,
    "unknown sink kind in a spec": `runPipeline({ source: { kind: "lorem" }, sink: { kind: "nowhere" } });`,
  };
  assert.deepEqual(check(lines.join("\n")), [], "the good lines alone pass");
  const at = new Map();
  const code = [...lines];
  for (const [what, line] of Object.entries(mistakes)) {
    code.push(line);
    at.set(code.length, what);
  }
  const found = check(code.join("\n"));
  const failedLines = new Set(found.map((d) => d.line));
  for (const [line, what] of at) assert.ok(failedLines.has(line), `${what} is an error (line ${line}: ${code[line - 1]})`);
  for (const d of found) assert.ok(at.has(d.line), `only the mistakes fail: line ${d.line}: ${d.text}`);
});

test("catalog()'s own declaration covers every field it returns", () => {
  const program = ts.createProgram([dts], OPTIONS);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(dts)));
  const declared = (name) => checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exports.find((s) => s.name === name))).map((p) => p.name);
  const stageFields = new Set(catalog.flatMap((s) => Object.keys(s)));
  const paramFields = new Set(catalog.flatMap((s) => s.params.flatMap((p) => Object.keys(p))));
  for (const f of stageFields) assert.ok(declared("StageInfo").includes(f), `StageInfo.${f}`);
  for (const f of paramFields) assert.ok(declared("ParamInfo").includes(f), `ParamInfo.${f}`);
});
