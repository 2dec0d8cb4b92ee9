//! Parallel gzip's output (src/core/pgzip.rs) read by this crate's own
//! `gunzip` stage, in any chunking, and by the system's `gzip -d`.
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use pipewright::core::pgzip::{compress_block, Blocker, Framer, BLOCK_BYTES};
use serde_json::json;

fn text(n: usize) -> Vec<u8> {
    let line =
        b"id,name,email,company\n17,Ada Lovelace,ada.lovelace3@example.org,Analytical Engines\n";
    line.iter().copied().cycle().take(n).collect()
}

fn parallel(data: &[u8]) -> Vec<u8> {
    let mut blocker = Blocker::default();
    let mut jobs = Vec::new();
    blocker.push(data, &mut jobs);
    jobs.push(blocker.finish());
    let mut framer = Framer::default();
    let mut out = Vec::new();
    for job in &jobs {
        framer.block(&compress_block("gzip", 6, job).unwrap(), &mut out);
    }
    framer.finish(&mut out);
    out
}

#[test]
fn our_gunzip_reads_it_in_any_chunking() {
    let data = text(3 * BLOCK_BYTES + 999);
    let gz = parallel(&data);
    for size in [gz.len(), 65_536, 4096, 7] {
        let chunks: Vec<&[u8]> = gz.chunks(size).collect();
        let out = common::run("gunzip", &json!({}), &chunks, 1 << 16);
        assert_eq!(out.error, None, "chunks of {size}");
        assert_eq!(out.bytes, data, "chunks of {size}");
    }
}

#[test]
fn gzip_d_reads_it() {
    let Ok(mut child) = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        panic!("this test needs gzip on PATH");
    };
    let data = text(2 * BLOCK_BYTES + 5);
    let gz = parallel(&data);
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&gz));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "gzip -d failed");
    assert_eq!(out.stdout, data);
}
