//! kill -9 safety: a child process (this binary's `crash-child`) commits new keys one
//! durable transaction at a time and prints each key once its commit returned; the
//! parent SIGKILLs it mid-stream, reopens the store and checks that it opens, that
//! every acknowledged key is there with the right value, and that no transaction
//! landed in one table but not the other.

use crate::data::record;
use crate::engine::{Kind, Op, Table};
use anyhow::{Context as _, Result};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Record version of the crash keys, distinct from the import's.
const VERSION: u32 = 7;

/// The `dn2id` key the child files key `k` under.
fn crash_dn(k: u64) -> Vec<u8> {
    format!("o=crash\0cn=key{k}\0").into_bytes()
}

/// The child: commit keys 0, 1, 2, ... (record in `id2entry`, name in `dn2id`, one
/// transaction each) and print each key after its commit is durable, until killed.
pub fn child(kind: Kind, dir: &Path, cache_mb: u64) -> Result<()> {
    let engine = kind.open(dir, cache_mb)?;
    let mut out = std::io::stdout().lock();
    for k in 0u64.. {
        let (id, rec, dn) = (k.to_be_bytes(), record(k, VERSION), crash_dn(k));
        engine.commit(&[
            Op::Put(Table::Id2Entry, &id, &rec),
            Op::Put(Table::Dn2Id, &dn, &id),
        ])?;
        // Acknowledged only now: the parent holds the engine to every key it reads.
        writeln!(out, "{k}")?;
        out.flush()?;
    }
    Ok(())
}

/// What one kill found.
#[derive(Debug)]
pub struct Outcome {
    /// Keys the child acknowledged before it died.
    pub acked: usize,
    /// Keys found after reopening (one more than acknowledged is fine: committed,
    /// killed before it printed).
    pub found: usize,
    /// Why the trial failed, if it did.
    pub problem: Option<String>,
}

/// Run the child in the empty directory `dir`, SIGKILL it after `after`, and check
/// the store it leaves.
pub fn trial(kind: Kind, dir: &Path, cache_mb: u64, after: Duration) -> Result<Outcome> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["crash-child", "--engine", kind.name(), "--cache-mb"])
        .arg(cache_mb.to_string())
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the crash child")?;
    let stdout = child.stdout.take().context("child stdout")?;
    // Read as the child writes, so its pipe never fills and blocks it.
    let reader = std::thread::spawn(move || {
        let lines = BufReader::new(stdout).lines().map_while(|l| l.ok());
        lines
            .filter_map(|l| l.parse::<u64>().ok())
            .collect::<Vec<_>>()
    });
    std::thread::sleep(after);
    let early = child.try_wait()?;
    // std's Child::kill is SIGKILL on Unix: no chance for the child to flush or clean up.
    child.kill().ok();
    child.wait()?;
    let acked = reader.join().expect("reader thread");
    if let Some(status) = early {
        let problem = format!("child ended by itself before the kill ({status})");
        return Ok(failed(acked.len(), problem));
    }
    Ok(check(kind, dir, cache_mb, &acked))
}

fn failed(acked: usize, problem: String) -> Outcome {
    Outcome {
        acked,
        found: 0,
        problem: Some(problem),
    }
}

/// Reopen the killed child's store and hold it to `acked`.
fn check(kind: Kind, dir: &Path, cache_mb: u64, acked: &[u64]) -> Outcome {
    if acked.is_empty() {
        return failed(0, "the child acknowledged nothing before the kill".into());
    }
    let engine = match kind.open(dir, cache_mb) {
        Ok(e) => e,
        Err(e) => return failed(acked.len(), format!("reopening failed: {e:#}")),
    };
    let tables = engine
        .rows(Table::Id2Entry)
        .and_then(|r| Ok((r, engine.rows(Table::Dn2Id)?)));
    let (records, names) = match tables {
        Ok(t) => t,
        Err(e) => return failed(acked.len(), format!("reading back failed: {e:#}")),
    };
    let names: HashMap<Vec<u8>, Vec<u8>> = names.into_iter().collect();
    let mut found = HashSet::new();
    let mut problem = None;
    for (key, value) in &records {
        let k = match <[u8; 8]>::try_from(key.as_slice()) {
            Ok(b) => u64::from_be_bytes(b),
            Err(_) => {
                problem = Some(format!("id2entry holds a {}-byte key", key.len()));
                continue;
            }
        };
        found.insert(k);
        if *value != record(k, VERSION) {
            problem = Some(format!("key {k}: record differs from what was written"));
        } else if names.get(&crash_dn(k)) != Some(key) {
            problem = Some(format!("key {k}: in id2entry but not dn2id (not atomic)"));
        }
    }
    if names.len() != records.len() {
        let n = (names.len(), records.len());
        problem = Some(format!(
            "{} dn2id rows for {} records (not atomic)",
            n.0, n.1
        ));
    }
    let lost = acked.iter().filter(|k| !found.contains(k)).count();
    if lost > 0 {
        problem = Some(format!("{lost} of {} acknowledged keys lost", acked.len()));
    }
    Outcome {
        acked: acked.len(),
        found: found.len(),
        problem,
    }
}
