// The three browser engines the tests run in, all from Debian's packages
// (nothing downloads a browser), each driven over W3C WebDriver by one
// client, selenium-webdriver, talking to a driver this module starts:
// chromedriver for Chromium, geckodriver for Firefox ESR, WebKitWebDriver
// for WebKitGTK's MiniBrowser. MiniBrowser has no headless switch, so it
// gets a private Xvfb display.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { Builder } from "selenium-webdriver";

const firstExisting = (...paths) => paths.find((p) => p && existsSync(p)) ?? paths.at(-1);

const MINIBROWSER = process.env.MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

// Chromium dials out on this closed network without the background-
// networking flags; as root it needs --no-sandbox.
const CHROMIUM_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  // window.gc(), for the soak's heap figures (scripts/soak.mjs).
  "--js-flags=--expose-gc",
];

// Firefox's own background traffic off (geckodriver sets most of it), and
// blob downloads saved without asking.
const FIREFOX_PREFS = {
  "browser.download.folderList": 2,
  "browser.download.useDownloadDir": true,
  "browser.download.always_ask_before_handling_new_types": false,
  "browser.download.start_downloads_in_tmp_dir": false,
  "browser.download.alwaysOpenPanel": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "app.update.disabledForTesting": true,
  "browser.safebrowsing.update.enabled": false,
  "extensions.update.enabled": false,
  // Lets a test read back what the page put on the clipboard.
  "dom.events.testing.asyncClipboard": true,
  "dom.events.asyncClipboard.readText": true,
};

export const ENGINES = {
  chromium: {
    title: "Chromium",
    // Pointer actions start an HTML drag session (dragstart … drop).
    pointerDrag: true,
    driver: () => process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver",
    args: (port) => [`--port=${port}`],
    capabilities: ({ profile, downloads, width, height }) => ({
      browserName: "chrome",
      "goog:chromeOptions": {
        binary: process.env.CHROMIUM ?? "/usr/bin/chromium",
        args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`],
        prefs: { "download.default_directory": downloads, "download.prompt_for_download": false },
      },
    }),
  },
  firefox: {
    title: "Firefox ESR",
    pointerDrag: false,
    driver: () => process.env.GECKODRIVER ?? firstExisting(join(homedir(), ".cargo", "bin", "geckodriver"), "/usr/local/bin/geckodriver"),
    args: (port) => [`--port=${port}`, "--log=error"],
    capabilities: ({ profile, downloads, width, height }) => ({
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
        args: ["-headless", "-profile", profile, `--width=${width}`, `--height=${height}`],
        prefs: { ...FIREFOX_PREFS, "browser.download.dir": downloads },
      },
    }),
  },
  webkit: {
    title: "WebKitGTK",
    pointerDrag: false,
    driver: () => process.env.WEBKITWEBDRIVER ?? "/usr/bin/WebKitWebDriver",
    args: (port) => [`--port=${port}`],
    display: true,
    capabilities: () => ({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
    }),
  },
};

// The engines a run covers: PW_ENGINES=chromium,firefox (default: all three).
export function engineNames() {
  const wanted = (process.env.PW_ENGINES ?? "chromium,firefox,webkit").split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of wanted) if (!ENGINES[name]) throw new Error(`PW_ENGINES: no engine "${name}" (known: ${Object.keys(ENGINES).join(", ")})`);
  return wanted;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts Xvfb on the first free display; resolves to { display, stop }.
function startXvfb() {
  return new Promise((resolve, reject) => {
    const proc = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1920x2400x24", "-nolisten", "tcp"], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    let err = "";
    proc.stderr.on("data", (d) => (err += d));
    proc.once("error", reject);
    proc.once("exit", (code) => reject(new Error(`Xvfb exited (${code}): ${err.trim()}`)));
    proc.stdio[3].once("data", (d) => resolve({ display: `:${String(d).trim()}`, stop: () => proc.kill() }));
  });
}

async function waitForDriver(url, proc, name) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    try {
      const r = await fetch(`${url}/status`);
      if (r.ok && (await r.json()).value?.ready !== false) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start within 20 s`);
}

// Launches engine `name`: its driver, a browser session with a fresh
// profile and download folder. Resolves to { name, title, driver, downloads,
// close }.
export async function launchEngine(name, { width = 1280, height = 1000 } = {}) {
  const engine = ENGINES[name];
  const profile = await mkdtemp(join(tmpdir(), `pipewright-${name}-profile-`));
  const downloads = await mkdtemp(join(tmpdir(), `pipewright-${name}-downloads-`));
  // With LANG unset or C, WebKit's navigator.language is "C", which
  // Intl rejects; readers' browsers have a real locale (a test covers "C").
  const lang = process.env.LANG ?? "";
  const env = { ...process.env, LANG: lang && !/^(C|POSIX)([.@]|$)/.test(lang) ? lang : "en_US.UTF-8" };
  let xvfb = null;
  if (engine.display) {
    xvfb = await startXvfb();
    env.DISPLAY = xvfb.display;
    // MiniBrowser saves downloads straight into $HOME (its own files there
    // are dot-folders, which the tests' download watcher skips).
    env.HOME = downloads;
  }
  const port = await freePort();
  const proc = spawn(engine.driver(), engine.args(port), { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    proc.kill();
    xvfb?.stop();
    await rm(profile, { recursive: true, force: true });
    await rm(downloads, { recursive: true, force: true });
  };
  let driver;
  try {
    await waitForDriver(url, proc, engine.driver());
    driver = await new Builder().usingServer(url).withCapabilities(engine.capabilities({ profile, downloads, width, height })).build();
    // Long in-page runs (a worker suite's pipelines) return a promise the
    // driver awaits; 30 s, the default, is too short for the slowest engine.
    await driver.manage().setTimeouts({ script: 180_000 });
  } catch (e) {
    await cleanup();
    throw new Error(`${engine.title}: could not start a session: ${e.message}\n${log}`);
  }
  return {
    name,
    title: engine.title,
    driver,
    downloads,
    // For commands selenium does not wrap (Set Permission).
    endpoint: `${url}/session/${(await driver.getSession()).getId()}`,
    async close() {
      try {
        await driver.quit();
      } catch {}
      await cleanup();
    },
  };
}
