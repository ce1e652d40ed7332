//! `mailldap reindex` at the store level: `dn2id` and the entry count made to agree
//! with `id2entry` again, the one tree they are derived from (the index is rebuilt by
//! [`Writer::reindex`]).
//!
//! No step removes a sound key or record: a key goes only when it names no entry or
//! an entry with another DN, and an entry gets a key only where none is, so a crash
//! midway leaves a store no worse than before and a rerun finishes the work. Two
//! entries with one DN keep the key that names the first; verify still reports the other.

use super::engine::Batch;
use super::write::Writer;
use super::{be_u64, codec, StoreError, COUNT_KEY};
use std::sync::atomic::Ordering;

/// What [`Writer::rebuild_dn2id`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnRebuild {
    /// Entries in `id2entry`.
    pub entries: u64,
    /// `dn2id` keys removed (naming no entry, or an entry with another DN).
    pub removed: u64,
    /// `dn2id` keys added for entries that had none.
    pub added: u64,
    /// The entry count as it was kept, when it was wrong (then set to `entries`).
    pub count_was: Option<Option<u64>>,
}

impl Writer<'_> {
    /// Make `dn2id` name every entry by its DN and nothing else, and the kept entry
    /// count equal the number of entries; durable on return.
    pub fn rebuild_dn2id(&self) -> Result<DnRebuild, StoreError> {
        let store = self.store;
        let mut rebuilt = DnRebuild::default();
        let mut stale = Batch::default();
        for item in store.dn2id.iter() {
            let (key, value) = item?;
            if !self.names_its_entry(&key, &value)? {
                stale.remove(key);
                rebuilt.removed += 1;
            }
        }
        store.dn2id.apply_batch(stale)?;
        for item in store.id2entry.iter() {
            let (id, record) = item?;
            rebuilt.entries += 1;
            // Undecodable records have no DN to file: verify reports them.
            let (Ok(_), Ok(dn)) = (be_u64(&id), codec::decode_dn(&record)) else {
                continue;
            };
            let key = dn.tree_key();
            if !store.dn2id.contains_key(&key)? {
                store.dn2id.insert(key, id)?;
                rebuilt.added += 1;
            }
        }
        let kept = match store.meta.get(COUNT_KEY)? {
            Some(v) => be_u64(&v).ok(),
            None => None,
        };
        if kept != Some(rebuilt.entries) {
            store
                .meta
                .insert(COUNT_KEY, rebuilt.entries.to_be_bytes())?;
            store.count.store(rebuilt.entries, Ordering::SeqCst);
            rebuilt.count_was = Some(kept);
        }
        store.commits.sync(store)?;
        Ok(rebuilt)
    }

    /// Whether the `dn2id` item `key -> value` names an entry whose DN has that key
    /// (an undecodable record is given the benefit of the doubt).
    fn names_its_entry(&self, key: &[u8], value: &[u8]) -> Result<bool, StoreError> {
        let Ok(id) = be_u64(value) else {
            return Ok(false);
        };
        Ok(match self.store.id2entry.get(id.to_be_bytes())? {
            None => false,
            Some(record) => match codec::decode_dn(&record) {
                Ok(dn) => dn.tree_key() == key,
                Err(_) => true,
            },
        })
    }
}
