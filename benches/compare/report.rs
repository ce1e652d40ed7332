//! The results as a table: printed to stdout and written as docs/BENCHMARKS.md with
//! the machine it ran on.

use std::fmt::Write as _;
use std::time::Duration;

/// One row: what was measured, mailldap's value, slapd's value, and the ratio of the
/// two when both are numbers (mailldap / slapd).
pub struct Row {
    pub metric: String,
    pub mailldap: String,
    pub slapd: String,
    pub ratio: String,
}

/// Rows grouped under headings.
#[derive(Default)]
pub struct Table {
    pub sections: Vec<(String, Vec<Row>)>,
}

impl Table {
    /// Starts a new heading.
    pub fn section(&mut self, title: &str) {
        self.sections.push((title.to_string(), Vec::new()));
    }

    /// Adds a row of numbers shown with `unit`; the ratio is mailldap / slapd.
    pub fn num(&mut self, metric: &str, m: f64, s: f64, unit: &str, decimals: usize) {
        let ratio = if s > 0.0 && m.is_finite() {
            format!("{:.2}x", m / s)
        } else {
            "-".into()
        };
        self.push(Row {
            metric: metric.to_string(),
            mailldap: format!("{m:.decimals$}{unit}"),
            slapd: format!("{s:.decimals$}{unit}"),
            ratio,
        });
    }

    /// Adds a row of free text.
    pub fn text(&mut self, metric: &str, m: String, s: String) {
        self.push(Row {
            metric: metric.to_string(),
            mailldap: m,
            slapd: s,
            ratio: "-".into(),
        });
    }

    fn push(&mut self, row: Row) {
        if self.sections.is_empty() {
            self.section("results");
        }
        if let Some((_, rows)) = self.sections.last_mut() {
            rows.push(row);
        }
    }

    /// A fixed-width table for the terminal.
    pub fn plain(&self) -> String {
        let rows = self.sections.iter().flat_map(|(_, r)| r);
        let w0 = rows
            .clone()
            .map(|r| r.metric.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let w1 = rows
            .clone()
            .map(|r| r.mailldap.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let w2 = rows.map(|r| r.slapd.len()).max().unwrap_or(5).max(5);
        let mut out = format!(
            "{:w0$}  {:>w1$}  {:>w2$}  ratio\n",
            "metric", "mailldap", "slapd"
        );
        for (title, rows) in &self.sections {
            let _ = writeln!(out, "-- {title}");
            for r in rows {
                let _ = writeln!(
                    out,
                    "{:w0$}  {:>w1$}  {:>w2$}  {}",
                    r.metric, r.mailldap, r.slapd, r.ratio
                );
            }
        }
        out
    }

    /// Markdown tables, one per heading.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for (title, rows) in &self.sections {
            let _ = writeln!(out, "### {title}\n");
            out.push_str(
                "| metric | mailldap | slapd | mailldap / slapd |\n| --- | ---: | ---: | ---: |\n",
            );
            for r in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    r.metric, r.mailldap, r.slapd, r.ratio
                );
            }
            out.push('\n');
        }
        out
    }
}

/// Milliseconds as a float, for latency rows.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// nproc, CPU model, RAM and kernel, from /proc.
pub fn machine() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    // Other work on the machine skews every number; the load average says how much.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "nproc {nproc}, CPU {model}, RAM {:.1} GiB, Linux {}, load average at start {}",
        ram_kib as f64 / 1024.0 / 1024.0,
        kernel.trim(),
        load.join(" ")
    )
}

/// slapd's version line (`slapd -VV` writes it to stderr).
pub fn slapd_version() -> String {
    std::process::Command::new("/usr/sbin/slapd")
        .arg("-VV")
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stderr).into_owned();
            text.lines()
                .find(|l| l.contains("slapd"))
                .map(|l| l.trim().trim_start_matches('@').trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
