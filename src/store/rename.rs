//! Rename and move (modrdn): a leaf in one transaction, a subtree as `subtree` says.
//!
//! dn2id keys are whole DNs (root first), so a subtree move rewrites the key of every
//! descendant, and each descendant's record, which holds its DN. Index keys come from
//! attribute values, which a descendant keeps: only the renamed entry's own keys and
//! those of rewritten referrers change.

use super::subtree::{journal_dn, MOVE_FROM_KEY, MOVE_TO_KEY};
use super::write::{key_diff, Rewrite, Writer};
use super::{codec, StoreError};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::store::IndexKey;
use std::sync::PoisonError;

impl Writer<'_> {
    /// Move the entry `old_dn`, with everything below it, to `new_entry.dn` (modrdn,
    /// possibly to a new parent), keeping every id and storing `new_entry` (whose RDN
    /// attribute values the caller has updated); every descendant's DN follows, and
    /// `rewrites` (entries that named a moved one, inside the subtree with their new
    /// DN) are stored with it. Readers see the move all at once, and it is durable on
    /// return. `NoSuchEntry` if `old_dn` is absent or the new parent is missing,
    /// `AlreadyExists` if the target is taken, `BelowItself` if it lies below
    /// `old_dn`. A rename to the same normalised DN (a case change) rewrites records only.
    pub fn rename(
        mut self,
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
            self.check_parent(&new_key)?;
        }
        let subtree = store.has_children_key(&old_key)?;
        let journal = subtree.then(|| (journal_dn(old_dn), journal_dn(&new_entry.dn)));
        let record = codec::encode(new_entry);
        let (gone, fresh) = key_diff(old_keys, new_keys);
        let id_bytes = id.to_be_bytes();
        // Held from the first write to the last of a subtree move (see `subtree`).
        let gate = subtree.then(|| store.gate.write().unwrap_or_else(PoisonError::into_inner));
        self.transact(|tx| {
            tx.dns.remove(old_key.as_slice())?;
            tx.dns.insert(new_key.as_slice(), id_bytes)?;
            tx.entries.insert(id_bytes, record.as_slice())?;
            tx.unfile(gone.iter().copied(), id)?;
            tx.file(fresh.iter().copied(), id)?;
            if let Some((from, to)) = &journal {
                tx.meta.insert(MOVE_FROM_KEY, from.as_slice())?;
                tx.meta.insert(MOVE_TO_KEY, to.as_slice())?;
            }
            tx.rewrite(rewrites)
        })?;
        if subtree {
            store.complete_move(old_dn, &new_entry.dn)?;
        }
        drop(gate);
        self.committed()?;
        drop(self);
        store.commits.sync(store)
    }
}
