//! The Prometheus text exposition format (version 0.0.4): a `# HELP` and a `# TYPE`
//! line per metric family, then one `name{labels} value` line per series. Rendered
//! only when scraped, so its cost (formatting, one String) is paid by the scraper.

use super::operations::{OpKind, OpStats, LATENCY_BUCKETS, RESULT_SLOTS};
use super::Metrics;
use crate::password::pool::PoolLoad;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

/// The Content-Type of what [`render`] returns.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric of `metrics`, and the hashing pool's `pool` load, as exposition text.
pub fn render(metrics: &Metrics, pool: PoolLoad) -> String {
    let mut out = Text(String::with_capacity(16 * 1024));
    operations(&mut out, metrics);
    connections(&mut out, metrics);
    throttle(&mut out, metrics, pool);
    out.family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch, in seconds.",
    );
    out.value("process_start_time_seconds", "", metrics.start_time_secs());
    out.family(
        "mailldap_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
    );
    out.value("mailldap_uptime_seconds", "", metrics.uptime_secs());
    out.family(
        "mailldap_build_info",
        "gauge",
        "The running version, as a label.",
    );
    let version = format!("version=\"{}\"", env!("CARGO_PKG_VERSION"));
    out.value("mailldap_build_info", &version, 1);
    out.0
}

/// The text being built.
struct Text(String);

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One series; `labels` is the inside of the braces, already formatted.
    fn value(&mut self, name: &str, labels: &str, value: impl std::fmt::Display) {
        if labels.is_empty() {
            let _ = writeln!(self.0, "{name} {value}");
        } else {
            let _ = writeln!(self.0, "{name}{{{labels}}} {value}");
        }
    }
}

fn per_op(out: &mut Text, metrics: &Metrics, name: &str, value: impl Fn(&OpStats) -> u64) {
    for kind in OpKind::ALL {
        let labels = format!("op=\"{}\"", kind.name());
        out.value(name, &labels, value(metrics.operations.of(kind)));
    }
}

fn operations(out: &mut Text, metrics: &Metrics) {
    let started = "mailldap_operations_initiated_total";
    out.family(started, "counter", "LDAP operations started, by type.");
    per_op(out, metrics, started, |s| s.initiated.get());
    let done = "mailldap_operations_completed_total";
    out.family(
        done,
        "counter",
        "LDAP operations finished (answered, abandoned or cut off), by type.",
    );
    per_op(out, metrics, done, OpStats::completed);
    let results = "mailldap_operation_results_total";
    out.family(
        results,
        "counter",
        "LDAP results sent, by operation type and result code.",
    );
    for kind in OpKind::ALL {
        let stats = metrics.operations.of(kind);
        for code in 0..RESULT_SLOTS {
            let n = stats.results[code].load(Ordering::Relaxed);
            if n > 0 {
                let labels = format!(
                    "op=\"{}\",code=\"{code}\",result=\"{}\"",
                    kind.name(),
                    super::result_names::name(code)
                );
                out.value(results, &labels, n);
            }
        }
    }
    latency(out, metrics);
    let entries = "mailldap_search_entries_returned_total";
    out.family(entries, "counter", "Entries sent by searches.");
    out.value(entries, "", metrics.entries_returned.get());
}

fn latency(out: &mut Text, metrics: &Metrics) {
    let name = "mailldap_operation_duration_seconds";
    out.family(
        name,
        "histogram",
        "Time from reading a request to its last reply, by type.",
    );
    for kind in OpKind::ALL {
        let stats = metrics.operations.of(kind);
        let op = kind.name();
        let mut cumulative = 0;
        for (i, bucket) in stats.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or("+Inf".to_string(), |b| b.to_string());
            let labels = format!("op=\"{op}\",le=\"{le}\"");
            out.value(&format!("{name}_bucket"), &labels, cumulative);
        }
        let secs = stats.nanos.load(Ordering::Relaxed) as f64 / 1e9;
        out.value(&format!("{name}_sum"), &format!("op=\"{op}\""), secs);
        out.value(
            &format!("{name}_count"),
            &format!("op=\"{op}\""),
            cumulative,
        );
    }
}

fn connections(out: &mut Text, metrics: &Metrics) {
    let c = &metrics.connections;
    out.family(
        "mailldap_connections",
        "gauge",
        "Connections being served now.",
    );
    out.value("mailldap_connections", "", c.current.get());
    let accepted = "mailldap_connections_accepted_total";
    out.family(
        accepted,
        "counter",
        "Connections accepted from the sockets, admitted or not.",
    );
    out.value(accepted, "", c.accepted.get());
    let refused = "mailldap_connections_refused_total";
    out.family(
        refused,
        "counter",
        "Connections refused with a Notice of Disconnection, by reason.",
    );
    out.value(refused, "reason=\"address_limit\"", c.refused_address.get());
    out.value(refused, "reason=\"server_full\"", c.refused_full.get());
    let evicted = "mailldap_connections_evicted_total";
    out.family(
        evicted,
        "counter",
        "Connections asked to close to make room, by reason.",
    );
    out.value(evicted, "reason=\"longest_idle\"", c.evicted_idle.get());
    let closed = "mailldap_connections_closed_total";
    out.family(
        closed,
        "counter",
        "Connections closed by a limit, by reason.",
    );
    out.value(closed, "reason=\"idle_timeout\"", c.closed_idle.get());
    out.value(
        closed,
        "reason=\"read_timeout\"",
        c.closed_read_timeout.get(),
    );
    out.value(closed, "reason=\"protocol_error\"", c.closed_protocol.get());
}

fn throttle(out: &mut Text, metrics: &Metrics, pool: PoolLoad) {
    let b = &metrics.binds;
    let refused = "mailldap_bind_guesses_refused_total";
    out.family(
        refused,
        "counter",
        "Binds refused unchecked: the DN's guess budget was spent.",
    );
    out.value(refused, "", b.guesses_refused.get());
    let held = "mailldap_bind_answers_held_total";
    out.family(
        held,
        "counter",
        "Failed binds (wrong or refused unchecked) whose answer the DN's backoff held back.",
    );
    out.value(held, "", b.answers_held.get());
    let delayed = "mailldap_bind_address_delays_total";
    out.family(
        delayed,
        "counter",
        "Binds delayed before their check for their address's failures.",
    );
    out.value(delayed, "", b.address_delayed.get());
    let gauges = [
        (
            "mailldap_hash_pool_threads",
            "Threads of the password hashing pool.",
            pool.threads,
        ),
        (
            "mailldap_hash_pool_busy",
            "Password hashes running now.",
            pool.running,
        ),
        (
            "mailldap_hash_pool_queued",
            "Password hashes waiting for a thread.",
            pool.waiting,
        ),
        (
            "mailldap_hash_pool_queue_limit",
            "Waiting hashes past which one is refused.",
            pool.queue_limit,
        ),
    ];
    for (name, help, value) in gauges {
        out.family(name, "gauge", help);
        out.value(name, "", value);
    }
    let rejected = "mailldap_hash_pool_rejected_total";
    out.family(
        rejected,
        "counter",
        "Password hashes refused because the queue was full (busy).",
    );
    out.value(rejected, "", pool.rejected);
}
