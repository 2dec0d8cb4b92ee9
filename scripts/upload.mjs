// The upload server that `npm start` runs beside the page (scripts/serve.mjs),
// for the `upload` sink and the upload-processor preset: Node's file-upload
// example, for real. A body is read with stream.pipeline() — paced when the
// client asks for a slow server, so backpressure reaches it over the network
// — into a file in a folder of its own under a temporary directory; a
// worker_threads Worker then hashes it (SHA-256) and counts its lines; the
// answer is JSON, and the folder is removed.
//
//   GET  /api/upload                      {"pipewright":"upload","maxBytes":…}: is the server here?
//   POST /api/upload?delayMs=N            one streamed body (a probe with ?probe=1)
//   POST /api/upload/start                {"id"} of a chunked upload
//   POST /api/upload/<id>/part?seq=N&delayMs=N   its parts, in order
//   POST /api/upload/<id>/done            its answer, like a streamed body's
//   DELETE /api/upload/<id>               given up: its folder goes
//
// An id is the server's own random UUID, looked up, never a path: nothing
// a client sends names a file. Errors are JSON { error } with a 4xx status.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Worker } from "node:worker_threads";

export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
// A chunked upload nobody finishes is removed after this long idle.
const IDLE_MS = 60_000;
const MAX_DELAY_MS = 1000;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body) {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const size = (n) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n.toLocaleString("en-US")} bytes`);

// Counts what passes, failing past `limit` bytes; waits `delayMs` before
// passing each chunk on (the slow server).
function meter(limit, delayMs, counted) {
  return new Transform({
    transform(chunk, _, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > limit) {
        done(new HttpError(413, `upload: the body is larger than the ${size(limit)} this server takes`));
        return;
      }
      if (delayMs > 0) setTimeout(() => done(null, chunk), delayMs);
      else done(null, chunk);
    },
  });
}

function delayOf(url) {
  const raw = url.searchParams.get("delayMs") ?? "0";
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n > MAX_DELAY_MS) throw new HttpError(400, `upload: delayMs must be a number of ms from 0 to ${MAX_DELAY_MS}, got ${JSON.stringify(raw.slice(0, 40))}`);
  return n;
}

// Hashes and counts `file` on a worker_threads thread.
function processFile(file) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./upload-worker.mjs", import.meta.url), { workerData: { file } });
    worker.once("message", (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    worker.once("error", reject);
  });
}

// `{ handle(req, res) }`: true when the request was the upload API's.
// `dir`: where upload folders are made (the system's temporary directory).
export function uploadApi({ dir = tmpdir(), maxBytes = MAX_UPLOAD_BYTES } = {}) {
  const sessions = new Map();
  const folder = () => mkdtemp(join(dir, "pipewright-upload-"));
  const drop = async (id) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    clearTimeout(s.timer);
    await rm(s.folder, { recursive: true, force: true });
  };
  const touch = (id, s) => {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => drop(id), IDLE_MS);
    s.timer.unref?.();
  };
  const answer = async (file, extra) => {
    const t0 = performance.now();
    const result = await processFile(file);
    return { ok: true, ...result, ...extra, processMs: Math.round(performance.now() - t0) };
  };

  async function route(req, res, url) {
    const parts = url.pathname.split("/").filter(Boolean).slice(2);
    if (parts.length === 0 && req.method === "GET") return send(res, 200, { pipewright: "upload", maxBytes });
    if (parts.length === 0 && req.method === "POST") {
      const delayMs = delayOf(url);
      if (url.searchParams.has("probe")) {
        // A client asking whether it can stream a body here: drain it.
        for await (const chunk of req) void chunk;
        return send(res, 200, { ok: true, probe: true });
      }
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > maxBytes) throw new HttpError(413, `upload: the body is larger than the ${size(maxBytes)} this server takes`);
      // The folder goes before the answer: once a client has it, nothing
      // of the upload is left.
      const at = await folder();
      let result;
      try {
        const file = join(at, "body.bin");
        const counted = { bytes: 0 };
        await pipeline(req, meter(maxBytes, delayMs, counted), createWriteStream(file));
        result = await answer(file, { body: "streamed", requests: 1 });
      } finally {
        await rm(at, { recursive: true, force: true });
      }
      return send(res, 200, result);
    }
    if (parts.length === 1 && parts[0] === "start" && req.method === "POST") {
      const id = randomUUID();
      const s = { folder: await folder(), bytes: 0, seq: 0, requests: 1 };
      s.file = join(s.folder, "body.bin");
      sessions.set(id, s);
      touch(id, s);
      return send(res, 200, { id, maxBytes });
    }
    if (parts[0] === "start") throw new HttpError(405, `upload: ${req.method} ${url.pathname} is not part of the upload API`);
    const id = parts[0];
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, `upload: there is no upload ${JSON.stringify(String(id).slice(0, 40))} (it finished, was given up, or never started)`);
    if (parts.length === 1 && req.method === "DELETE") {
      await drop(id);
      return send(res, 200, { ok: true });
    }
    if (parts.length === 2 && parts[1] === "part" && req.method === "POST") {
      const delayMs = delayOf(url);
      const seq = Number(url.searchParams.get("seq"));
      if (seq !== s.seq) throw new HttpError(409, `upload: part ${url.searchParams.get("seq")} came where part ${s.seq} was due`);
      touch(id, s);
      const counted = { bytes: s.bytes };
      try {
        await pipeline(req, meter(maxBytes, delayMs, counted), createWriteStream(s.file, { flags: "a" }));
      } catch (e) {
        await drop(id);
        throw e;
      }
      s.bytes = counted.bytes;
      s.seq += 1;
      s.requests += 1;
      return send(res, 200, { ok: true, bytes: s.bytes });
    }
    if (parts.length === 2 && parts[1] === "done" && req.method === "POST") {
      sessions.delete(id);
      clearTimeout(s.timer);
      let result;
      try {
        for await (const chunk of req) void chunk;
        result = await answer(s.file, { body: "chunked", requests: s.requests + 1 });
      } finally {
        await rm(s.folder, { recursive: true, force: true });
      }
      return send(res, 200, result);
    }
    throw new HttpError(405, `upload: ${req.method} ${url.pathname} is not part of the upload API`);
  }

  return {
    // Folders of chunked uploads still open.
    get open() {
      return sessions.size;
    },
    handle(req, res) {
      const url = new URL(req.url, "http://x");
      if (url.pathname !== "/api/upload" && !url.pathname.startsWith("/api/upload/")) return false;
      route(req, res, url).catch((e) => {
        const status = e instanceof HttpError ? e.status : 500;
        send(res, status, { error: e instanceof HttpError ? e.message : `upload: ${e.message}` });
        // A body still arriving after an error is not read: close.
        if (!req.complete) req.destroy();
      });
      return true;
    },
  };
}
