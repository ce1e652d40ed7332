//! redb 4: one table per mailldap table in one file; a read transaction per lookup,
//! a write transaction with the default (Immediate) durability per write.

use crate::engine::{touch, Batch, Engine, Op, Table};
use anyhow::{anyhow, Context as _, Result};
use redb::{Durability, ReadableDatabase as _, TableDefinition};
use std::path::Path;

/// Rows per import transaction: few, large transactions, as the brief for an import.
const LOAD_ROWS: usize = 250_000;

/// The three tables, indexed like [`Table`].
const DEFS: [TableDefinition<&[u8], &[u8]>; 3] = [
    TableDefinition::new("id2entry"),
    TableDefinition::new("dn2id"),
    TableDefinition::new("index"),
];

/// A redb store (`store.redb`) with mailldap's three tables.
pub struct RedbEngine {
    db: redb::Database,
}

impl RedbEngine {
    /// Open or create the store in `dir` with a `cache` byte cache.
    pub fn open(dir: &Path, cache: u64) -> Result<RedbEngine> {
        let db = redb::Builder::new()
            .set_cache_size(usize::try_from(cache)?)
            .create(dir.join("store.redb"))
            .context("opening redb")?;
        // Create the tables up front so that readers of an empty store find them.
        let txn = db.begin_write()?;
        for def in DEFS {
            txn.open_table(def)?;
        }
        txn.commit()?;
        Ok(RedbEngine { db })
    }
}

impl Engine for RedbEngine {
    fn load_rows(&self) -> usize {
        LOAD_ROWS
    }

    fn load(&self, table: Table, rows: &Batch) -> Result<()> {
        let mut txn = self.db.begin_write()?;
        // Not durable until the Immediate commit of `sync`, which persists these too.
        txn.set_durability(Durability::None)?;
        {
            let mut t = txn.open_table(DEFS[table as usize])?;
            for (k, v) in rows.iter() {
                t.insert(k, v)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        // An empty transaction committed with the default Immediate durability.
        self.db.begin_write()?.commit()?;
        Ok(())
    }

    fn lookup(&self, dn: &[u8]) -> Result<u64> {
        let txn = self.db.begin_read()?;
        let dn2id = txn.open_table(DEFS[Table::Dn2Id as usize])?;
        let id = dn2id.get(dn)?.ok_or_else(|| anyhow!("dn missing"))?;
        let id2entry = txn.open_table(DEFS[Table::Id2Entry as usize])?;
        let record = id2entry
            .get(id.value())?
            .ok_or_else(|| anyhow!("record missing"))?;
        Ok(touch(record.value()))
    }

    fn scan(&self, prefix: &[u8], limit: usize) -> Result<usize> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(DEFS[Table::Index as usize])?;
        let mut n = 0;
        for row in index.range::<&[u8]>(prefix..)? {
            let (key, _) = row?;
            let key = key.value();
            if n == limit || !key.starts_with(prefix) {
                break;
            }
            std::hint::black_box(&key[key.len() - 8..]);
            n += 1;
        }
        Ok(n)
    }

    fn commit(&self, ops: &[Op]) -> Result<()> {
        let txn = self.db.begin_write()?;
        {
            let mut tables = [
                txn.open_table(DEFS[0])?,
                txn.open_table(DEFS[1])?,
                txn.open_table(DEFS[2])?,
            ];
            for op in ops {
                match *op {
                    Op::Put(t, k, v) => tables[t as usize].insert(k, v)?,
                    Op::Del(t, k) => tables[t as usize].remove(k)?,
                };
            }
        }
        // Durability::Immediate, redb's default: durable when commit returns.
        txn.commit()?;
        Ok(())
    }

    fn rows(&self, table: Table) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(DEFS[table as usize])?;
        let rows = t.range::<&[u8]>(..)?.map(|row| {
            let (k, v) = row?;
            Ok((k.value().to_vec(), v.value().to_vec()))
        });
        rows.collect()
    }
}
