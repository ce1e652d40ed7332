//! Reading LMDB: a table's point reads and ranges, each in a read transaction of
//! its own, and snapshots for several reads that must agree.

use super::{Db, Inner, Item};
use crate::store::StoreError;
use heed::{RoTxn, WithoutTls};
use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;

/// Entries read per step by a range iterator over LMDB: the first is small, since
/// index scans often stop after a few keys; later steps read more at a time.
const FIRST_CHUNK: usize = 16;

/// One read transaction of the environment.
pub(in crate::store) struct Snapshot<'e> {
    pub(super) txn: RoTxn<'e, WithoutTls>,
}

impl Snapshot<'_> {
    /// `f` of the value of `key` in `table`, read in place.
    pub(in crate::store::engine) fn get_with<R>(
        &self,
        table: &Table,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        if key.is_empty() {
            return Ok(None);
        }
        Ok(table.db.get(&self.txn, key)?.map(f))
    }

    /// `f` of each key and value of `table` from `start` on, in order and in place,
    /// until `f` answers false.
    pub(in crate::store::engine) fn items_from(
        &self,
        table: &Table,
        start: &[u8],
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        // An empty start is the beginning, which LMDB must be told without a key.
        let from = match start.is_empty() {
            true => Bound::Unbounded,
            false => Bound::Included(start),
        };
        for item in table.db.range(&self.txn, &(from, Bound::Unbounded))? {
            let (k, v) = item?;
            if !f(k, v) {
                break;
            }
        }
        Ok(())
    }
}

/// One LMDB database of an environment.
#[derive(Clone)]
pub(in crate::store) struct Table {
    pub(super) inner: Arc<Inner>,
    pub(super) db: Db,
}

impl Table {
    /// `f` of the value of `key`, read in place.
    pub(in crate::store::engine) fn get_with<R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        // LMDB stores no empty key (and refuses to look one up).
        if key.is_empty() {
            return Ok(None);
        }
        let rtxn = self.inner.env.read_txn()?;
        Ok(self.db.get(&rtxn, key)?.map(f))
    }

    /// Remove `key` in a transaction of its own; whether it was there.
    pub(in crate::store::engine) fn remove(&self, key: &[u8]) -> Result<bool, StoreError> {
        let mut wtxn = self.inner.env.write_txn()?;
        let existed = self.db.delete(&mut wtxn, key)?;
        self.inner.commit(wtxn)?;
        Ok(existed)
    }

    /// Apply puts and removes in one transaction.
    pub(in crate::store::engine) fn apply(
        &self,
        ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> Result<(), StoreError> {
        let mut wtxn = self.inner.env.write_txn()?;
        for (k, v) in ops {
            match v {
                Some(v) => self.db.put(&mut wtxn, &k, &v)?,
                None => {
                    self.db.delete(&mut wtxn, &k)?;
                }
            }
        }
        self.inner.commit(wtxn)
    }

    /// Remove every key.
    pub(in crate::store::engine) fn clear(&self) -> Result<(), StoreError> {
        let mut wtxn = self.inner.env.write_txn()?;
        self.db.clear(&mut wtxn)?;
        self.inner.commit(wtxn)
    }

    /// Number of keys (kept by LMDB).
    pub(in crate::store::engine) fn len(&self) -> Result<usize, StoreError> {
        let rtxn = self.inner.env.read_txn()?;
        Ok(self.db.len(&rtxn)? as usize)
    }

    /// Whether the table holds no key.
    pub(in crate::store::engine) fn is_empty(&self) -> Result<bool, StoreError> {
        let rtxn = self.inner.env.read_txn()?;
        Ok(self.db.first(&rtxn)?.is_none())
    }

    /// The last key and its value.
    pub(in crate::store::engine) fn last(&self) -> Result<Option<Item>, StoreError> {
        let rtxn = self.inner.env.read_txn()?;
        Ok(self.db.last(&rtxn)?.map(|(k, v)| (k.to_vec(), v.to_vec())))
    }

    /// Keys from `start` on (only those starting with `prefix`, when given).
    pub(in crate::store::engine) fn range(&self, start: Vec<u8>, prefix: Option<Vec<u8>>) -> Range {
        // An empty start is the beginning, which LMDB must be told without a key.
        let from = match start.is_empty() {
            true => Bound::Unbounded,
            false => Bound::Included(start),
        };
        Range {
            table: self.clone(),
            from: Some(from),
            prefix,
            buf: VecDeque::new(),
            chunk: FIRST_CHUNK,
        }
    }
}

/// Items in key order, read a chunk per read transaction so that none stays open
/// while the caller works (an open reader keeps LMDB from reusing pages).
pub(in crate::store) struct Range {
    table: Table,
    /// Where the next chunk starts; `None` once the end was read.
    from: Option<Bound<Vec<u8>>>,
    prefix: Option<Vec<u8>>,
    buf: VecDeque<Item>,
    chunk: usize,
}

impl Range {
    fn refill(&mut self) -> Result<(), StoreError> {
        let Some(from) = self.from.take() else {
            return Ok(());
        };
        let rtxn = self.table.inner.env.read_txn()?;
        let bounds = (from.as_ref().map(Vec::as_slice), Bound::Unbounded);
        let mut read = 0;
        for item in self.table.db.range(&rtxn, &bounds)? {
            let (k, v) = item?;
            if self.prefix.as_ref().is_some_and(|p| !k.starts_with(p)) {
                return Ok(());
            }
            self.buf.push_back((k.to_vec(), v.to_vec()));
            read += 1;
            if read == self.chunk {
                self.from = Some(Bound::Excluded(k.to_vec()));
                self.chunk = (self.chunk * 16).min(4096);
                return Ok(());
            }
        }
        Ok(())
    }
}

impl Iterator for Range {
    type Item = Result<Item, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            if let Err(e) = self.refill() {
                self.from = None;
                return Some(Err(e));
            }
        }
        self.buf.pop_front().map(Ok)
    }
}
