// The presets: one pipeline per idea, each with what to notice, runnable in
// one click and done within about 10 s. A preset with `compare` runs a second
// pipeline after the first and shows the two side by side.

// Users hashed by a pool of 3 handing out chunks by `schedule`, every third
// chunk held 20 ms (jitterMs): uneven work, for the round-robin preset.
const unevenPool = (schedule) => ({
  source: { kind: "users", format: "ndjson", count: 300, chunkSize: 2048 },
  stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 200, pool: 3, schedule, jitterMs: 20 }, { kind: "ndjson-stringify" }],
  sink: { kind: "digest" },
});

export const PRESETS = [
  {
    id: "slow-consumer",
    title: "Slow consumer",
    text: [
      "The counter makes a line only when it is asked for one, and the sink takes 100 chunks a second.",
      "The uppercase queue fills to its high-water mark of 4, the counter's desiredSize falls to 0 and it pauses: in Node's words, write() would return false.",
      "Each time the sink finishes a chunk one more is pulled, so the log shows backpressure and drain taking turns while memory stays flat.",
    ],
    spec: {
      source: { kind: "counter", count: 400 },
      stages: [{ kind: "uppercase", highWaterMark: 4 }],
      sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 100 },
    },
  },
  {
    id: "no-backpressure",
    title: "No backpressure",
    text: [
      "The push source enqueues as fast as it can and ignores desiredSize, like a Node stream whose write() result is never checked.",
      "Its queue runs far past its high-water mark of 1, holding the whole 16 MiB at once: where the browser shows its JS heap (Chromium), the memory chart climbs by that much. The sink is as slow as in “Slow consumer”, whose queues and memory stay flat.",
    ],
    spec: {
      source: { kind: "push", bytes: 16 << 20, chunkSize: 65536 },
      stages: [],
      sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 100 },
    },
  },
  {
    id: "csv-to-json",
    title: "CSV → JSON",
    text: [
      "Generated user records go from CSV with a header row to one JSON object per line, parsed by csv-core in Rust.",
      "Drop a .csv file on the page, or pick one as a File source, to convert your own; the preview shows the last lines.",
    ],
    spec: {
      source: { kind: "users", format: "csv", count: 20000 },
      stages: [{ kind: "csv-to-ndjson" }],
      sink: { kind: "preview", kib: 2 },
    },
  },
  {
    id: "compress-file",
    title: "Compress a file",
    text: [
      "Gzip with zlib-rs, then collect the output into a Blob you can download as .gz.",
      "It compresses 8 MiB of generated text until you pick or drop a file of your own; the file is read slice by slice, never whole.",
      "The file's own name, plus .gz, names the download.",
    ],
    spec: {
      source: { kind: "lorem", bytes: 8 << 20 },
      stages: [{ kind: "gzip" }],
      sink: { kind: "collect" },
    },
  },
  {
    id: "hash-passwords",
    title: "Hash passwords in a worker pool",
    text: [
      "Every user's password is replaced by 30,000 rounds of salted SHA-256, the classic job for a worker pool.",
      "The pool has one Worker per core (pool: true); each Worker's lane shows what it has in flight, and the results come back in input order.",
      "The main-thread meter stays low while the CPUs are busy.",
    ],
    spec: {
      source: { kind: "users", format: "ndjson", count: 600 },
      stages: [
        { kind: "ndjson-parse" },
        { kind: "hash-field", salt: "pepper", iterations: 30000, pool: true },
        { kind: "ndjson-stringify" },
      ],
      sink: { kind: "preview", kib: 2 },
    },
  },
  {
    id: "validate-users",
    title: "Validate users",
    text: [
      "Records stream through checks: required fields, an email that looks like one, and a password of at least 12 characters.",
      "Good records go on; bad ones are counted and dropped, and the first ten are listed with their reasons, so one bad row never stops the run.",
    ],
    spec: {
      source: { kind: "users", format: "csv", count: 2000 },
      stages: [{ kind: "csv-to-ndjson" }, { kind: "ndjson-parse" }, { kind: "validate", minLength: 12 }],
      sink: { kind: "count" },
    },
  },
  {
    id: "main-vs-worker",
    title: "Main thread vs worker",
    text: [
      "The same CPU-heavy stage, a prime sieve per 64 KiB block, runs first on the main thread and then pinned to a Worker.",
      "On the main thread every block blocks the page, and the meter's longest frame gap jumps to hundreds of milliseconds; in the Worker the page keeps drawing every frame.",
      "The comparison shows the longest gap of each run.",
    ],
    spec: {
      // Six big blocks rather than twelve smaller: the main thread now
      // yields between blocks, so its longest gap is one block's work.
      source: { kind: "lorem", bytes: 6 * 65536 },
      stages: [{ kind: "primes", limit: 150_000_000 }],
      sink: { kind: "count" },
    },
    compare: {
      title: "pinned to a Worker",
      first: "on the main thread",
      spec: {
        source: { kind: "lorem", bytes: 6 * 65536 },
        stages: [{ kind: "primes", limit: 150_000_000, worker: true }],
        sink: { kind: "count" },
      },
      show: "gap",
    },
  },
  {
    id: "errors-max-errors",
    title: "Errors with maxErrors",
    text: [
      "About 1 in 100 generated rows is ragged, and csv-to-ndjson tolerates 10 of them: it skips and counts each one.",
      "The 11th fails the stage with its line number; pipeline error propagation then cancels the source upstream and errors the sink, as pipeline() destroys every stream in Node.",
    ],
    spec: {
      source: { kind: "users", format: "csv", count: 3000, badRate: 0.01 },
      stages: [{ kind: "csv-to-ndjson", maxErrors: 10 }],
      sink: { kind: "digest" },
    },
  },
  {
    id: "encrypt-decrypt",
    title: "Encrypt → decrypt",
    text: [
      "4 MiB of text is encrypted with AES-256-GCM under a passphrase, in authenticated frames, and decrypted again.",
      "The comparison runs the text straight into the same digest: equal SHA-256 digests show the round trip lost and changed nothing.",
    ],
    spec: {
      source: { kind: "lorem", bytes: 4 << 20 },
      stages: [
        { kind: "encrypt", passphrase: "correct horse battery staple" },
        { kind: "decrypt", passphrase: "correct horse battery staple" },
      ],
      sink: { kind: "digest" },
    },
    compare: {
      title: "without encryption",
      first: "encrypted and decrypted",
      spec: { source: { kind: "lorem", bytes: 4 << 20 }, stages: [], sink: { kind: "digest" } },
      show: "digest",
    },
  },
  {
    id: "worker-crash",
    title: "Worker crash recovery",
    text: [
      "A pool of two Workers hashes records, and every Worker is made to die on its 60th chunk, like a cluster worker that crashes.",
      "The pool respawns each one and re-runs the chunks it held, so nothing is lost or repeated: the restarts are counted and the log shows each crash and respawn.",
      "The comparison runs without crashes: the digests are equal.",
    ],
    spec: {
      source: { kind: "users", format: "ndjson", count: 600, chunkSize: 2048 },
      stages: [
        { kind: "ndjson-parse" },
        { kind: "hash-field", iterations: 200, pool: 2, crashEvery: 60, maxRestarts: 20 },
        { kind: "ndjson-stringify" },
      ],
      sink: { kind: "digest" },
    },
    compare: {
      title: "no crashes",
      first: "with crashes",
      spec: {
        source: { kind: "users", format: "ndjson", count: 600, chunkSize: 2048 },
        stages: [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 200, pool: 2 }, { kind: "ndjson-stringify" }],
        sink: { kind: "digest" },
      },
      show: "digest",
    },
  },
  {
    id: "round-robin",
    title: "Round-robin vs least-loaded",
    text: [
      "A pool of 3 Workers hashes users, and every third chunk takes 20 ms longer than the rest (the pool's jitterMs stands in for records that cost more).",
      "Round-robin, the way Node's cluster hands out connections, gives each Worker its turn whatever it is doing: every slow chunk lands on the same Worker, and the next chunk waits for its turn there while the others sit idle.",
      "The comparison runs the same pool least-loaded: the next chunk goes to the Worker with the fewest in flight, so the slow ones spread out. Each run's time and the chunks each Worker took are shown; the output is the same, because the pool restores input order.",
    ],
    spec: unevenPool("round-robin"),
    compare: { title: "least-loaded", first: "round-robin", spec: unevenPool("least-loaded"), show: "load" },
  },
  {
    id: "memory-leak",
    title: "A memory leak, found",
    text: [
      "The cache stage keeps a copy of every chunk it passes on and never lets one go (maxChunks: 0), like a Map used as a cache with no bound: 64 MiB of text goes through, and the memory chart's wasm line climbs by that much (on a page that has not yet grown its memory), while the pipeline itself stays fast.",
      "The comparison runs the same stage with maxChunks: 16: it keeps only its last 16 chunks, 1 MiB, and memory stays flat. Each cache's result says what it holds.",
      "In Node you would find it with node --inspect and Chrome DevTools: two heap snapshots a minute apart, compared, show the retained size growing under the cache. Here the memory chart is the first clue and the stage's result names the holder; in a long soak, memory that only grows is the sign.",
    ],
    spec: { source: { kind: "lorem", bytes: 64 << 20 }, stages: [{ kind: "cache", maxChunks: 0 }], sink: { kind: "count" } },
    compare: {
      title: "bounded (maxChunks: 16)",
      first: "unbounded (maxChunks: 0)",
      spec: { source: { kind: "lorem", bytes: 64 << 20 }, stages: [{ kind: "cache", maxChunks: 16 }], sink: { kind: "count" } },
      show: "memory",
      stage: "cache",
    },
  },
  {
    id: "duplex",
    title: "Duplex: a loopback socket",
    text: [
      "The loopback stage is a duplex, like Node's net.Socket: two independent sides. Its writable side sends each line to an echo server in a Worker; its readable side gives what the server sends back.",
      "Each side has its own queue and mark: 4 for writes (highWaterMark), 4 for reads (readableHighWaterMark), and the server holds 2. The sink takes 40 chunks a second, so the readable side fills first, then the server, then the writable side, and only then does the counter pause.",
      "The Live table shows the three under loopback (writes, reads, server); every line comes back unchanged and in order.",
    ],
    spec: {
      source: { kind: "counter", count: 120 },
      stages: [{ kind: "loopback", highWaterMark: 4, readableHighWaterMark: 4, serverChunks: 2 }],
      sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 40 },
    },
  },
  {
    id: "upload",
    title: "The upload processor",
    needsServer: "/api/upload",
    text: [
      "Node's file-upload server, for real: the upload sink sends 16 MiB to the server npm start runs, which reads the request with stream.pipeline() into a file in a temporary folder, hashes it (SHA-256) and counts its lines in a worker_threads Worker, answers JSON and removes the folder.",
      "The server is told to wait 10 ms before each piece it reads, so backpressure crosses the network: the sink's writes are held, its queue fills, and the source pauses at its mark, while memory stays flat.",
      "The report says how the body went: streamed (one request whose body is a ReadableStream) where the engine can send one to this server, otherwise one request per chunk. The comparison hashes the same bytes here: the two SHA-256s are equal.",
    ],
    spec: { source: { kind: "lorem", bytes: 16 << 20, chunkSize: 65536 }, stages: [], sink: { kind: "upload", serverDelayMs: 10 } },
    compare: { title: "hashed here (digest sink)", first: "the server's SHA-256", spec: { source: { kind: "lorem", bytes: 16 << 20, chunkSize: 65536 }, stages: [], sink: { kind: "digest" } }, show: "digest" },
  },
  {
    id: "generator",
    title: "Generators as sources",
    text: [
      "The source is an async generator, async function* lines() (the Code tab shows it): createSource(\"iterable\", { iterable: lines(200) }) makes it a stream, as ReadableStream.from and Node's Readable.from do.",
      "The stream calls next() only inside pull(), so the generator's body runs only when a queue has room: the note under Run counts its runs, which never get ahead of what the sink has taken by more than the queues hold (1 + 2 + 1).",
      "Press Step instead of Run to see one more line made for each chunk the sink takes. The Code tab reads the end with for await, as a Node program reads a stream.",
    ],
    spec: { source: { kind: "iterable" }, stages: [{ kind: "uppercase", highWaterMark: 2 }], sink: { kind: "throttle", bytesPerSecond: 0, chunksPerSecond: 50 } },
  },
];

export function presetById(id) {
  return PRESETS.find((p) => p.id === id);
}
