//! Rename and move (modrdn): a leaf, or a whole subtree in one transaction.
//!
//! dn2id keys are whole DNs (root first), so a subtree move rewrites the key of every
//! descendant, and each descendant's record, which holds its DN. sled transactions
//! cannot range-scan: the subtree's keys are listed first, while the writer keeps every
//! other writer out, then rewritten in one transaction. Index keys come from attribute
//! values, which a descendant keeps; only the renamed entry's own keys change.

use super::codec;
use super::write::{key_diff, Rewrite, Writer};
use super::{be_u64, EntryId, StoreError};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::store::IndexKey;
use std::collections::HashSet;

impl Writer<'_> {
    /// Move the entry `old_dn`, with everything below it, to `new_entry.dn` (modrdn,
    /// possibly to a new parent), keeping every id and storing `new_entry` (whose RDN
    /// attribute values the caller has updated); every descendant's DN follows, and
    /// `rewrites` (entries that named a moved one) are stored in the same transaction.
    /// `NoSuchEntry` if `old_dn` is absent or the new parent is missing,
    /// `AlreadyExists` if the target is taken, `BelowItself` if it lies below
    /// `old_dn`. A rename to the same normalised DN (a case change) rewrites records only.
    pub fn rename(
        self,
        old_dn: &Dn,
        new_entry: &Entry,
        old_keys: &[IndexKey],
        new_keys: &[IndexKey],
        rewrites: &[Rewrite],
    ) -> Result<(), StoreError> {
        let store = self.store;
        let old_key = old_dn.tree_key();
        let new_key = new_entry.dn.tree_key();
        let id = self.id_of_key(&old_key)?;
        if new_key != old_key {
            if new_key.starts_with(&old_key) {
                return Err(StoreError::BelowItself);
            }
            if store.dn2id.contains_key(&new_key)? {
                return Err(StoreError::AlreadyExists);
            }
            self.check_parent(&new_entry.dn)?;
        }
        let rewritten: HashSet<EntryId> = rewrites.iter().map(|r| r.id).collect();
        let below = self.moved_descendants(old_dn, &new_entry.dn, &rewritten)?;
        let record = codec::encode(new_entry);
        let (gone, fresh) = key_diff(old_keys, new_keys);
        let id_bytes = id.to_be_bytes();
        // sled holds a process-wide lock while the closure runs, which every read
        // waits for: it only copies what was prepared above.
        self.transact(|tx| {
            tx.dns.remove(old_key.as_slice())?;
            tx.dns.insert(new_key.as_slice(), &id_bytes)?;
            tx.entries.insert(&id_bytes, record.as_slice())?;
            tx.unfile(gone.iter().copied(), id)?;
            tx.file(fresh.iter().copied(), id)?;
            for m in &below {
                if m.old_key != m.new_key {
                    tx.dns.remove(m.old_key.as_slice())?;
                    tx.dns.insert(m.new_key.as_slice(), &m.id_bytes)?;
                }
                if let Some(r) = &m.record {
                    tx.entries.insert(&m.id_bytes, r.clone())?;
                }
            }
            tx.rewrite(rewrites)
        })?;
        drop(self);
        store.commits.sync(&store.db)
    }

    /// Every entry strictly below `old_dn`, in tree order, with its dn2id key under
    /// `new_dn` and its record rebased there (none for the ids in `rewritten`, whose
    /// caller gives the whole new record). Read before the transaction, while the writer
    /// keeps every other writer out.
    fn moved_descendants(
        &self,
        old_dn: &Dn,
        new_dn: &Dn,
        rewritten: &HashSet<EntryId>,
    ) -> Result<Vec<Moved>, StoreError> {
        let store = self.store;
        let (old_key, new_key) = (old_dn.tree_key(), new_dn.tree_key());
        let mut out = Vec::new();
        for item in store.dn2id.scan_prefix(&old_key) {
            let (k, v) = item?;
            if k.len() == old_key.len() {
                continue;
            }
            let id = be_u64(&v)?;
            let id_bytes = id.to_be_bytes();
            let record = if rewritten.contains(&id) {
                None
            } else {
                let old = store.id2entry.get(id_bytes)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("dn2id names entry {id}, which id2entry lacks"))
                })?;
                let moved = codec::rebase(&old, old_dn.depth(), new_dn)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Some(sled::IVec::from(moved))
            };
            out.push(Moved {
                new_key: [new_key.as_slice(), &k[old_key.len()..]].concat(),
                old_key: k.to_vec(),
                id_bytes,
                record,
            });
        }
        Ok(out)
    }
}

/// One descendant of a renamed entry: its dn2id key before and after, its id, and its
/// rebased record (None when a rewrite gives it).
struct Moved {
    old_key: Vec<u8>,
    new_key: Vec<u8>,
    id_bytes: [u8; 8],
    record: Option<sled::IVec>,
}
