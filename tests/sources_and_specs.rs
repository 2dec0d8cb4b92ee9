//! Sources are deterministic for a seed and independent of chunk size; option
//! validation and pipeline specs name what is wrong and where.
#![cfg(not(target_arch = "wasm32"))]

use pipewright::core::catalog;
use pipewright::core::options::Group;
use pipewright::core::pipeline::PipelineSpec;
use pipewright::core::source::{Counter, Source};
use pipewright::core::stage::{Origin, Role};
use pipewright::core::{Error, OptionProblem};
use serde_json::{json, Map, Value};

fn source(kind: &str, options: Value) -> Box<dyn Source> {
    let given: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
    let (info, o) = catalog::resolve(Role::Source, kind, &given).expect("valid options");
    match info.build_source(&o).expect("builds") {
        Origin::Generated(s) => s,
        _ => panic!("{kind} is not a generated source"),
    }
}

/// All chunks of a source, and their sizes.
fn drain(mut s: Box<dyn Source>) -> (Vec<u8>, Vec<usize>) {
    let (mut all, mut sizes, mut buf) = (Vec::new(), Vec::new(), Vec::new());
    while s.fill(&mut buf) {
        all.extend_from_slice(&buf);
        sizes.push(buf.len());
    }
    assert!(
        buf.is_empty(),
        "an exhausted source leaves the buffer empty"
    );
    (all, sizes)
}

#[test]
fn counter_produces_one_line_per_chunk() {
    let (bytes, sizes) = drain(source("counter", json!({ "count": 12 })));
    let expected: String = (0..12).map(|i| format!("Chunk {i}\n")).collect();
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    assert_eq!(sizes.len(), 12);
    assert!(drain(source("counter", json!({ "count": 0 }))).0.is_empty());
}

#[test]
fn counter_knows_its_total_size() {
    for n in [0, 1, 9, 10, 11, 99, 100, 101, 12345] {
        let expected: usize = (0..n).map(|i| format!("Chunk {i}\n").len()).sum();
        assert_eq!(Counter::bytes_for(n), expected as u64, "count {n}");
    }
}

#[test]
fn seeded_sources_repeat_for_a_seed_and_differ_across_seeds() {
    for kind in ["lorem", "random"] {
        let a = drain(source(kind, json!({ "bytes": 10_000, "seed": 42 }))).0;
        let b = drain(source(kind, json!({ "bytes": 10_000, "seed": 42 }))).0;
        let c = drain(source(kind, json!({ "bytes": 10_000, "seed": 43 }))).0;
        assert_eq!(a.len(), 10_000, "{kind}: exactly `bytes` long");
        assert_eq!(a, b, "{kind}: same seed, same bytes");
        assert_ne!(a, c, "{kind}: another seed, other bytes");
    }
}

#[test]
fn seeded_sources_do_not_depend_on_chunk_size() {
    for kind in ["lorem", "random"] {
        let whole = drain(source(kind, json!({ "bytes": 5_000, "chunkSize": 5_000 })));
        for chunk in [1, 3, 7, 8, 64, 4_999] {
            let (bytes, sizes) = drain(source(kind, json!({ "bytes": 5_000, "chunkSize": chunk })));
            assert_eq!(bytes, whole.0, "{kind} with chunkSize {chunk}");
            assert!(sizes[..sizes.len() - 1].iter().all(|&s| s == chunk));
        }
    }
}

#[test]
fn lorem_is_readable_text() {
    let text = String::from_utf8(drain(source("lorem", json!({ "bytes": 3_000 }))).0).unwrap();
    assert!(text.starts_with(|c: char| c.is_ascii_uppercase()));
    assert!(text.contains(". "));
    assert!(text.contains(".\n\n"), "paragraphs");
    assert!(text
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b" ,.\n".contains(&b)));
}

fn option_error(role: Role, kind: &str, options: Value) -> Error {
    let given = options.as_object().cloned().unwrap_or_default();
    catalog::resolve(role, kind, &given).expect_err("options are bad")
}

#[test]
fn option_errors_name_the_stage_the_option_and_the_range() {
    let e = option_error(Role::Source, "lorem", json!({ "chunkSize": 0 }));
    assert_eq!(
        e.to_string(),
        "lorem: option `chunkSize` must be an integer from 1 to 16777216, got 0"
    );
    assert_eq!(e.option_problem(), Some(OptionProblem::Range));

    let e = option_error(Role::Source, "lorem", json!({ "seed": 1.5 }));
    assert_eq!(e.option_problem(), Some(OptionProblem::Range));

    let e = option_error(Role::Sink, "throttle", json!({ "bytesPerSecond": "fast" }));
    assert_eq!(e.option_problem(), Some(OptionProblem::Type));
    assert!(e
        .to_string()
        .starts_with("throttle: option `bytesPerSecond` must be a number from 0 to"));

    let e = option_error(Role::Transform, "identity", json!({ "level": 3 }));
    assert_eq!(
        e.to_string(),
        "identity: option `level` is not an option of this stage; accepted: highWaterMark, worker, pool, schedule, inFlight, maxRestarts, crashAt, crashWorker, jitterMs, crashEvery, panicAt, trapAt"
    );

    let e = option_error(Role::Transform, "nope", json!({}));
    assert!(e
        .to_string()
        .contains("unknown transform kind `nope`; known transforms: identity, uppercase"));
}

#[test]
fn defaults_fill_in() {
    let (_, o) = catalog::resolve(Role::Source, "lorem", &Map::new()).unwrap();
    let all = o.to_json(&[Group::Stage, Group::Stream]);
    assert_eq!(
        (&all["bytes"], &all["chunkSize"], &all["highWaterMark"]),
        (&json!(1 << 20), &json!(65_536), &json!(1))
    );
    assert_eq!(o.high_water_mark(), 1.0);
}

fn spec_error(spec: Value) -> (String, String) {
    match PipelineSpec::parse(&spec).expect_err("spec is bad") {
        Error::Spec { path, message, .. } => (path, message),
        other => panic!("expected a spec error, got {other:?}"),
    }
}

#[test]
fn a_valid_spec_parses_with_defaults() {
    let spec = PipelineSpec::parse(&json!({
        "source": { "kind": "lorem", "bytes": 1000 },
        "stages": [{ "kind": "uppercase" }, { "kind": "split-lines", "maxLineBytes": 80 }],
        "sink": { "kind": "throttle", "bytesPerSecond": 5000 }
    }))
    .unwrap();
    let kinds: Vec<_> = spec.all().map(|s| s.kind()).collect();
    assert_eq!(kinds, ["lorem", "uppercase", "split-lines", "throttle"]);
    assert_eq!(
        spec.stages[1].options.to_json(&[Group::Stage])["maxLineBytes"],
        json!(80)
    );
    assert_eq!(
        spec.source.options.to_json(&[Group::Stage])["chunkSize"],
        json!(65_536)
    );
}

#[test]
fn spec_errors_carry_a_path() {
    let base = |stages: Value| json!({ "source": { "kind": "counter" }, "stages": stages, "sink": { "kind": "null" } });
    assert_eq!(
        spec_error(base(
            json!([{ "kind": "identity" }, { "kind": "split-lines", "maxLineBytes": -4 }])
        ))
        .0,
        "stages[1].maxLineBytes"
    );
    assert_eq!(
        spec_error(base(json!([{ "kind": "gzipp" }]))).0,
        "stages[0].kind"
    );
    assert_eq!(
        spec_error(base(json!([{ "level": 1 }]))).0,
        "stages[0].kind"
    );
    assert_eq!(spec_error(base(json!({}))).0, "stages");
    assert_eq!(
        spec_error(json!({ "source": { "kind": "counter" }, "sink": { "kind": "null" }, "x": 1 }))
            .0,
        "x"
    );
    assert_eq!(
        spec_error(json!({ "sink": { "kind": "null" } })).0,
        "source"
    );
    assert_eq!(
        spec_error(json!({ "source": { "kind": "counter" } })).0,
        "sink"
    );
    assert_eq!(
        spec_error(
            json!({ "source": { "kind": "counter", "count": "9" }, "sink": { "kind": "null" } })
        )
        .0,
        "source.count"
    );
    assert_eq!(spec_error(json!([1, 2])).0, "$");
}

#[test]
fn neighbours_whose_types_do_not_fit_are_named() {
    let (path, message) = spec_error(json!({
        "source": { "kind": "counter" },
        "stages": [{ "kind": "split-lines" }, { "kind": "uppercase" }],
        "sink": { "kind": "count" }
    }));
    assert_eq!(path, "stages[1]");
    assert_eq!(
        message,
        "`uppercase` takes bytes but `split-lines` (stages[0]) gives text"
    );
}

fn users(options: Value) -> Vec<u8> {
    drain(source("users", options)).0
}

#[test]
fn users_csv_reads_as_six_fields_per_record() {
    let data = users(json!({ "count": 200, "seed": 3 }));
    let mut rdr = csv::Reader::from_reader(&data[..]);
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "name", "email", "company", "password", "createdAt"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 200);
    assert_eq!(&rows[0][0], "1");
    assert_eq!(&rows[199][0], "200");
    assert!(rows
        .iter()
        .all(|r| r.len() == 6 && r[2].contains('@') && r[5].ends_with('Z')));
    assert!(
        rows.iter().any(|r| r[3].contains(',')),
        "some company names need quoting"
    );
}

#[test]
fn users_ndjson_parses_and_does_not_depend_on_chunk_size() {
    let data = users(json!({ "format": "ndjson", "count": 100, "seed": 9 }));
    let records: Vec<Value> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(records.len(), 100);
    assert_eq!(records[41]["id"], 42);
    for kind_chunk in [1, 100, 1 << 20] {
        let again =
            users(json!({ "format": "ndjson", "count": 100, "seed": 9, "chunkSize": kind_chunk }));
        assert_eq!(again, data, "chunkSize {kind_chunk}");
    }
    assert_ne!(
        users(json!({ "format": "ndjson", "count": 100, "seed": 10 })),
        data
    );
}

#[test]
fn users_bad_rate_makes_malformed_rows() {
    let data = users(json!({ "format": "ndjson", "count": 1000, "badRate": 0.1 }));
    let bad = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter(|l| serde_json::from_slice::<Value>(l).is_err())
        .count();
    assert!((50..150).contains(&bad), "about 10% bad, got {bad}");
    let csv_data = users(json!({ "count": 1000, "badRate": 0.1 }));
    let short = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&csv_data[..])
        .records()
        .filter(|r| r.as_ref().unwrap().len() != 6)
        .count();
    assert!((50..150).contains(&short), "about 10% ragged, got {short}");
    assert_eq!(
        users(json!({ "count": 1000 })).len(),
        users(json!({ "count": 1000, "badRate": 0 })).len()
    );
}

#[test]
fn every_transform_can_be_placed_in_a_worker() {
    for info in catalog::catalog().iter() {
        let has = info.params.iter().any(|p| p.name == "worker");
        assert_eq!(has, info.role == Role::Transform, "{}", info.kind);
    }
}
