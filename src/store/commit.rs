//! Group commit: writers share fsyncs instead of queueing one each.
//!
//! A flush is sled's flush followed by an fdatasync of sled's log file: on Linux,
//! sled's flush ends in sync_file_range, which writes the data out but neither the
//! file's size (the log grows) nor the disk's write cache, so alone it survives a
//! killed process, not a power loss. sled's own fsync runs only every 500 ms, from a
//! background thread, after writes were acknowledged.

use super::{Store, StoreError};
use std::fs::File;
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
    /// sled's log file, synced after each flush (none for a temporary store).
    log: Option<File>,
}

impl GroupCommit {
    /// Group commit for a store whose log file is `log`.
    pub(super) fn new(log: Option<File>) -> GroupCommit {
        GroupCommit {
            log,
            ..GroupCommit::default()
        }
    }

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
        store.db.flush()?;
        if let Some(log) = &self.log {
            log.sync_data()
                .map_err(|e| StoreError::Io(format!("syncing the store: {e}")))?;
        }
        *durable = upto;
        Ok(())
    }
}
