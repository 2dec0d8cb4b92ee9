// End-to-end: the pages' Content-Security-Policy. Every page states it in a
// <meta> (static hosting) and `npm start` sends it as a header with
// `frame-ancestors`; the browsers enforce it and report what it blocks.
// That the playground works under it is proven by every other e2e test:
// tests/e2e/watch.js records each violation as a problem, and every test
// asserts there are none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { POLICY, repoRoot, startServer } from "../../scripts/serve.mjs";
import { eachEngine } from "./browser.mjs";

const PAGES = { "index.html": "'self'", "embed.html": "*", "examples/docs.html": "'self'" };

test("each page states the policy in a <meta> and the server sends it with frame-ancestors", async () => {
  const { server, url } = await startServer();
  try {
    for (const [path, ancestors] of Object.entries(PAGES)) {
      const html = await readFile(join(repoRoot, "www", path), "utf8");
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
      assert.ok(meta, `${path} has a CSP <meta>`);
      assert.equal(meta[1], POLICY, `${path}'s <meta> is the policy`);
      assert.ok(html.indexOf(meta[0]) < html.indexOf("<script"), `${path}: the <meta> comes before any script`);
      assert.doesNotMatch(html.replace(/<script[^>]*src="[^"]*"[^>]*><\/script>/g, ""), /<script|<style|\son[a-z]+=/i, `${path} has no inline script, style or handler`);
      const response = await fetch(url + path);
      assert.equal(response.headers.get("content-security-policy"), `${POLICY}; frame-ancestors ${ancestors}`, path);
    }
    for (const needed of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "object-src 'none'", "base-uri 'none'"]) {
      assert.ok(POLICY.split("; ").includes(needed), needed);
    }
  } finally {
    server.close();
  }
});

eachEngine((suite) => {
  test("the policy blocks an injected inline script, an inline handler and string code, and reports each", async () => {
    const page = await suite.open("index.html");
    await page.locator("#status", { hasText: "Ready." }).waitFor();
    const result = await page.runModule(`
      const seen = [];
      document.addEventListener("securitypolicyviolation", (e) => seen.push(\`\${e.effectiveDirective} (\${e.originalPolicy.includes("frame-ancestors") ? "header" : "meta"})\`));
      const script = document.createElement("script");
      script.textContent = "window.pwInline = 1";
      document.body.append(script);
      const button = document.createElement("button");
      button.setAttribute("onclick", "window.pwHandler = 1");
      document.body.append(button);
      button.click();
      button.remove();
      let timer = "no error";
      try { setTimeout("window.pwTimer = 1", 0); } catch (e) { timer = e.name; }
      let evaluated = "no error";
      try { eval("window.pwEval = 1"); } catch (e) { evaluated = e.name; }
      await new Promise((r) => setTimeout(r, 500));
      return { ran: [window.pwInline, window.pwHandler, window.pwTimer, window.pwEval].map((v) => v ?? null), evaluated, seen };
    `);
    assert.deepEqual(result.ran, [null, null, null, null], "nothing injected ran");
    assert.equal(result.evaluated, "EvalError");
    // One report each (the inline script, the handler, the string timer,
    // which fails silently, and eval) from each of the two copies of the
    // policy: the header and the <meta>, which enforces on its own.
    const each = (directives) => directives.flatMap((d) => [`${d} (header)`, `${d} (meta)`]).sort();
    assert.deepEqual(result.seen.sort(), each(["script-src-elem", "script-src-attr", "script-src", "script-src"]));
    // The page's own record (watch.js) saw the same eight.
    const problems = await page.problems();
    assert.equal(problems.filter((p) => p.startsWith("csp: script-src")).length, 8, JSON.stringify(problems));
    await suite.record("csp.enforced", "✓");
  });

  test("embed.html can be framed by another site; the full page only by its own", async () => {
    // A second server is another origin (another port).
    const other = await startServer({ roots: { "/": join(repoRoot, "www"), "/harness/": join(repoRoot, "tests", "e2e") }, inject: "/harness/watch.js", modules: suite.modules });
    try {
      const page = await suite.open("harness/harness.html");
      const frame = async (src) => {
        await page.script("document.querySelector('iframe')?.remove(); const f = document.createElement('iframe'); f.src = arguments[0]; f.width = 900; f.height = 700; document.body.append(f);", src);
        return page.locator("iframe");
      };
      // Cross-origin: embed.html loads and runs.
      await page.enterFrame(await frame(`${other.url}embed.html?preset=csv-to-json&autorun&compact`));
      const playground = page.locator("pipewright-playground");
      await playground.locator("#status", { hasText: "Done." }).waitFor();
      assert.match(await playground.locator("#report pre.preview").textContent(), /"id":"20000"/);
      assert.deepEqual(await page.problems(), []);
      await page.leaveFrame();
      // Same origin: index.html loads.
      await page.enterFrame(await frame(`${suite.url}index.html`));
      await page.locator("#status", { hasText: "Ready." }).waitFor();
      await page.leaveFrame();
      // Cross-origin: index.html is refused (frame-ancestors 'self'); the
      // frame never gets the playground.
      await page.enterFrame(await frame(`${other.url}index.html`));
      await new Promise((r) => setTimeout(r, 2_000));
      const inside = await page.script("try { return document.querySelector('header h1')?.textContent ?? null; } catch (e) { return 'unreadable'; }");
      await page.leaveFrame();
      assert.notEqual(inside, "Pipewright", "the full page does not render inside another site's frame");
      await suite.record("csp.frameAncestors", "✓");
    } finally {
      await leaveAnyFrame(suite);
      other.server.close();
    }
  });
});

async function leaveAnyFrame(suite) {
  try {
    await suite.page.leaveFrame();
  } catch {
    // Already at the top.
  }
}
