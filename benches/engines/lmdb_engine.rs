//! LMDB through heed 0.22, laid out as slapd's back-mdb would hold mailldap's tables:
//! one named database per table in one environment, default (fully synchronous) flags.

use crate::engine::{touch, Batch, Engine, Op, Table};
use anyhow::{anyhow, Context as _, Result};
use heed::types::Bytes;
use heed::{Database, Env, EnvOpenOptions, PutFlags};
use std::path::Path;

/// The map: address space reserved, not disk (the file grows as pages are used).
const MAP_SIZE: usize = 64 << 30;

/// Rows per import transaction: few large transactions, each appending sorted keys.
const LOAD_ROWS: usize = 250_000;

type Db = Database<Bytes, Bytes>;

/// An LMDB environment with mailldap's three databases.
pub struct LmdbEngine {
    /// Indexed like [`Table`].
    dbs: [Db; 3],
    env: Env,
}

/// Open the environment in `dir` with default flags (every commit syncs).
fn open_env(dir: &Path) -> Result<Env> {
    let mut options = EnvOpenOptions::new();
    options.map_size(MAP_SIZE).max_dbs(4);
    // SAFETY: LMDB's map must not be changed behind its back. Only this process opens
    // the directory, once at a time (the bench drops an environment before opening
    // it again, and the crash child has been killed and reaped before the parent
    // opens its directory), no unsafe flags are set, and nothing else writes the files.
    let env = unsafe { options.open(dir) };
    env.context("opening LMDB")
}

impl LmdbEngine {
    /// Open or create the environment and its databases in `dir`.
    pub fn open(dir: &Path) -> Result<LmdbEngine> {
        let env = open_env(dir)?;
        let mut wtxn = env.write_txn()?;
        let dbs =
            Table::ALL.map(|t| env.create_database::<Bytes, Bytes>(&mut wtxn, Some(t.name())));
        let [a, b, c] = dbs;
        let dbs = [a?, b?, c?];
        wtxn.commit()?;
        Ok(LmdbEngine { dbs, env })
    }

    fn db(&self, table: Table) -> Db {
        self.dbs[table as usize]
    }
}

impl Engine for LmdbEngine {
    fn load_rows(&self) -> usize {
        LOAD_ROWS
    }

    fn load(&self, table: Table, rows: &Batch) -> Result<()> {
        let db = self.db(table);
        let mut wtxn = self.env.write_txn()?;
        for (k, v) in rows.iter() {
            // MDB_APPEND: the import hands keys in order, so LMDB fills each leaf page
            // and starts the next instead of splitting pages half full.
            db.put_with_flags(&mut wtxn, PutFlags::APPEND, k, v)?;
        }
        wtxn.commit()?;
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.env.force_sync()?;
        Ok(())
    }

    fn lookup(&self, dn: &[u8]) -> Result<u64> {
        let rtxn = self.env.read_txn()?;
        let id = self
            .db(Table::Dn2Id)
            .get(&rtxn, dn)?
            .ok_or_else(|| anyhow!("dn missing"))?;
        let record = self
            .db(Table::Id2Entry)
            .get(&rtxn, id)?
            .ok_or_else(|| anyhow!("record missing"))?;
        Ok(touch(record))
    }

    fn scan(&self, prefix: &[u8], limit: usize) -> Result<usize> {
        let rtxn = self.env.read_txn()?;
        let mut n = 0;
        for row in self
            .db(Table::Index)
            .prefix_iter(&rtxn, prefix)?
            .take(limit)
        {
            let (key, _) = row?;
            std::hint::black_box(&key[key.len() - 8..]);
            n += 1;
        }
        Ok(n)
    }

    fn commit(&self, ops: &[Op]) -> Result<()> {
        let mut wtxn = self.env.write_txn()?;
        for op in ops {
            match *op {
                Op::Put(t, k, v) => self.db(t).put(&mut wtxn, k, v)?,
                Op::Del(t, k) => {
                    self.db(t).delete(&mut wtxn, k)?;
                }
            }
        }
        // Default flags: the commit returns after LMDB's fdatasync of the data file.
        wtxn.commit()?;
        Ok(())
    }

    fn rows(&self, table: Table) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let rtxn = self.env.read_txn()?;
        let rows = self.db(table).iter(&rtxn)?.map(|row| {
            let (k, v) = row?;
            Ok((k.to_vec(), v.to_vec()))
        });
        rows.collect()
    }
}
