//! Native profile of issue 12's two record chains, run as the page links
//! them: each stage's output records joined into one NDJSON batch per
//! chunk for the next (canonical form unless the stage said so already).
//! Prints each stage's share, so `perf record` of this shows where the
//! time goes without a browser.
//!
//! `cargo run --release --example record_chain [filter|hash]`

use pipewright::core::source::Source;
use pipewright::core::stage::Role;
use pipewright::core::users::{UserFormat, Users};
use pipewright::core::{canon, catalog, Driver, Piece, Shape};
use serde_json::{json, Map, Value};
use std::time::Instant;

fn stage(kind: &str, options: &Value) -> Driver {
    let given: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
    let (info, o) = catalog::resolve(Role::Transform, kind, &given).expect("valid options");
    let mut random = |b: &mut [u8]| b.fill(7);
    let mut driver = Driver::new(info.build_transform(&o, &mut random).expect("builds"));
    if info.input == Some(pipewright::core::stage::DataType::Records) {
        driver.canonical_input(true);
    }
    driver
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "hash".into());
    let chain: Vec<(&str, Value)> = if which == "filter" {
        vec![
            ("csv-to-ndjson", json!({})),
            ("ndjson-parse", json!({})),
            ("filter-records", json!({ "pattern": "example.org" })),
            ("ndjson-stringify", json!({})),
        ]
    } else {
        vec![
            ("csv-to-ndjson", json!({})),
            ("ndjson-parse", json!({})),
            ("validate", json!({})),
            ("hash-field", json!({ "iterations": 1 })),
            ("ndjson-stringify", json!({})),
        ]
    };
    // The bench's CSV: 200,000 users rows in 64 KiB chunks.
    let mut users = Users::new(UserFormat::Csv, 200_000, 4, 65_536, 0.0);
    let mut chunks = Vec::new();
    loop {
        let mut chunk = Vec::new();
        if !users.fill(&mut chunk) {
            break;
        }
        chunks.push(chunk);
    }
    for run in 1..=5 {
        let mut drivers: Vec<Driver> = chain.iter().map(|(k, o)| stage(k, o)).collect();
        let last = drivers.len() - 1;
        let mut ms = vec![0.0; drivers.len()];
        let mut bytes_out = 0;
        let start = Instant::now();
        for chunk in &chunks {
            let mut input = chunk.clone();
            // NDJSON that csv-to-ndjson vouches for, as the page links it.
            let mut vouched = false;
            for (i, driver) in drivers.iter_mut().enumerate() {
                let t = Instant::now();
                let trust = vouched && driver.reads_ndjson();
                if trust {
                    driver.canonical_input(true);
                }
                let batch_records = i < last && driver.shape() == Shape::Records;
                let mut next = Vec::new();
                let mut emit = |p: Piece<'_>| match p {
                    Piece::Record(r) if batch_records => {
                        canon::canonical(r, &mut next).expect("a record is JSON");
                        next.push(b'\n');
                    }
                    Piece::Canonical(r) if batch_records => {
                        next.extend_from_slice(r);
                        next.push(b'\n');
                    }
                    Piece::Bytes(b) | Piece::Record(b) | Piece::Canonical(b) => {
                        next.extend_from_slice(b);
                    }
                };
                driver.push(&input, &mut emit).expect("good data");
                if trust {
                    driver.canonical_input(false);
                }
                vouched = driver.ndjson_out() == Some(true);
                ms[i] += t.elapsed().as_secs_f64() * 1e3;
                input = next;
            }
            bytes_out += input.len();
        }
        let per_stage: Vec<String> = chain
            .iter()
            .zip(&ms)
            .map(|((kind, _), ms)| format!("{kind} {ms:.0}"))
            .collect();
        println!(
            "run {run}: {:.0} ms, {bytes_out} bytes out; ms per stage: {}",
            start.elapsed().as_secs_f64() * 1e3,
            per_stage.join(", ")
        );
    }
}
