//! The ids a search scope covers, read from the tree keys (`dn2id`): a subtree is
//! one key prefix, one level is found by jumping over each child's own subtree.

use super::{be_u64, EntryId, Store, StoreError};
use crate::dn::{Dn, Scope};

impl Store {
    /// The ids `scope` covers below (or at) `base`, in tree order (parents before
    /// children), not sorted by id. `NoSuchEntry` when `base` is not stored, except for
    /// the root DN, whose subtree is the whole store.
    pub fn scope_ids(&self, base: &Dn, scope: Scope) -> Result<Vec<EntryId>, StoreError> {
        let _gate = self.reading();
        let key = base.tree_key();
        let base_id = match self.dn2id.get(&key)? {
            Some(v) => Some(be_u64(&v)?),
            None if base.is_root() => None,
            None => return Err(StoreError::NoSuchEntry),
        };
        match scope {
            Scope::Base => Ok(base_id.into_iter().collect()),
            Scope::Subtree | Scope::Children => self.subtree_ids(&key, scope == Scope::Subtree),
            Scope::OneLevel => self.one_level(&key),
        }
    }

    /// The ids of the tree keys starting with `base` (`base` itself only when
    /// `with_base`), read in place a chunk per snapshot: copying each key and value
    /// out was an eighth of an unindexed scan (callgrind), and a chunk keeps the
    /// snapshot short, as an open reader keeps LMDB from reusing pages.
    fn subtree_ids(&self, base: &[u8], with_base: bool) -> Result<Vec<EntryId>, StoreError> {
        const CHUNK: usize = 4096;
        let mut ids = Vec::new();
        let mut from = base.to_vec();
        loop {
            let view = self.engine.snapshot()?;
            let (mut read, mut resume, mut bad) = (0, None, None);
            view.items_from(&self.dn2id, &from, |k, v| {
                if !k.starts_with(base) {
                    return false;
                }
                if read == CHUNK {
                    // Where the next snapshot starts (this key is not read yet).
                    resume = Some(k.to_vec());
                    return false;
                }
                read += 1;
                if with_base || k.len() != base.len() {
                    match be_u64(v) {
                        Ok(id) => ids.push(id),
                        Err(e) => {
                            bad = Some(e);
                            return false;
                        }
                    }
                }
                true
            })?;
            if let Some(e) = bad {
                return Err(e);
            }
            match resume {
                Some(k) => from = k,
                None => return Ok(ids),
            }
        }
    }

    /// Direct children of the entry with tree key `base`. Rather than scanning the
    /// whole subtree (all accounts of all domains under o=hosting), jump over each
    /// child's own subtree: every key below child `c` starts with `base c \0`, so the
    /// next sibling is the first key at or after `base c \x01`.
    fn one_level(&self, base: &[u8]) -> Result<Vec<EntryId>, StoreError> {
        let mut ids = Vec::new();
        let mut from = base.to_vec();
        while let Some(item) = self.dn2id.range_from(&from).next() {
            let (k, v) = item?;
            let Some(rest) = k.strip_prefix(base) else {
                break;
            };
            if rest.is_empty() {
                // The base itself: continue just after it.
                from.push(0);
                continue;
            }
            let nul = rest
                .iter()
                .position(|b| *b == 0)
                .ok_or_else(|| StoreError::Corrupt("dn2id key without terminator".into()))?;
            if nul + 1 == rest.len() {
                ids.push(be_u64(&v)?);
            }
            from.truncate(base.len());
            from.extend_from_slice(&rest[..nul]);
            from.push(1);
        }
        Ok(ids)
    }
}
