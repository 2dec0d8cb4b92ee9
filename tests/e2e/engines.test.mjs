// What each engine has and lacks, and the gaps the package fills itself,
// in Chromium, Firefox ESR and WebKitGTK: async iteration of every stream
// it returns, Workers that end however their stream ends, and the same
// bytes from a stage on the main thread, pinned and pooled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { eachEngine } from "./browser.mjs";

// Deterministic text, built by the same function here and in the page.
const makeText = () => Array.from({ length: 3000 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join("");
const TEXT = makeText();

eachEngine((suite) => {
  // Runs `body` as a module in a fresh harness page with the package as
  // `pw`. With `withoutNativeIteration`, the engine's own ReadableStream
  // async iterator is deleted before the package loads, so the package's
  // own iterator (WebKit's only one) is what runs, in every engine.
  async function inPage(body, { withoutNativeIteration = false } = {}) {
    const page = await suite.open(`harness/harness.html${withoutNativeIteration ? "?without-native-iteration" : ""}`);
    const result = await page.runModule(`
      ${withoutNativeIteration ? "delete ReadableStream.prototype[Symbol.asyncIterator]; delete ReadableStream.prototype.values;" : ""}
      const pw = await import("/pkg/pipewright.js");
      await pw.default();
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      // Polls until check() holds, for at most ms; returns whether it did.
      const within = async (ms, check) => {
        const end = performance.now() + ms;
        while (!check()) {
          if (performance.now() > end) return false;
          await sleep(10);
        }
        return true;
      };
      const bytes = (text) => new TextEncoder().encode(text);
      const text = (chunks) => chunks.map((c) => (typeof c === "string" ? c : new TextDecoder().decode(c))).join("");
      const sourceOf = (chunks) => new ReadableStream({ pull(c) { if (chunks.length) c.enqueue(chunks.shift()); else c.close(); } });
      return (${body})();
    `);
    assert.deepEqual(await page.problems(), []);
    return result;
  }

  test("what the engine itself has: async iteration, ReadableStream.from, transformer cancel(), transferable and byte streams, performance.memory, CompressionStream formats", async () => {
    const probe = await inPage(`async () => {
      let cancelled = false;
      await new TransformStream({ cancel: () => void (cancelled = true) }).readable.cancel().catch(() => {});
      let aborted = false;
      await new TransformStream({ cancel: () => void (aborted = true) }).writable.abort().catch(() => {});
      const transferable = (() => { try { const rs = new ReadableStream(); structuredClone(rs, { transfer: [rs] }); return true; } catch { return false; } })();
      return {
        asyncIteration: typeof ReadableStream.prototype[Symbol.asyncIterator] === "function",
        readableStreamFrom: typeof ReadableStream.from === "function",
        transformerCancel: cancelled || aborted,
        transferableStreams: transferable,
        byteStreams: (() => { try { new ReadableStream({ type: "bytes" }); return true; } catch { return false; } })(),
        performanceMemory: Boolean(performance.memory),
        compressionFormats: ["gzip", "deflate", "deflate-raw"].filter((f) => { try { new CompressionStream(f); return true; } catch { return false; } }),
        hardwareConcurrency: navigator.hardwareConcurrency,
        userAgent: navigator.userAgent,
      };
    }`);
    // The facts the library is built around, as this issue found them.
    if (suite.name === "webkit") {
      assert.equal(probe.asyncIteration, false);
      assert.equal(probe.transferableStreams, false);
      assert.equal(probe.byteStreams, false);
    }
    if (suite.name === "chromium") assert.equal(probe.performanceMemory, true);
    else assert.equal(probe.performanceMemory, false);
    assert.equal(probe.transformerCancel, false, "no engine here calls a transformer's cancel(); if one does, the wrapping in glue.js is spare there");
    assert.deepEqual(probe.compressionFormats, ["gzip", "deflate", "deflate-raw"]);
    for (const [k, v] of Object.entries(probe)) await suite.record(`engine.${k}`, v);
  });

  // The same checks with the engine's iterator and without it.
  const ITERATION = `async () => {
    const out = {};
    // A source, a main-thread transform, a pinned and a pooled one: each
    // readable the package returns, iterated with for await.
    const kinds = {
      source: () => pw.createSource("counter", { count: 5 }),
      transform: () => pw.createSource("counter", { count: 5 }).pipeThrough(pw.createTransform("uppercase")),
      pinned: () => pw.createSource("counter", { count: 5 }).pipeThrough(pw.createTransform("uppercase", { worker: true })),
      pooled: () => pw.createSource("counter", { count: 5 }).pipeThrough(pw.createTransform("uppercase", { pool: 2 })),
    };
    for (const [kind, make] of Object.entries(kinds)) {
      const got = [];
      const stream = make();
      for await (const chunk of stream) got.push(chunk);
      out[kind] = { text: text(got), ownIterator: Object.hasOwn(stream, Symbol.asyncIterator), locked: stream.locked };
    }
    // break cancels the stream, and so its source; a pinned stage's Worker ends.
    {
      const source = pw.createSource("counter", { count: 1000000 });
      const stage = pw.createTransform("identity", { worker: true });
      const stream = source.pipeThrough(stage);
      let seen = 0;
      for await (const chunk of stream) if (++seen === 3) break;
      out.breakSeen = seen;
      out.breakSourceCancelled = await within(1000, () => pw.stageMetrics(source).state === "cancelled");
      out.breakWorkersEnded = await within(1000, () => pw.workerCounts().active === 0);
      out.breakUnlocked = !stream.locked;
    }
    // values({ preventCancel: true }): break leaves the stream readable.
    {
      const stream = pw.createSource("counter", { count: 4 });
      for await (const chunk of stream.values({ preventCancel: true })) break;
      const rest = [];
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
      out.preventCancelRest = text(rest);
    }
    // An error inside the pipeline is thrown from the loop, after the good
    // chunks, with its stage and line.
    {
      const got = [];
      try {
        for await (const line of pw.createSource("counter", { count: 20 }).pipeThrough(pw.createTransform("split-lines", { maxLineBytes: 7 }))) got.push(line);
        out.error = null;
      } catch (e) {
        out.error = { name: e.name, stage: e.stage, line: e.line, before: got.length };
      }
    }
    // Records: plain objects out of ndjson-parse.
    {
      const ids = [];
      for await (const user of pw.createSource("users", { count: 3, seed: 1 }).pipeThrough(pw.createTransform("csv-to-ndjson")).pipeThrough(pw.createTransform("ndjson-parse"))) ids.push(user.id);
      out.records = ids;
    }
    out.active = pw.workerCounts().active;
    return out;
  }`;

  function checkIteration(r, { ownIterator }) {
    const expected = Array.from({ length: 5 }, (_, i) => `Chunk ${i}\n`).join("");
    assert.equal(r.source.text, expected);
    for (const kind of ["transform", "pinned", "pooled"]) assert.equal(r[kind].text, expected.toUpperCase(), kind);
    for (const kind of ["source", "transform", "pinned", "pooled"]) {
      assert.equal(r[kind].ownIterator, ownIterator, `${kind}: the package's own iterator ${ownIterator ? "fills the gap" : "is not added"}`);
      assert.equal(r[kind].locked, false, `${kind}: the lock is released at the end`);
    }
    assert.equal(r.breakSeen, 3);
    assert.equal(r.breakSourceCancelled, true, "break cancelled the source within 1 s");
    assert.equal(r.breakWorkersEnded, true, "the pinned stage's Worker ended within 1 s of the break");
    assert.equal(r.breakUnlocked, true);
    assert.equal(r.preventCancelRest, "Chunk 1\nChunk 2\nChunk 3\n");
    assert.deepEqual(r.error, { name: "PipewrightError", stage: "split-lines", line: 11, before: 10 });
    assert.deepEqual(r.records, ["1", "2", "3"]);
    assert.equal(r.active, 0);
  }

  test("every stream the package returns is async-iterable: for await, break cancels, errors are rethrown", async () => {
    const r = await inPage(ITERATION);
    const native = suite.name !== "webkit";
    checkIteration(r, { ownIterator: !native });
    await suite.record("pipewright.asyncIteration", native ? "engine's own" : "added by the package");
  });

  test("with the engine's iterator deleted, the package's own iterator behaves the same", async () => {
    const r = await inPage(ITERATION, { withoutNativeIteration: true });
    checkIteration(r, { ownIterator: true });
  });

  test("a pinned and a pooled stage end their Workers within 1 s however the stream ends", async () => {
    const r = await inPage(`async () => {
      const out = {};
      const placements = { pinned: { worker: true }, pooled: { pool: 2 } };
      const endings = {
        // The consumer cancels the readable side.
        "reader.cancel()": async (t) => {
          const source = pw.createSource("counter", { count: 1000000 });
          const reader = source.pipeThrough(t).getReader();
          await reader.read();
          await reader.cancel(new Error("enough"));
          return source;
        },
        // The stage downstream is cancelled before its Workers are ready,
        // with a write from this one waiting on them: the pipe between
        // must hear of the end at once and cancel this stage too (the
        // soak's one Worker in 300 aborted runs left until collected).
        "a cancel downstream before its Workers start": async (t) => {
          const source = pw.createSource("counter", { count: 1000000 });
          const piped = source.pipeThrough(t);
          await sleep(300);
          const reader = piped.pipeThrough(pw.createTransform("identity", { pool: 2 })).getReader();
          // This stage's first output is on its way (a Worker round trip)
          // and the pool still starts: measured, 5 and 20 ms both left
          // this stage running in all three engines before the fix.
          await sleep(10);
          await reader.cancel(new Error("enough"));
          return source;
        },
        // The producer aborts the writable side.
        "writer.abort()": async (t) => {
          const writer = t.writable.getWriter();
          const reader = t.readable.getReader();
          // The stage transforms only what is read (its readable side
          // holds nothing), so the write settles after the read.
          const written = writer.write(bytes("abc"));
          await reader.read();
          await written;
          await writer.abort(new Error("stop")).catch(() => {});
          reader.read().catch(() => {});
          return null;
        },
        // pipeTo with a signal that fires.
        "pipeTo(…, { signal }) aborted": async (t) => {
          const source = pw.createSource("counter", { count: 1000000 });
          const controller = new AbortController();
          const slow = new WritableStream({ write: () => sleep(5) });
          const done = source.pipeThrough(t).pipeTo(slow, { signal: controller.signal }).catch((e) => e);
          await sleep(100);
          controller.abort(new Error("stop"));
          await done;
          return source;
        },
        // An error downstream (the sink throws).
        "an error downstream": async (t) => {
          const source = pw.createSource("counter", { count: 1000000 });
          let n = 0;
          const failing = new WritableStream({ write() { if (++n === 3) throw new Error("sink failed"); } });
          await source.pipeThrough(t).pipeTo(failing).catch(() => {});
          return source;
        },
        // An error upstream (the source errors).
        "an error upstream": async (t) => {
          let n = 0;
          const failing = new ReadableStream({ pull(c) { if (++n === 3) c.error(new Error("source failed")); else c.enqueue(bytes("x")); } });
          await failing.pipeThrough(t).pipeTo(new WritableStream()).catch(() => {});
          return null;
        },
      };
      for (const [placement, options] of Object.entries(placements)) {
        for (const [ending, run] of Object.entries(endings)) {
          const before = pw.workerCounts().active;
          const t = pw.createTransform("uppercase", options);
          const source = await run(t);
          out[placement + " · " + ending] = {
            ended: await within(1000, () => pw.workerCounts().active === before),
            stage: pw.stageMetrics(t).state,
            source: source ? await within(1000, () => pw.stageMetrics(source).state === "cancelled") : null,
          };
        }
      }
      out.active = pw.workerCounts().active;
      return out;
    }`);
    const { active, ...cases } = r;
    assert.equal(Object.keys(cases).length, 12);
    for (const [what, c] of Object.entries(cases)) {
      assert.equal(c.ended, true, `${what}: its Workers ended within 1 s`);
      assert.notEqual(c.stage, "flowing", `${what}: the stage no longer says it is flowing (${c.stage})`);
      if (c.source !== null) assert.equal(c.source, true, `${what}: the source was cancelled`);
    }
    assert.equal(active, 0);
    await suite.record("pipewright.workersEndOnCancel", "✓");
  });

  test("a dropped stream's Workers end (pooled: idle; pinned: when collected); runPipeline settling ends every stage", async () => {
    const r = await inPage(`async () => {
      // Asks for a collection: gc() where the engine lets a page (Chromium
      // here, --expose-gc), else allocation pressure.
      const collect = async () => {
        if (typeof gc === "function") gc();
        else {
          let junk = [];
          for (let i = 0; i < 40; i += 1) junk.push(new Uint8Array(4 << 20).fill(i));
          junk = null;
        }
        await sleep(50);
      };
      const out = {};
      for (const [placement, options] of Object.entries({ pinned: { worker: true }, pooled: { pool: 2 } })) {
        const before = pw.workerCounts().active;
        // Used once, then every reference dropped: no cancel, no abort.
        await (async () => {
          const t = pw.createTransform("uppercase", options);
          const writer = t.writable.getWriter();
          const reader = t.readable.getReader();
          const written = writer.write(bytes("abc"));
          await reader.read();
          await written;
        })();
        out[placement + " · started"] = pw.workerCounts().active > before;
        const end = performance.now() + 30000;
        while (pw.workerCounts().active > before && performance.now() < end) await collect();
        out[placement + " · dropped and collected"] = pw.workerCounts().active === before;
      }
      // A pipeline that settles while a stage would still wait: runPipeline
      // aborted while two Worker stages are busy ends both at once.
      const beforeRun = pw.workerCounts().active;
      const controller = new AbortController();
      const run = pw.runPipeline(
        { source: { kind: "lorem", bytes: 1 << 24, chunkSize: 16384 }, stages: [{ kind: "uppercase", worker: true }, { kind: "gzip", worker: true }], sink: { kind: "count" } },
        { signal: controller.signal },
      ).catch((e) => e);
      await sleep(100);
      controller.abort(new Error("stop"));
      await run;
      out["runPipeline aborted · Workers gone within 1 s"] = await within(1000, () => pw.workerCounts().active === beforeRun);
      out.gc = typeof gc === "function";
      return out;
    }`);
    const { gc, ...cases } = r;
    // A pool also stops its Workers after 2 s idle, so a dropped pooled
    // stream ends everywhere. A pinned stage keeps state and can end only
    // when its stream is collected: WebKitGTK's collector (conservative)
    // kept the dropped stream through 30 s of allocation pressure in some
    // runs and not in others (measured), and a page cannot ask it for a
    // collection, so there it is recorded rather than asserted.
    if (suite.name === "webkit") delete cases["pinned · dropped and collected"];
    for (const [what, ok] of Object.entries(cases)) assert.equal(ok, true, what);
    const how = gc ? "gc()" : "allocation pressure";
    await suite.record("pipewright.droppedStreamCollected", suite.name === "webkit" ? "pooled ✓ (2 s idle); pinned: when JSC collects it (not forced)" : `✓ (${how})`);
  });

  test("main thread, pinned and pooled give the same bytes, equal to Node's own result", async () => {
    const r = await inPage(`async () => {
      // Chunks that own their buffer (moved to a pinned Worker, and for a
      // same-length stage moved back filled), or views into a larger
      // buffer at an offset (copied).
      const input = (views) => {
        const t = bytes((${makeText})());
        const parts = [];
        for (let i = 0; i < t.length; i += 4096) {
          const part = t.slice(i, i + 4096);
          if (!views) parts.push(part);
          else { const big = new Uint8Array(part.length + 16); big.set(part, 8); parts.push(big.subarray(8, 8 + part.length)); }
        }
        return parts;
      };
      const run = async (options) => {
        const out = [];
        const stream = sourceOf(input(options.views)).pipeThrough(pw.createTransform("uppercase", options.upper)).pipeThrough(pw.createTransform("base64-encode", options.b64));
        const reader = stream.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
        return text(out);
      };
      const gzipHex = async (options) => {
        const parts = [];
        const reader = sourceOf(input()).pipeThrough(pw.createTransform("gzip", { level: 6, ...options })).getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        return [...new Uint8Array(await crypto.subtle.digest("SHA-256", all))].map((b) => b.toString(16).padStart(2, "0")).join("");
      };
      return {
        main: await run({ upper: {}, b64: {} }),
        pooled: await run({ upper: { pool: 2 }, b64: {} }),
        pinned: await run({ upper: {}, b64: { worker: true } }),
        both: await run({ upper: { pool: 3 }, b64: { worker: true } }),
        pinnedSameLength: await run({ upper: { worker: true }, b64: {} }),
        pinnedViews: await run({ upper: { worker: true }, b64: {}, views: true }),
        pooledViews: await run({ upper: { pool: 2 }, b64: {}, views: true }),
        gzipMain: await gzipHex({}),
        gzipPinned: await gzipHex({ worker: true }),
        active: pw.workerCounts().active,
      };
    }`);
    const expected = Buffer.from(TEXT.toUpperCase()).toString("base64");
    for (const k of ["main", "pooled", "pinned", "both", "pinnedSameLength", "pinnedViews", "pooledViews"]) assert.equal(r[k], expected, k);
    assert.equal(r.gzipPinned, r.gzipMain);
    assert.equal(r.active, 0);
    // Recorded so that the engines can be compared: the same wasm, the
    // same gzip bytes in every engine.
    await suite.record("pipewright.gzipSha256", r.gzipMain);
    await suite.record("pipewright.sameBytes", createHash("sha256").update(r.main).digest("hex") === createHash("sha256").update(expected).digest("hex") ? "✓" : "✗");
  });

  test("a long main-thread pipeline gives the event loop turns: timers and onMetrics run during it", async () => {
    const r = await inPage(`async () => {
      let ticks = 0;
      const timer = setInterval(() => (ticks += 1), 10);
      let metrics = 0;
      const t0 = performance.now();
      const report = await pw.runPipeline(
        {
          source: { kind: "lorem", bytes: 128 << 20 },
          stages: [{ kind: "uppercase" }, { kind: "identity" }, { kind: "uppercase" }, { kind: "identity" }],
          sink: { kind: "digest" },
        },
        { onMetrics: () => (metrics += 1), metricsInterval: 50 },
      );
      const ms = performance.now() - t0;
      clearInterval(timer);
      return { ms, ticks, metrics, bytes: report.totals.bytes };
    }`);
    assert.equal(r.bytes, 128 << 20);
    // Without turns of the event loop the interval and onMetrics run only
    // after the run (a tick or two). With them they keep running: at least
    // a quarter of the ticks a free event loop would give, a loose bound on
    // a shared, noisy machine.
    assert.ok(r.ms > 200, `the run lasts long enough to tell: ${r.ms} ms`);
    assert.ok(r.ticks >= Math.floor(r.ms / 10 / 4), `a 10 ms interval ticked ${r.ticks} times in ${Math.round(r.ms)} ms`);
    assert.ok(r.metrics >= Math.floor(r.ms / 50 / 4), `onMetrics (every 50 ms) ran ${r.metrics} times in ${Math.round(r.ms)} ms`);
  });

  test("a stage counts the same chunks and bytes in and out on the main thread, pinned and pooled", async () => {
    const r = await inPage(`async () => {
      const counts = async (stages, at, placement) => {
        const report = await pw.runPipeline({
          source: { kind: "users", format: "ndjson", count: 200, seed: 4, chunkSize: 4096 },
          stages: stages.map((s, i) => (i === at ? { ...s, ...placement } : s)),
          sink: { kind: "count" },
        });
        const s = report.stages[at + 1];
        return [s.chunksIn, s.bytesIn, s.chunksOut, s.bytesOut];
      };
      const out = {};
      // Records in and out (each counted as its JSON line), and text in,
      // bytes out (text counted as UTF-8).
      const records = [{ kind: "ndjson-parse" }, { kind: "hash-field", iterations: 1 }, { kind: "ndjson-stringify" }];
      const text = [{ kind: "split-lines" }, { kind: "text-encode" }];
      for (const [name, placement] of Object.entries({ main: {}, pinned: { worker: true }, pooled: { pool: 2 } })) {
        out[name] = { records: await counts(records, 1, placement), text: await counts(text, 1, placement) };
      }
      out.active = pw.workerCounts().active;
      return out;
    }`);
    assert.ok(r.main.records[1] > 0 && r.main.text[1] > 0, JSON.stringify(r.main));
    assert.deepEqual(r.pinned, r.main, "pinned");
    assert.deepEqual(r.pooled, r.main, "pooled");
    assert.equal(r.active, 0);
  });
});
