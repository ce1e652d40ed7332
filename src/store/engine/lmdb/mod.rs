//! LMDB (through heed) under the store's tables: one environment per data directory,
//! one named database per table.
//!
//! Durability: the environment runs with MDB_NOMETASYNC, so a commit syncs the pages it
//! wrote but not the meta page that makes them current; a crash can lose the last
//! commits, never the database's integrity (LMDB keeps the previous two versions).
//! The store's group commit then calls [`Lmdb::flush`] (`mdb_env_sync`), which makes
//! every commit before it durable with one sync shared by all waiting writers.
//!
//! Reads open a read-only transaction each (`MDB_NOTLS`, so a thread may hold several
//! and tokio's threads need no slot of their own) and read records in place.

mod table;
mod tx;

pub(in crate::store) use table::{Range, Snapshot, Table};
pub(in crate::store) use tx::TxTable;

use super::{Put, TxError, TxResult};
use crate::store::StoreError;
use heed::types::Bytes;
use heed::{Database, Env, EnvFlags, EnvOpenOptions, PutFlags, RwTxn, WithoutTls};
use std::cell::RefCell;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// LMDB's data file in a data directory.
pub(super) const DATA_FILE: &str = "data.mdb";
/// Locked by the process that has the directory open (LMDB itself lets several in).
const LOCK_FILE: &str = "mailldap.lock";
/// Address space reserved for the map: the file grows only as pages are used.
const MAP_SIZE: usize = 64 << 30;
/// The smallest map tried when the address space refuses a larger one.
const MIN_MAP_SIZE: usize = 1 << 30;
/// Concurrent read transactions (one per thread reading at that moment).
const MAX_READERS: u32 = 1024;
/// Named databases: the store's six tables and the engine's own. Each read
/// transaction allocates and clears a slot per database, so no more than needed.
const MAX_DBS: u32 = 8;
/// The engine's own table: the next entry id.
const IDS_TABLE: &str = "engine";
const NEXT_ID_KEY: &[u8] = b"next_id";
/// Sorted items per transaction in [`Lmdb::load_sorted`]: bounds its dirty pages.
const LOAD_CHUNK: usize = 200_000;

type Db = Database<Bytes, Bytes>;
/// A key and its value, copied out of the map.
type Item = (Vec<u8>, Vec<u8>);

/// An open LMDB environment.
pub(in crate::store) struct Lmdb {
    inner: Arc<Inner>,
}

struct Inner {
    env: Env<WithoutTls>,
    ids: Db,
    /// The next id [`Lmdb::generate_id`] hands out, and the value stored in `ids`.
    next_id: AtomicU64,
    stored_id: AtomicU64,
    _lock: File,
    /// Removed after the environment closes (declared last: dropped last).
    _temporary: Option<TempDir>,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(e.to_string())
}

impl From<heed::Error> for StoreError {
    fn from(e: heed::Error) -> StoreError {
        StoreError::Io(format!("lmdb: {e}"))
    }
}

impl From<heed::Error> for TxError {
    fn from(e: heed::Error) -> TxError {
        TxError::Abort(e.into())
    }
}

impl Lmdb {
    /// Open (or create) the environment in the directory `path`; `Locked` when
    /// another process (or this one) has it open.
    pub(super) fn open(path: &Path) -> Result<Lmdb, StoreError> {
        Lmdb::open_in(path, None)
    }

    /// An environment in a new temporary directory, removed on drop.
    pub(super) fn temporary() -> Result<Lmdb, StoreError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "mailldap-store-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&path);
        Lmdb::open_in(&path.clone(), Some(TempDir(path)))
    }

    fn open_in(path: &Path, temporary: Option<TempDir>) -> Result<Lmdb, StoreError> {
        let at = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        std::fs::create_dir_all(path).map_err(at)?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK_FILE))
            .map_err(at)?;
        if lock.try_lock().is_err() {
            return Err(StoreError::Locked(path.display().to_string()));
        }
        let env = open_env(path)?;
        // Readers of a killed process hold slots (and old pages) until cleared.
        env.clear_stale_readers()?;
        let mut wtxn = env.write_txn()?;
        let ids: Db = env.create_database(&mut wtxn, Some(IDS_TABLE))?;
        let next = match ids.get(&wtxn, NEXT_ID_KEY)? {
            Some(v) => be_u64(v)?,
            None => 0,
        };
        wtxn.commit()?;
        // The directory once, so that a new store's files are found again.
        File::open(path).and_then(|d| d.sync_all()).map_err(at)?;
        let inner = Inner {
            env,
            ids,
            next_id: AtomicU64::new(next),
            stored_id: AtomicU64::new(next),
            _lock: lock,
            _temporary: temporary,
        };
        Ok(Lmdb {
            inner: Arc::new(inner),
        })
    }

    /// The table `name`, created when missing.
    pub(super) fn table(&self, name: &str) -> Result<Table, StoreError> {
        let mut wtxn = self.inner.env.write_txn()?;
        let db: Db = self.inner.env.create_database(&mut wtxn, Some(name))?;
        wtxn.commit()?;
        Ok(Table {
            inner: Arc::clone(&self.inner),
            db,
        })
    }

    /// A new id; stored with the next commit (ids are only used inside commits).
    pub(super) fn generate_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Hand out ids above `id` from now on (stored by a commit of its own).
    pub(super) fn raise_next_id(&self, id: u64) -> Result<(), StoreError> {
        self.inner.next_id.fetch_max(id + 1, Ordering::SeqCst);
        self.inner.commit(self.inner.env.write_txn()?)
    }

    /// A read transaction for several reads that must agree (and cost one begin).
    pub(super) fn snapshot(&self) -> Result<Snapshot<'_>, StoreError> {
        Ok(Snapshot {
            txn: self.inner.env.read_txn()?,
        })
    }

    /// Make every commit so far durable.
    pub(super) fn flush(&self) -> Result<(), StoreError> {
        Ok(self.inner.env.force_sync()?)
    }

    /// Stop (or resume) syncing at each commit.
    pub(super) fn defer_commits(&self, deferred: bool) -> Result<(), StoreError> {
        let mode = if deferred {
            heed::FlagSetMode::Enable
        } else {
            heed::FlagSetMode::Disable
        };
        // SAFETY: MDB_NOSYNC is one of the flags LMDB lets a process change while the
        // environment is open; it changes only when commits sync.
        unsafe { self.inner.env.set_flags(EnvFlags::NO_SYNC, mode)? };
        Ok(())
    }

    /// [`super::Engine::transact`]: one write transaction, committed when `f` succeeds.
    pub(super) fn transact<T>(
        &self,
        tables: &[&super::Table],
        f: impl Fn(&[super::TxTable<'_>]) -> TxResult<T>,
    ) -> Result<T, StoreError> {
        let dbs = tables
            .iter()
            .map(|t| match t {
                super::Table::Lmdb(t) => Ok(t.db),
                super::Table::Sled(_) => Err(super::mixed()),
            })
            .collect::<Result<Vec<Db>, StoreError>>()?;
        let txn = RefCell::new(self.inner.env.write_txn()?);
        let views: Vec<super::TxTable<'_>> = dbs
            .iter()
            .map(|db| super::TxTable::Lmdb(TxTable { txn: &txn, db: *db }))
            .collect();
        let done = match f(&views) {
            Ok(v) => v,
            Err(TxError::Abort(e)) => return Err(e),
            Err(TxError::Sled(e)) => return Err(io(e)),
        };
        drop(views);
        self.inner.commit(txn.into_inner())?;
        Ok(done)
    }

    /// Append the items `produce` puts (ascending, above every key of `table`) in
    /// large transactions.
    pub(super) fn load_pushed(
        &self,
        table: &Table,
        produce: impl FnOnce(&mut Put<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // One write transaction at a time: the next opens once this one committed.
        let mut wtxn = Some(self.inner.env.write_txn()?);
        let mut loaded = 0usize;
        produce(&mut |k: &[u8], v: &[u8]| {
            let txn = match &mut wtxn {
                Some(txn) => txn,
                None => wtxn.insert(self.inner.env.write_txn()?),
            };
            table.db.put_with_flags(txn, PutFlags::APPEND, k, v)?;
            loaded += 1;
            if loaded.is_multiple_of(LOAD_CHUNK) {
                if let Some(txn) = wtxn.take() {
                    self.inner.commit(txn)?;
                }
            }
            Ok(())
        })?;
        match wtxn {
            Some(txn) => self.inner.commit(txn),
            None => Ok(()),
        }
    }
}

impl Inner {
    /// Commit `wtxn`, storing the next id with it when ids were handed out since.
    fn commit(&self, mut wtxn: RwTxn<'_>) -> Result<(), StoreError> {
        let next = self.next_id.load(Ordering::SeqCst);
        if next > self.stored_id.load(Ordering::SeqCst) {
            self.ids.put(&mut wtxn, NEXT_ID_KEY, &next.to_be_bytes())?;
        }
        wtxn.commit()?;
        self.stored_id.fetch_max(next, Ordering::SeqCst);
        Ok(())
    }
}

/// Open the environment (the one unsafe step: heed cannot check that the file is not
/// changed behind the map, which the lock file rules out). Where the address space is
/// short (valgrind, a 32-bit-like rlimit) a 64 GiB map is refused: smaller ones are
/// tried down to 1 GiB (LMDB still maps a larger file whole).
fn open_env(path: &Path) -> Result<Env<WithoutTls>, StoreError> {
    let mut size = MAP_SIZE;
    loop {
        let mut options = EnvOpenOptions::new().read_txn_without_tls();
        options
            .map_size(size)
            .max_readers(MAX_READERS)
            .max_dbs(MAX_DBS);
        // SAFETY: this process holds the directory's lock file, so no other mailldap
        // maps the file, and heed refuses a second open of it in this process.
        let opened = unsafe {
            options.flags(EnvFlags::NO_META_SYNC);
            options.open(path)
        };
        match opened {
            Err(heed::Error::Io(e)) if size > MIN_MAP_SIZE && refused_map(&e) => size /= 4,
            other => return Ok(other?),
        }
    }
}

/// Whether mmap refused the map's size (EINVAL or ENOMEM).
fn refused_map(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(22) | Some(12))
}

fn be_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("engine id is not 8 bytes".into()))?;
    Ok(u64::from_be_bytes(arr))
}
