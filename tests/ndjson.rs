//! ndjson-parse: records, blank lines, bad lines, tolerant mode.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{build, same_every_way};
use pipewright::core::Error;
use proptest::prelude::*;
use serde_json::{json, Value};

fn records(out: &common::Outcome) -> Vec<Value> {
    out.records
        .iter()
        .map(|r| serde_json::from_slice(r).expect("records are JSON"))
        .collect()
}

#[test]
fn each_line_is_one_record_and_blank_lines_are_skipped() {
    let input = b"{\"a\":1}\n\n[1,2]\r\n  \n\"text\"\n{\"last\":true}";
    let out = same_every_way("ndjson-parse", json!({}), input);
    assert_eq!(out.error, None);
    assert_eq!(
        records(&out),
        vec![
            json!({"a":1}),
            json!([1, 2]),
            json!("text"),
            json!({"last": true})
        ]
    );
}

#[test]
fn a_bad_line_is_an_error_with_its_number_after_the_good_records() {
    let input = b"{\"ok\":1}\n{\"ok\":2}\n{\"broken\": }\n{\"never\":1}\n";
    let out = same_every_way("ndjson-parse", json!({}), input);
    assert_eq!(records(&out), vec![json!({"ok":1}), json!({"ok":2})]);
    let e = out.error.expect("line 3 is not JSON");
    assert!(
        matches!(
            e,
            Error::BadRecord {
                stage: "ndjson-parse",
                line: 3,
                offset: 18,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("ndjson-parse: line 3 (starting at byte 18) is not a valid record: "),
        "{e}"
    );
}

#[test]
fn tolerant_mode_skips_and_counts_then_fails_past_the_limit() {
    let input = b"1\nx\n2\ny\n3\n";
    let out = same_every_way("ndjson-parse", json!({ "maxErrors": 2 }), input);
    assert_eq!(
        (records(&out), out.error),
        (vec![json!(1), json!(2), json!(3)], None)
    );
    let mut d = pipewright::core::Driver::new(build("ndjson-parse", json!({ "maxErrors": 2 })));
    d.push(input, &mut |_| {}).unwrap();
    assert_eq!(d.rejected(), 2, "skipped bad lines are counted");

    let out = same_every_way("ndjson-parse", json!({ "maxErrors": 1 }), input);
    assert_eq!(records(&out), vec![json!(1), json!(2)]);
    let e = out.error.expect("two bad lines, one allowed");
    assert!(
        matches!(
            e,
            Error::TooManyBadRecords {
                count: 2,
                max: 1,
                line: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e
        .to_string()
        .starts_with("ndjson-parse: 2 bad records, more than maxErrors (1); the last, line 4: "));
}

#[test]
fn bad_input_kinds() {
    // Empty input: no records, no error.
    let out = same_every_way("ndjson-parse", json!({}), b"");
    assert!(out.records.is_empty() && out.error.is_none());
    // Truncated: a record cut in the middle.
    let out = same_every_way("ndjson-parse", json!({}), b"{\"a\":1}\n{\"b\":");
    assert!(matches!(out.error, Some(Error::BadRecord { line: 2, .. })));
    // Garbage and invalid UTF-8 inside a string.
    assert!(
        same_every_way("ndjson-parse", json!({}), b"\x00\x01garbage")
            .error
            .is_some()
    );
    let out = same_every_way("ndjson-parse", json!({}), b"\"caf\xe9\"\n");
    assert!(
        matches!(
            out.error,
            Some(Error::InvalidUtf8 {
                line: 1,
                offset: 4,
                ..
            })
        ),
        "{:?}",
        out.error
    );
    // A line over the limit.
    let out = same_every_way(
        "ndjson-parse",
        json!({ "maxLineBytes": 8 }),
        b"[1]\n[1,2,3,4,5]\n",
    );
    assert_eq!(
        out.error,
        Some(Error::LineTooLong {
            stage: "ndjson-parse",
            line: 2,
            offset: 4,
            max: 8
        })
    );
}

proptest! {
    #[test]
    fn parses_what_serde_json_writes(values in prop::collection::vec(any::<(i32, String, bool)>(), 0..20), chunk in 1usize..30) {
        let records: Vec<Value> = values.iter().map(|(n, s, b)| json!({ "n": n, "s": s, "b": b })).collect();
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        let chunks: Vec<&[u8]> = text.as_bytes().chunks(chunk).collect();
        let out = common::run("ndjson-parse", &json!({}), &chunks, 7);
        prop_assert_eq!(out.error, None);
        let got: Vec<Value> = out.records.iter().map(|r| serde_json::from_slice(r).unwrap()).collect();
        prop_assert_eq!(got, records);
    }
}

// ndjson-parse trusts `canon::is_canonical` as a JSON check for the lines
// it accepts (it skips serde's parse for them): whatever it accepts,
// serde_json accepts too; and what `canonical` writes is JSON, written
// again the same.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn a_line_the_canonical_scan_accepts_is_json(line in "[\\[\\]{}\",:0-9.eE+\\-tnrufals\\\\ /aé]{0,24}") {
        if pipewright::core::canon::is_canonical(line.as_bytes()) {
            prop_assert!(serde_json::from_str::<serde::de::IgnoredAny>(&line).is_ok(), "{line}");
        }
    }

    #[test]
    fn what_canonical_writes_stays_as_it_is(line in "[\\[\\]{}\",:0-9.eE+\\- tnrufals\\\\u/aé]{0,24}") {
        let mut out = Vec::new();
        if pipewright::core::canon::canonical(line.as_bytes(), &mut out).is_ok() {
            let mut again = Vec::new();
            pipewright::core::canon::canonical(&out, &mut again).unwrap();
            prop_assert_eq!(&again, &out, "{}", line);
            prop_assert!(serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok());
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,6}|[\\x00-\\x1f\"\\\\]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-c0-9]{0,2}", inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_json_comes_out_canonical_and_equal(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap().replace('\n', " ") } else { serde_json::to_string(&v).unwrap() };
        let mut out = Vec::new();
        pipewright::core::canon::canonical(text.as_bytes(), &mut out).unwrap();
        // Written once, it stays as it is (the scan may still send a line
        // with array-index keys the slow way; the result is the same).
        let mut again = Vec::new();
        pipewright::core::canon::canonical(&out, &mut again).unwrap();
        prop_assert_eq!(&again, &out, "{}", text);
        // The same value written compactly by serde comes out the same.
        let mut compact = Vec::new();
        pipewright::core::canon::canonical(serde_json::to_string(&v).unwrap().as_bytes(), &mut compact).unwrap();
        prop_assert_eq!(&out, &compact);
        // And it is that value (numbers as the doubles JS reads; serde's
        // own float reading may be a unit in the last place off, so
        // compared loosely).
        let back: Value = serde_json::from_slice(&out).unwrap();
        prop_assert!(close(&back, &v), "{} vs {}", back, v);
    }
}

fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            // Relative for normal numbers; subnormals have fewer bits.
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15 || (x - y).abs() < 1e-300
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

/// What a record stage gives for `input` lines: each record and whether
/// the stage said it is in canonical form, and the error if any.
fn run_records(
    kind: &str,
    options: &Value,
    canonical_in: bool,
    input: &[u8],
) -> (Vec<(Vec<u8>, bool)>, Option<String>) {
    let mut driver = pipewright::core::Driver::new(build(kind, options.clone()));
    if canonical_in {
        driver.canonical_input(true);
    }
    let mut out = Vec::new();
    let mut emit = |p: pipewright::core::Piece<'_>| match p {
        pipewright::core::Piece::Canonical(r) => out.push((r.to_vec(), true)),
        pipewright::core::Piece::Record(r) | pipewright::core::Piece::Bytes(r) => {
            out.push((r.to_vec(), false))
        }
    };
    let result = driver
        .push(input, &mut emit)
        .and_then(|_| driver.finish(&mut emit));
    (out, result.err().map(|e| e.to_string()))
}

fn canon_of(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pipewright::core::canon::canonical(line, &mut out).unwrap();
    out
}

/// The same records (the values JS would hold) as NDJSON in two forms: as
/// they are, and spaced, which no scan takes for canonical.
fn two_forms(records: &[Value]) -> (Vec<u8>, Vec<u8>) {
    let (mut canonical_lines, mut spaced_lines) = (Vec::new(), Vec::new());
    for r in records {
        let line = canon_of(serde_json::to_string(r).unwrap().as_bytes());
        canonical_lines.extend(&line);
        canonical_lines.push(b'\n');
        spaced_lines.push(b' ');
        spaced_lines.extend(&line);
        spaced_lines.extend(b" \n");
    }
    (canonical_lines, spaced_lines)
}

fn record_value() -> impl Strategy<Value = Value> {
    let key = "id|name|email|[a-c0-9]{0,2}|[\"\\\\\\n]a|é";
    let field = prop_oneof![
        json_value(),
        "[a-z]{0,5}@[a-z]{1,3}\\.org|[ a-z]{0,3}".prop_map(Value::String),
    ];
    prop::collection::vec((key, field), 0..7).prop_map(|m| Value::Object(m.into_iter().collect()))
}

// Records in canonical form (as the web layer feeds them) take the fast
// paths: validate and hash-field read them with one canonical scan, and
// stages that say a record is canonical let it join a batch as it is. The
// same records in another form take the slow paths. Both must agree, and
// every record said to be canonical must be.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn fast_and_slow_record_paths_agree(records in prop::collection::vec(record_value(), 1..6)) {
        let (canonical_lines, spaced_lines) = two_forms(&records);
        let stages = [
            ("ndjson-parse", json!({ "maxErrors": 100 })),
            ("validate", json!({ "required": "id,name", "emailField": "email", "minLengthField": "name", "minLength": 2, "maxErrors": 100 })),
            ("hash-field", json!({ "field": "email", "iterations": 2, "maxErrors": 100 })),
            ("filter-records", json!({ "pattern": "a" })),
            ("head-records", json!({ "count": 3 })),
        ];
        for (kind, options) in &stages {
            let (fast, fast_err) = run_records(kind, options, true, &canonical_lines);
            let (slow, slow_err) = run_records(kind, options, false, &spaced_lines);
            prop_assert_eq!(&fast_err, &slow_err, "{}", kind);
            prop_assert_eq!(fast.len(), slow.len(), "{}", kind);
            for ((f, said), (s, _)) in fast.iter().zip(&slow) {
                if *said {
                    prop_assert_eq!(&canon_of(f), f, "{} said canonical", kind);
                }
                prop_assert_eq!(canon_of(f), canon_of(s), "{}", kind);
            }
            // And the fast path is taken: a record these stages pass on
            // unchanged is said to be canonical whenever the scan accepts
            // it (it is conservative: index keys go the slow way).
            if *kind != "hash-field" {
                for (f, said) in &fast {
                    prop_assert!(*said || !pipewright::core::canon::is_canonical(f), "{} {:?}", kind, String::from_utf8_lossy(f));
                }
            }
        }
    }
}

// Runs of records sharing their keys (as from one CSV) with others between,
// some refused: validate and hash-field work out where their fields are and
// how to write a record once per run of keys (core::canon::Keys); a
// record with other keys, or one refused after it was read, must not leave
// them using the wrong places. The spaced copies never take that path.
fn keyed_runs() -> impl Strategy<Value = Vec<Value>> {
    let keys = || prop::collection::vec("id|name|email|password|[a-c]|é|[\"\\\\]k", 0..6);
    let value = prop_oneof![
        json_value(),
        "[a-z]{0,9}@[a-z]{1,3}\\.org|[ a-z]{0,9}".prop_map(Value::String),
        Just(Value::Null),
    ];
    (
        keys(),
        keys(),
        prop::collection::vec((any::<bool>(), prop::collection::vec(value, 6)), 1..12),
    )
        .prop_map(|(a, b, rows)| {
            rows.into_iter()
                .map(|(first, values)| {
                    let keys = if first { &a } else { &b };
                    Value::Object(keys.iter().cloned().zip(values).collect())
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn records_sharing_keys_read_as_records_that_do_not(records in keyed_runs()) {
        let (canonical_lines, spaced_lines) = two_forms(&records);
        for (kind, options) in [
            ("validate", json!({ "maxErrors": 100 })),
            ("validate", json!({ "required": "a,é", "emailField": "b", "minLengthField": "password", "minLength": 3, "maxErrors": 100 })),
            ("hash-field", json!({ "maxErrors": 100 })),
            ("hash-field", json!({ "field": "é", "maxErrors": 100 })),
        ] {
            let (fast, fast_err) = run_records(kind, &options, true, &canonical_lines);
            let (slow, slow_err) = run_records(kind, &options, false, &spaced_lines);
            prop_assert_eq!(&fast_err, &slow_err, "{}", kind);
            let fast: Vec<Vec<u8>> = fast.into_iter().map(|(f, _)| f).collect();
            let slow: Vec<Vec<u8>> = slow.into_iter().map(|(s, _)| canon_of(&s)).collect();
            prop_assert_eq!(fast, slow, "{}", kind);
        }
    }
}

// Lines said to be canonical (a batch from csv-to-ndjson) are passed on
// unread and said canonical; a line split across a trusted and an untrusted
// chunk is read as ever.
#[test]
fn trusted_lines_pass_unread_but_a_split_line_is_read() {
    let mut driver = pipewright::core::Driver::new(build("ndjson-parse", json!({})));
    let mut out = Vec::new();
    let mut emit = |p: pipewright::core::Piece<'_>| match p {
        pipewright::core::Piece::Canonical(r) => {
            out.push((String::from_utf8_lossy(r).to_string(), true))
        }
        pipewright::core::Piece::Record(r) | pipewright::core::Piece::Bytes(r) => {
            out.push((String::from_utf8_lossy(r).to_string(), false))
        }
    };
    driver.canonical_input(true);
    driver
        .push(b"{\"a\":\"1\"}\n{\"b\":\"2\"}\n", &mut emit)
        .unwrap();
    driver.canonical_input(false);
    driver.push(b"{\"c\" : 3", &mut emit).unwrap();
    driver.canonical_input(true);
    driver.push(b"}\n", &mut emit).unwrap();
    driver.canonical_input(false);
    driver.finish(&mut emit).unwrap();
    assert_eq!(
        out,
        [
            ("{\"a\":\"1\"}".to_string(), true),
            ("{\"b\":\"2\"}".to_string(), true),
            ("{\"c\" : 3}".to_string(), false),
        ]
    );
    // Untrusted, a bad line is an error as ever.
    let bad = run_records("ndjson-parse", &json!({}), false, b"{\"a\":\n");
    assert!(bad.1.is_some_and(|e| e.contains("line 1")));
}

// Whole trusted lines to a stage that takes batches pass as they are, only
// counted; anything else is read line by line, and line numbers carry on.
#[test]
fn trusted_whole_lines_pass_counted_and_line_numbers_carry_on() {
    let mut driver =
        pipewright::core::Driver::new(build("ndjson-parse", json!({ "maxLineBytes": 12 })));
    let mut emit = |_: pipewright::core::Piece<'_>| {};
    // Not told they are canonical: read.
    assert_eq!(driver.pass_lines(b"{\"a\":1}\n"), None);
    driver.canonical_input(true);
    assert_eq!(driver.pass_lines(b"{\"a\":1}\n[2]\n"), Some(2));
    // Not whole lines, a blank line, a line over maxLineBytes: read.
    assert_eq!(driver.pass_lines(b"{\"a\":1}"), None);
    assert_eq!(driver.pass_lines(b"1\n\n2\n"), None);
    assert_eq!(driver.pass_lines(b"[1]\n\"0123456789abc\"\n"), None);
    driver.canonical_input(false);
    // Nothing changed by the refusals: the next bad line is line 3.
    let e = driver.push(b"{\"a\":\n", &mut emit).unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
}
