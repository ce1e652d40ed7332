//! What the kernel says a process used: CPU time of all its threads (/proc/PID/stat),
//! context switches summed over its live threads (/proc/PID/task/*/status) and memory
//! (/proc/PID/status). Sampled at the start and end of the measurement window.

use std::path::Path;

/// Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux port).
const TICKS_PER_SEC: f64 = 100.0;

/// One reading of a process.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sample {
    /// User + system CPU seconds of the whole process (threads that exited included).
    pub cpu_secs: f64,
    /// Voluntary context switches (waits), summed over the live threads.
    pub voluntary: u64,
    /// Involuntary context switches (preemptions), summed over the live threads.
    pub involuntary: u64,
    /// Resident set, KiB.
    pub rss_kib: u64,
    /// Peak resident set, KiB.
    pub hwm_kib: u64,
    /// Resident anonymous memory (heap, not file-backed or shared pages), KiB.
    pub rss_anon_kib: u64,
}

/// Reads process `pid` ("self" for this one); None if it is gone or unreadable.
pub fn sample(pid: &str) -> Option<Sample> {
    let base = Path::new("/proc").join(pid);
    let stat = std::fs::read_to_string(base.join("stat")).ok()?;
    // Fields after the parenthesised command name (which may hold spaces):
    // state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(base.join("status")).ok()?;
    let mut s = Sample {
        cpu_secs: (utime + stime) / TICKS_PER_SEC,
        rss_kib: field(&status, "VmRSS:"),
        hwm_kib: field(&status, "VmHWM:"),
        rss_anon_kib: field(&status, "RssAnon:"),
        ..Sample::default()
    };
    for task in std::fs::read_dir(base.join("task")).ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        s.voluntary += field(&text, "voluntary_ctxt_switches:");
        s.involuntary += field(&text, "nonvoluntary_ctxt_switches:");
    }
    Some(s)
}

/// A numeric field of a /proc status file (first number after the name), 0 if absent.
fn field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Usage between two samples: CPU seconds, voluntary and involuntary switches.
pub fn delta(a: &Sample, b: &Sample) -> (f64, u64, u64) {
    (
        (b.cpu_secs - a.cpu_secs).max(0.0),
        b.voluntary.saturating_sub(a.voluntary),
        b.involuntary.saturating_sub(a.involuntary),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_can_be_sampled() {
        let s = super::sample("self").expect("/proc/self");
        assert!(s.rss_kib > 0);
        assert!(s.voluntary + s.involuntary > 0);
    }
}
