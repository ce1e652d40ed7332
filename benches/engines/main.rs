//! `mailldap-engines`: sled, redb and LMDB measured on mailldap's store layout
//! (`id2entry`, `dn2id`, `index`; see src/store), with generated mail accounts:
//! durable bulk import, disk use, point lookups and index scans, durable concurrent
//! writers, and kill -9 safety. scripts/bench-engines runs it into docs/ENGINES.md.
//!
//! ```text
//! mailldap-engines --entries 1000000 --engines sled,redb,lmdb --seconds 5
//! mailldap-engines crash-child --engine lmdb --dir D    (started by the crash test)
//! ```

mod crash;
mod data;
mod engine;
mod lmdb_engine;
mod measure;
mod redb_engine;
mod report;
mod sled_engine;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};
use engine::Kind;
use report::{emit, rate_fields, EngineResult};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "mailldap-engines",
    about = "Storage engines (sled, redb, LMDB) on mailldap's store layout"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Accounts in the store.
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Domains the accounts are spread over.
    #[arg(long, default_value_t = 1_000)]
    domains: u64,
    /// Seconds per timed run (lookups, each scan, writers).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Engines to measure, comma-separated, in this order.
    #[arg(long, default_value = "sled,redb,lmdb")]
    engines: String,
    /// Directory for the stores (default: a fresh one under /tmp, removed at the end).
    /// Each engine's store is removed once measured.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// In-process cache of sled and redb, MiB (mailldap's default for sled).
    #[arg(long, default_value_t = 512)]
    cache_mb: u64,
    /// Durable writer threads.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// kill -9 trials per engine.
    #[arg(long, default_value_t = 3)]
    crash_runs: usize,
    /// Also write the final Markdown table to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Write durable keys until killed (the crash test's child; not for direct use).
    CrashChild {
        /// Engine to write.
        #[arg(long)]
        engine: String,
        /// Its (empty) store directory.
        #[arg(long)]
        dir: PathBuf,
        /// As for the benchmark.
        #[arg(long, default_value_t = 512)]
        cache_mb: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Some(Command::CrashChild {
            engine,
            dir,
            cache_mb,
        }) => Kind::parse(engine).and_then(|k| crash::child(k, dir, *cache_mb)),
        None => bench(&cli),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mailldap-engines: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Generate the data once, measure each engine in turn, print the table.
fn bench(cli: &Cli) -> Result<()> {
    let kinds = cli.engines.split(',').map(Kind::parse);
    let kinds = kinds.collect::<Result<Vec<_>>>()?;
    if cli.entries < 100 || cli.writers == 0 || cli.seconds <= 0.0 {
        bail!("need --entries >= 100, --writers >= 1 and --seconds > 0");
    }
    let (root, temporary) = match &cli.dir {
        Some(d) => (d.clone(), false),
        None => (fresh_temp_dir()?, true),
    };
    let shape = data::Shape {
        entries: cli.entries,
        domains: cli.domains,
    };
    eprintln!("generating {} entries...", shape.entries);
    let start = Instant::now();
    let data = data::Dataset::generate(shape);
    let fields = json!({ "entries": shape.entries, "domains": shape.domains,
        "dn2id_rows": data.dn2id.len(), "index_rows": data.index.len(),
        "seconds": start.elapsed().as_secs_f64() });
    emit("-", "dataset", fields);
    let mut results = Vec::new();
    let mut failures = 0;
    for kind in kinds {
        match bench_engine(cli, kind, &root.join(kind.name()), &data) {
            Ok(r) => results.push(r),
            Err(e) => {
                failures += 1;
                eprintln!("{}: {e:#}", kind.name());
                emit(kind.name(), "error", json!({ "error": format!("{e:#}") }));
            }
        }
    }
    if temporary {
        std::fs::remove_dir_all(&root).ok();
    }
    let table = report::markdown(&results);
    println!("\n{table}");
    if let Some(path) = &cli.markdown {
        std::fs::write(path, &table).with_context(|| format!("writing {}", path.display()))?;
    }
    match failures {
        0 => Ok(()),
        n => bail!("{n} engine(s) failed to run"),
    }
}

/// A new empty directory under /tmp for this run's stores.
fn fresh_temp_dir() -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let name = format!(
        "mailldap-engines-{}-{}",
        std::process::id(),
        nanos.as_nanos()
    );
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Every measurement of one engine, in a store directory `dir` of its own.
fn bench_engine(cli: &Cli, kind: Kind, dir: &Path, data: &data::Dataset) -> Result<EngineResult> {
    let name = kind.name();
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let store = dir.join("store");
    eprintln!("{name}: import");
    let engine = kind.open(&store, cli.cache_mb)?;
    let import_s = measure::import(&*engine, data)?;
    drop(engine);
    let entries = data.shape.entries;
    emit(
        name,
        "import",
        json!({ "entries": entries, "seconds": import_s,
        "entries_per_s": entries as f64 / import_s }),
    );
    let (allocated, apparent) = engine::disk_usage(&store)?;
    emit(
        name,
        "disk",
        json!({ "allocated_bytes": allocated, "apparent_bytes": apparent }),
    );
    let start = Instant::now();
    let engine = kind.open(&store, cli.cache_mb)?;
    let open_s = start.elapsed().as_secs_f64();
    emit(name, "reopen", json!({ "seconds": open_s }));
    let timed = timed_runs(cli, name, &*engine, data)?;
    drop(engine);
    std::fs::remove_dir_all(&store)?;
    let (passed, problems) = crash_trials(cli, kind, &dir.join("crash"))?;
    std::fs::remove_dir_all(dir).ok();
    Ok(EngineResult {
        name,
        import_s,
        entries,
        disk_allocated: allocated,
        disk_apparent: apparent,
        open_s,
        lookup1: timed[0],
        lookup2: timed[1],
        scan_mail: timed[2],
        scan_oc: timed[3],
        writes: timed[4],
        writers: cli.writers,
        crash_passed: passed,
        crash_runs: cli.crash_runs,
        crash_problems: problems,
    })
}

/// Lookups on 1 and 2 threads, the two scans, then the durable writers (last: they
/// change the store). A warm-up pass of lookups first, unmeasured, so that every
/// engine starts from a warm cache rather than whatever the import left.
fn timed_runs(
    cli: &Cli,
    name: &str,
    engine: &dyn engine::Engine,
    data: &data::Dataset,
) -> Result<[measure::Rate; 5]> {
    let secs = Duration::from_secs_f64(cli.seconds);
    let queries = measure::queries(data);
    eprintln!("{name}: warm-up, lookups, scans");
    measure::lookups(engine, data, &queries, 2, secs)?;
    let lookup1 = measure::lookups(engine, data, &queries, 1, secs)?;
    emit(
        name,
        "lookup",
        json!({ "threads": 1, "rate": rate_fields(&lookup1) }),
    );
    let lookup2 = measure::lookups(engine, data, &queries, 2, secs)?;
    emit(
        name,
        "lookup",
        json!({ "threads": 2, "rate": rate_fields(&lookup2) }),
    );
    let scan_mail = measure::scans(engine, data.shape, true, secs)?;
    emit(
        name,
        "scan_mail_eq",
        json!({ "ids": 1, "rate": rate_fields(&scan_mail) }),
    );
    let scan_oc = measure::scans(engine, data.shape, false, secs)?;
    let ids = measure::SCAN_LIMIT;
    emit(
        name,
        "scan_objectclass",
        json!({ "ids": ids, "rate": rate_fields(&scan_oc) }),
    );
    eprintln!("{name}: {} durable writers", cli.writers);
    let writes = measure::writers(engine, data.shape, cli.writers, secs)?;
    let fields = json!({ "threads": cli.writers, "rate": rate_fields(&writes) });
    emit(name, "durable_writers", fields);
    Ok([lookup1, lookup2, scan_mail, scan_oc, writes])
}

/// `cli.crash_runs` kill -9 trials, each in a fresh directory under `dir`, killed a
/// little later each time so the kills land at different points of a commit.
fn crash_trials(cli: &Cli, kind: Kind, dir: &Path) -> Result<(usize, Vec<String>)> {
    let (mut passed, mut problems) = (0, Vec::new());
    for run in 0..cli.crash_runs {
        eprintln!("{}: kill -9 trial {}", kind.name(), run + 1);
        let trial_dir = dir.join(format!("trial{run}"));
        let after = Duration::from_millis(1000 + 137 * run as u64);
        let outcome = crash::trial(kind, &trial_dir, cli.cache_mb, after)?;
        let fields = json!({ "run": run + 1, "kill_after_ms": after.as_millis() as u64,
            "acked": outcome.acked, "found": outcome.found,
            "passed": outcome.problem.is_none(), "problem": outcome.problem });
        emit(kind.name(), "kill9", fields);
        match outcome.problem {
            None => passed += 1,
            Some(p) => problems.push(format!("trial {}: {p}", run + 1)),
        }
        std::fs::remove_dir_all(&trial_dir).ok();
    }
    Ok((passed, problems))
}
