//! The store's error type: what callers branch on (exists, missing, not a leaf) and
//! the two failures they can only report (corrupt data, I/O).

use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The DN (or the rename target) is already taken.
    #[error("entry already exists")]
    AlreadyExists,
    /// The entry, or the parent a new entry needs, is not in the store.
    #[error("no such entry")]
    NoSuchEntry,
    /// The entry has children, so it cannot be deleted.
    #[error("entry has children")]
    NotLeaf,
    /// A rename would put the entry below itself (or below one of its descendants).
    #[error("cannot move an entry below itself")]
    BelowItself,
    /// Stored bytes could not be decoded: the database is damaged or from another version.
    #[error("store corrupt: {0}")]
    Corrupt(String),
    /// Another process (a running server) holds the store's lock.
    #[error("the store {0} is in use by another process: stop the server first")]
    Locked(String),
    /// The storage engine failed (disk, ...).
    #[error("store I/O error: {0}")]
    Io(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Io(e.to_string())
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}
