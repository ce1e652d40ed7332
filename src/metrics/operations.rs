//! Operations by type: how many started, their results by LDAP result code, and a
//! latency histogram, one fixed table per type so recording one is a handful of
//! relaxed atomic adds at fixed addresses (no lookup, no lock, no allocation).

use super::Counter;
use crate::error::ResultCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The LDAP operation types counted, in the order they are exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// BindRequest.
    Bind,
    /// SearchRequest.
    Search,
    /// AddRequest.
    Add,
    /// ModifyRequest.
    Modify,
    /// DelRequest.
    Delete,
    /// ModifyDNRequest.
    Modrdn,
    /// CompareRequest.
    Compare,
    /// ExtendedRequest (StartTLS, WhoAmI, Password Modify, ...).
    Extended,
    /// AbandonRequest.
    Abandon,
    /// UnbindRequest.
    Unbind,
}

impl OpKind {
    /// Every type, in exposition order.
    pub const ALL: [OpKind; 10] = [
        OpKind::Bind,
        OpKind::Search,
        OpKind::Add,
        OpKind::Modify,
        OpKind::Delete,
        OpKind::Modrdn,
        OpKind::Compare,
        OpKind::Extended,
        OpKind::Abandon,
        OpKind::Unbind,
    ];

    /// The `op` label value.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Bind => "bind",
            OpKind::Search => "search",
            OpKind::Add => "add",
            OpKind::Modify => "modify",
            OpKind::Delete => "delete",
            OpKind::Modrdn => "modrdn",
            OpKind::Compare => "compare",
            OpKind::Extended => "extended",
            OpKind::Abandon => "abandon",
            OpKind::Unbind => "unbind",
        }
    }
}

/// Upper bounds (seconds) of the latency buckets: a Postfix lookup answers in tens
/// of microseconds, an argon2 bind in tens of milliseconds, a held wrong password
/// in up to 10 s.
pub const LATENCY_BUCKETS: [f64; 18] = [
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The same bounds in nanoseconds, which is what an operation's duration is compared
/// with (integers: no float conversion on the hot path).
const BUCKET_NANOS: [u64; 18] = [
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Result codes are counted at their number; every code the server sends is below.
pub(super) const RESULT_SLOTS: usize = 128;

/// The counters of one operation type.
#[derive(Debug)]
pub(super) struct OpStats {
    /// Operations started.
    pub initiated: Counter,
    /// Finished operations per latency bucket (not cumulative; the last is +Inf).
    pub buckets: [AtomicU64; BUCKET_NANOS.len() + 1],
    /// Total latency of the finished operations, in nanoseconds.
    pub nanos: AtomicU64,
    /// Finished operations per result code sent (abandoned ones sent none).
    pub results: [AtomicU64; RESULT_SLOTS],
}

impl Default for OpStats {
    fn default() -> Self {
        OpStats {
            initiated: Counter::default(),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            nanos: AtomicU64::new(0),
            results: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl OpStats {
    /// Operations finished (the histogram's count).
    pub fn completed(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }
}

/// One [`OpStats`] per [`OpKind`].
#[derive(Debug, Default)]
pub(super) struct OpTable([OpStats; OpKind::ALL.len()]);

impl OpTable {
    pub fn of(&self, kind: OpKind) -> &OpStats {
        &self.0[kind as usize]
    }
}

/// One running operation: counted as initiated when made, as completed (with its
/// latency, result code and entries) when dropped, whichever way it ends.
#[derive(Debug)]
pub struct OpTimer<'m> {
    stats: &'m OpStats,
    entries_returned: &'m Counter,
    started: Instant,
    code: Option<ResultCode>,
    entries: u64,
}

impl<'m> OpTimer<'m> {
    pub(super) fn start(stats: &'m OpStats, entries_returned: &'m Counter) -> Self {
        stats.initiated.inc();
        OpTimer {
            stats,
            entries_returned,
            started: Instant::now(),
            code: None,
            entries: 0,
        }
    }

    /// The operation sent a search entry.
    pub fn entry(&mut self) {
        self.entries += 1;
    }

    /// The operation sent its result with `code`.
    pub fn result(&mut self, code: ResultCode) {
        self.code = Some(code);
    }
}

impl Drop for OpTimer<'_> {
    fn drop(&mut self) {
        let nanos = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKET_NANOS
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(BUCKET_NANOS.len());
        let stats = self.stats;
        stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        stats.nanos.fetch_add(nanos, Ordering::Relaxed);
        if let Some(code) = self.code {
            let slot = (code.as_i32() as usize).min(RESULT_SLOTS - 1);
            stats.results[slot].fetch_add(1, Ordering::Relaxed);
        }
        if self.entries > 0 {
            self.entries_returned.add(self.entries);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_bounds_agree() {
        for (secs, nanos) in LATENCY_BUCKETS.iter().zip(BUCKET_NANOS) {
            assert_eq!((secs * 1e9).round() as u64, nanos);
        }
    }
}
