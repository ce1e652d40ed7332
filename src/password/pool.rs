//! The hashing pool: a fixed set of threads (one per core by default) that run the
//! deliberately slow password computations, a bounded queue in front of them, and a
//! memory budget that memory-hard hashes are admitted by.
//!
//! Without it every concurrent bind to an `{ARGON2}` account computed at once on a
//! thread of its own: 100 wrong binds took 1.6 GB and 112 threads. Here at most
//! `threads` hashes run, together never needing more than `memory_kib` (a job larger
//! than the whole budget runs alone), jobs wait in arrival order, and past `queue`
//! waiting jobs the next one is refused at once ([`PoolBusy`]) instead of piling up.
//!
//! Callers wait without holding a thread: [`HashPool::run`] is awaited by a session;
//! [`HashPool::run_blocking`] is for code already on a blocking thread (writes,
//! Password Modify, the CLI).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, Weak};
use thiserror::Error;

/// The pool's queue is full: the caller answers busy instead of waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("too many password checks waiting")]
pub struct PoolBusy;

/// How large the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Threads computing hashes (0: one per core).
    pub threads: usize,
    /// Jobs that may wait for a thread; one more is refused.
    pub queue: usize,
    /// Memory (KiB) the running hashes may need together.
    pub memory_kib: u64,
}

impl Default for PoolSettings {
    /// One thread per core, 256 waiting jobs, 256 MiB.
    fn default() -> Self {
        PoolSettings {
            threads: 0,
            queue: 256,
            memory_kib: 256 * 1024,
        }
    }
}

type Task = Box<dyn FnOnce() + Send>;

struct Job {
    memory_kib: u64,
    task: Task,
}

/// What the workers share, under one lock.
#[derive(Default)]
struct Queue {
    waiting: VecDeque<Job>,
    running: usize,
    memory_in_use_kib: u64,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
    settings: PoolSettings,
    /// Jobs refused because the queue was full (the metrics read it).
    rejected: AtomicU64,
}

/// What the pool is doing now, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolLoad {
    /// Threads the pool has.
    pub threads: usize,
    /// Jobs running on them.
    pub running: usize,
    /// Jobs waiting for a thread.
    pub waiting: usize,
    /// Waiting jobs past which the next is refused.
    pub queue_limit: usize,
    /// Jobs refused so far because the queue was full.
    pub rejected: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs run outside the lock, so a poisoned lock only means a worker died
        // between two counter updates; the counters are still the truth.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next job to run, once it fits in the memory budget (a job larger than the
    /// whole budget waits until nothing else runs); None when the pool is closing.
    fn next_job(&self) -> Option<Job> {
        let mut q = self.lock();
        loop {
            if let Some(front) = q.waiting.front() {
                let fits = q.running == 0
                    || q.memory_in_use_kib.saturating_add(front.memory_kib)
                        <= self.settings.memory_kib;
                if fits {
                    let job = q.waiting.pop_front()?;
                    q.running += 1;
                    q.memory_in_use_kib = q.memory_in_use_kib.saturating_add(job.memory_kib);
                    return Some(job);
                }
            } else if q.closed {
                return None;
            }
            q = self.changed.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn finished(&self, memory_kib: u64) {
        let mut q = self.lock();
        q.running -= 1;
        q.memory_in_use_kib = q.memory_in_use_kib.saturating_sub(memory_kib);
        drop(q);
        self.changed.notify_all();
    }

    fn work(&self) {
        while let Some(job) = self.next_job() {
            // A panic in a hash is a bug; it must not take a worker with it. The
            // job's reply channel is dropped, which its caller sees as an error.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job.task));
            self.finished(job.memory_kib);
        }
    }
}

/// The bounded pool password hashes run on.
pub struct HashPool {
    shared: Arc<Shared>,
}

impl HashPool {
    /// Start the pool's threads.
    pub fn new(settings: PoolSettings) -> HashPool {
        return_large_allocations();
        let threads = match settings.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            rejected: AtomicU64::new(0),
            settings: PoolSettings {
                threads,
                ..settings
            },
        });
        for i in 0..threads {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("mailldap-hash-{i}"))
                .spawn(move || shared.work());
            if let Err(e) = spawned {
                tracing::error!("cannot start password hashing thread {i}: {e}");
            }
        }
        HashPool { shared }
    }

    /// The settings in force (`threads` resolved to a number).
    pub fn settings(&self) -> PoolSettings {
        self.shared.settings
    }

    /// What the pool is doing now (takes its lock: for a scrape, not the bind path).
    pub fn load(&self) -> PoolLoad {
        let q = self.shared.lock();
        PoolLoad {
            threads: self.shared.settings.threads,
            running: q.running,
            waiting: q.waiting.len(),
            queue_limit: self.shared.settings.queue,
            rejected: self.shared.rejected.load(Ordering::Relaxed),
        }
    }

    /// Queue `task`, needing `memory_kib` while it runs: last, refused when the queue
    /// is full, or (`ahead`) first and never refused.
    fn submit(&self, memory_kib: u64, task: Task, ahead: bool) -> Result<(), PoolBusy> {
        let mut q = self.shared.lock();
        let job = Job { memory_kib, task };
        if ahead {
            q.waiting.push_front(job);
        } else if q.waiting.len() >= self.shared.settings.queue {
            self.shared.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(PoolBusy);
        } else {
            q.waiting.push_back(job);
        }
        drop(q);
        self.shared.changed.notify_all();
        Ok(())
    }

    /// Run `f` on the pool and await its result; the awaiting task holds no thread.
    pub async fn run<T, F>(&self, memory_kib: u64, f: F) -> Result<T, PoolBusy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(
            memory_kib,
            Box::new(move || {
                let _ = tx.send(f());
            }),
            false,
        )?;
        // Dropped unanswered only when the job panicked: treated as busy (logged).
        rx.await.map_err(|_| lost())
    }

    /// Run `f` on the pool and block this (non-async) thread until it is done.
    pub fn run_blocking<T, F>(&self, memory_kib: u64, f: F) -> Result<T, PoolBusy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.blocking(memory_kib, f, false)
    }

    /// Like [`run_blocking`](Self::run_blocking), but ahead of the waiting jobs and
    /// never refused: for hashes of new passwords, which only authenticated writers
    /// ask for, and which the directory may make while holding its write lock.
    pub fn run_blocking_ahead<T, F>(&self, memory_kib: u64, f: F) -> Result<T, PoolBusy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.blocking(memory_kib, f, true)
    }

    fn blocking<T, F>(&self, memory_kib: u64, f: F, ahead: bool) -> Result<T, PoolBusy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let task = Box::new(move || {
            let _ = tx.send(f());
        });
        self.submit(memory_kib, task, ahead)?;
        rx.recv().map_err(|_| lost())
    }
}

/// Make glibc give a hash's memory back to the system when the hash is done. By
/// default it raises its mmap threshold after the first large free, and from then on
/// serves large blocks from per-thread arenas that keep what is freed: two hashing
/// threads checking 16 MiB argon2 values left 276 MiB resident (six arenas of 32-48
/// MiB). A fixed threshold (1 MiB) turns that off, so resident memory follows the
/// hashes the budget admits (the cost: page faults on each hash's memory, a few
/// percent of an argon2 check).
fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// `M_MMAP_THRESHOLD` in glibc's malloc.h.
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt takes two ints and only changes allocator tuning; glibc
        // serialises it with allocations.
        ONCE.call_once(|| unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        });
    }
}

fn lost() -> PoolBusy {
    tracing::error!("a password hashing job panicked");
    PoolBusy
}

impl Drop for HashPool {
    /// The threads finish what is queued, then exit.
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

/// The pool of the running server, for hashes made where no pool is passed (the
/// directory hashing a cleartext userPassword on add or modify). Weak: the pool lives
/// as long as the server state that owns it.
static INSTALLED: RwLock<Weak<HashPool>> = RwLock::new(Weak::new());

/// Make `pool` the one [`installed`] returns.
pub fn install(pool: &Arc<HashPool>) {
    *INSTALLED.write().unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(pool);
}

/// The installed pool, if its server state is alive.
pub fn installed() -> Option<Arc<HashPool>> {
    INSTALLED
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .upgrade()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    fn pool(threads: usize, queue: usize, memory_kib: u64) -> HashPool {
        HashPool::new(PoolSettings {
            threads,
            queue,
            memory_kib,
        })
    }

    /// Jobs that record the most memory ever in use at once.
    fn measured_jobs(p: &Arc<HashPool>, n: usize, kib: u64) -> u64 {
        let (now, peak) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let (p, now, peak) = (p.clone(), now.clone(), peak.clone());
                std::thread::spawn(move || {
                    p.run_blocking(kib, move || {
                        let v = now.fetch_add(kib, Ordering::SeqCst) + kib;
                        peak.fetch_max(v, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        now.fetch_sub(kib, Ordering::SeqCst);
                    })
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        peak.load(Ordering::SeqCst)
    }

    #[test]
    fn memory_hard_jobs_never_exceed_the_budget() {
        // Four threads, but room for only two 40 MiB jobs at once.
        let p = Arc::new(pool(4, 100, 100 * 1024));
        assert_eq!(measured_jobs(&p, 12, 40 * 1024), 80 * 1024);
        // Small jobs use every thread.
        assert_eq!(measured_jobs(&p, 12, 64), 4 * 64);
    }

    #[test]
    fn a_job_larger_than_the_budget_runs_alone() {
        let p = Arc::new(pool(3, 100, 1024));
        assert_eq!(measured_jobs(&p, 5, u64::MAX / 8), u64::MAX / 8);
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_new_passwords_go_ahead() {
        let p = Arc::new(pool(1, 2, 1024));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Mutex::new(wait);
        let (order, ran) = std::sync::mpsc::channel();
        // One job runs (blocked), two wait: the fourth is refused.
        let blocked = Box::new(move || {
            let _ = wait.lock().unwrap().recv();
        });
        p.submit(1, blocked, false).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        for _ in 0..2 {
            let order = order.clone();
            let queued = Box::new(move || order.send("queued").unwrap());
            p.submit(1, queued, false).unwrap();
        }
        assert_eq!(p.submit(1, Box::new(|| {}), false), Err(PoolBusy));
        let load = p.load();
        assert_eq!((load.running, load.waiting, load.rejected), (1, 2, 1));
        // A new password's hash is not refused, and runs before the waiting ones.
        let ahead = std::thread::spawn({
            let p = p.clone();
            move || p.run_blocking_ahead(1, move || order.send("ahead").unwrap())
        });
        std::thread::sleep(Duration::from_millis(50));
        release.send(()).unwrap();
        assert_eq!(ahead.join().unwrap(), Ok(()));
        let order: Vec<&str> = ran.iter().take(3).collect();
        assert_eq!(order, ["ahead", "queued", "queued"]);
        assert_eq!(p.run_blocking(1, || 7), Ok(7));
    }

    #[test]
    fn an_awaited_job_returns_its_value_and_a_panic_is_survived() {
        let p = pool(1, 4, 1024);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(rt.block_on(p.run(1, || 6 * 7)), Ok(42));
        assert_eq!(p.run_blocking(1, || -> u8 { panic!("bug") }), Err(PoolBusy));
        assert_eq!(rt.block_on(p.run(1, || "still here")), Ok("still here"));
    }
}
