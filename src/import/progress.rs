//! What an import shows while it runs: a progress line on stderr when stderr is a
//! terminal, redrawn a few times a second, and the summary line every import ends
//! with (records, seconds, records per second).

use super::ImportReport;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Time between two redraws of the progress line.
const REDRAW: Duration = Duration::from_millis(250);

/// The progress line of records applied out of `total` (drawn only when asked).
pub(super) struct Progress {
    shown: bool,
    total: usize,
    started: Instant,
    drawn: Instant,
}

impl Progress {
    /// A progress line for `total` records, drawn only when `shown`.
    pub(super) fn new(shown: bool, total: usize) -> Progress {
        let now = Instant::now();
        Progress {
            shown,
            total,
            started: now,
            drawn: now,
        }
    }

    /// `done` records are applied: redraw if the last redraw is old enough.
    pub(super) fn tick(&mut self, done: usize) {
        if !self.shown || !done.is_multiple_of(256) {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.drawn) < REDRAW {
            return;
        }
        self.drawn = now;
        let percent = done * 100 / self.total.max(1);
        let rate = per_second(done, now.duration_since(self.started));
        let width = 30 * done / self.total.max(1);
        let bar = format!("{}{}", "#".repeat(width), ".".repeat(30 - width.min(30)));
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{bar}] {done}/{} records ({percent}%), {rate:.0} records/s ",
            self.total
        );
        let _ = err.flush();
    }

    /// Replace the progress line with `what` comes after the records.
    pub(super) fn phase(&mut self, what: &str) {
        if self.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K{what} ...");
        }
    }
}

/// The line is cleared when the import ends, done or failed: the summary or the
/// error takes its place.
impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

/// `count` per `elapsed` second.
fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-6)
}

/// The line an import ends with, e.g. "imported 124002 records into /var/lib/mailldap
/// in 6.1 s (20300 records/s)".
pub fn summary(report: &ImportReport, data_dir: &Path) -> String {
    let seconds = report.elapsed.as_secs_f64();
    format!(
        "imported {} records into {} in {seconds:.1} s ({:.0} records/s)",
        report.records,
        data_dir.display(),
        per_second(report.records, report.elapsed)
    )
}
