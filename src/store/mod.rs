//! The persistent store, laid out after OpenLDAP back-mdb in tables of an embedded
//! engine (`engine`: LMDB by default, sled for directories it wrote):
//!
//! - `id2entry`: big-endian u64 id -> entry encoded by `codec` (version byte first);
//! - `dn2id`: [`Dn::tree_key`] (normalised RDNs root-first, each NUL-terminated) -> id,
//!   so a subtree is one prefix range and key order puts parents before children;
//! - `index`: one key per (index key, id) pair, see `index` for why;
//! - `meta`: format version, entry count, the caller's index configuration string, the
//!   journal of a subtree move in progress (`subtree`), a replica's sync cookie
//!   (`cookie`) and the contextCSN (`synclog`);
//! - `synclog`: the replication session log, CSN -> departed entry (`synclog`).
//!
//! The store knows nothing of schema, ACLs or BER: callers pass entries and the index
//! keys they computed with [`index_keys`]. Every engine type stays in `engine`, so the
//! rest of the store reads the same on either engine.
//!
//! Concurrency and durability: reads wait only while a subtree move runs (the store's
//! gate keeps them from seeing it half done). Writes go through the one [`Writer`]
//! (`write`), which holds the store's only write mutex from the caller's checks to the
//! commit of one multi-table transaction (sled transactions cannot range-scan, so checks
//! such as "has no children" are only sound while no other writer runs). The flush that
//! makes commits durable happens after the mutex is released and is shared: writers that
//! commit while a flush runs are covered by the next single flush (group commit,
//! `commit`). Every write method returns only once its write is durable, except an
//! import's [`BulkLoader`] (`bulk`) into an empty staging copy, durable once when it
//! finishes.

mod bulk;
mod bulk_keys;
mod codec;
mod commit;
mod cookie;
mod engine;
mod error;
mod index;
mod lookup;
mod migrate;
mod reads;
mod rebuild;
mod rename;
mod scope;
mod subtree;
mod synclog;
#[cfg(test)]
mod tests;
mod verify;
mod verify_index;
mod write;

pub use bulk::BulkLoader;
pub use engine::EngineKind;
pub use error::StoreError;
pub use index::{
    index_keys, intersect, retain_in, substring_query_keys, union, IndexKey, IndexKind,
};
pub use rebuild::DnRebuild;
pub use synclog::{ChangeNote, Departure, LogRecord};
pub use verify::{KeysOf, Problem, VerifyReport};
pub use write::{Rewrite, Writer};

use crate::dn::Dn;
use crate::entry::Entry;
use commit::GroupCommit;
use engine::{Engine, Table, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard};

/// Identifier of a stored entry; stable across modify and rename, never reused.
pub type EntryId = u64;

/// sled's in-process cache size when the caller names none (see `store_cache_mb`).
pub const DEFAULT_CACHE_MB: u64 = 512;

/// Tree of reserved keys with a note each (see [`Writer::reserve`]).
const RESERVATIONS_TREE: &str = "reservations";

/// On-disk layout version kept in `meta`; a store written by another layout is refused.
const FORMAT: u64 = 1;
const FORMAT_KEY: &[u8] = b"format";
const COUNT_KEY: &[u8] = b"entry_count";
const INDEX_CONFIG_KEY: &[u8] = b"index_config";
/// Index keys written per batch during [`Writer::reindex`].
const REINDEX_BATCH: usize = 10_000;

/// The directory's persistent store.
pub struct Store {
    engine: Engine,
    id2entry: Table,
    dn2id: Table,
    index: Table,
    meta: Table,
    /// The replication session log (`synclog`).
    synclog: Table,
    /// Reserved keys (see [`Writer::reserve`]).
    reservations: Table,
    /// Records in `synclog`, and how many it keeps.
    synclog_len: AtomicUsize,
    synclog_limit: AtomicUsize,
    /// The contextCSN, stored at each flush (`synclog`).
    context: Mutex<synclog::Context>,
    /// Taken by the one [`Writer`]; guards no data itself.
    write_lock: Mutex<()>,
    /// Every read holds it shared; a subtree move holds it exclusively from its first
    /// write to its last, so that no read sees the subtree half moved (`subtree`).
    gate: RwLock<()>,
    /// Cached copy of `meta/entry_count`, updated by the writer.
    count: AtomicU64,
    /// Bumped when a writer starts and when it ends (see [`Store::generation`]).
    generation: AtomicU64,
    commits: GroupCommit,
}

impl Store {
    /// Open (or create) the store in the directory `path`. Fails with `Locked` when
    /// another process holds it, `Corrupt` when it was written with another layout.
    pub fn open(path: &std::path::Path) -> Result<Store, StoreError> {
        Store::open_with(path, EngineKind::default(), DEFAULT_CACHE_MB)
    }

    /// [`Store::open`], creating a `new_engine` store when `path` holds none (a store
    /// opens with the engine that wrote it), with sled's page cache limited to
    /// `cache_mb` MiB. A sled page not in it is read back from the file and decoded on
    /// every use, so the cache should hold the working set: at 124k entries a 64 MiB
    /// cache cost 1.6x the CPU per {SSHA} bind and 1.5x per lookup of a 512 MiB one,
    /// whose resident set stayed under 300 MiB (the cache fills only with the pages
    /// used). LMDB reads through the OS's page cache instead.
    pub fn open_with(
        path: &std::path::Path,
        new_engine: EngineKind,
        cache_mb: u64,
    ) -> Result<Store, StoreError> {
        Store::from_engine(Engine::open(path, new_engine, cache_mb)?)
    }

    /// A store that lives in a temporary directory removed on drop (tests).
    pub fn open_temporary() -> Result<Store, StoreError> {
        Store::from_engine(Engine::temporary(EngineKind::default())?)
    }

    fn from_engine(engine: Engine) -> Result<Store, StoreError> {
        let id2entry = engine.table("id2entry")?;
        let dn2id = engine.table("dn2id")?;
        let index = engine.table("index")?;
        let meta = engine.table("meta")?;
        let synclog = engine.table(synclog::SYNCLOG_TREE)?;
        let reservations = engine.table(RESERVATIONS_TREE)?;
        match meta.get(FORMAT_KEY)? {
            Some(v) if be_u64(&v)? == FORMAT => {}
            Some(v) => {
                return Err(StoreError::Corrupt(format!(
                    "store format {} (this build reads {FORMAT})",
                    be_u64(&v)?
                )))
            }
            None if id2entry.is_empty()? && dn2id.is_empty()? => {
                meta.insert(FORMAT_KEY, FORMAT.to_be_bytes())?;
            }
            None => return Err(StoreError::Corrupt("store has no format marker".into())),
        }
        let count = match meta.get(COUNT_KEY)? {
            Some(v) => be_u64(&v)?,
            None => {
                let n = id2entry.len()? as u64;
                meta.insert(COUNT_KEY, n.to_be_bytes())?;
                n
            }
        };
        let store = Store {
            engine,
            id2entry,
            dn2id,
            index,
            meta,
            synclog_len: AtomicUsize::new(synclog.len()?),
            synclog_limit: AtomicUsize::new(usize::MAX),
            synclog,
            reservations,
            context: Mutex::new(synclog::Context::default()),
            write_lock: Mutex::new(()),
            gate: RwLock::new(()),
            count: AtomicU64::new(count),
            generation: AtomicU64::new(0),
            commits: GroupCommit::default(),
        };
        store.resume_move()?;
        store.load_context()?;
        store.flush()?;
        Ok(store)
    }

    /// Wait until no subtree move runs (see `gate`).
    fn reading(&self) -> RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry named `dn` and its id.
    pub fn get(&self, dn: &Dn) -> Result<Option<(EntryId, Entry)>, StoreError> {
        self.get_decoded(&dn.tree_key(), decode_entry)
    }

    /// The entry whose DN has the tree key `dn_key` ([`Dn::tree_key`]), decoded by
    /// `decode`, and its id.
    fn get_decoded(
        &self,
        dn_key: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<Entry, StoreError>,
    ) -> Result<Option<(EntryId, Entry)>, StoreError> {
        let _gate = self.reading();
        // Both reads in one snapshot: one transaction begun instead of two.
        let view = self.engine.snapshot()?;
        let Some(id) = view.get_with(&self.dn2id, dn_key, be_u64)? else {
            return Ok(None);
        };
        let id = id?;
        // Missing here (sled) means a delete committed between the two reads: absent.
        let entry = view.get_with(&self.id2entry, id.to_be_bytes(), decode)?;
        Ok(entry.transpose()?.map(|e| (id, e)))
    }

    /// The entry with id `id`.
    pub fn get_by_id(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let _gate = self.reading();
        self.load(id)
    }

    /// [`Store::get_by_id`] for a caller already past the gate (it is not reentrant).
    fn load(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        self.id2entry
            .get_with(id.to_be_bytes(), decode_entry)?
            .transpose()
    }

    /// Whether an entry named `dn` exists.
    pub fn exists(&self, dn: &Dn) -> Result<bool, StoreError> {
        let _gate = self.reading();
        self.dn2id.contains_key(dn.tree_key())
    }

    /// Whether any entry lies below `dn`.
    pub fn has_children(&self, dn: &Dn) -> Result<bool, StoreError> {
        let _gate = self.reading();
        self.has_children_key(&dn.tree_key())
    }

    fn has_children_key(&self, key: &[u8]) -> Result<bool, StoreError> {
        // The key itself sorts first, so at most two items are read.
        for item in self.dn2id.scan_prefix(key) {
            let (k, _) = item?;
            if k.len() > key.len() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The index configuration recorded by the last [`Writer::set_index_config`].
    pub fn index_config(&self) -> Result<Option<String>, StoreError> {
        match self.meta.get(INDEX_CONFIG_KEY)? {
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| StoreError::Corrupt("index config is not UTF-8".into())),
            None => Ok(None),
        }
    }

    /// The note of a reservation, if `key` is reserved.
    pub fn reservation(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .reservations
            .get(key.as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Every reservation as (key, note), in key order.
    pub fn reservations(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self.reservations.iter() {
            let (k, v) = item?;
            out.push((
                String::from_utf8_lossy(&k).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            ));
        }
        Ok(out)
    }

    /// Every entry with its id in tree order, parents before children (for export).
    /// Entries deleted while iterating are skipped.
    pub fn iter_entries(&self) -> impl Iterator<Item = Result<(EntryId, Entry), StoreError>> {
        let entries = self.id2entry.clone();
        self.dn2id
            .iter()
            .filter_map(move |item| load_listed(&entries, item).transpose())
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::SeqCst) as usize
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Make everything written so far durable (write methods already do this,
    /// unless durability is deferred).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.commits.force(self)
    }

    /// Bulk load: writes stop waiting for the disk until [`Store::flush`]. Only for a
    /// store nobody else sees until then (an import's staging copy).
    pub fn defer_durability(&self) -> Result<(), StoreError> {
        self.commits.set_deferred(true);
        self.engine.defer_commits(true)
    }
}

fn be_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes.try_into().map_err(|_| {
        StoreError::Corrupt(format!("expected 8-byte id, found {} bytes", bytes.len()))
    })?;
    Ok(u64::from_be_bytes(arr))
}

fn decode_entry(bytes: &[u8]) -> Result<Entry, StoreError> {
    codec::decode(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The entry a `dn2id` item points to; `None` when deleted since the item was read.
fn load_listed(
    entries: &Table,
    item: Result<(Value, Value), StoreError>,
) -> Result<Option<(EntryId, Entry)>, StoreError> {
    let (_, v) = item?;
    let id = be_u64(&v)?;
    let entry = entries
        .get_with(id.to_be_bytes(), decode_entry)?
        .transpose()?;
    Ok(entry.map(|e| (id, e)))
}
