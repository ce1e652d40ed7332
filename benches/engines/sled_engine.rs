//! sled 0.34 the way src/store uses it: one tree per table, multi-tree transactions,
//! durability by `flush` plus an fdatasync of the log file.

use crate::engine::{touch, Batch, Engine, Op, Table};
use anyhow::{anyhow, Context as _, Result};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional as _;
use std::fs::File;
use std::path::Path;

/// Rows handed to each [`Engine::load`]: only the import's chunking, since sled loads
/// with plain inserts (see `load`).
const LOAD_ROWS: usize = 100_000;

/// A sled store with mailldap's three trees.
pub struct SledEngine {
    db: sled::Db,
    trees: [sled::Tree; 3],
    /// sled's log: its flush ends in sync_file_range, which survives a killed process
    /// but writes neither the file size nor the disk cache, so mailldap also syncs it
    /// (src/store/commit.rs); doing the same keeps the comparison about real durability.
    log: File,
}

impl SledEngine {
    /// Open or create the store in `dir` with a `cache` byte page cache.
    pub fn open(dir: &Path, cache: u64) -> Result<SledEngine> {
        let config = sled::Config::new().path(dir).cache_capacity(cache);
        // A store this process just dropped holds its file lock until sled's flusher
        // thread ends: retry a little before calling it locked.
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e)) if e.to_string().contains("lock") && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.context("opening sled")?,
            }
        };
        let trees = Table::ALL.map(|t| db.open_tree(t.name()));
        let [a, b, c] = trees;
        let log = File::open(dir.join("db")).context("opening sled's log")?;
        Ok(SledEngine {
            trees: [a?, b?, c?],
            db,
            log,
        })
    }

    fn tree(&self, table: Table) -> &sled::Tree {
        &self.trees[table as usize]
    }

    fn durable(&self) -> Result<()> {
        self.db.flush()?;
        self.log.sync_data()?;
        Ok(())
    }
}

impl Engine for SledEngine {
    fn load_rows(&self) -> usize {
        LOAD_ROWS
    }

    fn load(&self, table: Table, rows: &Batch) -> Result<()> {
        // Plain inserts, not sled::Batch: at 100,000 entries batches of 1,000 (src/store's
        // bulk loader size) took 12.9-16.6 s against 9.1-9.4 s, and an import has no
        // reader that an atomic batch would protect.
        let tree = self.tree(table);
        for (k, v) in rows.iter() {
            tree.insert(k, v)?;
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.durable()
    }

    fn lookup(&self, dn: &[u8]) -> Result<u64> {
        // sled has no read snapshot across trees: two plain gets, as src/store does.
        let id = self
            .tree(Table::Dn2Id)
            .get(dn)?
            .ok_or_else(|| anyhow!("dn missing"))?;
        let record = self
            .tree(Table::Id2Entry)
            .get(&id)?
            .ok_or_else(|| anyhow!("record missing"))?;
        Ok(touch(&record))
    }

    fn scan(&self, prefix: &[u8], limit: usize) -> Result<usize> {
        let mut n = 0;
        for row in self.tree(Table::Index).scan_prefix(prefix).take(limit) {
            let (key, _) = row?;
            std::hint::black_box(&key[key.len() - 8..]);
            n += 1;
        }
        Ok(n)
    }

    fn commit(&self, ops: &[Op]) -> Result<()> {
        let [a, b, c] = &self.trees;
        (a, b, c)
            .transaction(
                |trees: &(TransactionalTree, TransactionalTree, TransactionalTree)| {
                    let pick = |t: Table| match t {
                        Table::Id2Entry => &trees.0,
                        Table::Dn2Id => &trees.1,
                        Table::Index => &trees.2,
                    };
                    for op in ops {
                        match *op {
                            Op::Put(t, k, v) => pick(t).insert(k, v)?,
                            Op::Del(t, k) => pick(t).remove(k)?,
                        };
                    }
                    Ok::<(), ConflictableTransactionError<()>>(())
                },
            )
            .map_err(|e| anyhow!("sled transaction: {e:?}"))?;
        self.durable()
    }

    fn rows(&self, table: Table) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let rows = self.tree(table).iter().map(|row| {
            let (k, v) = row?;
            Ok((k.to_vec(), v.to_vec()))
        });
        rows.collect()
    }
}
