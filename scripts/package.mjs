// `node scripts/package.mjs [pkg dir]`: makes wasm-pack's output directory
// the npm package people install (issue 13). build.sh runs it after
// scripts/types.mjs. It adds
// - the licence files Cargo.toml names (MIT OR Apache-2.0) and the README;
// - `worker.js`, a stable name for the Worker entry, for bundlers that do
//   not follow `new Worker(new URL(…))` (esbuild builds it as a second
//   entry point; the entry itself sits in snippets/<crate hash>/, whose
//   name changes with the build);
// - `cli.mjs`, the `pipewright` command (src/node/cli.mjs);
// and writes package.json's `files`, `bin` and `engines`, so `npm pack`
// takes these and nothing else (tests/e2e/package.test.mjs checks the
// tarball's list).
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dir = resolve(process.argv[2] ?? join(root, "www", "pkg"));

const LICENSES = ["LICENSE-MIT", "LICENSE-APACHE"];
for (const file of [...LICENSES, "README.md"]) copyFileSync(join(root, file), join(dir, file));
copyFileSync(join(root, "src", "node", "cli.mjs"), join(dir, "cli.mjs"));

// wasm-bindgen puts the crate's JS snippets in snippets/<crate>-<hash>/.
const snippets = readdirSync(join(dir, "snippets")).map((d) => join(dir, "snippets", d, "src", "web", "worker.js"));
if (snippets.length !== 1) throw new Error(`package: expected one snippets folder in ${dir}, found ${snippets.length}`);
const entry = `./${relative(dir, snippets[0]).split("\\").join("/")}`;
writeFileSync(
  join(dir, "worker.js"),
  [
    "// The entry of Pipewright's Workers, under a name that stays put. Vite and",
    "// webpack find it themselves; with esbuild, build it as a second entry point",
    "// named `worker` beside your bundle (see the README).",
    `import ${JSON.stringify(entry)};`,
    "",
  ].join("\n"),
);

const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
pkg.files = ["pipewright_bg.wasm", "pipewright_bg.wasm.d.ts", "pipewright.js", "pipewright.d.ts", "snippets", "worker.js", "cli.mjs", "README.md", ...LICENSES];
pkg.bin = { pipewright: "cli.mjs" };
pkg.engines = { node: ">=20" };
// Importing a snippet or worker.js does something (the Worker entry sets
// its onmessage): "./snippets/*", wasm-pack's pattern, matches no nested
// file for esbuild, which then dropped the whole Worker entry (measured:
// an empty worker.js bundle).
pkg.sideEffects = ["./snippets/**", "./worker.js"];
writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`package: ${pkg.name} ${pkg.version} in ${dir} (${pkg.files.length} entries)`);
