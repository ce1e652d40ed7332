//! Reading an engine's tables: [`Table`] (point reads, ranges, one-table writes),
//! the [`Value`]s they hand out, their [`Iter`]ators and read [`Snapshot`]s.

use super::{lmdb, sled, Batch};
use crate::store::StoreError;

/// One named table of an engine: ordered byte-string keys to byte-string values.
#[derive(Clone)]
pub(in crate::store) enum Table {
    Lmdb(lmdb::Table),
    Sled(::sled::Tree),
}

/// A key or value read from a table.
pub(in crate::store) enum Value {
    Owned(Vec<u8>),
    Sled(::sled::IVec),
}

impl std::ops::Deref for Value {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Value::Owned(v) => v,
            Value::Sled(v) => v,
        }
    }
}

impl AsRef<[u8]> for Value {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// See [`Engine::snapshot`].
pub(in crate::store) enum Snapshot<'e> {
    Lmdb(lmdb::Snapshot<'e>),
    Sled,
}

impl Snapshot<'_> {
    /// `f` of the value of `key` in `table`, read in place where the engine allows.
    pub(in crate::store) fn get_with<R>(
        &self,
        table: &Table,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        match (self, table) {
            (Snapshot::Lmdb(s), Table::Lmdb(t)) => s.get_with(t, key.as_ref(), f),
            (_, t) => t.get_with(key, f),
        }
    }

    /// `f` of each key and value of `table` from `start` on, in order, until `f`
    /// answers false: in place and in this snapshot where the engine has them.
    pub(in crate::store) fn items_from(
        &self,
        table: &Table,
        start: &[u8],
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        match (self, table) {
            (Snapshot::Lmdb(s), Table::Lmdb(t)) => s.items_from(t, start, &mut f),
            (_, t) => {
                for item in t.range_from(start) {
                    let (k, v) = item?;
                    if !f(&k, &v) {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// `f` of each key of `table` starting with `prefix`, in order, until `f`
    /// answers false: in place and in this snapshot where the engine has them.
    pub(in crate::store) fn keys_under(
        &self,
        table: &Table,
        prefix: &[u8],
        mut f: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.items_from(table, prefix, |k, _| k.starts_with(prefix) && f(k))
    }
}

impl Table {
    /// The value of `key`.
    pub(in crate::store) fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>, StoreError> {
        match self {
            Table::Lmdb(t) => Ok(t.get_with(key.as_ref(), |v| v.to_vec())?.map(Value::Owned)),
            Table::Sled(t) => Ok(t.get(key.as_ref())?.map(Value::Sled)),
        }
    }

    /// `f` of the value of `key`, read in place where the engine allows.
    pub(in crate::store) fn get_with<R>(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        match self {
            Table::Lmdb(t) => t.get_with(key.as_ref(), f),
            Table::Sled(t) => Ok(t.get(key.as_ref())?.map(|v| f(&v))),
        }
    }

    /// Whether `key` is present.
    pub(in crate::store) fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        match self {
            Table::Lmdb(t) => Ok(t.get_with(key.as_ref(), |_| ())?.is_some()),
            Table::Sled(t) => Ok(t.contains_key(key.as_ref())?),
        }
    }

    /// Set `key` to `value` (committed alone; durable at the next flush).
    pub(in crate::store) fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.insert(key, value);
        self.apply_batch(batch)
    }

    /// Remove `key`; whether it was present.
    pub(in crate::store) fn remove(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        match self {
            Table::Lmdb(t) => t.remove(key.as_ref()),
            Table::Sled(t) => Ok(t.remove(key.as_ref())?.is_some()),
        }
    }

    /// Apply `batch` atomically.
    pub(in crate::store) fn apply_batch(&self, batch: Batch) -> Result<(), StoreError> {
        match self {
            Table::Lmdb(t) => t.apply(batch.ops),
            Table::Sled(t) => sled::apply(t, batch.ops),
        }
    }

    /// Remove every key.
    pub(in crate::store) fn clear(&self) -> Result<(), StoreError> {
        match self {
            Table::Lmdb(t) => t.clear(),
            Table::Sled(t) => Ok(t.clear()?),
        }
    }

    /// Number of keys (sled counts them one by one).
    pub(in crate::store) fn len(&self) -> Result<usize, StoreError> {
        match self {
            Table::Lmdb(t) => t.len(),
            Table::Sled(t) => Ok(t.len()),
        }
    }

    /// Whether the table holds no key.
    pub(in crate::store) fn is_empty(&self) -> Result<bool, StoreError> {
        match self {
            Table::Lmdb(t) => t.is_empty(),
            Table::Sled(t) => Ok(t.is_empty()),
        }
    }

    /// The last key and its value.
    pub(in crate::store) fn last(&self) -> Result<Option<(Value, Value)>, StoreError> {
        match self {
            Table::Lmdb(t) => Ok(t.last()?.map(|(k, v)| (Value::Owned(k), Value::Owned(v)))),
            Table::Sled(t) => Ok(t.last()?.map(|(k, v)| (Value::Sled(k), Value::Sled(v)))),
        }
    }

    /// Every key starting with `prefix`, in order.
    pub(in crate::store) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        let prefix = prefix.as_ref();
        match self {
            Table::Lmdb(t) => Iter::Lmdb(t.range(prefix.to_vec(), Some(prefix.to_vec()))),
            Table::Sled(t) => Iter::Sled(t.scan_prefix(prefix)),
        }
    }

    /// Every key from `start` on, in order.
    pub(in crate::store) fn range_from(&self, start: impl AsRef<[u8]>) -> Iter {
        let start = start.as_ref();
        match self {
            Table::Lmdb(t) => Iter::Lmdb(t.range(start.to_vec(), None)),
            Table::Sled(t) => Iter::Sled(t.range(start..)),
        }
    }

    /// Every key, in order.
    pub(in crate::store) fn iter(&self) -> Iter {
        self.range_from([])
    }
}

/// Items of a table in key order. Like sled's, an iterator is no snapshot: writes
/// committed while it runs may or may not be seen.
pub(in crate::store) enum Iter {
    Lmdb(lmdb::Range),
    Sled(::sled::Iter),
}

impl Iterator for Iter {
    type Item = Result<(Value, Value), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Lmdb(r) => r
                .next()
                .map(|item| item.map(|(k, v)| (Value::Owned(k), Value::Owned(v)))),
            Iter::Sled(i) => i.next().map(|item| {
                item.map(|(k, v)| (Value::Sled(k), Value::Sled(v)))
                    .map_err(Into::into)
            }),
        }
    }
}
