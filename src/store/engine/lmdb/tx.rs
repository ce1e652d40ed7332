//! Writing LMDB inside a multi-table transaction.

use super::super::{TxResult, Value};
use super::Db;
use heed::RwTxn;
use std::cell::RefCell;

/// One database inside a write transaction.
pub(in crate::store) struct TxTable<'t> {
    pub(super) txn: &'t dyn Writing,
    pub(super) db: Db,
}

/// The operations of a write transaction, behind `dyn` so that [`TxTable`] need not
/// name the environment's lifetime.
pub(super) trait Writing {
    fn get(&self, db: Db, key: &[u8]) -> TxResult<Option<Value>>;
    fn put(&self, db: Db, key: &[u8], value: &[u8]) -> TxResult<()>;
    fn delete(&self, db: Db, key: &[u8]) -> TxResult<()>;
}

impl Writing for RefCell<RwTxn<'_>> {
    fn get(&self, db: Db, key: &[u8]) -> TxResult<Option<Value>> {
        if key.is_empty() {
            return Ok(None);
        }
        let txn = self.borrow();
        Ok(db.get(&txn, key)?.map(|v| Value::Owned(v.to_vec())))
    }

    fn put(&self, db: Db, key: &[u8], value: &[u8]) -> TxResult<()> {
        Ok(db.put(&mut self.borrow_mut(), key, value)?)
    }

    fn delete(&self, db: Db, key: &[u8]) -> TxResult<()> {
        if key.is_empty() {
            return Ok(());
        }
        db.delete(&mut self.borrow_mut(), key)?;
        Ok(())
    }
}

impl TxTable<'_> {
    pub(in crate::store::engine) fn get(&self, key: &[u8]) -> TxResult<Option<Value>> {
        self.txn.get(self.db, key)
    }

    pub(in crate::store::engine) fn insert(&self, key: &[u8], value: &[u8]) -> TxResult<()> {
        self.txn.put(self.db, key, value)
    }

    pub(in crate::store::engine) fn remove(&self, key: &[u8]) -> TxResult<()> {
        self.txn.delete(self.db, key)
    }
}
