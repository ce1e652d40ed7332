//! Bulk loading an empty store (what `mailldap import` does into a fresh staging
//! copy, like `slapadd -q`): entries go to `id2entry` in large unsynchronised batches
//! as they come; `dn2id` and the index keys are kept in memory, sorted, and written
//! in key order at the end, then one durable flush. Nobody sees the store meanwhile,
//! so nothing needs a transaction: a load that fails is thrown away with its copy.
//!
//! The caller still checks each entry as an add would (schema, parents, unique
//! values); the loader refuses what [`Writer::add`](super::Writer::add) refuses (a
//! taken DN, a missing parent under a stored ancestor) from its own map of names.

use super::engine::Batch;
use super::index::{self, IndexKey};
use super::synclog::ChangeNote;
use super::{EntryId, Store, StoreError, Writer, COUNT_KEY};
use crate::dn::Dn;
use crate::entry::Entry;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// Entries per `id2entry` batch, and keys per batch at the end: large enough that
/// the per-batch cost vanishes, small enough to keep a batch's memory modest.
const BATCH: usize = 1_000;

/// Loads entries into a store that was empty; holds the store's one writer until
/// [`BulkLoader::finish`].
pub struct BulkLoader<'s> {
    writer: Writer<'s>,
    /// Tree key of every entry loaded -> its id (written to `dn2id` at the end).
    names: HashMap<Vec<u8>, EntryId>,
    /// `index` tree keys of every entry loaded (sorted and written at the end).
    filed: Keys,
    /// Records not yet written to `id2entry`.
    batch: Batch,
    pending: usize,
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
            names: HashMap::new(),
            filed: Keys::default(),
            batch: Batch::default(),
            pending: 0,
            newest_csn: None,
        }))
    }
}

impl BulkLoader<'_> {
    /// Whether an entry named `dn` was loaded.
    pub fn exists(&self, dn: &Dn) -> bool {
        self.names.contains_key(&dn.tree_key())
    }

    /// The id of the entry named `dn`, if it was loaded.
    pub fn id_of(&self, dn: &Dn) -> Option<EntryId> {
        self.names.get(&dn.tree_key()).copied()
    }

    /// The loaded entry `id` (for messages naming another entry: writes what is
    /// pending first, so it is slow; not for every entry).
    pub fn get_by_id(&mut self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        self.write_entries()?;
        self.writer.store.load(id)
    }

    /// Store `entry` (whose entryCSN is `csn`) filed under `keys`; as
    /// [`Writer::add`]: `AlreadyExists` for a taken DN, `NoSuchEntry` when its
    /// parent is missing under a loaded ancestor.
    pub fn add(
        &mut self,
        entry: &Entry,
        keys: &[IndexKey],
        csn: &str,
    ) -> Result<EntryId, StoreError> {
        let dn_key = entry.dn.tree_key();
        if self.names.contains_key(&dn_key) {
            return Err(StoreError::AlreadyExists);
        }
        super::write::parent_check(&entry.dn, |a| Ok(self.names.contains_key(&a.tree_key())))?;
        let id = self.writer.store.engine.generate_id()?;
        self.batch
            .insert(id.to_be_bytes(), super::codec::encode(entry));
        self.names.insert(dn_key, id);
        for key in keys {
            self.filed.push(&index::tree_key(key, id));
        }
        if self.newest_csn.as_deref().is_none_or(|c| csn > c) {
            self.newest_csn = Some(csn.to_string());
        }
        self.pending += 1;
        if self.pending >= BATCH {
            self.write_entries()?;
        }
        Ok(id)
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
        let mut names: Vec<(Vec<u8>, EntryId)> =
            std::mem::take(&mut self.names).into_iter().collect();
        names.sort_unstable();
        let loaded = names.len();
        let mut filed = std::mem::take(&mut self.filed);
        filed.sort();
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

    /// Write the pending `id2entry` records.
    fn write_entries(&mut self) -> Result<(), StoreError> {
        if self.pending > 0 {
            let batch = std::mem::take(&mut self.batch);
            self.writer.store.id2entry.apply_batch(batch)?;
            self.pending = 0;
        }
        Ok(())
    }
}

/// Write `names` to `dn2id` and `filed` to `index` (both sorted). On sled, on two
/// threads, each about half of the keys: sled's cost is per key (a leaf splits at 16),
/// and sled takes concurrent inserts into distinct ranges without waiting. LMDB has
/// one writer, and appends sorted keys faster than a second thread could help.
fn write_in_parallel(
    store: &Store,
    names: Vec<(Vec<u8>, EntryId)>,
    filed: &Keys,
) -> Result<(), StoreError> {
    let engine = &store.engine;
    let names = names.into_iter().map(|(k, id)| (k, id.to_be_bytes()));
    if !engine.parallel_loads() {
        engine.load_sorted(&store.dn2id, names)?;
        return engine.load_sorted(&store.index, filed.items(&filed.spans));
    }
    let half = (names.len() + filed.spans.len()) / 2;
    let first_part = half.saturating_sub(names.len()).min(filed.spans.len());
    let (first, second) = filed.spans.split_at(first_part);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| engine.load_sorted(&store.index, filed.items(second)));
        let own = engine
            .load_sorted(&store.dn2id, names)
            .and_then(|()| engine.load_sorted(&store.index, filed.items(first)));
        let other = other
            .join()
            .unwrap_or_else(|_| Err(StoreError::Io("the index writer panicked".into())));
        own.and(other)
    })
}

/// Where one key lies in [`Keys::bytes`].
type Span = (usize, usize);

/// Byte strings end to end in one buffer: a key costs its bytes and 16 more, not a
/// heap block of its own (a million entries file about ten million index keys).
#[derive(Default)]
struct Keys {
    bytes: Vec<u8>,
    spans: Vec<Span>,
}

impl Keys {
    fn push(&mut self, key: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        self.spans.push((start, self.bytes.len()));
    }

    /// The `index` items (key, empty value) of `spans`.
    fn items<'k>(&'k self, spans: &'k [Span]) -> impl Iterator<Item = (&'k [u8], &'k [u8])> {
        spans
            .iter()
            .map(|(start, end)| (&self.bytes[*start..*end], &[][..]))
    }

    /// Put the spans in key order, without repeats.
    fn sort(&mut self) {
        let bytes = &self.bytes;
        let key = |(start, end): &Span| &bytes[*start..*end];
        self.spans.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        self.spans.dedup_by(|a, b| key(a) == key(b));
    }
}
