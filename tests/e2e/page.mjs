// The end-to-end tests' view of a browser: a page with locators, in the
// spirit of Playwright's, over plain W3C WebDriver (selenium-webdriver), so
// that one test body runs unchanged in Chromium, Firefox ESR and WebKitGTK.
//
// How each engine-neutral piece works:
// - Elements are found by CSS in the page; a locator can step into an
//   element's open shadow root (the <pipewright-playground> embeds).
// - Clicks, typing, file picking and keys are WebDriver's own input
//   commands, as a person's would be; reads go through Execute Script.
// - Console errors, uncaught errors, failed loads, console.log lines and
//   dialogs are recorded by tests/e2e/watch.js, which the test server puts
//   first in every page (WebKitWebDriver has no log or dialog events).
// - A download is the real file the browser saved in its download folder.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Key } from "selenium-webdriver";
import { repoRoot } from "../../scripts/serve.mjs";

export const SHOTS = join(repoRoot, "test-results");
const TIMEOUT = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls `check` every 25 ms until it gives something truthy, which it
// returns; past `timeout` ms, throws an Error with `failure()`'s words.
async function poll(check, timeout, failure) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await sleep(25);
  }
}

// Runs in the page: the elements `chain` names. Each step is a CSS
// selector, optionally with text the element must contain and which match
// to keep; a step after the first looks inside the previous element's
// shadow root when it has one.
const RESOLVE = `
  const chain = arguments[0];
  let scope = [document];
  for (const step of chain) {
    let found = [];
    for (const root of scope) {
      const inside = root.shadowRoot ?? root;
      found.push(...inside.querySelectorAll(step.selector));
    }
    if (step.hasText !== undefined) found = found.filter((el) => el.textContent.includes(step.hasText));
    if (step.nth === "first") found = found.slice(0, 1);
    else if (step.nth === "last") found = found.slice(-1);
    else if (typeof step.nth === "number") found = found.slice(step.nth, step.nth + 1);
    scope = found;
  }
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden" && !el.closest("[hidden]");
`;

export class Locator {
  constructor(page, chain) {
    this.page = page;
    this.chain = chain;
  }

  locator(selector, { hasText } = {}) {
    return new Locator(this.page, [...this.chain, { selector, hasText }]);
  }

  #nth(nth) {
    const chain = [...this.chain];
    chain[chain.length - 1] = { ...chain.at(-1), nth };
    return new Locator(this.page, chain);
  }

  first() {
    return this.#nth("first");
  }

  last() {
    return this.#nth("last");
  }

  nth(i) {
    return this.#nth(i);
  }

  toString() {
    return this.chain.map((s) => s.selector + (s.hasText !== undefined ? ` (with "${s.hasText}")` : "")).join(" >> ");
  }

  // Runs `body` (the text of a function taking the matched elements, then
  // `arg`) in the page.
  async #run(body, arg) {
    return this.page.script(`${RESOLVE} return (${body})(scope, arguments[1]);`, this.chain, arg);
  }

  async count() {
    return this.#run("(els) => els.length");
  }

  // Waits for the element: attached (the default), visible, or hidden
  // (absent or not shown).
  async waitFor({ state = "attached", timeout = TIMEOUT } = {}) {
    const check = {
      attached: "(els) => els.length > 0",
      visible: "(els) => els.length > 0 && visible(els[0])",
      hidden: "(els) => els.length === 0 || !visible(els[0])",
    }[state];
    await poll(() => this.#run(check), timeout, () => `${this.page.engine}: ${this} did not become ${state} within ${timeout} ms`);
  }

  // The first matching element as a WebElement, once it exists.
  async element() {
    await this.waitFor();
    return this.#run("(els) => els[0]");
  }

  async evaluate(fn, arg) {
    await this.waitFor();
    return this.#run(`(els, arg) => (${fn})(els[0], arg)`, arg);
  }

  async evaluateAll(fn, arg) {
    return this.#run(`(els, arg) => (${fn})(els, arg)`, arg);
  }

  textContent() {
    return this.evaluate("(el) => el.textContent");
  }

  allTextContents() {
    return this.evaluateAll("(els) => els.map((el) => el.textContent)");
  }

  inputValue() {
    return this.evaluate("(el) => el.value");
  }

  getAttribute(name) {
    return this.evaluate("(el, name) => el.getAttribute(name)", name);
  }

  isVisible() {
    return this.#run("(els) => els.length > 0 && visible(els[0])");
  }

  async isHidden() {
    return !(await this.isVisible());
  }

  async click() {
    await this.waitFor({ state: "visible" });
    const el = await this.element();
    await this.page.script("arguments[0].scrollIntoView({ block: 'center' })", el);
    await el.click();
  }

  async focus() {
    await this.evaluate("(el) => el.focus()");
  }

  // Empties the field, then types `value` into it, key by key.
  async fill(value) {
    await this.waitFor({ state: "visible" });
    const el = await this.element();
    await this.page.script("arguments[0].scrollIntoView({ block: 'center' })", el);
    await el.clear();
    if (value !== "") await el.sendKeys(String(value));
  }

  // Picks the option whose value is `value` by clicking it, as WebDriver
  // defines for <option> (the select's input and change events fire).
  async selectOption(value) {
    await this.waitFor({ state: "visible" });
    const option = await this.#run(
      "(els, value) => [...(els[0]?.options ?? [])].find((o) => o.value === value) ?? null",
      value,
    );
    if (!option) throw new Error(`${this.page.engine}: ${this} has no option "${value}"`);
    await this.page.script("arguments[0].scrollIntoView({ block: 'center' })", await this.element());
    await option.click();
    const now = await this.inputValue();
    assert.equal(now, value, `${this.page.engine}: selecting "${value}" in ${this}`);
  }

  // A PNG of just this element, in test-results/.
  async screenshot({ path }) {
    await mkdir(SHOTS, { recursive: true });
    await writeFile(path, Buffer.from(await (await this.element()).takeScreenshot(true), "base64"));
  }

  async check() {
    if (!(await this.evaluate("(el) => el.checked"))) await this.click();
  }

  // Picks files for an <input type=file>: [{ name, buffer }], written to a
  // temporary folder and sent as WebDriver sends file paths.
  async setInputFiles(files) {
    const dir = await mkdtemp(join(tmpdir(), "pipewright-upload-"));
    this.page.session.temporary.push(dir);
    const paths = [];
    for (const f of [files].flat()) {
      const path = join(dir, f.name);
      await writeFile(path, f.buffer);
      paths.push(path);
    }
    await (await this.element()).sendKeys(paths.join("\n"));
  }
}

export class Page {
  // `modules`: the test server's Map of module sources (startServer's
  // `modules`), through which addModule runs code under the pages' CSP.
  constructor(session, { modules = null } = {}) {
    this.session = session;
    this.modules = modules;
    this.driver = session.driver;
    this.engine = session.name;
    this.keyboard = {
      press: (combo) => this.#press(combo),
      type: (text) => this.driver.actions().sendKeys(text).perform(),
    };
  }

  // Execute Script; a returned promise is awaited by the driver.
  script(body, ...args) {
    return this.driver.executeScript(body, ...args);
  }

  // Runs `fn` (a function or its text) in the page with `arg`.
  evaluate(fn, arg) {
    return this.script(`return (${fn})(arguments[0]);`, arg);
  }

  async goto(url) {
    await this.driver.get(url);
  }

  // Commands go to the document in the iframe `locator` names, until
  // leaveFrame().
  async enterFrame(locator) {
    await this.driver.switchTo().frame(await locator.element());
  }

  async leaveFrame() {
    await this.driver.switchTo().defaultContent();
  }

  url() {
    return this.driver.getCurrentUrl();
  }

  locator(selector, { hasText } = {}) {
    return new Locator(this, [{ selector, hasText }]);
  }

  // Polls `fn(arg)` in the page until it returns something truthy.
  async waitForFunction(fn, arg, { timeout = TIMEOUT } = {}) {
    return poll(() => this.evaluate(fn, arg), timeout, () => `${this.engine}: waited ${timeout} ms for ${String(fn).slice(0, 120)}`);
  }

  // What tests/e2e/watch.js recorded in this document.
  async watched() {
    return (await this.script("return window.__pwWatch ?? null")) ?? { problems: ["the page has no watch record"], logs: [], dialogs: [] };
  }

  async problems() {
    return (await this.watched()).problems;
  }

  async dialogs() {
    return (await this.watched()).dialogs;
  }

  logs() {
    return this.script("return window.__pwWatch?.logs ?? []");
  }

  // Waits until a console.log line satisfies `predicate`; resolves to all
  // lines so far.
  async waitForLog(predicate, { timeout = TIMEOUT } = {}) {
    let logs = [];
    return poll(
      async () => {
        logs = await this.logs();
        if (logs.some(predicate)) return logs;
        const problems = await this.problems();
        if (problems.length) throw new Error(`${this.engine}: while waiting for a log line: ${problems.join("; ")}`);
        return null;
      },
      timeout,
      () => `${this.engine}: no such log line within ${timeout} ms; got ${JSON.stringify(logs)}`,
    );
  }

  // Runs `content` as a module script of the page, as a user's <script
  // type="module"> would. The pages forbid inline script (their
  // Content-Security-Policy), so the test server serves `content` as a
  // same-origin file beside the document, where its relative imports
  // resolve as an inline script's would.
  async addModule(content) {
    if (!this.modules) throw new Error("addModule: this Page has no test-server modules map");
    const id = `m${this.modules.size + 1}x${Math.random().toString(36).slice(2, 8)}`;
    this.modules.set(id, content);
    await this.script(
      "const s = document.createElement('script'); s.type = 'module'; s.src = new URL(arguments[0], document.baseURI).href; document.head.append(s);",
      `__pwmodule-${id}.js`,
    );
  }

  // Runs `source` (the body of an async function) as a module script of
  // the page, in the page's own realm, and resolves to what it returns
  // (rejects with what it throws). Execute Script would be shorter, but
  // Firefox runs those in a sandbox whose Uint8Array is not the page's, and
  // values from Workers would fail `instanceof` checks there that they pass
  // in a real page.
  async runModule(source, { timeout = 180_000 } = {}) {
    const id = `run${(this.runs = (this.runs ?? 0) + 1)}`;
    await this.addModule(`
      const runs = (window.__pwRuns ??= {});
      try {
        runs[${JSON.stringify(id)}] = { ok: true, value: await (async () => {\n${source}\n})() };
      } catch (e) {
        runs[${JSON.stringify(id)}] = { ok: false, error: String(e?.stack ?? e) };
      }`);
    const done = await this.waitForFunction((key) => window.__pwRuns?.[key], id, { timeout });
    if (!done.ok) throw new Error(`${this.engine}: the module threw: ${done.error}`);
    return done.value;
  }

  // Grants a permission to the current origin where the driver implements
  // WebDriver's Set Permission (chromedriver does; geckodriver knows no
  // clipboard permissions, WebKitWebDriver no such command). Resolves to
  // whether it did.
  async grant(name) {
    const r = await fetch(`${this.session.endpoint}/permissions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ descriptor: { name }, state: "granted" }),
    });
    return r.ok;
  }

  // Sets the viewport (not the window) to width × height CSS pixels. The
  // window's own size comes from the driver, whose units setRect takes:
  // computed from window.outerHeight, the height asked for once came out
  // negative in WebKit, after a grown window was painted ("Invalid height
  // value", in a fresh-clone run); a chrome size is never below 0.
  async setViewportSize({ width, height }) {
    for (let i = 0; i < 3; i += 1) {
      const [iw, ih] = await this.script("return [window.innerWidth, window.innerHeight]");
      if (iw === width && ih === height) return;
      const outer = await this.driver.manage().window().getRect();
      await this.driver.manage().window().setRect({ width: width + Math.max(0, outer.width - iw), height: height + Math.max(0, outer.height - ih) });
    }
  }

  // A PNG in test-results/; `fullPage` grows the window to the page first.
  async screenshot({ path, fullPage = false }) {
    await mkdir(SHOTS, { recursive: true });
    let restore = null;
    if (fullPage) {
      const [w, h, sh] = await this.script("return [window.innerWidth, window.innerHeight, document.documentElement.scrollHeight]");
      if (sh > h) {
        restore = { width: w, height: h };
        await this.setViewportSize({ width: w, height: Math.min(sh, 2300) });
        // Two frames, so the grown window is painted before the shot.
        await this.script("return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))");
      }
    }
    await writeFile(path, Buffer.from(await this.driver.takeScreenshot(), "base64"));
    if (restore) await this.setViewportSize(restore);
  }

  // Key names as Playwright spells them: "Tab", "Shift+Tab", "Enter",
  // "ControlOrMeta+a".
  async #press(combo) {
    const names = { Tab: Key.TAB, Enter: Key.ENTER, Shift: Key.SHIFT, Control: Key.CONTROL, ControlOrMeta: Key.CONTROL, Escape: Key.ESCAPE, ArrowDown: Key.ARROW_DOWN, ArrowUp: Key.ARROW_UP, ArrowLeft: Key.ARROW_LEFT, ArrowRight: Key.ARROW_RIGHT, Home: Key.HOME, End: Key.END };
    const parts = combo.split("+");
    const key = names[parts.at(-1)] ?? parts.at(-1);
    const mods = parts.slice(0, -1).map((m) => names[m]);
    let actions = this.driver.actions();
    for (const m of mods) actions = actions.keyDown(m);
    actions = actions.keyDown(key).keyUp(key);
    for (const m of mods.reverse()) actions = actions.keyUp(m);
    await actions.perform();
  }

  // Clicks `link` and waits for the browser to save the file; resolves to
  // { name, bytes }.
  async download(link) {
    const folder = this.session.downloads;
    const before = new Set(await readdir(folder));
    await link.click();
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const fresh = (await readdir(folder)).filter((f) => !before.has(f) && !f.startsWith("."));
      // Partial files: Chromium's .crdownload, Firefox's .part, WebKit's
      // .download folder suffix.
      const done = fresh.filter((f) => !/\.(crdownload|part|download)$/.test(f));
      const partial = fresh.length > done.length;
      if (done.length > 0 && !partial) {
        const path = join(folder, done[0]);
        // Settled: the size no longer changes.
        const size = (await stat(path)).size;
        await sleep(100);
        if ((await stat(path)).size === size) return { name: done[0], bytes: await readFile(path) };
      }
      if (Date.now() > deadline) throw new Error(`${this.engine}: no download within ${TIMEOUT} ms (saw ${fresh.join(", ") || "nothing"})`);
      await sleep(50);
    }
  }
}

