//! Every input the fuzzers crashed, hung or exhausted memory on (fuzz/regressions/<target>/)
//! and every seed (fuzz/corpus/<target>/), fed through the same entry points the
//! cargo-fuzz targets call (mailldap::fuzzing): none may panic, and each must finish in
//! bounded time. scripts/fuzz runs the fuzzers themselves; this runs in every test pass.

use mailldap::fuzzing;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest any one input may take (a debug build on a loaded machine; the hangs the
/// fuzzers found took minutes).
const BOUND: Duration = Duration::from_secs(10);

/// A fuzz target's entry point.
type Entry = fn(&[u8]);

/// Each target's directory name and entry point.
const TARGETS: &[(&str, Entry)] = &[
    ("ldap_message", fuzzing::ldap_message),
    ("filter_string", fuzzing::filter_string),
    ("dn_string", fuzzing::dn_string),
    ("ldif", fuzzing::ldif),
    ("schema_file", fuzzing::schema_file),
    ("password", fuzzing::password),
];

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs every file of `fuzz/<kind>/<target>/` through the target's entry point.
fn run_all(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    let mut count = 0;
    for (target, entry) in TARGETS {
        for file in inputs(&root.join(target)) {
            let data = std::fs::read(&file).expect("readable input");
            let started = Instant::now();
            entry(&data);
            let took = started.elapsed();
            assert!(took < BOUND, "{} took {took:?}", file.display());
            count += 1;
        }
    }
    count
}

#[test]
fn saved_crashes_no_longer_crash() {
    let n = run_all("regressions");
    assert!(n > 0, "fuzz/regressions/ holds no inputs");
}

#[test]
fn seeds_run_cleanly() {
    let n = run_all("corpus");
    assert!(n >= TARGETS.len(), "fuzz/corpus/ lacks seeds");
}
