//! sled 0.34 under the store's tables.
//!
//! Durability: a flush is sled's flush followed by an fdatasync of sled's log file: on
//! Linux, sled's flush ends in sync_file_range, which writes the data out but neither
//! the file's size (the log grows) nor the disk's write cache, so alone it survives a
//! killed process, not a power loss. sled's own fsync runs only every 500 ms, from a
//! background thread, after writes were acknowledged.

use super::{Table, TxError, TxResult, TxTable};
use crate::store::StoreError;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::fs::File;
use std::path::Path;

/// sled's log file in a data directory (sled::Config::db_path).
pub(super) const LOG_FILE: &str = "db";

/// An open sled database.
pub(in crate::store) struct Sled {
    pub(super) db: sled::Db,
    /// sled's log file, synced after each flush (none for a temporary store).
    log: Option<File>,
}

impl Sled {
    /// Open (or create) the database in `path` with a page cache of `cache_mb` MiB.
    pub(super) fn open(path: &Path, cache_mb: u64) -> Result<Sled, StoreError> {
        let cache = cache_mb.max(1).saturating_mul(1024 * 1024);
        let config = sled::Config::new().path(path).cache_capacity(cache);
        // A store this process just dropped keeps its file lock until sled's flusher
        // thread ends: retry briefly (another process's lock still fails after that).
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e)) if e.to_string().contains("lock") && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(sled::Error::Io(e)) if e.to_string().contains("lock") => {
                    return Err(StoreError::Locked(path.display().to_string()))
                }
                other => break other?,
            }
        };
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        let log = File::open(path.join(LOG_FILE)).map_err(io)?;
        // The directory once, so that a new store's files are found again.
        File::open(path).and_then(|d| d.sync_all()).map_err(io)?;
        Ok(Sled { db, log: Some(log) })
    }

    /// A database in a temporary directory sled removes on drop.
    pub(super) fn temporary() -> Result<Sled, StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        Ok(Sled { db, log: None })
    }

    /// Flush sled, then sync its log file.
    pub(super) fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        if let Some(log) = &self.log {
            log.sync_data()
                .map_err(|e| StoreError::Io(format!("syncing the store: {e}")))?;
        }
        Ok(())
    }
}

/// [`super::Engine::transact`] over sled trees.
pub(super) fn transact<T>(
    tables: &[&Table],
    f: impl Fn(&[TxTable<'_>]) -> TxResult<T>,
) -> Result<T, StoreError> {
    let trees = tables
        .iter()
        .map(|t| match t {
            Table::Sled(t) => Ok(t),
            Table::Lmdb(_) => Err(super::mixed()),
        })
        .collect::<Result<Vec<&sled::Tree>, StoreError>>()?;
    let result = trees.as_slice().transaction(|views| {
        let tx: Vec<TxTable<'_>> = views.iter().map(TxTable::Sled).collect();
        f(&tx).map_err(|e| match e {
            TxError::Abort(e) => ConflictableTransactionError::Abort(e),
            TxError::Sled(e) => e.into(),
        })
    });
    match result {
        Ok(v) => Ok(v),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(e.into()),
    }
}

/// Apply puts (`Some`) and removes (`None`) to `tree` as one sled batch.
pub(super) fn apply(
    tree: &sled::Tree,
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for (k, v) in ops {
        match v {
            Some(v) => batch.insert(k, v),
            None => batch.remove(k),
        }
    }
    Ok(tree.apply_batch(batch)?)
}

/// Write one item of a bulk load (they come in key order), a plain insert: a sled
/// batch holds every node version it replaces until it ends (a 20,000-key batch of
/// sorted keys grew the process by hundreds of MB), a plain insert only its own.
pub(super) fn load_one(tree: &sled::Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
    tree.insert(key, value)?;
    Ok(())
}
