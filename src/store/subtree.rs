//! Moving the descendants of a renamed entry, and finishing a move a crash interrupted.
//!
//! One sled transaction over a whole subtree is atomic, but sled keeps every page it
//! replaces until the transaction ends: 1.6 GB for a domain of 100,000 accounts. So a
//! subtree rename is one small transaction (the renamed entry, the rewritten referrers
//! and a journal entry in `meta` naming the old and the new DN), then the descendants in
//! chunks of plain writes, then the journal's removal. Readers are held at the store's
//! gate from the first step to the last, so none sees the subtree half moved; a crash
//! in between leaves the journal, and [`Store::open`] finishes the move before anything
//! reads the store (sled recovers its writes in order: whatever part of the move
//! survived, the journal did too). Every step can be repeated: a descendant's record is
//! rebased only while its DN still lies below the old DN.

use super::codec;
use super::engine::Batch;
use super::{be_u64, EntryId, Store, StoreError};
use crate::dn::Dn;
use crate::entry::Entry;

/// `meta` keys of the journal: the DNs (as codec records) a subtree moves from and to.
pub(super) const MOVE_FROM_KEY: &[u8] = b"move_from";
pub(super) const MOVE_TO_KEY: &[u8] = b"move_to";
/// Descendants read from dn2id per step, which bounds the memory a move needs.
const MOVE_CHUNK: usize = 1_000;

/// The journal value naming `dn`.
pub(super) fn journal_dn(dn: &Dn) -> Vec<u8> {
    codec::encode(&Entry::new(dn.clone()))
}

impl Store {
    /// Finish the subtree move the journal names, if a crash interrupted one.
    pub(super) fn resume_move(&self) -> Result<(), StoreError> {
        let (Some(from), Some(to)) = (self.meta.get(MOVE_FROM_KEY)?, self.meta.get(MOVE_TO_KEY)?)
        else {
            return Ok(());
        };
        let from = codec::decode_dn(&from).map_err(corrupt)?;
        let to = codec::decode_dn(&to).map_err(corrupt)?;
        tracing::warn!("finishing the interrupted move of {from} to {to}");
        self.move_descendants(&from, &to)?;
        self.end_move()
    }

    /// Move every entry below `from` (whose own entry is already at `to`) below `to`:
    /// its dn2id key, and its record's DN unless a rewrite already gave the new one.
    pub(super) fn move_descendants(&self, from: &Dn, to: &Dn) -> Result<(), StoreError> {
        let (old_key, new_key) = (from.tree_key(), to.tree_key());
        // Moved keys leave the old prefix (or, after a case change, stay where they
        // are): the scan resumes after the last key handled either way.
        let mut next = old_key.clone();
        loop {
            let chunk = self.keys_below(&old_key, &next)?;
            let Some((last, _)) = chunk.last() else {
                return Ok(());
            };
            next = [last.as_slice(), &[0]].concat();
            for (key, id) in &chunk {
                self.move_one(from, to, *id)?;
                let moved = [new_key.as_slice(), &key[old_key.len()..]].concat();
                if moved != *key {
                    self.dn2id.insert(moved, id.to_be_bytes())?;
                    self.dn2id.remove(key)?;
                }
            }
        }
    }

    /// Up to MOVE_CHUNK dn2id keys strictly below `prefix`, from `start` on.
    fn keys_below(
        &self,
        prefix: &[u8],
        start: &[u8],
    ) -> Result<Vec<(Vec<u8>, EntryId)>, StoreError> {
        let mut out = Vec::with_capacity(MOVE_CHUNK);
        for item in self.dn2id.range_from(start) {
            let (k, v) = item?;
            if !k.starts_with(prefix) || out.len() == MOVE_CHUNK {
                break;
            }
            if k.len() > prefix.len() {
                out.push((k.to_vec(), be_u64(&v)?));
            }
        }
        Ok(out)
    }

    /// Rebase the record of entry `id` from `from` to `to`, unless it is there already.
    fn move_one(&self, from: &Dn, to: &Dn, id: EntryId) -> Result<(), StoreError> {
        let id_bytes = id.to_be_bytes();
        let record = self.id2entry.get(id_bytes)?.ok_or_else(|| {
            StoreError::Corrupt(format!("dn2id names entry {id}, which id2entry lacks"))
        })?;
        if codec::decode_dn(&record).map_err(corrupt)?.is_within(from) {
            let moved = codec::rebase(&record, from.depth(), to).map_err(corrupt)?;
            self.id2entry.insert(id_bytes, moved)?;
        }
        Ok(())
    }

    /// Drop the journal: the move is complete.
    fn end_move(&self) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.remove(MOVE_FROM_KEY);
        batch.remove(MOVE_TO_KEY);
        self.meta.apply_batch(batch)
    }

    /// Finish the move of a subtree whose top entry, referrers and journal were just
    /// committed: descendants, then the journal's removal.
    pub(super) fn complete_move(&self, from: &Dn, to: &Dn) -> Result<(), StoreError> {
        self.move_descendants(from, to)?;
        self.end_move()
    }
}

fn corrupt(e: codec::DecodeError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
