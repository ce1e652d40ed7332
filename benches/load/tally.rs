//! What a run counts: its clock (warm-up, measurement, stop), each operation's outcome
//! and latency, and the error kinds a workload reports.

use std::io;
use std::time::{Duration, Instant};

/// Why an operation did not count as a success.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The server answered, but not what the tree holds: fails the run.
    #[error("wrong answer: {0}")]
    Wrong(String),
    /// The server refused or failed the operation (a result code it should not give).
    #[error("server error: {0}")]
    Server(String),
    /// The answer could not be decoded.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The connection failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// When a run warms up, measures and stops; every task follows the same instants.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Operations started before this are verified but not counted.
    pub measure_from: Instant,
    /// No operation starts after this.
    pub stop_at: Instant,
}

impl Clock {
    /// A clock starting now.
    pub fn new(warmup: Duration, duration: Duration) -> Clock {
        let now = Instant::now();
        Clock {
            measure_from: now + warmup,
            stop_at: now + warmup + duration,
        }
    }
}

/// One task's counts; tasks' tallies are merged at the end.
#[derive(Default, Debug)]
pub struct Tally {
    /// Latency of every counted successful operation, in nanoseconds.
    pub latencies_ns: Vec<u64>,
    /// Operations that failed with a server, protocol or I/O error (counted window).
    pub errors: u64,
    /// Operations answered wrongly (any time, warm-up included).
    pub wrong: u64,
    /// Operations run during warm-up.
    pub warm_ops: u64,
    /// The first failure, to print.
    pub first_problem: Option<String>,
}

impl Tally {
    /// Records one operation started at `t0` and finished at `t1`.
    pub fn record(&mut self, clock: &Clock, t0: Instant, t1: Instant, r: &Result<(), OpError>) {
        if let Err(e) = r {
            if matches!(e, OpError::Wrong(_)) {
                self.wrong += 1;
            } else if t0 >= clock.measure_from {
                self.errors += 1;
            }
            if self.first_problem.is_none() {
                self.first_problem = Some(e.to_string());
            }
        }
        if t0 < clock.measure_from {
            self.warm_ops += 1;
            return;
        }
        if r.is_ok() {
            let ns = (t1 - t0).as_nanos().min(u64::MAX as u128) as u64;
            self.latencies_ns.push(ns);
        }
    }

    /// Adds another task's counts to this one.
    pub fn merge(&mut self, other: Tally) {
        self.latencies_ns.extend_from_slice(&other.latencies_ns);
        self.errors += other.errors;
        self.wrong += other.wrong;
        self.warm_ops += other.warm_ops;
        if self.first_problem.is_none() {
            self.first_problem = other.first_problem;
        }
    }

    /// Successful operations in the measurement window.
    pub fn ops(&self) -> u64 {
        self.latencies_ns.len() as u64
    }
}

/// Latency quantiles in microseconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest.
    pub max: f64,
}

/// The quantiles of `latencies_ns` (sorted in place); None when empty.
pub fn quantiles(latencies_ns: &mut [u64]) -> Option<Quantiles> {
    if latencies_ns.is_empty() {
        return None;
    }
    latencies_ns.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies_ns.len() as f64) * q).ceil() as usize;
        latencies_ns[i.clamp(1, latencies_ns.len()) - 1] as f64 / 1000.0
    };
    Some(Quantiles {
        p50: at(0.5),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut v: Vec<u64> = (1..=1000).rev().map(|x| x * 1000).collect();
        let q = quantiles(&mut v).expect("some");
        assert_eq!((q.p50, q.p99, q.p999, q.max), (500.0, 990.0, 999.0, 1000.0));
        assert!(quantiles(&mut []).is_none());
    }

    #[test]
    fn warm_up_is_verified_but_not_counted() {
        let clock = Clock::new(Duration::from_secs(3600), Duration::from_secs(1));
        let mut t = Tally::default();
        let now = Instant::now();
        t.record(&clock, now, now, &Ok(()));
        t.record(&clock, now, now, &Err(OpError::Wrong("x".into())));
        t.record(&clock, now, now, &Err(OpError::Server("busy".into())));
        assert_eq!((t.ops(), t.warm_ops, t.wrong, t.errors), (0, 3, 1, 0));
        let later = clock.measure_from;
        t.record(&clock, later, later, &Err(OpError::Server("busy".into())));
        assert_eq!(
            (t.errors, t.first_problem.as_deref()),
            (1, Some("wrong answer: x"))
        );
    }
}
