//! Writing the store: the one [`Writer`] at a time, and the multi-tree transactions
//! it commits.
//!
//! Holding the `Writer` is holding the store's only write mutex: a caller keeps it
//! across its own checks ("is the parent there", "is this mail address free") and the
//! commit, so checks and commit see the same store. The four entry writes consume the
//! writer: they commit, let the next writer in, then wait for the shared flush (group
//! commit), so every one returns only once its write is durable.

pub(super) use super::engine::TxResult;
use super::engine::{Batch, TxTable};
use super::index::{self, IndexKey};
use super::{be_u64, EntryId, Store, StoreError, COUNT_KEY, INDEX_CONFIG_KEY};
use super::{decode_entry, REINDEX_BATCH};
use crate::dn::Dn;
use crate::entry::Entry;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{MutexGuard, PoisonError};

/// Another entry a delete or rename changes in its own transaction (a referrer whose
/// DN-valued attributes follow the entry deleted or renamed): its new record, and the
/// index keys it moves from and to. A rewritten entry inside a renamed subtree carries
/// its new DN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The entry's id.
    pub id: EntryId,
    /// The entry as it is stored from now on.
    pub entry: Entry,
    /// The keys it was filed under.
    pub old_keys: Vec<IndexKey>,
    /// The keys it is filed under from now on.
    pub new_keys: Vec<IndexKey>,
}

/// The right to write the store; only one exists at a time (see [`Store::writer`]).
pub struct Writer<'s> {
    pub(super) store: &'s Store,
    _turn: MutexGuard<'s, ()>,
    /// What the next write records for replication (`synclog`).
    pub(super) note: Option<super::ChangeNote>,
    /// Run once the next write has committed, still holding the turn.
    pub(super) after: Option<Box<dyn FnOnce() + 's>>,
    /// A replica's sync cookie, committed with the next write (see `cookie`).
    pub(super) cookie: Option<Vec<u8>>,
}

impl Store {
    /// Wait until no other writer runs, then return the writer. Reads do not wait for
    /// writers (only for a subtree move, see `subtree`).
    pub fn writer(&self) -> Writer<'_> {
        // The mutex guards no data, so a panic elsewhere leaves nothing inconsistent.
        let turn = self
            .write_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        Writer {
            store: self,
            _turn: turn,
            note: None,
            after: None,
            cookie: None,
        }
    }
}

impl Store {
    /// A number that changes whenever a writer starts or ends: a reader that reads
    /// it before deriving something from the store, and finds it unchanged later,
    /// knows no write began or ended in between, so what it derived still holds.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        self.store.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl Writer<'_> {
    /// Store a new entry filed under `keys`, and return its id. `AlreadyExists` when the
    /// DN is taken; `NoSuchEntry` when its parent is missing while some higher ancestor
    /// exists. An entry none of whose ancestors is stored is accepted: that is how
    /// suffix entries arrive, and only the caller knows suffixes.
    pub fn add(mut self, entry: &Entry, keys: &[IndexKey]) -> Result<EntryId, StoreError> {
        let store = self.store;
        let dn_key = entry.dn.tree_key();
        let record = super::codec::encode(entry);
        self.check_parent(&dn_key)?;
        let id = store.engine.generate_id()?;
        let id_bytes = id.to_be_bytes();
        let count = self.transact(|tx| {
            if tx.dns.get(&dn_key)?.is_some() {
                return Err(StoreError::AlreadyExists.into());
            }
            tx.entries.insert(id_bytes, record.as_slice())?;
            tx.dns.insert(dn_key.as_slice(), id_bytes)?;
            tx.file(keys, id)?;
            tx.add_count(1)
        })?;
        store.count.store(count, Ordering::SeqCst);
        self.committed()?;
        drop(self);
        store.commits.sync(store)?;
        Ok(id)
    }

    /// Replace entry `id` with `new_entry` (same DN: a modify), moving it from
    /// `old_keys` to `new_keys`. `NoSuchEntry` when `id` is gone or is not the entry
    /// named `new_entry.dn`.
    pub fn replace(
        mut self,
        id: EntryId,
        new_entry: &Entry,
        old_keys: &[IndexKey],
        new_keys: &[IndexKey],
    ) -> Result<(), StoreError> {
        let store = self.store;
        let dn_key = new_entry.dn.tree_key();
        let record = super::codec::encode(new_entry);
        let (gone, fresh) = key_diff(old_keys, new_keys);
        let id_bytes = id.to_be_bytes();
        self.transact(|tx| {
            let same = match tx.dns.get(&dn_key)? {
                Some(v) => be_u64(&v)? == id,
                None => false,
            };
            if !same || tx.entries.get(id_bytes)?.is_none() {
                return Err(StoreError::NoSuchEntry.into());
            }
            tx.entries.insert(id_bytes, record.as_slice())?;
            tx.unfile(gone.iter().copied(), id)?;
            tx.file(fresh.iter().copied(), id)
        })?;
        self.committed()?;
        drop(self);
        store.commits.sync(store)
    }

    /// Remove the leaf entry `dn` and its `keys`, and store `rewrites` (the entries
    /// that named it) in the same transaction. `NoSuchEntry` if absent or a rewritten
    /// entry is gone, `NotLeaf` if it has children.
    pub fn delete(
        mut self,
        dn: &Dn,
        keys: &[IndexKey],
        rewrites: &[Rewrite],
    ) -> Result<(), StoreError> {
        let store = self.store;
        let dn_key = dn.tree_key();
        let id = self.id_of_key(&dn_key)?;
        if store.has_children_key(&dn_key)? {
            return Err(StoreError::NotLeaf);
        }
        let id_bytes = id.to_be_bytes();
        let count = self.transact(|tx| {
            tx.dns.remove(dn_key.as_slice())?;
            tx.entries.remove(id_bytes)?;
            tx.unfile(keys, id)?;
            tx.rewrite(rewrites)?;
            tx.add_count(-1)
        })?;
        store.count.store(count, Ordering::SeqCst);
        self.committed()?;
        drop(self);
        store.commits.sync(store)
    }

    /// Throw away every index key and file each entry again under `keys_of(entry)`.
    /// Not atomic: call [`Writer::set_index_config`] only after it returns, so that a
    /// crash midway leaves the old config and a rerun redoes it.
    pub fn reindex(&self, keys_of: &dyn Fn(&Entry) -> Vec<IndexKey>) -> Result<(), StoreError> {
        let store = self.store;
        store.index.clear()?;
        let mut batch = Batch::default();
        for item in store.id2entry.iter() {
            let (k, v) = item?;
            let id = be_u64(&k)?;
            for key in keys_of(&decode_entry(&v)?) {
                batch.insert(index::tree_key(&key, id), b"");
            }
            if batch.len() >= REINDEX_BATCH {
                store.index.apply_batch(std::mem::take(&mut batch))?;
            }
        }
        store.index.apply_batch(batch)?;
        store.commits.sync(store)
    }

    /// Record the index configuration the stored indexes were built from (any string
    /// the caller can compare, e.g. the sorted index lines of the config).
    pub fn set_index_config(&self, config: &str) -> Result<(), StoreError> {
        self.store
            .meta
            .insert(INDEX_CONFIG_KEY, config.as_bytes())?;
        self.store.commits.sync(self.store)
    }

    /// Reserve `key` with a note saying why (the directory uses this for the mailbox
    /// paths of deleted accounts). Durable on return.
    pub fn reserve(&self, key: &str, note: &str) -> Result<(), StoreError> {
        let store = self.store;
        store.reservations.insert(key.as_bytes(), note.as_bytes())?;
        store.commits.sync(store)
    }

    /// Drop a reservation; true if it existed. Durable on return.
    pub fn release(&self, key: &str) -> Result<bool, StoreError> {
        let store = self.store;
        let existed = store.reservations.remove(key.as_bytes())?;
        store.commits.sync(store)?;
        Ok(existed)
    }

    pub(super) fn id_of_key(&self, dn_key: &[u8]) -> Result<EntryId, StoreError> {
        match self.store.dn2id.get(dn_key)? {
            Some(v) => be_u64(&v),
            None => Err(StoreError::NoSuchEntry),
        }
    }

    /// See [`Writer::add`]: a missing parent is an error only under a stored ancestor
    /// (`dn_key` is the entry's [`Dn::tree_key`]).
    pub(super) fn check_parent(&self, dn_key: &[u8]) -> Result<(), StoreError> {
        parent_check(dn_key, |a| self.store.dn2id.contains_key(a))
    }

    /// Run `f` as one transaction over the four entry tables, with the write's note;
    /// the session log's table joins only a write that logs a departure (a table more
    /// in every sled transaction costs every write).
    pub(super) fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, StoreError> {
        let s = self.store;
        let mut tables = vec![&s.id2entry, &s.dn2id, &s.index, &s.meta];
        if self.logs_departure() {
            tables.push(&s.synclog);
        }
        s.engine.transact(&tables, |views| {
            let tx = Tx {
                entries: &views[0],
                dns: &views[1],
                index: &views[2],
                meta: &views[3],
                synclog: views.get(4),
            };
            let done = f(&tx)?;
            tx.record_cookie(self.cookie.as_deref())?;
            self.write_note(&tx)?;
            Ok(done)
        })
    }
}

/// The tables inside one transaction (the session log's only when it is written).
pub(super) struct Tx<'a> {
    pub(super) entries: &'a TxTable<'a>,
    pub(super) dns: &'a TxTable<'a>,
    index: &'a TxTable<'a>,
    pub(super) meta: &'a TxTable<'a>,
    pub(super) synclog: Option<&'a TxTable<'a>>,
}

impl Tx<'_> {
    /// Store each rewritten entry and move it between its keys; `NoSuchEntry` when
    /// one is gone (the caller read it under the writer, so this means a bug).
    pub(super) fn rewrite(&self, rewrites: &[Rewrite]) -> TxResult<()> {
        for r in rewrites {
            let id_bytes = r.id.to_be_bytes();
            if self.entries.get(id_bytes)?.is_none() {
                return Err(StoreError::NoSuchEntry.into());
            }
            self.entries
                .insert(id_bytes, super::codec::encode(&r.entry))?;
            let (gone, fresh) = key_diff(&r.old_keys, &r.new_keys);
            self.unfile(gone, r.id)?;
            self.file(fresh, r.id)?;
        }
        Ok(())
    }

    pub(super) fn file<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k IndexKey>,
        id: EntryId,
    ) -> TxResult<()> {
        for key in keys {
            self.index.insert(index::tree_key(key, id), b"")?;
        }
        Ok(())
    }

    pub(super) fn unfile<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k IndexKey>,
        id: EntryId,
    ) -> TxResult<()> {
        for key in keys {
            self.index.remove(index::tree_key(key, id))?;
        }
        Ok(())
    }

    /// Adjust the persistent entry count; returns the new count.
    fn add_count(&self, delta: i64) -> TxResult<u64> {
        let n = match self.meta.get(COUNT_KEY)? {
            Some(v) => be_u64(&v)?,
            None => 0,
        };
        let n = n.saturating_add_signed(delta);
        self.meta.insert(COUNT_KEY, n.to_be_bytes())?;
        Ok(n)
    }
}

/// [`Writer::add`]'s parent rule for the entry whose [`Dn::tree_key`] is `dn_key`,
/// over `stored` (whether the entry of an ancestor's tree key is stored): a missing
/// parent is `NoSuchEntry` only when some higher ancestor is stored. The ancestors'
/// keys are prefixes of the entry's, so none is built.
pub(super) fn parent_check(
    dn_key: &[u8],
    mut stored: impl FnMut(&[u8]) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let mut ancestor = Dn::parent_tree_key(dn_key);
    let mut is_parent = true;
    while let Some(key) = ancestor {
        if stored(key)? {
            return if is_parent {
                Ok(())
            } else {
                Err(StoreError::NoSuchEntry)
            };
        }
        is_parent = false;
        ancestor = Dn::parent_tree_key(key);
    }
    Ok(())
}

/// Keys only in `old` (to remove) and only in `new` (to add): a modify that leaves an
/// attribute alone rewrites none of its keys.
pub(super) fn key_diff<'a>(
    old: &'a [IndexKey],
    new: &'a [IndexKey],
) -> (Vec<&'a IndexKey>, Vec<&'a IndexKey>) {
    let old_set: HashSet<&IndexKey> = old.iter().collect();
    let new_set: HashSet<&IndexKey> = new.iter().collect();
    (
        old.iter().filter(|k| !new_set.contains(k)).collect(),
        new.iter().filter(|k| !old_set.contains(k)).collect(),
    )
}
