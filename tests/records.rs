//! filter, hash-field, validate and json-pointer.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{build, same_every_way};
use pipewright::core::catalog;
use pipewright::core::select::hash_value;
use pipewright::core::stage::Role;
use pipewright::core::{Driver, Error, OptionProblem};
use serde_json::{json, Map, Value};

fn lines_of(out: &common::Outcome) -> Vec<String> {
    out.records
        .iter()
        .map(|r| String::from_utf8(r.clone()).unwrap())
        .collect()
}

#[test]
fn filter_keeps_matching_lines_by_substring_or_regex() {
    let input = b"GET /a 200\nPOST /b 500\nGET /c 404\n\nGET /d 200";
    let out = same_every_way("filter", json!({ "pattern": "GET" }), input);
    assert_eq!(out.bytes, b"GET /a 200\nGET /c 404\nGET /d 200\n");
    let out = same_every_way(
        "filter",
        json!({ "pattern": r" [45]\d\d$", "mode": "regex" }),
        input,
    );
    assert_eq!(out.bytes, b"POST /b 500\nGET /c 404\n");
    let out = same_every_way("filter", json!({ "pattern": "200", "invert": true }), input);
    assert_eq!(out.bytes, b"POST /b 500\nGET /c 404\n");
}

#[test]
fn filter_regexes_read_as_javascript_reads_them_without_the_u_flag() {
    let input = "café 1\nnaïve\nfaçade 2\n".as_bytes();
    // \w, \d, \b are ASCII, as in a JS RegExp without `u`.
    let out = same_every_way(
        "filter",
        json!({ "pattern": r"^\w+$", "mode": "regex" }),
        input,
    );
    assert_eq!(out.bytes, b"");
    let out = same_every_way(
        "filter",
        json!({ "pattern": r"\d$", "mode": "regex" }),
        input,
    );
    assert_eq!(out.bytes, "café 1\nfaçade 2\n".as_bytes());
    // A line that is not UTF-8 is matched with U+FFFD for its bad bytes,
    // and passed on as it came.
    let input = b"ok \xff here\nplain\n";
    let out = same_every_way(
        "filter",
        json!({ "pattern": "ok . here", "mode": "regex" }),
        input,
    );
    assert_eq!(out.bytes, b"ok \xff here\n");
    // Unicode classes are refused when the stage is made, by name.
    let mut given = Map::new();
    given.insert("pattern".into(), json!(r"\p{L}"));
    given.insert("mode".into(), json!("regex"));
    let (info, o) = catalog::resolve(Role::Transform, "filter", &given).unwrap();
    let e = info
        .build_transform(&o, &mut common::fixed_random)
        .err()
        .expect("\\p refused");
    assert!(
        e.to_string()
            .starts_with("filter: option `pattern` is not a valid regex"),
        "{e}"
    );
}

#[test]
fn filter_records_works_on_the_records_json() {
    let input = b"{\"city\":\"Oslo\"}\n{\"city\":\"Lima\"}\n";
    let out = same_every_way("filter-records", json!({ "pattern": "Lima" }), input);
    assert_eq!(lines_of(&out), ["{\"city\":\"Lima\"}"]);
}

#[test]
fn a_bad_regex_is_a_type_error_naming_the_option() {
    let mut given = Map::new();
    given.insert("pattern".into(), json!("(unclosed"));
    given.insert("mode".into(), json!("regex"));
    let (info, o) = catalog::resolve(Role::Transform, "filter", &given).unwrap();
    let e = info
        .build_transform(&o, &mut common::fixed_random)
        .err()
        .expect("bad regex");
    assert_eq!(e.option_problem(), Some(OptionProblem::Type));
    assert!(
        e.to_string()
            .starts_with("filter: option `pattern` is not a valid regex"),
        "{e}"
    );
}

#[test]
fn hash_field_replaces_the_field_with_its_salted_iterated_digest() {
    let input = b"{\"name\":\"Ada\",\"password\":\"hunter2\"}\n{\"name\":\"Alan\",\"password\":\"enigma\"}\n";
    let out = same_every_way(
        "hash-field",
        json!({ "salt": "pepper", "iterations": 3 }),
        input,
    );
    let got: Vec<Value> = out
        .records
        .iter()
        .map(|r| serde_json::from_slice(r).unwrap())
        .collect();
    assert_eq!(got[0]["name"], "Ada");
    assert_eq!(got[0]["password"], hash_value("pepper", "hunter2", 3));
    assert_eq!(got[1]["password"], hash_value("pepper", "enigma", 3));
    assert_ne!(
        hash_value("pepper", "enigma", 3),
        hash_value("pepper", "enigma", 2)
    );
}

#[test]
fn hash_field_refuses_records_without_the_field_unless_tolerant() {
    let input = b"{\"password\":\"a\"}\n{\"name\":\"no password\"}\n[1,2]\n{\"password\":\"b\"}\n";
    let out = same_every_way("hash-field", json!({}), input);
    assert_eq!(out.records.len(), 1);
    assert!(
        matches!(&out.error, Some(Error::BadRecord { line: 2, detail, .. }) if detail == "has no field `password`")
    );
    let out = same_every_way("hash-field", json!({ "maxErrors": 2 }), input);
    assert_eq!((out.records.len(), out.error), (2, None));
}

#[test]
fn validate_passes_good_records_and_lists_the_first_bad_ones() {
    let input = concat!(
        "{\"id\":1,\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"longenough\"}\n",
        "{\"id\":2,\"name\":\"\",\"email\":\"x@example.com\",\"password\":\"longenough\"}\n",
        "{\"id\":3,\"name\":\"Bob\",\"email\":\"not-an-email\",\"password\":\"longenough\"}\n",
        "{\"id\":4,\"name\":\"Cy\",\"email\":\"cy@example.com\",\"password\":\"short\"}\n",
        "{\"name\":\"No id\",\"email\":\"n@example.com\",\"password\":\"longenough\"}\n",
        "{\"id\":6,\"name\":\"Di\",\"email\":\"di@example.com\",\"password\":\"longenough\"}\n",
    );
    let out = same_every_way("validate", json!({}), input.as_bytes());
    assert_eq!(out.error, None);
    let ids: Vec<Value> = out
        .records
        .iter()
        .map(|r| serde_json::from_slice::<Value>(r).unwrap()["id"].clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(6)]);
    let mut d = Driver::new(build("validate", json!({})));
    d.push(input.as_bytes(), &mut |_| {}).unwrap();
    assert_eq!(d.rejected(), 4);
    let details = d.details().unwrap();
    assert_eq!(details["rejected"], 4);
    assert_eq!(
        details["firstRejected"],
        json!([
            { "line": 2, "reason": "`name` is empty" },
            { "line": 3, "reason": "`email` is not an email address: \"not-an-email\"" },
            { "line": 4, "reason": "`password` is 5 characters, fewer than 8" },
            { "line": 5, "reason": "`id` is missing" },
        ])
    );
    // With a limit, too many invalid records fail the stream.
    let out = same_every_way("validate", json!({ "maxErrors": 2 }), input.as_bytes());
    assert!(matches!(
        out.error,
        Some(Error::TooManyBadRecords {
            count: 3,
            line: 4,
            ..
        })
    ));
}

#[test]
fn json_pointer_picks_one_value_out_of_each_record() {
    let input = concat!(
        "{\"id\":1,\"address\":{\"city\":\"Oslo\"},\"tags\":[\"a\",\"b\"],\"a/b\":true}\n",
        "{\"id\":2,\"address\":{\"city\":\"Lima\"},\"tags\":[]}\n",
    );
    let picked = |pointer: &str| {
        let out = same_every_way(
            "json-pointer",
            json!({ "pointer": pointer, "maxErrors": 1 }),
            input.as_bytes(),
        );
        (lines_of(&out), out.error)
    };
    assert_eq!(
        picked("/id"),
        (vec!["1".to_string(), "2".to_string()], None)
    );
    assert_eq!(picked("/address/city").0, ["\"Oslo\"", "\"Lima\""]);
    assert_eq!(
        picked("/tags/1").0,
        ["\"b\""],
        "the second has no /tags/1 and is skipped"
    );
    assert_eq!(picked("/a~1b").0, ["true"], "~1 stands for / in a key");
    assert_eq!(picked("").0.len(), 2, "\"\" is the whole record");
}

#[test]
fn json_pointer_counts_records_without_the_value_as_bad() {
    let input = b"{\"email\":\"a@x\"}\n{\"name\":\"no email\"}\n{\"email\":\"b@x\"}\n";
    let out = same_every_way("json-pointer", json!({ "pointer": "/email" }), input);
    assert_eq!(lines_of(&out), ["\"a@x\""]);
    assert!(
        matches!(&out.error, Some(Error::BadRecord { line: 2, detail, .. }) if detail == "has nothing at \"/email\""),
        "{:?}",
        out.error
    );
    let out = same_every_way(
        "json-pointer",
        json!({ "pointer": "/email", "maxErrors": 1 }),
        input,
    );
    assert_eq!(
        (lines_of(&out), out.error),
        (vec!["\"a@x\"".to_string(), "\"b@x\"".to_string()], None)
    );
}

#[test]
fn a_json_pointer_without_a_leading_slash_is_refused_naming_the_option() {
    let given = json!({ "pointer": "email" }).as_object().cloned().unwrap();
    let (info, o) = catalog::resolve(Role::Transform, "json-pointer", &given).unwrap();
    let e = info
        .build_transform(&o, &mut common::fixed_random)
        .err()
        .expect("refused");
    assert_eq!(e.option_problem(), Some(OptionProblem::Range));
    assert_eq!(
        e.to_string(),
        "json-pointer: option `pointer` must be \"\" or start with /, got \"email\""
    );
}

#[test]
fn a_released_driver_keeps_its_counts_and_refuses_more_input() {
    // What a stage keeps once its stream ended and its state was freed
    // (Driver::release): the rejected count and details the metrics read,
    // and a clear error, naming the stage, if a chunk still arrives.
    let mut d = Driver::new(build("ndjson-parse", json!({ "maxErrors": 3 })));
    d.push(b"{\"a\":1}\nnot json\n{\"b\":2}\n", &mut |_| {})
        .expect("two good lines, one tolerated");
    d.finish(&mut |_| {}).expect("the end");
    let (rejected, details) = (d.rejected(), d.details());
    assert_eq!(rejected, 1);
    d.release();
    assert_eq!(d.rejected(), rejected);
    assert_eq!(d.details(), details);
    let e = d
        .push(b"{}\n", &mut |_| {})
        .expect_err("no input after the end");
    assert_eq!(
        e,
        Error::Ended {
            stage: "ndjson-parse"
        }
    );
    assert_eq!(
        e.to_string(),
        "ndjson-parse: the stream has ended; it takes no more chunks"
    );
}

#[test]
fn hash_field_writes_sorted_keys_once_each_with_the_last_value_in_js_form() {
    let input = b"{\"b\":1.0,\"password\":\"x\",\"a\":[1, 2],\"b\":2,\"c\":\"\\u0041\"}\n";
    let out = same_every_way("hash-field", json!({}), input);
    assert_eq!(out.error, None);
    let expected = format!(
        "{{\"a\":[1,2],\"b\":2,\"c\":\"A\",\"password\":\"{}\"}}",
        hash_value("", "x", 1)
    );
    assert_eq!(String::from_utf8_lossy(&out.records[0]), expected);
    // A number is hashed as serde_json prints it.
    let out = same_every_way("hash-field", json!({}), b"{\"password\":1e2}\n");
    let got: Value = serde_json::from_slice(&out.records[0]).unwrap();
    assert_eq!(got["password"], hash_value("", "100.0", 1));
}
