//! Bulk loading an empty store (what `mailldap import` does into a fresh staging
//! copy, like `slapadd -q`): entries go to `id2entry` in large unsynchronised batches
//! as they come; `dn2id` and the index keys are kept in memory, sorted, and written
//! in key order at the end, then one durable flush. Nobody sees the store meanwhile,
//! so nothing needs a transaction: a load that fails is thrown away with its copy.
//!
//! The caller still checks each entry as an add would (schema, parents, unique
//! values); the loader refuses what [`Writer::add`](super::Writer::add) refuses (a
//! taken DN, a missing parent under a stored ancestor) from its own map of names.

use super::bulk_keys::{FiledKeys, SortedKeys};
use super::index::{self, IndexKey};
use super::synclog::ChangeNote;
use super::{EntryId, Store, StoreError, Writer, COUNT_KEY};
use crate::dn::Dn;
use crate::entry::Entry;
use std::sync::atomic::Ordering;

/// Entries per `id2entry` batch, and keys per batch at the end: large enough that
/// the per-batch cost vanishes, small enough to keep a batch's memory modest.
const BATCH: usize = 1_000;

/// Loads entries into a store that was empty; holds the store's one writer until
/// [`BulkLoader::finish`].
pub struct BulkLoader<'s> {
    writer: Writer<'s>,
    /// Tree key of every entry loaded -> its id (written to `dn2id` at the end).
    /// A fast hash: the loader's own keys, looked up once per entry and parent.
    names: rustc_hash::FxHashMap<Vec<u8>, EntryId>,
    /// `index` tree keys of every entry loaded (sorted and written at the end).
    filed: FiledKeys,
    /// A key's prefix, built here for each key filed (one buffer for all).
    prefix: Vec<u8>,
    /// Records not yet written to `id2entry`, in ascending id order.
    batch: Vec<([u8; 8], Vec<u8>)>,
    /// The newest entryCSN seen: the contextCSN once loaded.
    newest_csn: Option<String>,
}

impl Store {
    /// A bulk loader, or `None` when the store already holds entries or reserved
    /// mailbox keys (load those through the [`Writer`], which checks against them).
    pub fn bulk_loader(&self) -> Result<Option<BulkLoader<'_>>, StoreError> {
        let writer = self.writer();
        let reserved = !self.reservations.is_empty()?;
        if !self.id2entry.is_empty()? || !self.dn2id.is_empty()? || reserved {
            return Ok(None);
        }
        Ok(Some(BulkLoader {
            writer,
            names: Default::default(),
            filed: FiledKeys::default(),
            prefix: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            newest_csn: None,
        }))
    }
}

impl BulkLoader<'_> {
    /// Whether an entry named `dn` was loaded.
    pub fn exists(&self, dn: &Dn) -> bool {
        self.holds(&dn.tree_key())
    }

    /// Whether an entry whose [`Dn::tree_key`] is `key` was loaded.
    pub fn holds(&self, key: &[u8]) -> bool {
        self.names.contains_key(key)
    }

    /// Whether the entry loaded under the tree key `key` is `id`.
    pub fn loaded_as(&self, key: &[u8], id: EntryId) -> bool {
        self.names.get(key) == Some(&id)
    }

    /// The loaded entry `id` (for messages naming another entry: writes what is
    /// pending first, so it is slow; not for every entry).
    pub fn get_by_id(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        self.write_entries()?;
        self.writer.store.load(id)
    }

    /// Store `entry` (whose entryCSN is `csn`, whose [`Dn::tree_key`] is `dn_key`)
    /// filed under `keys`; as [`Writer::add`]: `AlreadyExists` for a taken DN,
    /// `NoSuchEntry` when its parent is missing under a loaded ancestor.
    pub fn add(
        &mut self,
        entry: &Entry,
        dn_key: Vec<u8>,
        keys: &[IndexKey],
        csn: &str,
    ) -> Result<EntryId, StoreError> {
        if self.names.contains_key(&dn_key) {
            return Err(StoreError::AlreadyExists);
        }
        super::write::parent_check(&dn_key, |a| Ok(self.names.contains_key(a)))?;
        let id = self.writer.store.engine.generate_id()?;
        self.batch
            .push((id.to_be_bytes(), super::codec::encode(entry)));
        self.names.insert(dn_key, id);
        for key in keys {
            index::push_tree_prefix(&mut self.prefix, key);
            self.filed.push(&self.prefix, id);
        }
        match &mut self.newest_csn {
            Some(newest) if csn <= newest.as_str() => {}
            // The buffer is reused: nearly every entry is newer than the last.
            Some(newest) => csn.clone_into(newest),
            None => self.newest_csn = Some(csn.to_string()),
        }
        if self.batch.len() >= BATCH {
            self.write_entries()?;
        }
        Ok(id)
    }

    /// Make room for `entries` more entries' names at once (growing the map as it
    /// filled rehashed it twenty times: 2% of a million-entry import).
    pub fn reserve(&mut self, entries: usize) {
        self.names.reserve(entries);
    }

    /// Number of entries loaded so far.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing was loaded yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Write what is still in memory (`dn2id` and the index in key order, the entry
    /// count, the contextCSN), then flush durably; returns the number of entries.
    pub fn finish(mut self) -> Result<usize, StoreError> {
        self.write_entries()?;
        let store = self.writer.store;
        let (names, filed) = sort_both(
            std::mem::take(&mut self.names),
            std::mem::take(&mut self.filed),
        )?;
        let loaded = names.len();
        write_in_parallel(store, names, &filed)?;
        store
            .meta
            .insert(COUNT_KEY, (loaded as u64).to_be_bytes())?;
        store.count.store(loaded as u64, Ordering::SeqCst);
        if let Some(csn) = self.newest_csn.take() {
            self.writer
                .advance_context(&ChangeNote { csn, logged: None });
        }
        drop(self);
        store.flush()?;
        Ok(loaded)
    }

    /// Write the pending `id2entry` records. Ids only grow, so they are appended:
    /// LMDB then fills each page (a plain put splits a full page in half, leaving the
    /// table a third larger than its entries).
    fn write_entries(&mut self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let store = self.writer.store;
        store
            .engine
            .load_sorted(&store.id2entry, self.batch.drain(..))
    }
}

/// A `dn2id` item: an entry's tree key and its id.
type Named = (Vec<u8>, EntryId);

/// The names and the index keys, each sorted, at once: the names on a thread of
/// their own while the keys sort (perf: the names' sort alone left a core idle for
/// half a second of a million-entry load's end).
fn sort_both(
    names: rustc_hash::FxHashMap<Vec<u8>, EntryId>,
    filed: FiledKeys,
) -> Result<(Vec<Named>, SortedKeys), StoreError> {
    std::thread::scope(|scope| {
        let names = scope.spawn(move || {
            let mut names: Vec<Named> = names.into_iter().collect();
            names.sort_unstable();
            names
        });
        let filed = filed.sorted();
        let names = names
            .join()
            .map_err(|_| StoreError::Io("the name sort panicked".into()))?;
        Ok((names, filed))
    })
}

/// Write `names` to `dn2id` and `filed` to `index` (both sorted). On sled, on two
/// threads, each about half of the keys: sled's cost is per key (a leaf splits at 16),
/// and sled takes concurrent inserts into distinct ranges without waiting. LMDB has
/// one writer, and appends sorted keys faster than a second thread could help.
fn write_in_parallel(
    store: &Store,
    names: Vec<Named>,
    filed: &SortedKeys,
) -> Result<(), StoreError> {
    let engine = &store.engine;
    let names = names.into_iter().map(|(k, id)| (k, id.to_be_bytes()));
    let all = 0..filed.prefixes();
    if !engine.parallel_loads() {
        engine.load_sorted(&store.dn2id, names)?;
        return engine.load_pushed(&store.index, |put| filed.put_keys(all, put));
    }
    let keys = filed.keys_before(filed.prefixes());
    let half = (names.len() + keys) / 2;
    let first_part = half.saturating_sub(names.len()).min(keys);
    let split = all
        .clone()
        .find(|r| filed.keys_before(*r) >= first_part)
        .unwrap_or(all.end);
    std::thread::scope(|scope| {
        let other = scope
            .spawn(|| engine.load_pushed(&store.index, |put| filed.put_keys(split..all.end, put)));
        let own = engine
            .load_sorted(&store.dn2id, names)
            .and_then(|()| engine.load_pushed(&store.index, |put| filed.put_keys(0..split, put)));
        let other = other
            .join()
            .unwrap_or_else(|_| Err(StoreError::Io("the index writer panicked".into())));
        own.and(other)
    })
}
