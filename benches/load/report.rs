//! A run's result: computed from the tally and the /proc samples, printed for people
//! or as one JSON object per line (what scripts/bench collects).

use crate::procfs::{self, Sample};
use crate::tally::{self, Quantiles, Tally};
use std::fmt::Write;
use std::time::Duration;

/// Resource use of one process over the measurement window, per operation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    /// CPU microseconds per operation.
    pub cpu_us_per_op: f64,
    /// CPU cores busy on average over the window.
    pub cores: f64,
    /// Voluntary context switches per operation.
    pub voluntary_per_op: f64,
    /// Involuntary context switches per operation.
    pub involuntary_per_op: f64,
    /// The end sample's memory figures.
    pub end: Sample,
}

impl Usage {
    /// Usage between `a` and `b` over `window` for `ops` operations.
    pub fn between(a: &Sample, b: &Sample, window: Duration, ops: u64) -> Usage {
        let (cpu, vol, invol) = procfs::delta(a, b);
        let per = |x: f64| if ops == 0 { f64::NAN } else { x / ops as f64 };
        Usage {
            cpu_us_per_op: per(cpu * 1e6),
            cores: cpu / window.as_secs_f64().max(1e-9),
            voluntary_per_op: per(vol as f64),
            involuntary_per_op: per(invol as f64),
            end: *b,
        }
    }
}

/// Everything one run reports.
#[derive(Debug, Default)]
pub struct Report {
    /// Workload name (postfix, bind, ...).
    pub mode: String,
    /// Which server this was (scripts/bench: mailldap, slapd, slapd-acl, canned).
    pub label: String,
    /// Free key=value pairs passed through (round, pinning, ...).
    pub meta: Vec<(String, String)>,
    /// Concurrent connections.
    pub connections: usize,
    /// Requests outstanding per connection (1 except dovecot).
    pub depth: usize,
    /// Answers were checked against the tree.
    pub verified: bool,
    /// Length of the measurement window.
    pub window: Duration,
    /// Counts.
    pub ops: u64,
    /// Failures in the window.
    pub errors: u64,
    /// Wrong answers (any time).
    pub wrong: u64,
    /// The first failure seen.
    pub first_problem: Option<String>,
    /// Latency quantiles, microseconds.
    pub latency: Option<Quantiles>,
    /// This process.
    pub client: Usage,
    /// The server process, when its pid was given and readable.
    pub server: Option<Usage>,
}

impl Report {
    /// Fills the counts and latencies from a finished tally.
    pub fn take_tally(&mut self, mut t: Tally) {
        self.latency = tally::quantiles(&mut t.latencies_ns);
        self.ops = t.ops();
        self.errors = t.errors;
        self.wrong = t.wrong;
        self.first_problem = t.first_problem;
    }

    /// Operations per second over the window.
    pub fn rate(&self) -> f64 {
        self.ops as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// True when the run must count as failed.
    pub fn failed(&self) -> bool {
        self.wrong > 0 || self.errors > 0 || self.ops == 0
    }

    /// Two or three lines for a terminal.
    pub fn human(&self) -> String {
        let mut s = String::new();
        let q = self.latency.unwrap_or_default();
        let _ = writeln!(
            s,
            "{} {} c={} depth={}: {:.0} ops/s over {:.1} s ({} ops), p50 {:.3} ms, \
             p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms, errors {}, wrong {}{}",
            self.mode,
            self.label,
            self.connections,
            self.depth,
            self.rate(),
            self.window.as_secs_f64(),
            self.ops,
            q.p50 / 1e3,
            q.p99 / 1e3,
            q.p999 / 1e3,
            q.max / 1e3,
            self.errors,
            self.wrong,
            if self.verified {
                ""
            } else {
                " (answers not checked)"
            },
        );
        let c = &self.client;
        let _ = write!(
            s,
            "  client: {:.1} us CPU/op ({:.2} cores), {:.2} vol + {:.2} invol ctx switches/op",
            c.cpu_us_per_op, c.cores, c.voluntary_per_op, c.involuntary_per_op
        );
        if let Some(v) = &self.server {
            let _ = write!(
                s,
                "\n  server: {:.1} us CPU/op ({:.2} cores), {:.2} vol + {:.2} invol ctx switches/op, \
                 RSS {:.1} MiB (anon {:.1}, peak {:.1})",
                v.cpu_us_per_op,
                v.cores,
                v.voluntary_per_op,
                v.involuntary_per_op,
                v.end.rss_kib as f64 / 1024.0,
                v.end.rss_anon_kib as f64 / 1024.0,
                v.end.hwm_kib as f64 / 1024.0,
            );
        }
        if let Some(p) = &self.first_problem {
            let _ = write!(s, "\n  first problem: {p}");
        }
        s
    }

    /// One JSON object on one line.
    pub fn json(&self) -> String {
        let mut j = Json::default();
        j.str("mode", &self.mode);
        j.str("label", &self.label);
        for (k, v) in &self.meta {
            j.str(k, v);
        }
        j.num("connections", self.connections as f64);
        j.num("depth", self.depth as f64);
        j.raw("verified", if self.verified { "true" } else { "false" });
        j.num("seconds", self.window.as_secs_f64());
        j.num("ops", self.ops as f64);
        j.num("ops_per_s", self.rate());
        j.num("errors", self.errors as f64);
        j.num("wrong", self.wrong as f64);
        let q = self.latency;
        for (k, v) in [
            ("p50_us", q.map(|q| q.p50)),
            ("p99_us", q.map(|q| q.p99)),
            ("p999_us", q.map(|q| q.p999)),
            ("max_us", q.map(|q| q.max)),
        ] {
            j.num(k, v.unwrap_or(f64::NAN));
        }
        usage(&mut j, "client", Some(&self.client));
        usage(&mut j, "server", self.server.as_ref());
        match &self.first_problem {
            Some(p) => j.str("first_problem", p),
            None => j.raw("first_problem", "null"),
        }
        j.finish()
    }
}

fn usage(j: &mut Json, who: &str, u: Option<&Usage>) {
    let get = |f: fn(&Usage) -> f64| u.map(f).unwrap_or(f64::NAN);
    j.num(&format!("{who}_cpu_us_per_op"), get(|u| u.cpu_us_per_op));
    j.num(&format!("{who}_cores"), get(|u| u.cores));
    j.num(&format!("{who}_vcsw_per_op"), get(|u| u.voluntary_per_op));
    j.num(
        &format!("{who}_nvcsw_per_op"),
        get(|u| u.involuntary_per_op),
    );
    j.num(&format!("{who}_rss_kib"), get(|u| u.end.rss_kib as f64));
    j.num(
        &format!("{who}_rss_anon_kib"),
        get(|u| u.end.rss_anon_kib as f64),
    );
    j.num(&format!("{who}_hwm_kib"), get(|u| u.end.hwm_kib as f64));
}

/// A flat JSON object written key by key.
#[derive(Default)]
struct Json(String);

impl Json {
    fn key(&mut self, k: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        quote(&mut self.0, k);
        self.0.push(':');
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        quote(&mut self.0, v);
    }

    /// Numbers; NaN (not measured) is null.
    fn num(&mut self, k: &str, v: f64) {
        self.key(k);
        if v.is_finite() {
            let _ = write!(self.0, "{}", (v * 1000.0).round() / 1000.0);
        } else {
            self.0.push_str("null");
        }
    }

    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.0.push_str(v);
    }

    fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_flat_and_escaped() {
        let r = Report {
            mode: "postfix".into(),
            label: "a\"b".into(),
            meta: vec![("round".into(), "1".into())],
            ops: 10,
            window: Duration::from_secs(2),
            first_problem: Some("line\nbreak".into()),
            ..Report::default()
        };
        let j = r.json();
        assert!(j.starts_with("{\"mode\":\"postfix\",\"label\":\"a\\\"b\",\"round\":\"1\","));
        assert!(j.contains("\"ops_per_s\":5,"));
        assert!(j.contains("\"p50_us\":null"));
        assert!(j.contains("\"server_cpu_us_per_op\":null"));
        assert!(j.ends_with("\"first_problem\":\"line\\u000abreak\"}"));
    }
}
