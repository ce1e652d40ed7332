//! Reading the `index` tree: the ids under one key, under every key of an attribute,
//! and under all of several keys (the candidates of an AND).

use super::engine::{Snapshot, Table};
use super::index::{self, IndexKey, IndexKind};
use super::{be_u64, EntryId, Store, StoreError};

impl Store {
    /// The ids filed under `key`, sorted ascending.
    pub fn index_ids(&self, key: &IndexKey) -> Result<Vec<EntryId>, StoreError> {
        let _gate = self.reading();
        let prefix = index::tree_prefix(key);
        let mut ids = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            let (k, _) = item?;
            ids.push(filed_id(&k, prefix.len())?);
        }
        Ok(ids)
    }

    /// The ids filed under any key of `kind` for `attr`, sorted and without
    /// duplicates: every entry holding a value of an equality-indexed attribute.
    pub fn attr_index_ids(&self, attr: &str, kind: IndexKind) -> Result<Vec<EntryId>, StoreError> {
        let _gate = self.reading();
        let prefix = index::attr_prefix(attr, kind);
        let mut ids = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            let (k, _) = item?;
            // The id is the last 8 bytes, whatever the value's length.
            ids.push(filed_id(&k, k.len().saturating_sub(8))?);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The ids filed under every one of `keys`, sorted: the candidates for an AND of
    /// indexed assertions or for a substring filter's grams. `None` when `keys` is
    /// empty (nothing narrows the search).
    ///
    /// Common keys (`objectclass=courierMailAccount`, the gram `exa` of every
    /// `.example` address) can hold every entry, so rather than read each list this
    /// reads the keys in order a few ids deep, and steps the scans in turn only when
    /// none ended there; once the shortest list ends, the others are probed for just
    /// its ids: cost about (keys x shortest list), not the sum. Put the selective
    /// keys first: `(&(mail=X)(objectClass=Y))` then never opens the long list.
    pub fn index_intersection(
        &self,
        keys: &[IndexKey],
    ) -> Result<Option<Vec<EntryId>>, StoreError> {
        let _gate = self.reading();
        if keys.is_empty() {
            return Ok(None);
        }
        let prefixes: Vec<Vec<u8>> = keys.iter().map(index::tree_prefix).collect();
        // One snapshot for the short list and the probes: a read transaction each
        // cost more than a probe (callgrind).
        let view = self.engine.snapshot()?;
        let mut ids = None;
        for (i, prefix) in prefixes.iter().enumerate() {
            let list = short_list(&view, &self.index, prefix)?;
            if list.len() <= SHORT_LIST {
                ids = Some((list, i));
                break;
            }
        }
        let (mut ids, shortest) = match ids {
            Some(found) => found,
            None => {
                // Every list is long: step them in turn (no transaction held open).
                drop(view);
                return self.race_then_probe(&prefixes);
            }
        };
        for (i, prefix) in prefixes.iter().enumerate() {
            if i != shortest && !ids.is_empty() {
                ids = probed(&view, &self.index, prefix, ids)?;
            }
        }
        Ok(Some(ids))
    }

    /// [`Store::index_intersection`] when no list is short: the scans are stepped in
    /// turn until the shortest ends, then the others are probed for its ids.
    fn race_then_probe(&self, prefixes: &[Vec<u8>]) -> Result<Option<Vec<EntryId>>, StoreError> {
        let mut lists = vec![Vec::new(); prefixes.len()];
        let mut scans: Vec<_> = prefixes.iter().map(|p| self.index.scan_prefix(p)).collect();
        let shortest = 'race: loop {
            for (i, scan) in scans.iter_mut().enumerate() {
                match scan.next() {
                    None => break 'race i,
                    Some(item) => lists[i].push(filed_id(&item?.0, prefixes[i].len())?),
                }
            }
        };
        drop(scans);
        let view = self.engine.snapshot()?;
        let mut ids = std::mem::take(&mut lists[shortest]);
        for (i, prefix) in prefixes.iter().enumerate() {
            if i != shortest && !ids.is_empty() {
                ids = probed(&view, &self.index, prefix, ids)?;
            }
        }
        Ok(Some(ids))
    }
}

/// The ids filed under `prefix`, read up to one more than [`SHORT_LIST`].
fn short_list(
    view: &Snapshot<'_>,
    index: &Table,
    prefix: &[u8],
) -> Result<Vec<EntryId>, StoreError> {
    let mut list = Vec::new();
    let mut bad = None;
    view.keys_under(index, prefix, |key| match filed_id(key, prefix.len()) {
        Ok(id) => {
            list.push(id);
            list.len() <= SHORT_LIST
        }
        Err(e) => {
            bad = Some(e);
            false
        }
    })?;
    bad.map_or(Ok(list), Err)
}

/// Those of `ids` also filed under `prefix`.
fn probed(
    view: &Snapshot<'_>,
    index: &Table,
    prefix: &[u8],
    ids: Vec<EntryId>,
) -> Result<Vec<EntryId>, StoreError> {
    let mut kept = Vec::with_capacity(ids.len());
    let mut probe = Vec::with_capacity(prefix.len() + 8);
    probe.extend_from_slice(prefix);
    for id in ids {
        probe.truncate(prefix.len());
        probe.extend_from_slice(&id.to_be_bytes());
        if view.get_with(index, &probe, |_| ())?.is_some() {
            kept.push(id);
        }
    }
    Ok(kept)
}

/// An index list this short, read first, ends the scanning: the other keys are
/// probed for its ids rather than opened.
const SHORT_LIST: usize = 8;

/// The id at the end of an `index` tree key whose prefix is `prefix_len` bytes.
fn filed_id(key: &[u8], prefix_len: usize) -> Result<EntryId, StoreError> {
    key.get(prefix_len..)
        .filter(|rest| rest.len() == 8)
        .ok_or_else(|| StoreError::Corrupt("malformed index key".into()))
        .and_then(be_u64)
}
