// Starts a playground whatever goes wrong while loading it. The playground's
// modules are imported here, dynamically, so that one that fails to load
// (a missing file, a syntax error, or a module that throws as it loads)
// leaves a message in the page that says what failed, instead of a blank
// page: a static import that fails stops the importing module before any of
// its code runs. This file imports nothing, for the same reason.

// The page's scripts, styles and wasm that did not load: from resource
// timing's status where the engine records it (Chromium, Firefox), else by
// asking for each file again (WebKit has no responseStatus).
async function failedFiles() {
  const ours = performance
    .getEntriesByType("resource")
    .map((e) => ({ url: e.name, status: e.responseStatus }))
    .filter((e) => e.url.startsWith(location.origin) && /\.(m?js|wasm|css)$/.test(new URL(e.url).pathname));
  const failed = [];
  for (const { url, status } of ours) {
    let code = status;
    if (!code) {
      try {
        code = (await fetch(url, { method: "HEAD", cache: "no-store" })).status;
      } catch {
        code = "no response";
      }
    }
    if (code === "no response" || code >= 400) failed.push(`${new URL(url).pathname} (${code})`);
  }
  return [...new Set(failed)];
}

// One sentence on what failed: the error, and which files did not load.
export async function describeFailure(error) {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const files = await failedFiles();
  return files.length ? `${what}; not loaded: ${files.join(", ")}` : what;
}

// Loads playground.js and starts one in `root` with `options`; on any
// failure, `status` (an element, created in `root` if absent) says what
// failed. Resolves to the playground, or null.
export async function startPlayground(root, options, fallback) {
  let playground = null;
  try {
    const { Playground } = await import("./playground.js");
    playground = new Playground(root, options);
    await playground.start();
    return playground;
  } catch (error) {
    const message = `The playground could not start: ${await describeFailure(error)}`;
    const status = root.querySelector("#status") ?? fallback;
    if (status !== fallback) fallback?.remove();
    status.textContent = message;
    status.className = status.id === "status" ? "error" : "boot-failed";
    status.hidden = false;
    console.error(message);
    return null;
  }
}
