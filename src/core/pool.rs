//! The scheduling of a worker pool, as a pure state machine over sequence
//! numbers: which worker takes the next chunk, how many may be in flight
//! (backpressure across the thread boundary), in what order results go out
//! (input order, whatever order workers finish in), and what to run again
//! when a worker dies. The web glue moves the chunks; this decides.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::core::Error;

/// Which Worker of a pool takes the next chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// The one with the fewest chunks in flight (lowest index on ties).
    #[default]
    LeastLoaded,
    /// Each in turn, as Node's cluster hands out connections: a Worker
    /// that is still busy keeps its turn, and the chunk waits for it.
    RoundRobin,
}

impl Schedule {
    /// As the `schedule` option names it.
    pub const NAMES: &'static [&'static str] = &["least-loaded", "round-robin"];
}

#[derive(Debug)]
pub struct PoolScheduler {
    /// Sequence numbers in flight, per worker.
    in_flight: Vec<Vec<u64>>,
    per_worker: usize,
    next_seq: u64,
    /// The next sequence number to hand downstream.
    next_out: u64,
    /// Finished but waiting for an earlier one.
    done: BTreeSet<u64>,
    restarts: u32,
    max_restarts: u32,
    /// One Worker that holds the stage's state: a crash cannot be replayed.
    pinned: bool,
    schedule: Schedule,
    /// Round-robin: whose turn it is.
    turn: usize,
}

impl PoolScheduler {
    /// `workers` ≥ 1, each with up to `per_worker` chunks in flight.
    pub fn new(workers: usize, per_worker: usize, max_restarts: u32) -> Self {
        PoolScheduler {
            in_flight: vec![Vec::new(); workers.max(1)],
            per_worker: per_worker.max(1),
            next_seq: 0,
            next_out: 0,
            done: BTreeSet::new(),
            restarts: 0,
            max_restarts,
            pinned: false,
            schedule: Schedule::LeastLoaded,
            turn: 0,
        }
    }

    /// The same pool, handing out chunks by `schedule`.
    #[must_use]
    pub fn scheduled(self, schedule: Schedule) -> Self {
        PoolScheduler { schedule, ..self }
    }

    /// A stage pinned to one Worker, with up to `in_flight` chunks sent
    /// ahead of its answers: a pool of one that cannot restart.
    pub fn pinned(in_flight: usize) -> Self {
        PoolScheduler {
            pinned: true,
            ..PoolScheduler::new(1, in_flight, 0)
        }
    }

    pub fn workers(&self) -> usize {
        self.in_flight.len()
    }

    /// Chunks sent and not yet finished, all workers together.
    pub fn in_flight(&self) -> usize {
        self.in_flight.iter().map(Vec::len).sum()
    }

    /// Chunks in flight at worker `w`.
    pub fn in_flight_at(&self, w: usize) -> usize {
        self.in_flight.get(w).map_or(0, Vec::len)
    }

    /// Finished chunks held back until an earlier one finishes too.
    pub fn waiting(&self) -> usize {
        self.done.len()
    }

    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// A slot for the next chunk: `(seq, worker)` — least-loaded, the
    /// worker with the fewest chunks in flight (lowest index on ties, so in
    /// turn when all are equal); round-robin, the worker whose turn it is —
    /// or `None` when that cannot be had now (every worker full, or the
    /// one whose turn it is): the caller must wait. Results held for
    /// ordering count against the bound too, so one slow chunk cannot let
    /// the others pile up without limit.
    pub fn admit(&mut self) -> Option<(u64, usize)> {
        let capacity = self.per_worker * self.in_flight.len();
        if self.in_flight() + self.done.len() >= capacity {
            return None;
        }
        let w = match self.schedule {
            Schedule::LeastLoaded => {
                self.in_flight
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| q.len() < self.per_worker)
                    .min_by_key(|(i, q)| (q.len(), *i))?
                    .0
            }
            Schedule::RoundRobin => {
                let w = self.turn;
                if self.in_flight[w].len() >= self.per_worker {
                    return None;
                }
                self.turn = (w + 1) % self.in_flight.len();
                w
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.in_flight[w].push(seq);
        Some((seq, w))
    }

    /// Worker `w` finished `seq`. Returns the sequence numbers that can now
    /// go downstream, in order.
    pub fn completed(&mut self, w: usize, seq: u64) -> Vec<u64> {
        if let Some(q) = self.in_flight.get_mut(w) {
            q.retain(|&s| s != seq);
        }
        self.done.insert(seq);
        let mut ready = Vec::new();
        while self.done.remove(&self.next_out) {
            ready.push(self.next_out);
            self.next_out += 1;
        }
        ready
    }

    /// Worker `w` died. Returns what it had in flight, to run again on its
    /// replacement, in order.
    ///
    /// # Errors
    ///
    /// More restarts than `max_restarts`: the stage gives up, saying how
    /// many workers died and why; a pinned stage gives up at once.
    pub fn crashed(&mut self, w: usize, stage: &'static str, why: &str) -> Result<Vec<u64>, Error> {
        if self.pinned {
            return Err(Error::WorkerFailed {
                stage,
                why: why.to_string(),
            });
        }
        self.restarts += 1;
        if self.restarts > self.max_restarts {
            return Err(Error::WorkersFailed {
                stage,
                died: self.restarts,
                max: self.max_restarts,
                why: why.to_string(),
            });
        }
        Ok(self.in_flight.get(w).cloned().unwrap_or_default())
    }

    /// Everything sent has gone downstream.
    pub fn idle(&self) -> bool {
        self.in_flight() == 0 && self.done.is_empty()
    }
}
