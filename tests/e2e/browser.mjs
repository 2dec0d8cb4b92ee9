// For a test file: each engine (PW_ENGINES picks them) as a describe()
// block with its own server and browser session. See page.mjs for the page
// API the tests use.
import { after, before, describe } from "node:test";
import { mkdir, readFile, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, startServer } from "../../scripts/serve.mjs";
import { ENGINES, engineNames, launchEngine } from "./engines.mjs";
import { Page, SHOTS } from "./page.mjs";

const FACTS = join(SHOTS, "engines");

async function recordFact(engine, key, value) {
  await mkdir(FACTS, { recursive: true });
  const file = join(FACTS, `${engine}.json`);
  let facts = {};
  try {
    facts = JSON.parse(await readFile(file, "utf8"));
  } catch {}
  facts[key] = value;
  await writeFile(file, `${JSON.stringify(facts, null, 2)}\n`);
}

// For a test file: one describe() per engine (PW_ENGINES picks them), each
// with the www/ server (and this folder as /harness/), the engine launched
// before its tests and closed after. `body(suite)` declares the tests;
// suite.url, suite.engine and suite.page are set once they run.
export function eachEngine(body, { serverOptions = {} } = {}) {
  for (const name of engineNames()) {
    describe(ENGINES[name].title, () => {
      const suite = { name, title: ENGINES[name].title, engine: ENGINES[name], url: null, session: null, page: null, server: null };
      // Paths the server answers with 404 while a test has them here.
      suite.broken = [];
      // Module scripts the tests run in pages (Page.addModule/runModule).
      suite.modules = new Map();
      // A screenshot's path, with the engine in its name.
      suite.shot = (file) => join(SHOTS, name === "chromium" ? file : file.replace(/\.png$/, `-${name}.png`));
      // Notes `value` under `key` for this engine in
      // test-results/engines/<engine>.json, from which scripts/engine-table.mjs
      // writes the README's engine table. Tests call it after their
      // assertions, so a failed test leaves its row empty.
      suite.record = (key, value) => recordFact(name, key, value);
      // Opens `path` in the engine's one window, at a viewport of 1280 × 1000
      // unless told otherwise.
      suite.open = async (path = "", { viewport = { width: 1280, height: 1000 } } = {}) => {
        await suite.page.setViewportSize(viewport);
        await suite.page.goto(suite.url + path);
        return suite.page;
      };
      // The playground at `path`, once it says it is ready.
      suite.openReady = async (path = "", viewport = { width: 1280, height: 1000 }) => {
        const page = await suite.open(path, { viewport });
        await page.locator("#status", { hasText: "Ready." }).waitFor();
        return page;
      };
      // Resolves when the playground's run has ended, however it ended.
      suite.finished = (page) =>
        page.waitForFunction(() => {
          const s = document.querySelector("#status").textContent;
          // In step mode Run is on (it runs to the end); Abort is on until the end.
          return !document.querySelector("#run").disabled && document.querySelector("#abort").disabled && s !== "Running…" && s !== "Ready.";
        }, undefined, { timeout: 60_000 });
      before(async () => {
        ({ server: suite.server, url: suite.url } = await startServer({
          roots: { "/": join(repoRoot, "www"), "/harness/": join(repoRoot, "tests", "e2e") },
          inject: "/harness/watch.js",
          broken: suite.broken,
          modules: suite.modules,
          ...serverOptions,
        }));
        suite.session = await launchEngine(name);
        suite.session.temporary = [];
        const caps = await suite.session.driver.getCapabilities();
        await suite.record("version", `${caps.get("browserVersion")}`);
        suite.page = new Page(suite.session, { modules: suite.modules });
        await mkdir(SHOTS, { recursive: true });
      });
      after(async () => {
        for (const dir of suite.session?.temporary ?? []) await rm(dir, { force: true, recursive: true });
        await suite.session?.close();
        suite.server?.close();
      });
      body(suite);
    });
  }
}
