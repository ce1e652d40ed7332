//! A replica's sync cookie (RFC 4533) in `meta`, written in the same transaction as
//! the change it follows: a crash can leave the cookie behind the data (the change is
//! sent again and applied again), never ahead of it.

use super::write::{Tx, TxResult, Writer};
use super::{Store, StoreError};

/// `meta` key of the cookie the provider sent last.
const SYNC_COOKIE_KEY: &[u8] = b"sync_cookie";

impl Store {
    /// The sync cookie stored with the last replicated change, if any.
    pub fn sync_cookie(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.get(SYNC_COOKIE_KEY)?.map(|v| v.to_vec()))
    }

    /// A replica's refresh: writes stop waiting for the disk (`deferred`), or wait
    /// again after one flush of everything written so far. Safe for a replica because
    /// sled recovers its writes in order: a cookie that survives a crash has every
    /// change before it with it, and one lost sends the lost changes again.
    pub fn defer_replicated_durability(&self, deferred: bool) -> Result<(), StoreError> {
        self.commits.set_deferred(deferred);
        if deferred {
            Ok(())
        } else {
            self.commits.force(self)
        }
    }
}

impl<'s> Writer<'s> {
    /// This writer, committing `cookie` (when given) in the transaction of its next
    /// entry write (add, replace, delete or rename).
    pub fn with_cookie(mut self, cookie: Option<&[u8]>) -> Writer<'s> {
        self.cookie = cookie.map(<[u8]>::to_vec);
        self
    }

    /// Store `cookie` alone (a Sync Info message moved it on with no entry change).
    /// Durable on return.
    pub fn save_cookie(self, cookie: &[u8]) -> Result<(), StoreError> {
        let store = self.store;
        store.meta.insert(SYNC_COOKIE_KEY, cookie)?;
        drop(self);
        store.commits.sync(store)
    }
}

impl Tx<'_> {
    /// Write `cookie` into `meta` within this transaction, when there is one.
    pub(super) fn record_cookie(&self, cookie: Option<&[u8]>) -> TxResult<()> {
        if let Some(c) = cookie {
            self.meta.insert(SYNC_COOKIE_KEY, c)?;
        }
        Ok(())
    }
}
