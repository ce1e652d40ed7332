//! The timed parts: import, point lookups, index scans and durable writers, each
//! through the [`Engine`] trait so every engine runs exactly the same loop.

use crate::data::{object_class_prefix, record, Dataset, Shape};
use crate::engine::{Batch, Engine, Op, Table};
use anyhow::{bail, Result};
use rand::{Rng as _, SeedableRng as _};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Random lookups drawn before timing, so that the loop does no rng or formatting.
const QUERIES: usize = 1 << 20;

/// Operations between two looks at the clock: a lookup costs a few microseconds,
/// so reading the clock after each one would show in the figure.
const CLOCK_EVERY: u64 = 8;

/// Ids fetched from the objectClass key, as a paged or size-limited search would.
pub const SCAN_LIMIT: usize = 100;

/// What a timed run did.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Operations completed by all threads.
    pub ops: u64,
    /// Wall-clock seconds from the first thread's start to the last one's end.
    pub seconds: f64,
    /// Process CPU (user + system, every thread, the engines' own included) per op.
    pub cpu_us_per_op: f64,
    /// Process CPU seconds per wall second: below the thread count, the threads waited
    /// (on locks, on disk, or for a core another process held; see `preempted`).
    pub cores: f64,
    /// Involuntary context switches: how often another runnable thread or process
    /// took a core from this one (the machine is shared).
    pub preempted: u64,
    /// Page faults that had to read from disk (a warm cache has none).
    pub major_faults: u64,
}

impl Rate {
    /// Operations per second.
    pub fn per_second(&self) -> f64 {
        self.ops as f64 / self.seconds
    }
}

/// What the kernel counts for this process, all threads together.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User + system CPU microseconds.
    pub cpu_us: u64,
    /// Involuntary context switches.
    pub preempted: u64,
    /// Major page faults.
    pub major_faults: u64,
}

/// This process's [`Usage`] so far (zero if getrusage fails, which it cannot here).
pub fn usage() -> Usage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the memory we own and pass, and reads
    // nothing; the struct is plain integers, so it is initialised once rc is 0.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return Usage::default();
        }
        usage.assume_init()
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Usage {
        cpu_us: micros(usage.ru_utime) + micros(usage.ru_stime),
        preempted: usage.ru_nivcsw as u64,
        major_faults: usage.ru_majflt as u64,
    }
}

/// Load every row of `data` into the empty `engine`, sorted, then make it durable;
/// returns the seconds taken. The sorted `dn2id` and `index` rows were built before,
/// so only `id2entry` records are generated inside the timing (the same for all).
pub fn import(engine: &dyn Engine, data: &Dataset) -> Result<f64> {
    let start = Instant::now();
    feed(
        engine,
        Table::Id2Entry,
        data.shape.entries as usize,
        |n, b| {
            let id = n as u64 + 1;
            b.push(&id.to_be_bytes(), &record(id, 0));
        },
    )?;
    feed(engine, Table::Dn2Id, data.dn2id.len(), |n, b| {
        let (k, v) = data.dn2id.row(n);
        b.push(k, v);
    })?;
    feed(engine, Table::Index, data.index.len(), |n, b| {
        let (k, v) = data.index.row(n);
        b.push(k, v);
    })?;
    engine.sync()?;
    Ok(start.elapsed().as_secs_f64())
}

/// Hand `count` rows made by `push` to `engine.load` in batches of its size.
fn feed(
    engine: &dyn Engine,
    table: Table,
    count: usize,
    mut push: impl FnMut(usize, &mut Batch),
) -> Result<()> {
    let mut batch = Batch::default();
    for n in 0..count {
        push(n, &mut batch);
        if batch.len() >= engine.load_rows() {
            engine.load(table, &batch)?;
            batch.clear();
        }
    }
    if batch.len() > 0 {
        engine.load(table, &batch)?;
    }
    Ok(())
}

/// Run `op` on `threads` threads for `duration`, each with its own state from `init`
/// (and `op`'s second argument counting that thread's operations).
pub fn run<S>(
    threads: usize,
    duration: Duration,
    init: impl Fn(usize) -> S + Sync,
    op: impl Fn(&mut S, u64) -> Result<()> + Sync,
) -> Result<Rate> {
    let before = usage();
    let start = Instant::now();
    let end = start + duration;
    let counts: Vec<Result<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (init, op) = (&init, &op);
                scope.spawn(move || {
                    let mut state = init(t);
                    let mut n = 0;
                    while n % CLOCK_EVERY != 0 || Instant::now() < end {
                        op(&mut state, n)?;
                        n += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let after = usage();
    let cpu = after.cpu_us.saturating_sub(before.cpu_us) as f64;
    let ops = counts.into_iter().sum::<Result<u64>>()?;
    Ok(Rate {
        ops,
        seconds,
        cpu_us_per_op: cpu / ops.max(1) as f64,
        cores: cpu / 1e6 / seconds,
        preempted: after.preempted.saturating_sub(before.preempted),
        major_faults: after.major_faults.saturating_sub(before.major_faults),
    })
}

/// `dn2id` row numbers to look up, drawn once from a fixed seed.
pub fn queries(data: &Dataset) -> Vec<u32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let rows = data.dn2id.len() as u32;
    (0..QUERIES).map(|_| rng.gen_range(0..rows)).collect()
}

/// Random point lookups of existing DNs on `threads` threads, each thread walking
/// its own stretch of `queries`.
pub fn lookups(
    engine: &dyn Engine,
    data: &Dataset,
    queries: &[u32],
    threads: usize,
    duration: Duration,
) -> Result<Rate> {
    let stride = queries.len() / threads;
    run(
        threads,
        duration,
        |t| t * stride,
        |start, n| {
            let row = queries[(*start + n as usize) % queries.len()];
            let (dn, _) = data.dn2id.row(row as usize);
            std::hint::black_box(engine.lookup(dn)?);
            Ok(())
        },
    )
}

/// Index prefix scans on one thread: the one id under a random account's `mail`
/// equality key (`mail`), or the first [`SCAN_LIMIT`] ids under the objectClass key
/// every account has. Each scan must find what the store holds.
pub fn scans(engine: &dyn Engine, shape: Shape, mail: bool, duration: Duration) -> Result<Rate> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let prefixes: Vec<Vec<u8>> = if mail {
        let draw = |_| shape.account(rng.gen_range(0..shape.entries)).mail_prefix();
        (0..4096).map(draw).collect()
    } else {
        vec![object_class_prefix()]
    };
    let (limit, want) = match mail {
        true => (usize::MAX, 1),
        false => (SCAN_LIMIT, SCAN_LIMIT.min(shape.entries as usize)),
    };
    run(
        1,
        duration,
        |_| (),
        |_, n| {
            let found = engine.scan(&prefixes[n as usize % prefixes.len()], limit)?;
            if found != want {
                bail!("index scan found {found} ids, expected {want}");
            }
            Ok(())
        },
    )
}

/// `threads` writers, each commit replacing one account's record and moving it from
/// its uid key to a new one, durable before it counts. Thread `t` writes only the
/// accounts `n` with `n % threads == t`, so it alone knows their uid versions.
pub fn writers(
    engine: &dyn Engine,
    shape: Shape,
    threads: usize,
    duration: Duration,
) -> Result<Rate> {
    let mine = (shape.entries / threads as u64).max(1);
    run(
        threads,
        duration,
        |t| {
            (
                t,
                rand::rngs::StdRng::seed_from_u64(1000 + t as u64),
                HashMap::new(),
            )
        },
        |(t, rng, versions), _| {
            let mut n = rng.gen_range(0..mine) * threads as u64 + *t as u64;
            if n >= shape.entries {
                n = *t as u64 % shape.entries;
            }
            let account = shape.account(n);
            let version: &mut u32 = versions.entry(n).or_default();
            let id = account.id.to_be_bytes();
            let new_record = record(account.id, *version + 1);
            let (old_key, new_key) = (account.uid_key(*version), account.uid_key(*version + 1));
            engine.commit(&[
                Op::Put(Table::Id2Entry, &id, &new_record),
                Op::Del(Table::Index, &old_key),
                Op::Put(Table::Index, &new_key, &[]),
            ])?;
            *version += 1;
            Ok(())
        },
    )
}
