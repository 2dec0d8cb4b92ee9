// A static file server for www/ on localhost, used by `npm start`, the
// end-to-end tests and the benchmarks, with the upload API beside it
// (scripts/upload.mjs; `upload: false` leaves it out, as static hosting
// would). No dependencies.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { uploadApi } from "./upload.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
export const repoRoot = resolve(here, "..");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
};

// The Content-Security-Policy every page carries. Each page also states it
// in a <meta> (for static hosting; tests/csp.test.mjs checks they agree),
// and this server sends it as a header with `frame-ancestors`, which a
// <meta> cannot carry: embed.html is made to be framed by any site, the
// other pages only by their own origin. `connect-src` lets the `fetch`
// source read https URLs (data, never code); nothing else leaves 'self'.
export const POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' https:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");
const WWW = join(repoRoot, "www");
const FRAMED_BY_ANYONE = ["embed.html"];
export function policyHeader(file) {
  const ancestors = FRAMED_BY_ANYONE.includes(file.split(sep).pop()) ? "*" : "'self'";
  return `${POLICY}; frame-ancestors ${ancestors}`;
}

// Serves `roots` (URL prefix -> directory), and the upload API unless
// `upload` is false (an object: its options). Resolves to { server, url,
// upload }.
// For the tests only: `inject`, a script URL put first in every HTML page's
// <head>; `broken`, paths answered with 404 as if missing; and `modules`,
// a Map from id to module source served as `<any dir>/__pwmodule-<id>.js`
// (so a test's module script is a same-origin file the policy allows, its
// relative imports resolving as an inline script's would).
export function startServer({ port = 0, roots = { "/": join(repoRoot, "www") }, inject = null, broken = [], modules = null, upload = true } = {}) {
  const prefixes = Object.keys(roots).sort((a, b) => b.length - a.length);
  const api = upload ? uploadApi(upload === true ? {} : upload) : null;
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (broken.includes(path)) throw new Error("broken on purpose");
      if (api?.handle(req, res)) return;
      const module = modules && /\/__pwmodule-(\w+)\.js$/.exec(path);
      if (module && modules.has(module[1])) {
        res.writeHead(200, { "content-type": TYPES[".js"], "cache-control": "no-store" });
        res.end(modules.get(module[1]));
        return;
      }
      const prefix = prefixes.find((p) => path.startsWith(p));
      const base = resolve(roots[prefix]);
      let file = normalize(join(base, path.slice(prefix.length)));
      if (file !== base && !file.startsWith(base + sep)) throw Object.assign(new Error("outside root"), { code: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      let body = await readFile(file);
      if (inject && extname(file) === ".html") {
        body = Buffer.from(body.toString("utf8").replace(/<head>/i, `<head><script src="${inject}"></script>`));
      }
      const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" };
      // The product's pages; a test harness or bench page stands for a
      // user's own page, with its own policy.
      if (extname(file) === ".html" && file.startsWith(WWW + sep)) headers["content-security-policy"] = policyHeader(file);
      res.writeHead(200, headers);
      res.end(body);
    } catch (e) {
      const code = e.code === 403 ? 403 : 404;
      res.writeHead(code, { "content-type": "text/plain" });
      res.end(code === 403 ? "forbidden" : "not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}/`, upload: api }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await startServer({ port });
  console.log(`Pipewright playground: ${url}`);
}
