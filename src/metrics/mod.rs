//! The server's counters, in one place: operations by type with their results,
//! latencies and returned entries (operations.rs), connections, and the bind
//! throttle. Every counter is a relaxed atomic the hot path bumps with one
//! instruction, never a lock and never an allocation; gauges that already exist
//! elsewhere (the hashing pool's queue) are read when scraped, not mirrored.
//! exposition.rs renders all of it as Prometheus text, http.rs serves that on the
//! optional `[metrics] listen` address, monitor.rs shows it as slapd's cn=Monitor.

mod exposition;
pub mod http;
pub mod monitor;
mod operations;
mod result_names;

pub use exposition::render;
pub use operations::{OpKind, OpTimer, LATENCY_BUCKETS};

use operations::OpTable;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Count one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Count `n`.
    pub fn add(&self, n: u64) {
        // Relaxed: each counter is read on its own; no other memory depends on it.
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (connections being served).
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    /// One more, until the returned guard is dropped: a panicking task still gives
    /// its count back.
    pub fn hold(&self) -> GaugeHold<'_> {
        self.0.fetch_add(1, Ordering::Relaxed);
        GaugeHold(self)
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One unit of a [`Gauge`], given back on drop.
#[derive(Debug)]
pub struct GaugeHold<'g>(&'g Gauge);

impl Drop for GaugeHold<'_> {
    fn drop(&mut self) {
        self.0 .0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What happens to connections: admitted, refused, evicted, closed by a limit.
#[derive(Debug, Default)]
pub struct ConnectionCounters {
    /// Connections being served now (admitted and not yet gone).
    pub current: Gauge,
    /// Connections accepted from the sockets, admitted or not.
    pub accepted: Counter,
    /// Refused: the source address holds max_connections_per_address already.
    pub refused_address: Counter,
    /// Refused: full, and the evicted connections have not gone yet.
    pub refused_full: Counter,
    /// Asked to close because the server was full and they had been idle longest.
    pub evicted_idle: Counter,
    /// Closed after idle_timeout_secs without a request.
    pub closed_idle: Counter,
    /// Closed because a request did not arrive complete within read_timeout_secs.
    pub closed_read_timeout: Counter,
    /// Closed because the framing refused what the client sent.
    pub closed_protocol: Counter,
}

/// What the bind throttle did (src/throttle.rs, src/ops/bind.rs).
#[derive(Debug, Default)]
pub struct BindCounters {
    /// Attempts refused unchecked because the DN's guess budget was spent.
    pub guesses_refused: Counter,
    /// Failed binds (wrong or refused) whose answer was held back by the DN's backoff.
    pub answers_held: Counter,
    /// Binds that waited before their check for their source address's failures.
    pub address_delayed: Counter,
}

/// Every counter of the server; one lives in the shared state.
#[derive(Debug)]
pub struct Metrics {
    /// When the process started serving (wall clock, for process_start_time_seconds).
    started: SystemTime,
    /// The same moment on the monotonic clock (for the uptime).
    started_at: Instant,
    operations: OpTable,
    /// Entries sent by searches.
    pub entries_returned: Counter,
    /// Connections.
    pub connections: ConnectionCounters,
    /// The bind throttle.
    pub binds: BindCounters,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: SystemTime::now(),
            started_at: Instant::now(),
            operations: OpTable::default(),
            entries_returned: Counter::default(),
            connections: ConnectionCounters::default(),
            binds: BindCounters::default(),
        }
    }
}

impl Metrics {
    /// Start timing one operation of `kind`; its result, entries and latency are
    /// counted when the timer is dropped.
    pub fn operation(&self, kind: OpKind) -> OpTimer<'_> {
        OpTimer::start(self.operations.of(kind), &self.entries_returned)
    }

    /// Operations of `kind` started so far (cn=Monitor's monitorOpInitiated).
    pub fn initiated(&self, kind: OpKind) -> u64 {
        self.operations.of(kind).initiated.get()
    }

    /// Operations of `kind` finished so far (monitorOpCompleted).
    pub fn completed(&self, kind: OpKind) -> u64 {
        self.operations.of(kind).completed()
    }

    /// Seconds since the Unix epoch at which the server started.
    pub fn start_time_secs(&self) -> f64 {
        self.started
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    /// Seconds the server has been running.
    pub fn uptime_secs(&self) -> f64 {
        self.started_at.elapsed().as_secs_f64()
    }
}

#[cfg(test)]
mod tests;
