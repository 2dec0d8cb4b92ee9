// Records between two Rust stages (issue 12, target 1): piped straight from
// one main-thread record stage into another, they cross as batches of
// NDJSON bytes and never become JS objects; the output, the errors and the
// per-record metrics must be exactly those of the same stages with JS
// objects between them. Chromium, Firefox ESR and WebKitGTK.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eachEngine } from "./browser.mjs";

// Lines JSON.parse then JSON.stringify change: whitespace, number forms,
// escapes, lone surrogates, a key given twice, keys that are array indices;
// and lines already in that form.
const TRICKY = [
  ` { "a" : 1 , "b" : [ 1 , 2.50 , -0 , 1e21 , 1E-7 , 1e400 ] } `,
  `{"n":12345678901234567890,"m":0.1e1,"k":-1.5e-3}`,
  `{"s":"\\u0041\\/\\u00e9\\u2028\\u001F\\"\\\\\\b\\f\\n\\r\\t"}`,
  `{"pair":"\\uD83D\\uDE00","lone":"\\ud800","low":"\\uDC00x"}`,
  `{"b":1,"a":2,"b":3,"10":4,"2":5,"01":6,"4294967295":7,"4294967294":8}`,
  `[{"x":{"y":[true,false,null,{}]}},[],"é☃"]`,
  `"just a string"`,
  `42`,
  `{"id":7,"name":"Ada","email":"ada@example.org","password":"correct horse"}`,
];

eachEngine((suite) => {
  async function inPage(body) {
    const page = await suite.open("harness/harness.html");
    const result = await page.runModule(`
      const pw = await import("/pkg/pipewright.js");
      await pw.default();
      const bytes = (text) => new TextEncoder().encode(text);
      const sourceOf = (chunks) => new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
      // Everything a readable gives, as text (bytes decoded, objects as JSON).
      const all = async (readable) => {
        const out = [];
        const reader = readable.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
        return out;
      };
      const decode = (chunks) => chunks.map((c) => (c instanceof Uint8Array ? new TextDecoder().decode(c) : JSON.stringify(c))).join("");
      // The same stages piped straight (linked) or with a JS pass-through
      // between each two, which hands JS objects on.
      const chain = (input, specs, { between = false } = {}) => {
        const made = specs.map(([kind, options]) => pw.createTransform(kind, options ?? {}));
        let s = sourceOf(input);
        for (const t of made) {
          s = s.pipeThrough(t);
          if (between) s = s.pipeThrough(new TransformStream());
        }
        return { readable: s, metrics: () => made.map((t) => pw.stageMetrics(t)) };
      };
      const run = async (input, specs, options) => {
        const c = chain(input, specs, options);
        try {
          const out = decode(await all(c.readable));
          return { out, metrics: c.metrics() };
        } catch (e) {
          return { error: { message: e.message, stage: e.stage }, metrics: c.metrics() };
        }
      };
      return (${body})();
    `);
    return { result, problems: await page.problems() };
  }

  test("records between two Rust stages stay bytes, and give what JS objects gave, byte for byte", async () => {
    const { result, problems } = await inPage(`async () => {
      const tricky = ${JSON.stringify(TRICKY)};
      const users = await all(pw.createSource("users", { format: "ndjson", count: 3000, seed: 8, chunkSize: 4096 }));
      const input = [bytes(tricky.join("\\n") + "\\n"), ...users];
      const specs = [["ndjson-parse"], ["filter-records", { pattern: "z", invert: true }], ["ndjson-stringify"]];
      const linked = await run(input, specs);
      const objects = await run(input, specs, { between: true });
      const expected = tricky.map((l) => JSON.stringify(JSON.parse(l)));
      return {
        same: linked.out === objects.out,
        firstLines: linked.out.split("\\n").slice(0, tricky.length),
        expected,
        records: linked.out.split("\\n").length - 1,
        linked: linked.metrics.map((m) => ({ chunksIn: m.chunksIn, chunksOut: m.chunksOut, bytesIn: m.bytesIn, bytesOut: m.bytesOut, batchesIn: m.batchesIn, batchesOut: m.batchesOut })),
        objects: objects.metrics.map((m) => ({ chunksIn: m.chunksIn, chunksOut: m.chunksOut, bytesIn: m.bytesIn, bytesOut: m.bytesOut, batchesIn: m.batchesIn, batchesOut: m.batchesOut })),
      };
    }`);
    assert.ok(result.same, "the same output, linked or with JS objects between");
    assert.deepEqual(result.firstLines.filter((l) => !l.includes("z")), result.expected.filter((l) => !l.includes("z")), "each record as JSON.stringify(JSON.parse(line))");
    assert.ok(result.records > 1000);
    // Linked, records crossed as batches, several records to a batch.
    assert.ok(result.linked[0].batchesOut > 0 && result.linked[0].batchesOut < result.linked[0].chunksOut / 10, JSON.stringify(result.linked[0]));
    assert.equal(result.linked[1].batchesIn, result.linked[0].batchesOut);
    assert.equal(result.linked[2].batchesIn, result.linked[1].batchesOut);
    assert.equal(result.objects[0].batchesOut, 0, "to a JS stream, records are objects");
    // Per-record metrics are the same either way: records in and out, and
    // their bytes. Only the bytes at the end come in fewer, larger chunks:
    // one per batch instead of one per record.
    for (const k of ["chunksIn", "chunksOut", "bytesIn", "bytesOut"]) {
      const same = k === "chunksOut" ? 2 : 3;
      assert.deepEqual(result.linked.map((m) => m[k]).slice(0, same), result.objects.map((m) => m[k]).slice(0, same), k);
    }
    assert.equal(result.linked[2].chunksOut, result.linked[2].batchesIn);
    assert.equal(result.objects[2].chunksOut, result.objects[2].chunksIn);
    assert.deepEqual(problems, []);
    await suite.record("records.batches", "✓");
  });

  test("csv-to-ndjson piped into ndjson-parse hands it NDJSON it vouches for, passed on unread; other NDJSON is read as ever", async () => {
    const { result, problems } = await inPage(`async () => {
      const csv = await all(pw.createSource("users", { count: 3000, seed: 9, chunkSize: 4096 }));
      // Quotes, escapes, a tab and a non-ASCII key: still vouched for.
      const tricky = [bytes('name,"q""uote",tab,é\\n"a, b","x""y","1\\t2","\\\\ü"\\n')];
      // A repeated key and an index key: JS would reorder or merge them.
      const repeated = [bytes("a,a,7\\n1,2,3\\n4,5,6\\n")];
      const specs = [["csv-to-ndjson"], ["ndjson-parse"], ["ndjson-stringify"]];
      const out = {};
      for (const [name, input] of Object.entries({ csv, tricky, repeated })) {
        const linked = await run(input, specs);
        const objects = await run(input, specs, { between: true });
        out[name] = {
          same: linked.out === objects.out,
          head: linked.out.split("\\n").slice(0, 2),
          csv: linked.metrics[0], parse: linked.metrics[1],
          objectsParse: { chunksOut: objects.metrics[1].chunksOut, bytesOut: objects.metrics[1].bytesOut },
        };
      }
      return out;
    }`);
    const { csv, tricky, repeated } = result;
    for (const r of [csv, tricky, repeated]) assert.ok(r.same, "the same output, linked or not");
    // Linked: every csv chunk went as a batch, and ndjson-parse took each
    // as one; records and bytes are counted as ever.
    assert.ok(csv.csv.batchesOut > 0 && csv.csv.batchesOut === csv.csv.chunksOut, JSON.stringify(csv.csv));
    assert.equal(csv.parse.batchesIn, csv.csv.batchesOut);
    assert.equal(csv.parse.chunksOut, 3000);
    assert.deepEqual({ chunksOut: csv.parse.chunksOut, bytesOut: csv.parse.bytesOut }, csv.objectsParse);
    assert.deepEqual(tricky.head, ['{"name":"a, b","q\\"uote":"x\\"y","tab":"1\\t2","é":"\\\\ü"}', ""]);
    assert.equal(tricky.parse.batchesIn, 1);
    // Not vouched for: byte arrays, which ndjson-parse reads and fixes.
    assert.equal(repeated.csv.batchesOut, 0);
    assert.equal(repeated.parse.batchesIn, 0);
    assert.deepEqual(repeated.head, ['{"7":"3","a":"2"}', '{"7":"6","a":"5"}']);
    assert.deepEqual(problems, []);
  });

  test("batches queued when a linked chain is cancelled are freed: wasm memory stays flat over 60 runs", async () => {
    const { result, problems } = await inPage(`async () => {
      const wasm = await pw.default();
      const csv = await all(pw.createSource("users", { count: 20000, seed: 3, chunkSize: 65536 }));
      // gc() where the engine lets a page (Chromium, --expose-gc), else
      // allocation pressure.
      const collect = async () => {
        if (typeof gc === "function") gc();
        else {
          let junk = [];
          for (let i = 0; i < 20; i += 1) junk.push(new Uint8Array(4 << 20).fill(i));
          junk = null;
        }
        await new Promise((r) => setTimeout(r, 20));
      };
      const sizes = [];
      for (let run = 0; run < 60; run++) {
        const s = sourceOf(csv)
          .pipeThrough(pw.createTransform("csv-to-ndjson", { highWaterMark: 8 }))
          .pipeThrough(pw.createTransform("ndjson-parse", { highWaterMark: 8 }))
          .pipeThrough(pw.createTransform("validate", { highWaterMark: 8 }));
        const reader = s.getReader();
        await reader.read();
        // Time for the pipes to fill every queue with batches.
        await new Promise((r) => setTimeout(r, 30));
        await reader.cancel();
        await collect();
        sizes.push(wasm.memory.buffer.byteLength);
      }
      return { after10: sizes[9], after60: sizes[59], gc: typeof gc === "function" };
    }`);
    const growth = (result.after60 - result.after10) / 2 ** 20;
    // Each run leaves batches queued (several MiB in all): kept, 50 runs
    // would grow the memory by hundreds of MiB. (WebKitGTK's collector is
    // not asked: it may keep them longer, and memory may grow there.)
    if (suite.name !== "webkit") assert.ok(growth < 4, `wasm memory grew ${growth} MiB from run 10 to run 60`);
    assert.deepEqual(problems, []);
  });

  test("a bad record between linked stages is the same error, after the same good output", async () => {
    const { result, problems } = await inPage(`async () => {
      const lines = [];
      for (let i = 0; i < 400; i++) lines.push(JSON.stringify({ id: i, name: "n" + i, email: i === 300 ? "nope" : "u" + i + "@example.org", password: "long enough" }));
      const input = [bytes(lines.slice(0, 200).join("\\n") + "\\n"), bytes(lines.slice(200).join("\\n") + "\\n")];
      const specs = [["ndjson-parse"], ["validate", { maxErrors: 0 }], ["ndjson-stringify"]];
      const linked = await run(input, specs);
      const objects = await run(input, specs, { between: true });
      return { linked: linked.error, objects: objects.error, states: linked.metrics.map((m) => m.state) };
    }`);
    assert.ok(result.linked, "the linked chain failed");
    assert.deepEqual(result.linked, result.objects);
    assert.equal(result.linked.stage, "validate");
    assert.match(result.linked.message, /line 301/);
    assert.equal(result.states[1], "errored");
    assert.deepEqual(problems, []);
  });

  test("records still reach JS as objects: a JS reader, a Worker stage, a sink", async () => {
    const { result, problems } = await inPage(`async () => {
      const input = () => [bytes('{"id":1,"password":"a"}\\n{"id":2,"password":"b"}\\n')];
      const read = await all(sourceOf(input()).pipeThrough(pw.createTransform("ndjson-parse")));
      const pooled = await all(sourceOf(input()).pipeThrough(pw.createTransform("ndjson-parse")).pipeThrough(pw.createTransform("hash-field", { pool: 2 })));
      const parse = pw.createTransform("ndjson-parse");
      const seen = [];
      await sourceOf(input()).pipeThrough(parse).pipeTo(new WritableStream({ write(r) { seen.push(r); } }));
      return { read, pooled: pooled.map((r) => [r.id, r.password.length]), seen, parse: pw.stageMetrics(parse).batchesOut };
    }`);
    assert.deepEqual(result.read, [{ id: 1, password: "a" }, { id: 2, password: "b" }]);
    assert.deepEqual(result.pooled, [[1, 64], [2, 64]]);
    assert.deepEqual(result.seen, [{ id: 1, password: "a" }, { id: 2, password: "b" }]);
    assert.equal(result.parse, 0);
    assert.deepEqual(problems, []);
  });
});
