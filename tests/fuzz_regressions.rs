//! Every input the fuzzer found (`fuzz/regressions/<target>/`) and every
//! seed (`fuzz/corpus/<target>/`), replayed through the same check the fuzz
//! target runs (`common::fuzz_one`): no panic, the same outcome whole, split
//! and with a 1-byte output buffer. Runs in `cargo test`, no nightly needed.
mod common;

use std::fs;
use std::path::Path;

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut count = 0;
    let mut targets: Vec<_> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    targets.sort();
    for target in targets {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a target name");
        let mut inputs: Vec<_> = fs::read_dir(&target)
            .expect("a target's inputs")
            .map(|e| e.expect("an input").path())
            .collect();
        inputs.sort();
        for input in inputs {
            let data = fs::read(&input).expect("an input file");
            eprintln!("{}", input.display());
            common::fuzz_one(name, &data);
            count += 1;
        }
    }
    count
}

#[test]
fn every_fuzz_finding_stays_fixed() {
    assert!(
        replay("regressions") >= 3,
        "the saved findings are replayed"
    );
}

#[test]
fn every_fuzz_seed_passes() {
    assert!(replay("corpus") >= 9, "each target has seeds");
}
