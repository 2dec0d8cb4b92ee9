//! Sink logic. `count` and `null` need none beyond the stage's counters; the
//! `throttle` sink paces writes with [`Pacer`], a slow consumer whose writes
//! resolve only when the rate allows, which is what makes backpressure visible.

/// Rate limit without bursts: after `total` units, the earliest moment the
/// next write may finish is `start + total / rate`.
#[derive(Debug, Clone)]
pub struct Pacer {
    per_second: f64,
    start_ms: Option<f64>,
    total: f64,
}

impl Pacer {
    /// `per_second` must be positive.
    pub fn new(per_second: f64) -> Self {
        Pacer {
            per_second,
            start_ms: None,
            total: 0.0,
        }
    }

    /// Accounts `amount` units written at `now_ms`; returns how many ms the
    /// write must still take so the average rate stays at the limit.
    pub fn delay_ms(&mut self, amount: u64, now_ms: f64) -> f64 {
        let start = *self.start_ms.get_or_insert(now_ms);
        self.total += amount as f64;
        let due = start + self.total * 1000.0 / self.per_second;
        (due - now_ms).max(0.0)
    }
}

/// What a sink does with each chunk, beyond counting it.
#[derive(Debug, Clone)]
pub enum SinkLogic {
    /// Counts chunks and bytes; its report is those counts.
    Count,
    /// Discards.
    Null,
    /// A slow consumer, limited by bytes and/or chunks per second.
    Throttle {
        bytes: Option<Pacer>,
        chunks: Option<Pacer>,
    },
}

impl SinkLogic {
    /// The ms a write of `len` bytes at `now_ms` must take.
    pub fn write_delay_ms(&mut self, len: usize, now_ms: f64) -> f64 {
        match self {
            SinkLogic::Count | SinkLogic::Null => 0.0,
            SinkLogic::Throttle { bytes, chunks } => {
                let b = bytes
                    .as_mut()
                    .map_or(0.0, |p| p.delay_ms(len as u64, now_ms));
                let c = chunks.as_mut().map_or(0.0, |p| p.delay_ms(1, now_ms));
                b.max(c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spreads_writes_at_the_rate() {
        let mut p = Pacer::new(1000.0); // 1000 bytes per second
        assert_eq!(p.delay_ms(500, 0.0), 500.0);
        // Written at 500 ms: due at 1000 ms.
        assert_eq!(p.delay_ms(500, 500.0), 500.0);
        // A late writer owes nothing.
        assert_eq!(p.delay_ms(100, 5000.0), 0.0);
    }

    #[test]
    fn throttle_takes_the_slower_limit() {
        let mut t = SinkLogic::Throttle {
            bytes: Some(Pacer::new(1000.0)),
            chunks: Some(Pacer::new(1.0)),
        };
        assert_eq!(t.write_delay_ms(10, 0.0), 1000.0);
    }
}
