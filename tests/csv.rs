//! csv-to-ndjson against the `csv` crate, on tricky and generated input, on
//! any chunking, and on bad input.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run, same_every_way};
use pipewright::core::Error;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// What the `csv` crate makes of `input`: one object per record.
fn reference(input: &[u8], delimiter: u8) -> Vec<Value> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(input);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            Value::Object(
                header
                    .iter()
                    .cloned()
                    .zip(r.iter().map(Value::from))
                    .collect::<Map<_, _>>(),
            )
        })
        .collect()
}

/// Our lines, parsed; each must already be in `JSON.stringify`'s form, so
/// that records from it pass between Rust stages as they are.
fn ours(out: &common::Outcome) -> Vec<Value> {
    out.bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .inspect(|l| {
            assert!(
                pipewright::core::canon::is_canonical(l),
                "{}",
                String::from_utf8_lossy(l)
            );
        })
        .map(|l| serde_json::from_slice(l).expect("each line is JSON"))
        .collect()
}

const TRICKY: &[&str] = &[
    "name,email\nAda,ada@example.com\nGrace,grace@example.com\n",
    "a,b\r\n1,2\r\n3,4\r\n",
    "a,b\n\"quoted, with comma\",\"line\nbreak\"\n\"doubled \"\"quotes\"\"\",x\n",
    "a,b\n1,2",
    "a,b\n\n1,2\n\n\n3,4\n",
    "a,b\n,\n\"\",\"\"\n",
    "\u{feff}k,v\nunicode é,日本\n",
    "only,a,header\n",
    "",
];

#[test]
fn matches_the_csv_crate_on_tricky_input_and_any_chunking() {
    for input in TRICKY {
        let out = same_every_way("csv-to-ndjson", json!({}), input.as_bytes());
        assert_eq!(out.error, None, "{input:?}");
        if !input.is_empty() {
            assert_eq!(ours(&out), reference(input.as_bytes(), b','), "{input:?}");
        }
    }
}

#[test]
fn keys_follow_the_header_in_order() {
    let out = same_every_way("csv-to-ndjson", json!({}), b"z,a,m\n1,2,3\n");
    assert_eq!(out.bytes, b"{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"}\n");
}

#[test]
fn other_delimiters() {
    let input = b"a;b\n1;\"x;y\"\n";
    let out = same_every_way("csv-to-ndjson", json!({ "delimiter": ";" }), input);
    assert_eq!(ours(&out), reference(input, b';'));
    let tsv = b"a\tb\n1\t2\n";
    let out = same_every_way("csv-to-ndjson", json!({ "delimiter": "\t" }), tsv);
    assert_eq!(ours(&out), vec![json!({"a":"1","b":"2"})]);
}

#[test]
fn a_ragged_row_is_an_error_with_its_line_after_the_good_rows() {
    let input = b"a,b\n1,2\n\n\"multi\nline\",3\n4,5,6\n7,8\n";
    let out = same_every_way("csv-to-ndjson", json!({}), input);
    assert_eq!(
        ours(&out),
        vec![json!({"a":"1","b":"2"}), json!({"a":"multi\nline","b":"3"})]
    );
    let e = out.error.expect("line 6 has three fields");
    assert_eq!(
        e.to_string(),
        "csv-to-ndjson: line 6 (starting at byte 24) is not a valid record: it has 3 fields; the header has 2"
    );
}

#[test]
fn tolerant_mode_skips_ragged_rows_then_fails_past_the_limit() {
    let input = b"a,b\n1,2\nx\n3,4\ny,y,y\n5,6\n";
    let out = same_every_way("csv-to-ndjson", json!({ "maxErrors": 2 }), input);
    assert_eq!(out.error, None);
    assert_eq!(ours(&out).len(), 3);
    let mut d =
        pipewright::core::Driver::new(common::build("csv-to-ndjson", json!({ "maxErrors": 2 })));
    d.push(input, &mut |_| {}).unwrap();
    assert_eq!(d.rejected(), 2);
    let out = same_every_way("csv-to-ndjson", json!({ "maxErrors": 1 }), input);
    assert!(
        matches!(
            out.error,
            Some(Error::TooManyBadRecords {
                count: 2,
                line: 5,
                ..
            })
        ),
        "{:?}",
        out.error
    );
}

#[test]
fn bad_input_kinds() {
    // Invalid UTF-8 in a field.
    let out = same_every_way("csv-to-ndjson", json!({}), b"a\nok\nbad \xff\n");
    assert!(
        matches!(out.error, Some(Error::BadRecord { line: 3, .. })),
        "{:?}",
        out.error
    );
    // Found by fuzzing (it panicked): the record's bytes are valid UTF-8
    // together, but "é" is cut between two fields. Each field is its own
    // string, so this is a bad record at its field's byte, not a panic.
    let out = same_every_way("csv-to-ndjson", json!({}), b"a,b\n1,2\n\xc3,\xa9\n");
    assert_eq!(ours(&out), vec![json!({"a":"1","b":"2"})]);
    assert_eq!(
        out.error.map(|e| e.to_string()).as_deref(),
        Some("csv-to-ndjson: line 3 (starting at byte 8) is not a valid record: invalid UTF-8 at byte 0 of its fields")
    );
    // A record over the limit (an unclosed quote swallows the rest).
    let mut big = b"a\n\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 100));
    let out = run(
        "csv-to-ndjson",
        &json!({ "maxRecordBytes": 64 }),
        &[&big],
        usize::MAX,
    );
    assert!(
        matches!(out.error, Some(Error::LineTooLong { line: 2, .. })),
        "{:?}",
        out.error
    );
    // Garbage that is still CSV: one column named by the first line.
    let out = same_every_way("csv-to-ndjson", json!({}), b"\x01\x02\n\x03\n");
    assert_eq!(out.error, None);
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,6}",
        Just(",".to_string()),
        Just("\"".to_string()),
        Just("a\nb".to_string()),
        Just("x\r\ny".to_string()),
        Just("é".to_string()),
        "[a-zé日]{0,12}",
        Just("back\\slash\ttab\u{1}\u{1f}".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_csv_matches_the_csv_crate(rows in prop::collection::vec(prop::collection::vec(field(), 3), 1..12), chunk in 1usize..40, step in prop_oneof![Just(5usize), Just(48), Just(usize::MAX)]) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["first", "se\"cond", "thi\\rd"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let data = w.into_inner().unwrap();
        let chunks: Vec<&[u8]> = data.chunks(chunk).collect();
        // Output room of 5 bytes, about a line, or plenty: a line is
        // written where it fits or held until the output frees.
        let out = run("csv-to-ndjson", &json!({}), &chunks, step);
        prop_assert_eq!(&out.error, &None);
        prop_assert_eq!(ours(&out), reference(&data, b','));
    }
}

/// csv-to-ndjson's output lines and what it says of their form.
fn lines_and_vouch(data: &[u8]) -> (Vec<Vec<u8>>, Option<bool>) {
    let mut driver = pipewright::core::Driver::new(common::build("csv-to-ndjson", json!({})));
    let mut out = Vec::new();
    let mut emit = |p: pipewright::core::Piece<'_>| {
        if let pipewright::core::Piece::Bytes(b) = p {
            out.extend_from_slice(b);
        }
    };
    driver.push(data, &mut emit).unwrap();
    driver.finish(&mut emit).unwrap();
    let lines = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    (lines, driver.ndjson_out())
}

// What csv-to-ndjson vouches for, ndjson-parse passes on unread when the
// page links the two: so every line it writes must then be in
// JSON.stringify's form, whatever the fields hold.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn vouched_lines_are_in_json_stringify_form(header in prop::collection::vec(field(), 1..4), rows in prop::collection::vec(prop::collection::vec(field(), 1..4), 1..8)) {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for r in rows.iter().filter(|r| r.len() == header.len()) {
            w.write_record(r).unwrap();
        }
        let data = w.into_inner().unwrap();
        let (lines, vouch) = lines_and_vouch(&data);
        let mut keys = header.clone();
        keys.sort();
        keys.dedup();
        let plain_keys = keys.len() == header.len() && !header.iter().any(|k| pipewright::core::canon::is_index(k.as_bytes()));
        prop_assert_eq!(vouch, Some(plain_keys));
        if vouch == Some(true) {
            for line in &lines {
                prop_assert!(pipewright::core::canon::is_form(line), "{}", String::from_utf8_lossy(line));
            }
        }
    }
}

#[test]
fn repeated_or_index_keys_are_not_vouched_for() {
    assert_eq!(lines_and_vouch(b"a,b\n1,2\n").1, Some(true));
    assert_eq!(lines_and_vouch(b"a,a\n1,2\n").1, Some(false));
    assert_eq!(lines_and_vouch(b"a,7\n1,2\n").1, Some(false));
    // "07" is not an index: JS keeps it in its place.
    assert_eq!(lines_and_vouch(b"a,07\n1,2\n").1, Some(true));
}
