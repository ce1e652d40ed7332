//! A stopped server's store opened with LMDB itself (through heed), bypassing
//! mailldap, to read or damage its tables the way a bug or a bad disk would.

use heed::types::Bytes;
use heed::{Database, Env, EnvOpenOptions, RwTxn};
use std::path::Path;

/// The store's LMDB environment, with one write transaction committed by `commit`.
pub struct RawStore {
    env: Env,
}

impl RawStore {
    /// Open the store in the data directory `data` (its `store` subdirectory).
    pub fn open(data: &Path) -> RawStore {
        let mut options = EnvOpenOptions::new();
        options.map_size(64 << 30).max_dbs(16);
        // SAFETY: the server that wrote the store is stopped; nothing else maps it.
        let env = unsafe { options.open(data.join("store")) }.expect("open the LMDB store");
        RawStore { env }
    }

    /// Run `f` with a write transaction and a way to name tables, then commit.
    pub fn change<R>(&self, f: impl FnOnce(&mut Tables<'_>) -> R) -> R {
        let txn = self.env.write_txn().expect("write transaction");
        let mut tables = Tables {
            env: &self.env,
            txn,
        };
        let out = f(&mut tables);
        tables.txn.commit().expect("commit");
        out
    }
}

/// The tables inside one write transaction.
pub struct Tables<'e> {
    env: &'e Env,
    txn: RwTxn<'e>,
}

impl Tables<'_> {
    fn table(&self, name: &str) -> Database<Bytes, Bytes> {
        self.env
            .open_database(&self.txn, Some(name))
            .expect("open table")
            .unwrap_or_else(|| panic!("no table {name}"))
    }

    /// The value of `key` in `table`.
    pub fn get(&self, table: &str, key: &[u8]) -> Option<Vec<u8>> {
        let db = self.table(table);
        db.get(&self.txn, key).expect("get").map(<[u8]>::to_vec)
    }

    /// Every key of `table` starting with `prefix`, in order.
    pub fn keys(&self, table: &str, prefix: &[u8]) -> Vec<Vec<u8>> {
        let db = self.table(table);
        let mut keys = Vec::new();
        for item in db.iter(&self.txn).expect("iterate") {
            let (k, _) = item.expect("item");
            if k.starts_with(prefix) {
                keys.push(k.to_vec());
            }
        }
        keys
    }

    /// Set `key` to `value` in `table`.
    pub fn insert(&mut self, table: &str, key: &[u8], value: &[u8]) {
        let db = self.table(table);
        db.put(&mut self.txn, key, value).expect("put");
    }

    /// Remove `key` from `table`.
    pub fn remove(&mut self, table: &str, key: &[u8]) {
        let db = self.table(table);
        db.delete(&mut self.txn, key).expect("delete");
    }
}
