//! Bulk loading an empty store (what `mailldap import` does into a fresh staging
//! copy, like `slapadd -q`): entries go to `id2entry` in large unsynchronised batches
//! as they come; `dn2id` and the index keys are kept in memory, sorted, and written
//! in key order at the end, then one durable flush. Nobody sees the store meanwhile,
//! so nothing needs a transaction: a load that fails is thrown away with its copy.
//!
//! The caller still checks each entry as an add would (schema, parents, unique
//! values); the loader refuses what [`Writer::add`](super::Writer::add) refuses (a
//! taken DN, a missing parent under a stored ancestor) from its own map of names.

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
    filed: Keys,
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
            filed: Keys::default(),
            batch: Vec::with_capacity(BATCH),
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
            .push((id.to_be_bytes(), super::codec::encode(entry)));
        self.names.insert(dn_key, id);
        for key in keys {
            self.filed.push(&index::tree_key(key, id));
        }
        if self.newest_csn.as_deref().is_none_or(|c| csn > c) {
            self.newest_csn = Some(csn.to_string());
        }
        if self.batch.len() >= BATCH {
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

    /// Put the spans in key order, without repeats: one run per core sorted at
    /// once, then merged (a million entries file ten million keys, and their sort
    /// on one thread was a sixth of the import's time while the other core idled).
    fn sort(&mut self) {
        let bytes = &self.bytes;
        let key = |(start, end): &Span| &bytes[*start..*end];
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let run = self.spans.len().div_ceil(cores).max(1);
        std::thread::scope(|scope| {
            for part in self.spans.chunks_mut(run) {
                scope.spawn(move || part.sort_unstable_by(|a, b| key(a).cmp(key(b))));
            }
        });
        // Merged in pairs, each level into new runs: at most twice the spans held.
        let mut runs: Vec<Vec<Span>> = self
            .spans
            .chunks(run)
            .collect::<Vec<_>>()
            .chunks(2)
            .map(|pair| merge(pair[0], pair.get(1).copied().unwrap_or(&[]), &key))
            .collect();
        self.spans = Vec::new();
        while runs.len() > 1 {
            runs = runs
                .chunks(2)
                .map(|pair| merge(&pair[0], pair.get(1).map_or(&[], Vec::as_slice), &key))
                .collect();
        }
        self.spans = runs.pop().unwrap_or_default();
        self.spans.dedup_by(|a, b| key(a) == key(b));
    }
}

/// The spans of two sorted runs in one sorted run.
fn merge<'b>(left: &[Span], right: &[Span], key: &dyn Fn(&Span) -> &'b [u8]) -> Vec<Span> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (0, 0);
    while l < left.len() && r < right.len() {
        if key(&left[l]) <= key(&right[r]) {
            out.push(left[l]);
            l += 1;
        } else {
            out.push(right[r]);
            r += 1;
        }
    }
    out.extend_from_slice(&left[l..]);
    out.extend_from_slice(&right[r..]);
    out
}

#[cfg(test)]
mod tests {
    use super::Keys;
    use crate::test_rng::Rng;

    #[test]
    fn keys_sort_in_order_without_repeats_whatever_the_runs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for count in [0, 1, 2, 3, 7, 1_000, 20_001] {
            let mut keys = Keys::default();
            let mut want = Vec::new();
            for _ in 0..count {
                // Shared prefixes and repeats, as index keys have.
                let len = 1 + rng.below(12) as usize;
                let key: Vec<u8> = (0..len).map(|_| b'a' + rng.below(3) as u8).collect();
                keys.push(&key);
                want.push(key);
            }
            want.sort();
            want.dedup();
            keys.sort();
            let got: Vec<Vec<u8>> = keys.items(&keys.spans).map(|(k, _)| k.to_vec()).collect();
            assert_eq!(got, want, "{count} keys");
        }
    }
}
