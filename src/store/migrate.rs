//! `mailldap migrate-store`: a store copied table by table, key by key, into a new
//! directory on another engine. Unlike an export and import it keeps everything the
//! LDIF does not carry: entry ids, the retired mailbox paths, a replica's sync cookie,
//! the session log and the contextCSN.

use super::engine::{Engine, EngineKind};
use super::{synclog, Store, StoreError, RESERVATIONS_TREE};
use std::path::Path;

/// Every table of the store (the engines' own bookkeeping is not copied).
const TABLES: [&str; 6] = [
    "id2entry",
    "dn2id",
    "index",
    "meta",
    synclog::SYNCLOG_TREE,
    RESERVATIONS_TREE,
];

impl Store {
    /// Copy the store in `from` (on whichever engine wrote it) into the new directory
    /// `to` on `engine`, durable on return; returns the number of entries. `to` must
    /// not exist or be empty. The source is only read.
    pub fn migrate(
        from: &Path,
        to: &Path,
        engine: EngineKind,
        cache_mb: u64,
    ) -> Result<usize, StoreError> {
        let occupied = std::fs::read_dir(to).is_ok_and(|mut d| d.next().is_some());
        if occupied {
            return Err(StoreError::Io(format!(
                "{} is not empty: migrate into a new directory",
                to.display()
            )));
        }
        // Opening a directory without a store would create an empty one there.
        if EngineKind::of_directory(from).is_none() {
            return Err(StoreError::Io(format!("{} holds no store", from.display())));
        }
        let source = Store::open_with(from, engine, cache_mb)?;
        let target = Engine::open(to, engine, cache_mb)?;
        target.defer_commits(true)?;
        for name in TABLES {
            copy_table(&source.engine, &target, name)?;
        }
        if let Some((last, _)) = source.id2entry.last()? {
            target.raise_next_id(super::be_u64(&last)?)?;
        }
        target.defer_commits(false)?;
        target.flush()?;
        drop(target);
        // Opening it checks the copy the way the server will.
        Ok(Store::open_with(to, engine, cache_mb)?.len())
    }
}

/// Copy the table `name` of `source` into the same (empty) table of `target`.
fn copy_table(source: &Engine, target: &Engine, name: &str) -> Result<(), StoreError> {
    let from = source.table(name)?;
    let to = target.table(name)?;
    let mut failed = None;
    let items = from.iter().map_while(|item| match item {
        Ok(kv) => Some(kv),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    target.load_sorted(&to, items)?;
    failed.map_or(Ok(()), Err)
}
