//! Group commit: writers share fsyncs instead of queueing one each (the engine's flush,
//! `engine`, says what one makes durable).

use super::{Store, StoreError};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Group commit: one fsync covers every write committed before it started.
#[derive(Default)]
pub(super) struct GroupCommit {
    /// Tickets handed out, one per committed write (taken after the commit).
    committed: AtomicU64,
    /// Highest ticket known durable; its mutex also lets one flush run at a time.
    durable: Mutex<u64>,
    /// Bulk loading: writes return without waiting for disk; `force` makes them
    /// durable at the end (an import's staging copy is thrown away if it fails).
    deferred: AtomicBool,
}

impl GroupCommit {
    /// Return once everything committed before this call is on disk. A writer that
    /// waited for the mutex usually finds a flush started after its commit already
    /// covered it, and returns without an fsync of its own.
    pub(super) fn sync(&self, store: &Store) -> Result<(), StoreError> {
        if self.deferred.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.force(store)
    }

    /// Stop (or resume) waiting for disk on every write.
    pub(super) fn set_deferred(&self, deferred: bool) {
        self.deferred.store(deferred, Ordering::Relaxed);
    }

    /// Flush everything committed so far, deferred or not.
    pub(super) fn force(&self, store: &Store) -> Result<(), StoreError> {
        let ticket = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        let mut durable = self.durable.lock().unwrap_or_else(PoisonError::into_inner);
        if *durable >= ticket {
            return Ok(());
        }
        // Every ticket up to `upto` was taken after its commit, hence before this flush.
        let upto = self.committed.load(Ordering::SeqCst);
        // Those writes updated the contextCSN before taking their tickets: stored once
        // per flush, not in each write's transaction.
        store.checkpoint_context()?;
        store.engine.flush()?;
        *durable = upto;
        Ok(())
    }
}
