//! Browser tests: the native stream objects in headless Chromium.
//! Run with `wasm-pack test --headless --chrome` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use pipewright::web::{
    catalog, create_sink, create_source, create_transform, pipeline::run_pipeline, stage_metrics,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AbortSignal, ReadableStream, TransformStream, WritableStream};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    type StalledSink;
    #[wasm_bindgen(constructor)]
    fn new(high_water_mark: f64) -> StalledSink;
    #[wasm_bindgen(method, getter)]
    fn sink(this: &StalledSink) -> WritableStream;
    #[wasm_bindgen(method)]
    fn resume(this: &StalledSink);
    #[wasm_bindgen(method, getter)]
    fn writes(this: &StalledSink) -> f64;
    #[wasm_bindgen(method)]
    fn text(this: &StalledSink) -> String;

    #[wasm_bindgen(js_name = pipeThroughTo)]
    fn pipe_through_to(
        s: &ReadableStream,
        t: &TransformStream,
        k: &WritableStream,
        signal: Option<AbortSignal>,
    ) -> js_sys::Promise;
    fn sleep(ms: f64) -> js_sys::Promise;
    fn thrown(f: &Function) -> JsValue;
    async fn rejection(p: js_sys::Promise) -> JsValue;
    #[wasm_bindgen(js_name = readAll)]
    async fn read_all(r: &ReadableStream) -> JsValue;
    #[wasm_bindgen(catch, js_name = readAll)]
    async fn read_all_result(r: &ReadableStream) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = writeAndRead)]
    async fn write_and_read(t: &TransformStream, chunks: Array) -> Result<JsValue, JsValue>;
    fn bytes(text: &str) -> Uint8Array;
    fn text(bytes: &Uint8Array) -> String;
    #[wasm_bindgen(js_name = writerDesiredSize)]
    fn writer_desired_size(w: &WritableStream) -> f64;
    #[wasm_bindgen(js_name = abortAfter)]
    fn abort_after(ms: f64, reason: &JsValue) -> AbortSignal;
}

fn opts(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON is valid")
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("object has properties")
}

fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

fn string(obj: &JsValue, key: &str) -> String {
    get(obj, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is a string"))
}

async fn wait(ms: f64) {
    JsFuture::from(sleep(ms)).await.expect("sleep resolves");
}

/// Waits until the source's produced-chunk count stops changing.
async fn settled_chunks_out(source: &JsValue) -> f64 {
    let mut last = -1.0;
    let mut stable = 0;
    while stable < 5 {
        wait(10.0).await;
        let now = num(&stage_metrics(source), "chunksOut");
        stable = if now == last { stable + 1 } else { 0 };
        last = now;
    }
    last
}

fn counter_text(n: u64) -> String {
    (0..n).map(|i| format!("Chunk {i}\n")).collect()
}

fn error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .expect("an Error")
}

fn error_name(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.name()))
        .expect("an Error")
}

/// The source may get at most as far ahead as the queues allow: its own
/// highWaterMark (hs), the transform's writable queue (ht; its readable side
/// holds 0) and the stalled sink's queue, the write in flight included (hk).
#[wasm_bindgen_test]
async fn backpressure_bounds_the_source_exactly_and_resuming_loses_nothing() {
    let (hs, ht, hk) = (2.0, 3.0, 4.0);
    let source = create_source(
        "counter",
        opts(&format!(r#"{{"count":500,"highWaterMark":{hs}}}"#)),
    )
    .unwrap();
    let transform =
        create_transform("uppercase", opts(&format!(r#"{{"highWaterMark":{ht}}}"#))).unwrap();
    let stalled = StalledSink::new(hk);
    let done = pipe_through_to(&source, &transform, &stalled.sink(), None);

    let produced = settled_chunks_out(&source).await;
    assert_eq!(
        produced,
        hs + ht + hk,
        "bound = source hwm + transform hwm + sink hwm"
    );
    assert_eq!(
        stalled.writes(),
        1.0,
        "one write is in flight, the rest queue"
    );
    let m = stage_metrics(&source);
    assert_eq!(num(&m, "queue"), hs);
    assert_eq!(get(&m, "backpressured"), JsValue::TRUE);
    let t = stage_metrics(&transform);
    assert_eq!(num(&t, "queue"), ht, "the transform's input queue is full");
    assert_eq!(string(&t, "state"), "backpressured");
    // Paused: while the sink stalls, nothing is released (no 'drain'),
    // and the stall time of the full stages grows with the wall clock.
    let (source_drains, transform_drains) = (num(&m, "drains"), num(&t, "drains"));
    let (source_stall, transform_stall) = (num(&m, "stalledMs"), num(&t, "stalledMs"));
    wait(50.0).await;
    let (m2, t2) = (stage_metrics(&source), stage_metrics(&transform));
    assert_eq!(num(&m2, "drains"), source_drains);
    assert_eq!(num(&t2, "drains"), transform_drains);
    assert!(
        num(&m2, "stalledMs") - source_stall >= 45.0,
        "{}",
        num(&m2, "stalledMs")
    );
    assert!(
        num(&t2, "stalledMs") - transform_stall >= 45.0,
        "{}",
        num(&t2, "stalledMs")
    );

    stalled.resume();
    JsFuture::from(done).await.expect("the pipe completes");
    // Resuming released both: the transform's full queue fell below its
    // mark ('drain'), and the full source was pulled again.
    assert!(num(&stage_metrics(&transform), "drains") > transform_drains);
    assert!(num(&stage_metrics(&source), "drains") > source_drains);
    // Done: the stall time stops growing.
    let stall_total = num(&stage_metrics(&transform), "stalledMs");
    wait(30.0).await;
    assert_eq!(num(&stage_metrics(&transform), "stalledMs"), stall_total);
    assert_eq!(
        stalled.text(),
        counter_text(500).to_uppercase(),
        "all chunks, in order"
    );
    assert_eq!(string(&stage_metrics(&source), "state"), "done");
    assert_eq!(num(&stage_metrics(&transform), "chunksOut"), 500.0);
}

#[wasm_bindgen_test]
async fn abort_signal_cancels_the_source_and_rejects_with_the_reason() {
    let source = create_source("counter", opts(r#"{"count":1000000}"#)).unwrap();
    let transform = create_transform("identity", JsValue::UNDEFINED).unwrap();
    // A slow sink, not a stalled one: aborting a WritableStream waits for the
    // write in flight, so a write that never ends would hold the abort too.
    let slow = create_sink("throttle", opts(r#"{"chunksPerSecond":100}"#)).unwrap();
    let reason = js_sys::Error::new("user pressed stop");
    let signal = abort_after(30.0, &reason);
    let got = rejection(pipe_through_to(&source, &transform, &slow, Some(signal))).await;
    assert_eq!(
        got,
        JsValue::from(reason.clone()),
        "rejects with the very reason"
    );
    // Observable from outside: the source stream is cancelled and its stage
    // says so, with the reason.
    let m = stage_metrics(&source);
    assert_eq!(string(&m, "state"), "cancelled");
    assert_eq!(string(&m, "error"), "user pressed stop");
    let rest = read_all(&source).await;
    assert_eq!(
        rest.unchecked_into::<Array>().length(),
        0,
        "a cancelled stream is closed"
    );
    assert_eq!(
        string(&stage_metrics(&slow), "state"),
        "cancelled",
        "the sink was aborted"
    );
}

#[wasm_bindgen_test]
async fn run_pipeline_abort_rejects_with_the_reason_and_reports_the_cancel() {
    let reason = JsValue::from_str("enough");
    let signal = abort_after(50.0, &reason);
    let seen = Array::new();
    let on_metrics = Closure::<dyn FnMut(JsValue)>::new({
        let seen = seen.clone();
        move |s: JsValue| {
            seen.push(&s);
        }
    });
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), &signal).unwrap();
    Reflect::set(&options, &"onMetrics".into(), on_metrics.as_ref()).unwrap();
    Reflect::set(
        &options,
        &"metricsInterval".into(),
        &JsValue::from_f64(16.0),
    )
    .unwrap();
    let spec = opts(
        r#"{"source":{"kind":"counter","count":100000},"stages":[{"kind":"identity"}],"sink":{"kind":"throttle","chunksPerSecond":200}}"#,
    );
    let got = run_pipeline(spec, options.into())
        .await
        .expect_err("aborted");
    assert_eq!(got, reason);
    let last = seen.get(seen.length() - 1);
    let stages: Array = get(&last, "stages").unchecked_into();
    assert_eq!(string(&stages.get(0), "state"), "cancelled");
    assert_eq!(
        string(&stages.get(2), "state"),
        "cancelled",
        "the sink was aborted"
    );
    assert!(
        seen.length() >= 2,
        "onMetrics ran while the pipeline ran, and at the end"
    );
    drop(on_metrics);
}

#[wasm_bindgen_test]
async fn a_transform_error_names_stage_and_line_and_cancels_the_source() {
    // Lines "Chunk 0".."Chunk 9" are 7 bytes; "Chunk 10" (line 11) is 8.
    let spec = opts(
        r#"{"source":{"kind":"counter","count":1000},"stages":[{"kind":"split-lines","maxLineBytes":7}],"sink":{"kind":"count"}}"#,
    );
    let last = Array::new();
    let on_metrics = Closure::<dyn FnMut(JsValue)>::new({
        let last = last.clone();
        move |s: JsValue| {
            last.push(&s);
        }
    });
    let options = Object::new();
    Reflect::set(&options, &"onMetrics".into(), on_metrics.as_ref()).unwrap();
    let err = run_pipeline(spec, options.into())
        .await
        .expect_err("line 11 is too long");
    assert_eq!(error_name(&err), "PipewrightError");
    assert_eq!(string(&err, "stage"), "split-lines");
    assert_eq!(num(&err, "line"), 11.0);
    assert!(
        error_message(&err).contains("line 11"),
        "{}",
        error_message(&err)
    );
    let stages: Array = get(&last.get(last.length() - 1), "stages").unchecked_into();
    assert_eq!(
        string(&stages.get(0), "state"),
        "cancelled",
        "the source was cancelled"
    );
    assert_eq!(string(&stages.get(1), "state"), "errored");
    assert_eq!(
        num(&stages.get(2), "chunksIn"),
        10.0,
        "the ten good lines reached the sink"
    );
    drop(on_metrics);
}

fn throws(f: impl FnOnce() -> Result<JsValue, JsValue> + 'static) -> JsValue {
    let f = Closure::once_into_js(move || f().unwrap_or_else(|e| wasm_bindgen::throw_val(e)));
    thrown(f.unchecked_ref())
}

#[wasm_bindgen_test]
fn bad_options_throw_type_or_range_errors_naming_stage_option_and_range() {
    let e = throws(|| create_source("counter", opts(r#"{"count":-1}"#)).map(Into::into));
    assert_eq!(error_name(&e), "RangeError");
    assert_eq!(
        error_message(&e),
        "counter: option `count` must be an integer from 0 to 9007199254740991, got -1"
    );
    let e = throws(|| {
        create_transform("split-lines", opts(r#"{"maxLineBytes":"big"}"#)).map(Into::into)
    });
    assert_eq!(error_name(&e), "TypeError");
    assert!(error_message(&e)
        .starts_with("split-lines: option `maxLineBytes` must be an integer from 1 to"));
    let e =
        throws(|| create_transform("uppercase", opts(r#"{"highWaterMark":0}"#)).map(Into::into));
    assert_eq!(error_name(&e), "RangeError");
    assert!(error_message(&e).contains("`highWaterMark` must be an integer from 1 to 65536"));
    // A number JSON cannot hold is named as JS prints it.
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"level".into(), &JsValue::from_f64(f64::NEG_INFINITY)).unwrap();
    let e = throws(move || create_transform("gzip", o.into()).map(Into::into));
    assert_eq!(error_name(&e), "RangeError");
    assert_eq!(
        error_message(&e),
        "gzip: option `level` must be a finite number, got -Infinity"
    );
    let e = throws(|| create_sink("count", opts(r#"{"bogus":1}"#)).map(Into::into));
    assert_eq!(error_name(&e), "TypeError");
    assert!(error_message(&e).contains("`bogus` is not an option"));
    let e = throws(|| create_transform("gzipp", JsValue::UNDEFINED).map(Into::into));
    assert_eq!(error_name(&e), "TypeError");
    assert!(error_message(&e).contains("unknown transform kind `gzipp`"));
    let e = throws(|| create_sink("throttle", opts(r#"{"bytesPerSecond":0}"#)).map(Into::into));
    assert_eq!(error_name(&e), "RangeError");
    let e = throws(|| create_source("lorem", JsValue::from_f64(3.0)).map(Into::into));
    assert_eq!(error_name(&e), "TypeError");
    let nan = Object::new();
    Reflect::set(&nan, &"bytes".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    let e = throws(move || create_source("lorem", nan.into()).map(Into::into));
    assert_eq!(error_name(&e), "RangeError");
}

#[wasm_bindgen_test]
async fn a_bad_spec_rejects_with_its_path() {
    let spec = opts(
        r#"{"source":{"kind":"counter"},"stages":[{"kind":"identity"},{"kind":"split-lines","maxLineBytes":0}],"sink":{"kind":"null"}}"#,
    );
    let err = run_pipeline(spec, JsValue::UNDEFINED)
        .await
        .expect_err("maxLineBytes 0 is out of range");
    assert_eq!(error_name(&err), "RangeError");
    assert!(
        error_message(&err).contains("`stages[1].maxLineBytes`"),
        "{}",
        error_message(&err)
    );
    assert_eq!(string(&err, "path"), "stages[1].maxLineBytes");
}

#[wasm_bindgen_test]
async fn high_water_mark_works_on_every_stage() {
    for info in catalog().unwrap().unchecked_into::<Array>().iter() {
        let kind = string(&info, "kind");
        let role = string(&info, "role");
        let o = opts(r#"{"highWaterMark":3}"#);
        match role.as_str() {
            "source" => {
                // Small chunks, so every source has more than 3 to give.
                let params: Array = get(&info, "params").unchecked_into();
                let chunked = params.iter().any(|p| string(&p, "name") == "chunkSize");
                let o = match kind.as_str() {
                    "file" => file_options(&blob_of(&sample_text(1000.0)), 16.0, 3.0),
                    "iterable" => generator_options(100.0, 3.0),
                    "fetch" => opts(r#"{"highWaterMark":3,"url":"data:text/plain,x"}"#),
                    _ if chunked => opts(r#"{"highWaterMark":3,"chunkSize":16}"#),
                    _ => o,
                };
                let s = create_source(&kind, o).unwrap();
                if kind == "fetch" || kind == "push" {
                    // fetch's chunks are the network's; push ignores the mark
                    // by design (its own test shows it). Both still carry it.
                    wait(5.0).await;
                    assert_eq!(num(&stage_metrics(&s), "highWaterMark"), 3.0, "{kind}");
                    continue;
                }
                // (file reads each slice asynchronously: wait until it stops.)
                let produced = settled_chunks_out(&s).await;
                let m = stage_metrics(&s);
                assert_eq!(num(&m, "highWaterMark"), 3.0, "{kind}");
                assert_eq!(produced, 3.0, "{kind}: fills its queue to 3, no further");
            }
            "transform" => {
                let o = match kind.as_str() {
                    "encrypt" => opts(r#"{"highWaterMark":3,"passphrase":"p","iterations":1000}"#),
                    "decrypt" => opts(r#"{"highWaterMark":3,"passphrase":"p"}"#),
                    _ => o,
                };
                let t = create_transform(&kind, o).unwrap();
                assert_eq!(writer_desired_size(&t.writable()), 3.0, "{kind}");
            }
            _ => {
                let k = create_sink(&kind, o).unwrap();
                assert_eq!(writer_desired_size(&k), 3.0, "{kind}");
            }
        }
    }
}

#[wasm_bindgen_test]
async fn uppercase_writes_back_into_the_chunk_it_was_handed() {
    let t = create_transform("uppercase", JsValue::UNDEFINED).unwrap();
    let input = bytes("héllo, wörld");
    let out: Array = write_and_read(&t, Array::of1(&input))
        .await
        .unwrap()
        .unchecked_into();
    assert_eq!(out.length(), 1);
    assert!(
        Object::is(&out.get(0), &input),
        "same object, no fresh allocation"
    );
    assert_eq!(text(&input), "HéLLO, WöRLD");
}

#[wasm_bindgen_test]
async fn split_lines_emits_one_string_per_line() {
    let t = create_transform("split-lines", JsValue::UNDEFINED).unwrap();
    let out: Array = write_and_read(
        &t,
        Array::of3(&bytes("one\r\ntw"), &bytes("o\nthr"), &bytes("ee")),
    )
    .await
    .unwrap()
    .unchecked_into();
    let lines: Vec<String> = out
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect();
    assert_eq!(lines, ["one", "two", "three"]);
    let m = stage_metrics(&t);
    assert_eq!((num(&m, "chunksIn"), num(&m, "chunksOut")), (3.0, 3.0));
}

#[wasm_bindgen_test]
async fn a_chunk_of_the_wrong_type_errors_the_stream_naming_it() {
    let t = create_transform("uppercase", JsValue::UNDEFINED).unwrap();
    let err = write_and_read(&t, Array::of1(&"text".into()))
        .await
        .expect_err("a string is not bytes");
    assert_eq!(
        error_message(&err),
        "uppercase: chunk 0 is a string; expected a Uint8Array"
    );
}

#[wasm_bindgen_test]
async fn run_pipeline_reports_totals_per_stage() {
    let spec = opts(
        r#"{"source":{"kind":"lorem","bytes":100000,"chunkSize":4096,"seed":7},"stages":[{"kind":"uppercase"},{"kind":"identity"}],"sink":{"kind":"count"}}"#,
    );
    let report = run_pipeline(spec, JsValue::UNDEFINED).await.expect("runs");
    assert_eq!(get(&report, "ok"), JsValue::TRUE);
    let totals = get(&report, "totals");
    assert_eq!(
        (num(&totals, "bytes"), num(&totals, "chunks")),
        (100000.0, 25.0)
    );
    let stages: Array = get(&report, "stages").unchecked_into();
    assert_eq!(stages.length(), 4);
    for s in stages.iter() {
        assert_eq!(string(&s, "state"), "done", "{}", string(&s, "kind"));
        assert_eq!(
            num(&s, "queue"),
            0.0,
            "an ended stage holds nothing: {}",
            string(&s, "kind")
        );
    }
    assert_eq!(num(&stages.get(1), "bytesIn"), 100000.0);
    assert_eq!(
        num(&stages.get(1), "mainThreadCalls"),
        25.0,
        "on the main thread, every chunk"
    );
    assert_eq!(num(&stages.get(2), "bytesOut"), 100000.0);
    assert!(num(&report, "durationMs") >= 0.0);
}

#[wasm_bindgen_test]
fn the_catalogue_describes_every_stage() {
    let all: Array = catalog().unwrap().unchecked_into();
    let kinds: Vec<String> = all.iter().map(|s| string(&s, "kind")).collect();
    for k in [
        "counter",
        "lorem",
        "random",
        "identity",
        "uppercase",
        "split-lines",
        "count",
        "throttle",
        "null",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} is in the catalogue");
    }
    for s in all.iter() {
        for key in ["title", "summary", "role", "strategy"] {
            assert!(!string(&s, key).is_empty());
        }
        assert!(get(&s, "cpuBound").as_bool().is_some());
        let params: Array = get(&s, "params").unchecked_into();
        let hwm = params
            .iter()
            .find(|p| string(p, "name") == "highWaterMark")
            .expect("every stage has highWaterMark");
        assert_eq!(string(&hwm, "type"), "integer");
        assert!(!string(&hwm, "help").is_empty());
        assert!(get(&hwm, "min").as_f64().is_some() && get(&hwm, "max").as_f64().is_some());
    }
}

#[wasm_bindgen_test]
async fn the_throttle_sink_holds_a_write_until_the_rate_allows() {
    // 1000 bytes at 1 byte per second: this write owes 1000 s, so for the
    // length of the test it is in flight and the sink is backpressured.
    let sink = create_sink(
        "throttle",
        opts(r#"{"bytesPerSecond":1,"highWaterMark":1}"#),
    )
    .unwrap();
    let writer = sink.get_writer().unwrap();
    let _pending = writer.write_with_chunk(&Uint8Array::new_with_length(1000));
    wait(20.0).await;
    assert_eq!(
        writer.desired_size().unwrap(),
        Some(0.0),
        "write() would return false"
    );
    let m = stage_metrics(&sink);
    assert_eq!((num(&m, "chunksIn"), num(&m, "queue")), (1.0, 1.0));
    assert_eq!(string(&m, "state"), "backpressured");
    // A count sink finishes its writes at once.
    let count = create_sink("count", opts(r#"{"highWaterMark":1}"#)).unwrap();
    let w = count.get_writer().unwrap();
    JsFuture::from(w.write_with_chunk(&Uint8Array::new_with_length(1000)))
        .await
        .unwrap();
    assert_eq!(w.desired_size().unwrap(), Some(1.0));
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn through(
        bytes: &Uint8Array,
        t: &TransformStream,
        chunk_size: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = nativeCompress)]
    async fn native_compress(bytes: &Uint8Array, format: &str) -> JsValue;
    #[wasm_bindgen(js_name = nativeDecompress)]
    async fn native_decompress(bytes: &Uint8Array, format: &str) -> JsValue;
    #[wasm_bindgen(js_name = subtleSha256Hex)]
    async fn subtle_sha256_hex(bytes: &Uint8Array) -> JsValue;
    #[wasm_bindgen(js_name = equalBytes)]
    fn equal_bytes(a: &JsValue, b: &JsValue) -> bool;
    #[wasm_bindgen(js_name = sampleText)]
    fn sample_text(n: f64) -> Uint8Array;
}

/// (our compressor, its options, our decompressor, its options, the
/// platform's format name)
const CODECS: [(&str, &str, &str, &str, &str); 3] = [
    ("gzip", "{}", "gunzip", "{}", "gzip"),
    (
        "deflate",
        r#"{"format":"deflate"}"#,
        "inflate",
        r#"{"format":"deflate"}"#,
        "deflate",
    ),
    (
        "deflate",
        r#"{"format":"deflate-raw"}"#,
        "inflate",
        r#"{"format":"deflate-raw"}"#,
        "deflate-raw",
    ),
];

#[wasm_bindgen_test]
async fn our_compressors_and_the_platforms_read_each_other() {
    let text = sample_text(300_000.0);
    for (enc, enc_opts, dec, dec_opts, format) in CODECS {
        let ours = through(
            &text,
            &create_transform(enc, opts(enc_opts)).unwrap(),
            4096.0,
        )
        .await
        .unwrap();
        let back = native_decompress(ours.unchecked_ref(), format).await;
        assert!(
            equal_bytes(&back, &text),
            "DecompressionStream({format}) reads our {enc}"
        );
        let theirs = native_compress(&text, format).await;
        let back = through(
            theirs.unchecked_ref(),
            &create_transform(dec, opts(dec_opts)).unwrap(),
            1000.0,
        )
        .await
        .unwrap();
        assert!(
            equal_bytes(&back, &text),
            "our {dec} reads CompressionStream({format})"
        );
    }
}

#[wasm_bindgen_test]
async fn a_truncated_gzip_errors_with_stage_and_offset() {
    let text = sample_text(100_000.0);
    let gz: Uint8Array = native_compress(&text, "gzip").await.unchecked_into();
    let cut = gz.subarray(0, gz.length() / 2);
    let err = through(
        &cut,
        &create_transform("gunzip", JsValue::UNDEFINED).unwrap(),
        4096.0,
    )
    .await
    .expect_err("truncated");
    assert_eq!(error_name(&err), "PipewrightError");
    assert_eq!(string(&err, "stage"), "gunzip");
    assert_eq!(num(&err, "offset"), f64::from(cut.length()));
    assert!(
        error_message(&err).contains("in the middle of a gzip member"),
        "{}",
        error_message(&err)
    );
}

#[wasm_bindgen_test]
async fn sha256_equals_crypto_subtle_and_shows_in_the_metrics() {
    let data = sample_text(1_000_001.0);
    let t = create_transform("sha256", JsValue::UNDEFINED).unwrap();
    let out = through(&data, &t, 65536.0).await.unwrap();
    let expected = subtle_sha256_hex(&data).await.as_string().unwrap();
    assert_eq!(out.as_string().expect("one text chunk"), expected);
    assert_eq!(string(&stage_metrics(&t), "result"), expected);
}

#[wasm_bindgen_test]
async fn head_passes_n_lines_then_cancels_the_source() {
    let spec = opts(
        r#"{"source":{"kind":"counter","count":1000000},"stages":[{"kind":"head","count":5}],"sink":{"kind":"count"}}"#,
    );
    let report = run_pipeline(spec, JsValue::UNDEFINED)
        .await
        .expect("head ends the pipeline normally");
    assert_eq!(
        num(&get(&report, "totals"), "bytes"),
        counter_text(5).len() as f64
    );
    let stages: Array = get(&report, "stages").unchecked_into();
    let source = stages.get(0);
    assert_eq!(
        string(&source, "state"),
        "cancelled",
        "head cancelled upstream"
    );
    assert!(
        num(&source, "chunksOut") < 20.0,
        "the source stopped early: {}",
        num(&source, "chunksOut")
    );
    assert_eq!(string(&stages.get(1), "state"), "done");
    assert_eq!(string(&stages.get(2), "state"), "done");
}

#[wasm_bindgen_test]
async fn rechunk_emits_fixed_size_byte_chunks() {
    let t = create_transform("rechunk", opts(r#"{"size":3}"#)).unwrap();
    let out: Array = write_and_read(&t, Array::of2(&bytes("abcd"), &bytes("efghij")))
        .await
        .unwrap()
        .unchecked_into();
    let parts: Vec<String> = out.iter().map(|c| text(c.unchecked_ref())).collect();
    assert_eq!(parts, ["abc", "def", "ghi", "j"]);
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = blobText)]
    async fn blob_text(blob: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = concat)]
    async fn concat_stream(r: &ReadableStream) -> JsValue;
}

async fn run_ok(spec: &str) -> Array {
    let report = run_pipeline(opts(spec), JsValue::UNDEFINED)
        .await
        .expect("runs");
    get(&report, "stages").unchecked_into()
}

#[wasm_bindgen_test]
async fn the_digest_sink_equals_crypto_subtle() {
    let stages = run_ok(r#"{"source":{"kind":"lorem","bytes":300000,"chunkSize":7000,"seed":5},"sink":{"kind":"digest"}}"#).await;
    let lorem_stream = create_source("lorem", opts(r#"{"bytes":300000,"seed":5}"#)).unwrap();
    let all: Uint8Array = concat_stream(&lorem_stream).await.unchecked_into();
    let expected = subtle_sha256_hex(&all).await.as_string().unwrap();
    assert_eq!(string(&stages.get(1), "result"), expected);
}

#[wasm_bindgen_test]
async fn collect_makes_a_blob_of_everything() {
    let stages = run_ok(r#"{"source":{"kind":"counter","count":50},"stages":[{"kind":"uppercase"}],"sink":{"kind":"collect"}}"#).await;
    let blob = get(&stages.get(2), "blob");
    assert_eq!(
        blob_text(&blob).await.as_string().unwrap(),
        counter_text(50).to_uppercase()
    );
}

#[wasm_bindgen_test]
async fn collect_past_max_bytes_errors_and_cancels_the_source() {
    let spec = opts(
        r#"{"source":{"kind":"counter","count":100000},"sink":{"kind":"collect","maxBytes":100}}"#,
    );
    let err = run_pipeline(spec, JsValue::UNDEFINED)
        .await
        .expect_err("over maxBytes");
    assert_eq!(error_name(&err), "PipewrightError");
    assert_eq!(string(&err, "stage"), "collect");
    assert_eq!(num(&err, "offset"), 100.0);
    assert!(error_message(&err).contains("maxBytes (100)"));
}

#[wasm_bindgen_test]
async fn preview_shows_the_end_of_the_stream() {
    let stages =
        run_ok(r#"{"source":{"kind":"counter","count":1000},"sink":{"kind":"preview","kib":1}}"#)
            .await;
    let text = string(&stages.get(1), "result");
    assert_eq!(text.len(), 1024);
    assert!(text.ends_with("Chunk 999\n"));
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = recordsRoundTrip)]
    async fn records_round_trip(
        records: &Array,
        stringify: &TransformStream,
        parse: &TransformStream,
    ) -> JsValue;
    #[wasm_bindgen(js_name = jsonText)]
    fn json_text(value: &JsValue) -> String;
}

#[wasm_bindgen_test]
async fn ndjson_parse_yields_js_objects() {
    let t = create_transform("ndjson-parse", JsValue::UNDEFINED).unwrap();
    let out: Array = write_and_read(
        &t,
        Array::of2(&bytes("{\"name\":\"Ada\",\"n\":1}\n\n[1,"), &bytes("2]\n")),
    )
    .await
    .unwrap()
    .unchecked_into();
    assert_eq!(out.length(), 2);
    assert_eq!(string(&out.get(0), "name"), "Ada");
    assert!(Array::is_array(&out.get(1)));
    assert_eq!(json_text(&out.into()), r#"[{"name":"Ada","n":1},[1,2]]"#);
}

#[wasm_bindgen_test]
async fn records_round_trip_through_stringify_and_parse() {
    let records: Array =
        opts(r#"[{"a":1,"s":"line\nbreak é"},{"nested":{"x":[true,null]}},"plain",42]"#)
            .unchecked_into();
    let stringify = create_transform("ndjson-stringify", JsValue::UNDEFINED).unwrap();
    let parse = create_transform("ndjson-parse", JsValue::UNDEFINED).unwrap();
    let back = records_round_trip(&records, &stringify, &parse).await;
    assert_eq!(json_text(&back), json_text(&records.into()));
}

#[wasm_bindgen_test]
async fn a_record_that_is_not_json_errors_naming_it() {
    let t = create_transform("ndjson-stringify", JsValue::UNDEFINED).unwrap();
    let f = js_sys::Function::new_no_args("return 1");
    let err = write_and_read(&t, Array::of2(&opts("{\"ok\":true}"), &f))
        .await
        .expect_err("a function is not a record");
    assert_eq!(
        error_message(&err),
        "ndjson-stringify: chunk 1 is a function; expected a JSON-serialisable record"
    );
}

#[wasm_bindgen_test]
async fn tolerant_parsing_counts_skipped_records_then_fails_past_the_limit() {
    let t = create_transform("ndjson-parse", opts(r#"{"maxErrors":2}"#)).unwrap();
    let out: Array = write_and_read(&t, Array::of1(&bytes("1\nbad\n2\nworse\n3\n")))
        .await
        .unwrap()
        .unchecked_into();
    assert_eq!(json_text(&out.into()), "[1,2,3]");
    assert_eq!(num(&stage_metrics(&t), "rejected"), 2.0);

    let t = create_transform("ndjson-parse", opts(r#"{"maxErrors":1}"#)).unwrap();
    let err = write_and_read(&t, Array::of1(&bytes("1\nbad\n2\nworse\n3\n")))
        .await
        .expect_err("two bad, one allowed");
    assert_eq!(string(&err, "stage"), "ndjson-parse");
    assert_eq!(num(&err, "line"), 4.0);
    assert!(error_message(&err).contains("2 bad records, more than maxErrors (1)"));
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = csvToObjects)]
    async fn csv_to_objects(
        csv: &str,
        a: &TransformStream,
        b: &TransformStream,
        chunk: f64,
    ) -> JsValue;
}

#[wasm_bindgen_test]
async fn csv_becomes_js_objects_keyed_by_the_header() {
    let csv = "name,quote\r\nAda,\"Hello, \"\"world\"\"\nand more\"\r\nGrace,plain\r\n";
    let out = csv_to_objects(
        csv,
        &create_transform("csv-to-ndjson", JsValue::UNDEFINED).unwrap(),
        &create_transform("ndjson-parse", JsValue::UNDEFINED).unwrap(),
        3.0,
    )
    .await;
    assert_eq!(
        json_text(&out),
        r#"[{"name":"Ada","quote":"Hello, \"world\"\nand more"},{"name":"Grace","quote":"plain"}]"#
    );
}

#[wasm_bindgen_test]
async fn users_csv_through_tolerant_parsing_counts_what_it_skipped() {
    let stages = run_ok(
        r#"{"source":{"kind":"users","count":500,"badRate":0.1,"seed":4},
            "stages":[{"kind":"csv-to-ndjson","maxErrors":500},{"kind":"ndjson-parse"}],
            "sink":{"kind":"count"}}"#,
    )
    .await;
    let rejected = num(&stages.get(1), "rejected");
    assert!(
        rejected > 10.0 && rejected < 100.0,
        "about 10% skipped: {rejected}"
    );
    assert_eq!(
        num(&stages.get(3), "chunksIn"),
        500.0 - rejected,
        "every good record arrives as an object"
    );
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = blobOf)]
    fn blob_of(bytes: &Uint8Array) -> JsValue;
    #[wasm_bindgen(js_name = fileOptions)]
    fn file_options(blob: &JsValue, chunk_size: f64, hwm: f64) -> JsValue;
    #[wasm_bindgen(js_name = fileSpec)]
    fn file_spec(blob: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = generatorOptions)]
    fn generator_options(count: f64, hwm: f64) -> JsValue;
}

#[wasm_bindgen_test]
async fn the_file_source_reads_a_blob_slice_by_slice_when_asked() {
    let data = sample_text(200_000.0);
    let blob = blob_of(&data);
    let lazy = create_source("file", file_options(&blob, 65536.0, 1.0)).unwrap();
    wait(30.0).await;
    assert_eq!(
        num(&stage_metrics(&lazy), "chunksOut"),
        1.0,
        "one slice read ahead, no more"
    );
    assert_eq!(num(&stage_metrics(&lazy), "totalBytes"), 200_000.0);
    let s = create_source("file", file_options(&blob, 65536.0, 1.0)).unwrap();
    let all = concat_stream(&s).await;
    assert!(equal_bytes(&all, &data));
    assert_eq!(num(&stage_metrics(&s), "chunksOut"), 4.0);

    // Read ahead a MiB at a time, still handed out exactly chunkSize bytes
    // at a time, whatever the chunk size.
    let big = sample_text(2_600_000.0);
    let big_blob = blob_of(&big);
    for chunk in [300_000.0, 65_536.0, 3_000_000.0] {
        let s = create_source("file", file_options(&big_blob, chunk, 1.0)).unwrap();
        let chunks: Vec<Uint8Array> = read_all(&s)
            .await
            .unchecked_into::<Array>()
            .iter()
            .map(|c| c.unchecked_into())
            .collect();
        let sizes: Vec<f64> = chunks.iter().map(|c| f64::from(c.length())).collect();
        let (last, rest) = sizes.split_last().unwrap();
        assert!(rest.iter().all(|&n| n == chunk), "{chunk}: {sizes:?}");
        assert!(*last > 0.0 && *last <= chunk);
        let joined = Uint8Array::new_with_length(2_600_000);
        let mut at = 0;
        for c in &chunks {
            joined.set(c, at);
            at += c.length();
        }
        assert!(equal_bytes(&joined, &big), "{chunk}");
    }

    // Through runPipeline, the Blob rides in the spec object.
    let report = run_pipeline(file_spec(&blob), JsValue::UNDEFINED)
        .await
        .expect("runs");
    let stages: Array = get(&report, "stages").unchecked_into();
    assert_eq!(
        string(&stages.get(2), "result"),
        subtle_sha256_hex(&data).await.as_string().unwrap()
    );
}

#[wasm_bindgen_test]
async fn a_file_source_without_a_blob_is_a_type_error() {
    let e = throws(|| create_source("file", opts(r#"{"chunkSize":10}"#)).map(Into::into));
    assert_eq!(error_name(&e), "TypeError");
    assert_eq!(
        error_message(&e),
        "file: option `file` must be a File or Blob, got undefined"
    );
    let spec = r#"{"source":{"kind":"file"},"sink":{"kind":"null"}}"#;
    let err = run_pipeline(JsValue::from_str(spec), JsValue::UNDEFINED)
        .await
        .expect_err("no Blob in JSON text");
    assert_eq!(error_name(&err), "TypeError");
    assert!(
        error_message(&err).contains("`source.file`"),
        "{}",
        error_message(&err)
    );
}

#[wasm_bindgen_test]
async fn the_fetch_source_streams_a_body_and_names_a_bad_status() {
    let s = create_source("fetch", opts(r#"{"url":"data:text/plain,hello%20fetch"}"#)).unwrap();
    assert_eq!(text(concat_stream(&s).await.unchecked_ref()), "hello fetch");
    let missing = create_source("fetch", opts(r#"{"url":"/no-such-file-here.txt"}"#)).unwrap();
    let err = read_all_result(&missing).await.expect_err("404");
    assert_eq!(string(&err, "stage"), "fetch");
    assert_eq!(num(&err, "status"), 404.0);
    assert!(
        error_message(&err).starts_with("fetch: HTTP 404"),
        "{}",
        error_message(&err)
    );
    let e = throws(|| create_source("fetch", JsValue::UNDEFINED).map(Into::into));
    assert_eq!(
        error_message(&e),
        "fetch: option `url` must be a URL, got an empty string"
    );
}

#[wasm_bindgen_test]
async fn the_push_source_ignores_backpressure() {
    // 16 chunks into a sink that never finishes a write: a pull source would
    // stop at its high-water marks; push produces everything anyway.
    let push = create_source(
        "push",
        opts(r#"{"bytes":1048576,"chunkSize":65536,"highWaterMark":1}"#),
    )
    .unwrap();
    let stalled = StalledSink::new(1.0);
    let _pipe = pipe_through_to(
        &push,
        &create_transform("identity", JsValue::UNDEFINED).unwrap(),
        &stalled.sink(),
        None,
    );
    let produced = settled_chunks_out(&push).await;
    assert_eq!(produced, 16.0, "every chunk pushed despite the stall");
    let m = stage_metrics(&push);
    assert!(
        num(&m, "queue") > 10.0,
        "its queue far past highWaterMark 1: {}",
        num(&m, "queue")
    );
    assert_eq!(stalled.writes(), 1.0);
}

#[wasm_bindgen_test]
async fn validate_and_hash_field_in_a_users_pipeline() {
    let stages = run_ok(
        r#"{"source":{"kind":"users","format":"ndjson","count":300,"seed":2},
            "stages":[{"kind":"ndjson-parse"},{"kind":"validate","minLength":12},
                      {"kind":"hash-field","iterations":5},{"kind":"ndjson-stringify"}],
            "sink":{"kind":"preview","kib":1}}"#,
    )
    .await;
    let validate = stages.get(2);
    let invalid = num(&validate, "rejected");
    assert!(
        invalid > 0.0 && invalid < 300.0,
        "passwords are 8-16 chars: some are short: {invalid}"
    );
    let details = get(&validate, "details");
    let first: Array = get(&details, "firstRejected").unchecked_into();
    assert_eq!(first.length(), 10, "the first 10 are listed");
    assert!(string(&first.get(0), "reason").contains("fewer than 12"));
    assert_eq!(num(&stages.get(3), "chunksIn"), 300.0 - invalid);
    // The hashed field is a 64-character hex digest in what comes out.
    let tail = string(&stages.get(5), "result");
    let last_line = tail.lines().last().expect("a line");
    let record: js_sys::Object = js_sys::JSON::parse(last_line).unwrap().unchecked_into();
    let password = string(&record, "password");
    assert_eq!(password.len(), 64);
    assert!(password.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[wasm_bindgen_test]
async fn json_pointer_picks_each_users_email_as_a_js_string() {
    let stages = run_ok(
        r#"{"source":{"kind":"users","format":"ndjson","count":50,"seed":3},
            "stages":[{"kind":"ndjson-parse"},{"kind":"json-pointer","pointer":"/email"},
                      {"kind":"ndjson-stringify"}],
            "sink":{"kind":"preview","kib":64}}"#,
    )
    .await;
    assert_eq!(num(&stages.get(2), "chunksOut"), 50.0);
    let emails: Vec<String> = string(&stages.get(4), "result")
        .lines()
        .map(|l| {
            js_sys::JSON::parse(l)
                .unwrap()
                .as_string()
                .expect("a string")
        })
        .collect();
    assert_eq!(emails.len(), 50);
    assert!(emails.iter().all(|e| e.contains('@')), "{emails:?}");
}

#[wasm_bindgen(module = "/tests/fixtures/streams.js")]
extern "C" {
    #[wasm_bindgen(js_name = platformDecode)]
    fn platform_decode(bytes: &Uint8Array, chunk: f64) -> String;
}

#[wasm_bindgen_test]
async fn text_decode_replaces_as_text_decoder_does_and_text_encode_round_trips() {
    let mut data = "caf\u{e9} \u{65e5}\u{672c} \u{1F600}".as_bytes().to_vec();
    data.extend_from_slice(b" bad \xff\xfe cut \xe6\x97 and \xf0\x9f\x98 end");
    let bytes = Uint8Array::from(data.as_slice());
    let t = create_transform("text-decode", opts(r#"{"replace":true}"#)).unwrap();
    let ours = through(&bytes, &t, 3.0)
        .await
        .unwrap()
        .as_string()
        .expect("text chunks");
    assert_eq!(ours, platform_decode(&bytes, 3.0));

    let enc = create_transform("text-encode", JsValue::UNDEFINED).unwrap();
    let dec = create_transform("text-decode", JsValue::UNDEFINED).unwrap();
    let back = records_round_trip(
        &Array::of2(&"h\u{e9}llo, ".into(), &"w\u{f6}rld".into()),
        &enc,
        &dec,
    )
    .await;
    let parts: Vec<String> = back
        .unchecked_into::<Array>()
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    assert_eq!(parts.concat(), "h\u{e9}llo, w\u{f6}rld");
}

#[wasm_bindgen_test]
async fn delay_and_throttle_hold_chunks_and_push_back() {
    // A chunk owed a long wait is held: not passed on, and the writer is
    // told to wait (the hold occupies the writable side).
    for (kind, options) in [
        ("delay", r#"{"ms":60000}"#),
        ("throttle", r#"{"bytesPerSecond":1}"#),
    ] {
        let t = create_transform(kind, opts(options)).unwrap();
        // Someone downstream is reading: without that the transform waits.
        let reader: web_sys::ReadableStreamDefaultReader =
            t.readable().get_reader().unchecked_into();
        let _pending_read = reader.read();
        let writer = t.writable().get_writer().unwrap();
        let _held = writer.write_with_chunk(&Uint8Array::new_with_length(1000));
        wait(20.0).await;
        let m = stage_metrics(&t);
        assert_eq!(
            (num(&m, "chunksIn"), num(&m, "chunksOut")),
            (1.0, 0.0),
            "{kind} holds the chunk"
        );
        assert_eq!(
            writer.desired_size().unwrap(),
            Some(0.0),
            "{kind}: write() would return false"
        );
    }
    // No wait: passed on at once.
    let t = create_transform("delay", opts(r#"{"ms":0}"#)).unwrap();
    let out: Array = write_and_read(&t, Array::of1(&bytes("now")))
        .await
        .unwrap()
        .unchecked_into();
    assert_eq!(text(out.get(0).unchecked_ref()), "now");
}

#[wasm_bindgen_test]
async fn encrypt_then_decrypt_gives_back_the_exact_bytes() {
    let plain =
        run_ok(r#"{"source":{"kind":"lorem","bytes":200000,"seed":8},"sink":{"kind":"digest"}}"#)
            .await;
    let round = run_ok(
        r#"{"source":{"kind":"lorem","bytes":200000,"seed":8},
            "stages":[{"kind":"encrypt","passphrase":"s3cret","iterations":1000,"frameSize":10000},
                      {"kind":"decrypt","passphrase":"s3cret"}],
            "sink":{"kind":"digest"}}"#,
    )
    .await;
    assert_eq!(
        string(&round.get(3), "result"),
        string(&plain.get(1), "result")
    );
    assert!(
        num(&round.get(1), "bytesOut") > 200_000.0,
        "ciphertext carries a header and tags"
    );

    let spec = opts(
        r#"{"source":{"kind":"lorem","bytes":5000},
            "stages":[{"kind":"encrypt","passphrase":"right","iterations":1000},{"kind":"decrypt","passphrase":"wrong"}],
            "sink":{"kind":"null"}}"#,
    );
    let err = run_pipeline(spec, JsValue::UNDEFINED)
        .await
        .expect_err("wrong passphrase");
    assert_eq!(string(&err, "stage"), "decrypt");
    assert!(error_message(&err).contains("frame 0 failed authentication"));
}

/// Each parsing or decoding stage, fed bad input through a real stream,
/// errors it with an Error naming the stage and a position.
#[wasm_bindgen_test]
async fn bad_input_to_each_parsing_stage_errors_with_stage_and_position() {
    let gz: Uint8Array = native_compress(&sample_text(5000.0), "gzip")
        .await
        .unchecked_into();
    let cut_gz = gz.subarray(0, gz.length() / 2);
    let z: Uint8Array = native_compress(&sample_text(5000.0), "deflate")
        .await
        .unchecked_into();
    let cases: Vec<(&str, &str, Uint8Array, &str)> = vec![
        (
            "split-lines",
            r#"{"maxLineBytes":4}"#,
            bytes("ok\ntoo long\n"),
            "line",
        ),
        (
            "split-lines",
            "{}",
            Uint8Array::from(&b"ok\nbad \xff\n"[..]),
            "offset",
        ),
        ("csv-to-ndjson", "{}", bytes("a,b\n1,2\n3\n"), "line"),
        ("ndjson-parse", "{}", bytes("{\"a\":1}\n{oops}\n"), "line"),
        ("gunzip", "{}", cut_gz, "offset"),
        ("inflate", "{}", z.subarray(0, 10), "offset"),
        ("base64-decode", "{}", bytes("Zm9v*"), "offset"),
        (
            "text-decode",
            "{}",
            Uint8Array::from(&b"ok \xc3"[..]),
            "offset",
        ),
        (
            "decrypt",
            r#"{"passphrase":"p"}"#,
            bytes("not encrypted at all, clearly not"),
            "offset",
        ),
        (
            "hash-field",
            "{}",
            bytes("{\"name\":\"no password\"}\n"),
            "line",
        ),
    ];
    for (kind, options, input, position) in cases {
        let t = create_transform(kind, opts(options)).unwrap();
        let err = through(&input, &t, 3.0).await.expect_err(kind);
        assert_eq!(error_name(&err), "PipewrightError", "{kind}");
        assert_eq!(string(&err, "stage"), kind);
        assert!(
            get(&err, position).as_f64().is_some(),
            "{kind}: has a numeric {position}: {}",
            error_message(&err)
        );
        assert!(
            error_message(&err).starts_with(&format!("{kind}: ")),
            "{}",
            error_message(&err)
        );
    }
}

#[wasm_bindgen_test]
async fn head_records_takes_objects_then_cancels_the_source() {
    let stages = run_ok(
        r#"{"source":{"kind":"users","format":"ndjson","count":100000,"chunkSize":4096},
            "stages":[{"kind":"ndjson-parse"},{"kind":"head-records","count":3}],
            "sink":{"kind":"count"}}"#,
    )
    .await;
    assert_eq!(num(&stages.get(3), "chunksIn"), 3.0);
    assert_eq!(string(&stages.get(0), "state"), "cancelled");
    assert!(num(&stages.get(0), "chunksOut") < 20.0);
}
