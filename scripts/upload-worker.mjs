// The upload server's processing step, on a worker_threads thread so the
// server's event loop stays free: the SHA-256 and the line count of the
// uploaded file (a last line without its newline counts), read as a stream.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const hash = createHash("sha256");
let bytes = 0;
let newlines = 0;
let last = -1;
try {
  for await (const chunk of createReadStream(workerData.file)) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines += 1;
    last = chunk[chunk.length - 1];
  }
  const lines = newlines + (bytes > 0 && last !== 10 ? 1 : 0);
  parentPort.postMessage({ bytes, lines, sha256: hash.digest("hex") });
} catch (e) {
  parentPort.postMessage({ error: e.message });
}
