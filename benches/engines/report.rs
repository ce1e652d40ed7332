//! Output: one JSON line per measurement as it is taken (stdout), and the Markdown
//! table of every engine's figures at the end.

use crate::measure::Rate;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Print one measurement of `engine` as a JSON line, `fields` merged in.
pub fn emit(engine: &str, test: &str, fields: Value) {
    let mut line = json!({ "engine": engine, "test": test });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    println!("{line}");
}

/// A [`Rate`] as JSON fields.
pub fn rate_fields(rate: &Rate) -> Value {
    json!({
        "ops": rate.ops,
        "seconds": round(rate.seconds, 3),
        "ops_per_s": round(rate.per_second(), 1),
        "cpu_us_per_op": round(rate.cpu_us_per_op, 2),
        "cores": round(rate.cores, 2),
        "preempted": rate.preempted,
        "major_faults": rate.major_faults,
    })
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// Everything measured of one engine.
#[derive(Debug)]
pub struct EngineResult {
    /// The engine's name.
    pub name: &'static str,
    /// Import wall-clock seconds, durable at the end.
    pub import_s: f64,
    /// Entries imported.
    pub entries: u64,
    /// Bytes allocated on disk after import (st_blocks * 512).
    pub disk_allocated: u64,
    /// Apparent size of the files after import.
    pub disk_apparent: u64,
    /// Seconds to reopen the imported store.
    pub open_s: f64,
    /// Point lookups, one thread.
    pub lookup1: Rate,
    /// Point lookups, two threads.
    pub lookup2: Rate,
    /// `mail` equality index scans (one id).
    pub scan_mail: Rate,
    /// objectClass index scans (first 100 ids).
    pub scan_oc: Rate,
    /// Durable writers.
    pub writes: Rate,
    /// Writer threads.
    pub writers: usize,
    /// kill -9 trials passed, and run.
    pub crash_passed: usize,
    /// kill -9 trials run.
    pub crash_runs: usize,
    /// Why trials failed.
    pub crash_problems: Vec<String>,
}

fn mib(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / (1 << 20) as f64)
}

fn ops(r: &Rate) -> String {
    format!("{:.0}", r.per_second())
}

/// CPU per op, and the cores the process got meanwhile: fewer than its threads means
/// they waited, which reads differently from being slow.
fn cpu(r: &Rate) -> String {
    format!("{:.1} ({:.2} cores)", r.cpu_us_per_op, r.cores)
}

/// How one table row formats an engine's figure.
type Cell = dyn Fn(&EngineResult) -> String;

/// The Markdown table: one row per figure, one column per engine.
pub fn markdown(results: &[EngineResult]) -> String {
    let mut out = String::from("| |");
    for r in results {
        let _ = write!(out, " {} |", r.name);
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(results.len()));
    out.push('\n');
    let rows: [(&str, &Cell); 15] = [
        ("import, durable (s)", &|r| format!("{:.1}", r.import_s)),
        ("import (entries/s)", &|r| {
            format!("{:.0}", r.entries as f64 / r.import_s)
        }),
        ("disk allocated (MiB)", &|r| mib(r.disk_allocated)),
        ("disk apparent (MiB)", &|r| mib(r.disk_apparent)),
        ("reopen after import (s)", &|r| format!("{:.2}", r.open_s)),
        ("lookup, 1 thread (ops/s)", &|r| ops(&r.lookup1)),
        ("lookup, 1 thread (CPU µs/op, cores used)", &|r| {
            cpu(&r.lookup1)
        }),
        ("lookup, 2 threads (ops/s)", &|r| ops(&r.lookup2)),
        ("lookup, 2 threads (CPU µs/op, cores used)", &|r| {
            cpu(&r.lookup2)
        }),
        ("scan mail= , 1 id (ops/s)", &|r| ops(&r.scan_mail)),
        ("scan objectClass, 100 ids (ops/s)", &|r| ops(&r.scan_oc)),
        ("scan objectClass (CPU µs/op, cores used)", &|r| {
            cpu(&r.scan_oc)
        }),
        ("durable writers (commits/s)", &|r| {
            format!("{} ({} threads)", ops(&r.writes), r.writers)
        }),
        ("durable writers (CPU µs/commit, cores used)", &|r| {
            cpu(&r.writes)
        }),
        ("kill -9 trials passed", &|r| {
            format!("{}/{}", r.crash_passed, r.crash_runs)
        }),
    ];
    for (label, cell) in rows {
        let _ = write!(out, "| {label} |");
        for r in results {
            let _ = write!(out, " {} |", cell(r));
        }
        out.push('\n');
    }
    for r in results {
        for p in &r.crash_problems {
            let _ = writeln!(out, "\n{} kill -9 failure: {p}", r.name);
        }
    }
    out
}
