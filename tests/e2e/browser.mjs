// Launches Debian's Chromium through playwright-core (no browser download),
// with a fresh profile and the flags this machine needs: without the
// background-networking flags Chromium keeps dialling out on a closed network.
import { after, before } from "node:test";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, startServer } from "../../scripts/serve.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Resolves to { context, close }; a persistent context so the profile is ours.
export async function launch() {
  const profile = await mkdtemp(join(tmpdir(), "pipewright-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless=new", ...FLAGS],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// A page that records console errors and uncaught exceptions.
export async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  const logs = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
    logs.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  return { page, problems, logs };
}

// For a test file: serves www/ (and this folder as /harness/) and launches
// Chromium before its tests, and stops both after. The returned object's
// `url` and `browser` are set once the tests start.
export function servedBrowser() {
  const suite = { url: null, browser: null, server: null, shots: join(repoRoot, "test-results") };
  before(async () => {
    ({ server: suite.server, url: suite.url } = await startServer({
      roots: { "/": join(repoRoot, "www"), "/harness/": join(repoRoot, "tests", "e2e") },
    }));
    suite.browser = await launch();
    await mkdir(suite.shots, { recursive: true });
  });
  after(async () => {
    await suite.browser?.close();
    suite.server?.close();
  });
  return suite;
}
