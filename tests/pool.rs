//! The pool scheduler: bounded, ordered, and crash recovery.
#![cfg(not(target_arch = "wasm32"))]

use pipewright::core::pool::{PoolScheduler, Schedule};
use pipewright::core::Error;
use proptest::prelude::*;

#[test]
fn admits_round_robin_up_to_the_bound() {
    let mut p = PoolScheduler::new(3, 2, 5);
    let slots: Vec<_> = std::iter::from_fn(|| p.admit()).collect();
    assert_eq!(slots, [(0, 0), (1, 1), (2, 2), (3, 0), (4, 1), (5, 2)]);
    assert_eq!(p.in_flight(), 6, "3 workers x 2 in flight, then it waits");
    assert_eq!(p.admit(), None);
}

#[test]
fn least_loaded_sends_the_next_chunk_to_the_worker_with_the_fewest_in_flight() {
    let mut p = PoolScheduler::new(3, 2, 0);
    assert_eq!(p.admit(), Some((0, 0)));
    assert_eq!(p.admit(), Some((1, 1)));
    p.completed(1, 1);
    // Worker 1 is free again and 2 never had one: 1, the lowest of the
    // least loaded, then 2.
    assert_eq!(p.admit(), Some((2, 1)));
    assert_eq!(p.admit(), Some((3, 2)));
}

#[test]
fn round_robin_gives_each_worker_its_turn_and_waits_for_a_busy_one() {
    let mut p = PoolScheduler::new(3, 1, 0).scheduled(Schedule::RoundRobin);
    let first: Vec<_> = std::iter::from_fn(|| p.admit()).collect();
    assert_eq!(first, [(0, 0), (1, 1), (2, 2)]);
    // Workers 1 and 2 finish; 0, whose turn it is, is still busy: the next
    // chunk waits for it, though two others are free.
    p.completed(1, 1);
    p.completed(2, 2);
    assert_eq!(p.admit(), None, "worker 0's turn, and it is busy");
    assert_eq!(p.completed(0, 0), vec![0, 1, 2]);
    assert_eq!(p.admit(), Some((3, 0)));
    assert_eq!(p.admit(), Some((4, 1)));
    // Least-loaded in the same place would have used a free worker.
    let mut q = PoolScheduler::new(3, 2, 0);
    for _ in 0..3 {
        q.admit().unwrap();
    }
    let mut r = PoolScheduler::new(3, 2, 0).scheduled(Schedule::RoundRobin);
    for _ in 0..3 {
        r.admit().unwrap();
    }
    q.completed(1, 1);
    r.completed(1, 1);
    assert_eq!(
        q.admit().map(|(_, w)| w),
        Some(1),
        "least-loaded: the worker with none in flight"
    );
    assert_eq!(
        r.admit().map(|(_, w)| w),
        Some(0),
        "round-robin: whose turn it is"
    );
}

#[test]
fn round_robin_replays_a_crashed_workers_chunks_and_keeps_the_order() {
    let mut p = PoolScheduler::new(2, 2, 1).scheduled(Schedule::RoundRobin);
    let sent: Vec<_> = std::iter::from_fn(|| p.admit()).collect();
    assert_eq!(sent, [(0, 0), (1, 1), (2, 0), (3, 1)]);
    assert_eq!(p.crashed(1, "uppercase", "boom").unwrap(), vec![1, 3]);
    for (w, seq) in [(0, 0), (0, 2), (1, 1), (1, 3)] {
        p.completed(w, seq);
    }
    assert!(p.idle());
    assert_eq!(p.admit(), Some((4, 0)));
}

#[test]
fn results_go_out_in_input_order_whatever_order_they_finish_in() {
    let mut p = PoolScheduler::new(3, 1, 0);
    for _ in 0..3 {
        p.admit().unwrap();
    }
    assert_eq!(
        p.completed(2, 2),
        Vec::<u64>::new(),
        "seq 2 waits for 0 and 1"
    );
    assert_eq!(p.completed(1, 1), Vec::<u64>::new());
    assert_eq!(p.waiting(), 2);
    assert_eq!(p.completed(0, 0), vec![0, 1, 2]);
    assert!(p.idle());
}

#[test]
fn held_results_count_against_the_bound() {
    // One slow chunk: the others finish, but the pool does not run ahead of
    // it by more than its capacity.
    let mut p = PoolScheduler::new(2, 1, 0);
    let (slow, _) = p.admit().unwrap();
    let (s1, w1) = p.admit().unwrap();
    p.completed(w1, s1);
    assert_eq!(p.admit(), None, "capacity 2: one in flight + one held");
    assert_eq!(p.completed(0, slow), vec![0, 1]);
    assert!(p.admit().is_some());
}

#[test]
fn a_crash_returns_the_work_to_run_again_until_max_restarts() {
    let mut p = PoolScheduler::new(2, 2, 1);
    let sent: Vec<_> = std::iter::from_fn(|| p.admit()).collect();
    assert_eq!(sent, [(0, 0), (1, 1), (2, 0), (3, 1)]);
    assert_eq!(p.crashed(1, "primes", "boom").unwrap(), vec![1, 3]);
    assert_eq!(p.restarts(), 1);
    let e = p.crashed(0, "primes", "boom again").unwrap_err();
    assert_eq!(
        e,
        Error::WorkersFailed {
            stage: "primes",
            died: 2,
            max: 1,
            why: "boom again".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "primes: 2 workers died, more than maxRestarts (1); the last: boom again"
    );
}

proptest! {
    #[test]
    fn any_finishing_order_gives_input_order_and_respects_the_bound_under_either_schedule(
        workers in 1usize..5, per in 1usize..4, n in 1u64..60, seed in any::<u64>(),
    ) {
        for schedule in [Schedule::LeastLoaded, Schedule::RoundRobin] {
        let mut p = PoolScheduler::new(workers, per, 0).scheduled(schedule);
        let mut out = Vec::new();
        let mut sent = 0;
        let mut active: Vec<(u64, usize)> = Vec::new();
        let mut r = seed;
        while out.len() < n as usize {
            while sent < n {
                match p.admit() {
                    Some(slot) => {
                        if schedule == Schedule::RoundRobin {
                            prop_assert_eq!(slot.1, slot.0 as usize % workers, "each in turn");
                        }
                        active.push(slot);
                        sent += 1;
                    }
                    None => break,
                }
            }
            prop_assert!(p.in_flight() + p.waiting() <= workers * per);
            // Finish a pseudo-random one of those in flight.
            r = r.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (seq, w) = active.swap_remove((r >> 33) as usize % active.len());
            out.extend(p.completed(w, seq));
        }
        prop_assert_eq!(out, (0..n).collect::<Vec<_>>());
        prop_assert!(p.idle());
        }
    }
}

#[test]
fn a_pinned_stage_is_a_pool_of_one_that_cannot_restart() {
    let mut s = PoolScheduler::pinned(3);
    assert_eq!(s.workers(), 1);
    assert_eq!(s.admit(), Some((0, 0)));
    assert_eq!(s.admit(), Some((1, 0)));
    assert_eq!(s.admit(), Some((2, 0)));
    assert_eq!(s.admit(), None, "three in flight at most");
    assert_eq!(s.completed(0, 0), vec![0]);
    let e = s
        .crashed(0, "gzip", "boom")
        .expect_err("no replay of a stateful stage");
    assert_eq!(e.to_string(), "gzip: the worker failed: boom");
}

/// Where `kind` with `options` runs, or the error that refuses it.
fn placement(
    kind: &str,
    options: serde_json::Value,
) -> Result<pipewright::core::placement::Placement, Error> {
    use pipewright::core::{catalog, placement::Placement, stage::Role};
    let given = options.as_object().cloned().unwrap_or_default();
    let (info, o) = catalog::resolve(Role::Transform, kind, &given)?;
    Placement::of(info, &o)
}

#[test]
fn gzip_pools_by_blocks_and_other_stateful_stages_refuse_a_pool() {
    use pipewright::core::placement::{InWorkers, Placement};
    use serde_json::json;
    let Ok(Placement::Workers(InWorkers {
        workers: 2,
        pinned: false,
        blocks: true,
        ..
    })) = placement("gzip", json!({ "pool": 2, "level": 9 }))
    else {
        panic!("gzip with pool: 2 is a pool of 2 by blocks");
    };
    // Pinned, gzip is the stage itself in one Worker.
    assert!(matches!(
        placement("gzip", json!({ "worker": true })),
        Ok(Placement::Workers(InWorkers {
            pinned: true,
            blocks: false,
            ..
        }))
    ));
    // A stateless stage pools chunk by chunk, not by blocks.
    assert!(matches!(
        placement("uppercase", json!({ "pool": 2 })),
        Ok(Placement::Workers(InWorkers { blocks: false, .. }))
    ));
    let err = placement("gunzip", json!({ "pool": 2 })).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("gunzip: option `pool` cannot be used: this stage keeps state across chunks"));
    // The Workers' codec reads gzip's own level.
    let (info, o) = pipewright::core::catalog::resolve(
        pipewright::core::stage::Role::Transform,
        "gzip",
        json!({ "level": 9 }).as_object().unwrap(),
    )
    .unwrap();
    assert_eq!(info.block_codec(&o).unwrap().level, 9);
    assert!(info.block_pool);
}
