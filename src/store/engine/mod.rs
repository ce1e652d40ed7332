//! The storage engines under the store: every engine type stays in this module, so the
//! rest of `store` speaks only of [`Table`]s (ordered byte-string maps), one-table
//! writes, [`Batch`]es and multi-table transactions ([`Engine::transact`]).
//!
//! Two engines are built in: LMDB (through heed; what slapd's back-mdb runs on) and
//! sled (the first engine, kept so that an existing data directory still opens and
//! can be exported). A data directory says which engine wrote it (`data.mdb` or
//! sled's `db` file); [`EngineKind`] names the one a new directory gets.

mod lmdb;
mod sled;
mod table;

pub(super) use table::{Snapshot, Table, Value};

use super::StoreError;
use std::path::Path;

/// What a bulk load hands each item to, in ascending key order.
pub(super) type Put<'a> = dyn FnMut(&[u8], &[u8]) -> Result<(), StoreError> + 'a;

/// Which engine a new data directory is created with (`store_engine` in the config).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// LMDB through heed: memory-mapped B+tree, readers never block (the default,
    /// chosen by measurement: docs/BENCHMARKS.md).
    #[default]
    Lmdb,
    /// sled 0.34 (the first engine).
    Sled,
}

impl EngineKind {
    /// The engine that wrote the data directory `path`, if it holds one.
    pub fn of_directory(path: &Path) -> Option<EngineKind> {
        if path.join(lmdb::DATA_FILE).exists() {
            Some(EngineKind::Lmdb)
        } else if path.join(sled::LOG_FILE).exists() {
            Some(EngineKind::Sled)
        } else {
            None
        }
    }
}

impl std::str::FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<EngineKind, String> {
        match s {
            "lmdb" => Ok(EngineKind::Lmdb),
            "sled" => Ok(EngineKind::Sled),
            _ => Err(format!("unknown store engine {s:?} (lmdb or sled)")),
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EngineKind::Lmdb => "lmdb",
            EngineKind::Sled => "sled",
        })
    }
}

/// An open engine.
pub(super) enum Engine {
    Lmdb(lmdb::Lmdb),
    Sled(sled::Sled),
}

/// Puts and removes applied to one table at once (atomically for both engines).
#[derive(Default)]
pub(super) struct Batch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    /// Set `key` to `value`.
    pub(super) fn insert(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.ops
            .push((key.as_ref().to_vec(), Some(value.as_ref().to_vec())));
    }

    /// Remove `key`.
    pub(super) fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.ops.push((key.as_ref().to_vec(), None));
    }

    /// Number of operations.
    pub(super) fn len(&self) -> usize {
        self.ops.len()
    }
}

/// Why a transaction's closure stopped: the store's own error aborts it; sled's
/// conflicts must reach sled, which runs the closure again.
pub(super) enum TxError {
    Abort(StoreError),
    Sled(::sled::transaction::UnabortableTransactionError),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> TxError {
        TxError::Abort(e)
    }
}

/// What a transaction's closure returns.
pub(super) type TxResult<T> = Result<T, TxError>;

/// One table inside a transaction: reads see the transaction's own writes.
pub(super) enum TxTable<'t> {
    Lmdb(lmdb::TxTable<'t>),
    Sled(&'t ::sled::transaction::TransactionalTree),
}

impl TxTable<'_> {
    /// The value of `key`.
    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> TxResult<Option<Value>> {
        match self {
            TxTable::Lmdb(t) => t.get(key.as_ref()),
            TxTable::Sled(t) => Ok(t.get(key.as_ref()).map_err(TxError::Sled)?.map(Value::Sled)),
        }
    }

    /// Set `key` to `value`.
    pub(super) fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> TxResult<()> {
        match self {
            TxTable::Lmdb(t) => t.insert(key.as_ref(), value.as_ref()),
            TxTable::Sled(t) => {
                t.insert(key.as_ref(), value.as_ref())
                    .map_err(TxError::Sled)?;
                Ok(())
            }
        }
    }

    /// Remove `key`.
    pub(super) fn remove(&self, key: impl AsRef<[u8]>) -> TxResult<()> {
        match self {
            TxTable::Lmdb(t) => t.remove(key.as_ref()),
            TxTable::Sled(t) => {
                t.remove(key.as_ref()).map_err(TxError::Sled)?;
                Ok(())
            }
        }
    }
}

impl Engine {
    /// Open the engine of the data directory `path`, creating a `new_kind` store
    /// when it holds none. `cache_mb` sizes sled's page cache (LMDB uses the OS's).
    pub(super) fn open(
        path: &Path,
        new_kind: EngineKind,
        cache_mb: u64,
    ) -> Result<Engine, StoreError> {
        match EngineKind::of_directory(path).unwrap_or(new_kind) {
            EngineKind::Lmdb => Ok(Engine::Lmdb(lmdb::Lmdb::open(path)?)),
            EngineKind::Sled => Ok(Engine::Sled(sled::Sled::open(path, cache_mb)?)),
        }
    }

    /// An engine in a temporary directory removed on drop (tests).
    pub(super) fn temporary(kind: EngineKind) -> Result<Engine, StoreError> {
        match kind {
            EngineKind::Lmdb => Ok(Engine::Lmdb(lmdb::Lmdb::temporary()?)),
            EngineKind::Sled => Ok(Engine::Sled(sled::Sled::temporary()?)),
        }
    }

    /// The table `name`, created when missing.
    pub(super) fn table(&self, name: &str) -> Result<Table, StoreError> {
        match self {
            Engine::Lmdb(e) => Ok(Table::Lmdb(e.table(name)?)),
            Engine::Sled(e) => Ok(Table::Sled(e.db.open_tree(name)?)),
        }
    }

    /// A new entry id, larger than every id handed out before (even across restarts).
    pub(super) fn generate_id(&self) -> Result<u64, StoreError> {
        match self {
            Engine::Lmdb(e) => Ok(e.generate_id()),
            Engine::Sled(e) => Ok(e.db.generate_id()?),
        }
    }

    /// A view for several reads that must agree: one LMDB read transaction (sled
    /// reads each key as it is).
    pub(super) fn snapshot(&self) -> Result<Snapshot<'_>, StoreError> {
        match self {
            Engine::Lmdb(e) => Ok(Snapshot::Lmdb(e.snapshot()?)),
            Engine::Sled(_) => Ok(Snapshot::Sled),
        }
    }

    /// Make sure ids handed out from now on are above `id` (a copied store's).
    pub(super) fn raise_next_id(&self, id: u64) -> Result<(), StoreError> {
        match self {
            Engine::Lmdb(e) => e.raise_next_id(id),
            Engine::Sled(e) => {
                // sled counts in memory and stores the count now and then: cheap.
                while e.db.generate_id()? <= id {}
                Ok(())
            }
        }
    }

    /// Make every committed write durable (one flush for all of them).
    pub(super) fn flush(&self) -> Result<(), StoreError> {
        match self {
            Engine::Lmdb(e) => e.flush(),
            Engine::Sled(e) => e.flush(),
        }
    }

    /// Bulk loading into a copy nobody sees: commits stop waiting for the disk until
    /// [`Engine::flush`] (LMDB only; sled's commits never wait, its flush does).
    pub(super) fn defer_commits(&self, deferred: bool) -> Result<(), StoreError> {
        match self {
            Engine::Lmdb(e) => e.defer_commits(deferred),
            Engine::Sled(_) => Ok(()),
        }
    }

    /// Run `f` over `tables` as one atomic transaction; sled may run it more than once.
    pub(super) fn transact<T>(
        &self,
        tables: &[&Table],
        f: impl Fn(&[TxTable<'_>]) -> TxResult<T>,
    ) -> Result<T, StoreError> {
        match self {
            Engine::Lmdb(e) => e.transact(tables, f),
            Engine::Sled(_) => sled::transact(tables, f),
        }
    }

    /// Write `items` (in ascending key order, into an empty or lower-keyed table)
    /// as fast as the engine can; durable only at the next [`Engine::flush`].
    pub(super) fn load_sorted<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        table: &Table,
        items: impl Iterator<Item = (K, V)>,
    ) -> Result<(), StoreError> {
        self.load_pushed(table, |put| {
            for (k, v) in items {
                put(k.as_ref(), v.as_ref())?;
            }
            Ok(())
        })
    }

    /// [`Engine::load_sorted`] of the items `produce` hands to `put` one at a time
    /// (borrowed: a caller building keys in one buffer allocates none per key).
    pub(super) fn load_pushed(
        &self,
        table: &Table,
        produce: impl FnOnce(&mut Put<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match (self, table) {
            (Engine::Lmdb(e), Table::Lmdb(t)) => e.load_pushed(t, produce),
            (Engine::Sled(_), Table::Sled(t)) => {
                produce(&mut |k: &[u8], v: &[u8]| sled::load_one(t, k, v))
            }
            _ => Err(mixed()),
        }
    }

    /// Whether two threads may load distinct key ranges at once (sled takes them
    /// without waiting; LMDB has one writer).
    pub(super) fn parallel_loads(&self) -> bool {
        matches!(self, Engine::Sled(_))
    }
}

fn mixed() -> StoreError {
    StoreError::Io("a table of one engine used with another".into())
}
