//! What replication needs of the store (RFC 4533 provider, src/sync): the
//! contextCSN (the CSN of the last write, in `meta`) and the session log, a bounded
//! tree `synclog` of the entries that recently left their name (deleted, or renamed
//! away from it) keyed by their CSN, so that a consumer coming back with a recent
//! cookie is told what went away. A record is written in the transaction of the
//! write it describes: the two survive a crash together. The contextCSN is kept in
//! memory and stored just before each durable flush, so the flush that acknowledges
//! a write also makes its contextCSN durable, at one `meta` write per flush rather
//! than one per write.
//!
//! The log keeps its newest `limit` records. Trimming it raises the floor: the CSN
//! below which the log no longer knows every departure, so a cookie older than the
//! floor needs a full refresh.

use super::write::Writer;
use super::{Store, StoreError};
use std::sync::atomic::Ordering;
use std::sync::PoisonError;

/// `meta` key of the CSN of the last write.
pub(super) const CONTEXT_CSN_KEY: &[u8] = b"context_csn";
/// `meta` key of the session log's floor.
const FLOOR_KEY: &[u8] = b"synclog_floor";
/// Name of the session log's tree.
pub(super) const SYNCLOG_TREE: &str = "synclog";

/// The contextCSN as the writers keep it: stored at each durable flush when changed.
#[derive(Debug, Default)]
pub(super) struct Context {
    /// The CSN of the newest write.
    pub(super) csn: Option<String>,
    /// Changed since it was last stored.
    pub(super) dirty: bool,
}

/// How an entry left its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// Deleted.
    Delete,
    /// Renamed or moved away (a consumer whose base no longer covers it sees a delete).
    Rename,
}

/// One session log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The CSN of the write.
    pub csn: String,
    /// The entry's entryUUID, as its 16 bytes.
    pub uuid: [u8; 16],
    /// Deleted or renamed.
    pub how: Departure,
    /// The name it left.
    pub dn: String,
}

/// What a write tells the store for replication: its CSN (the new contextCSN) and,
/// for a delete or rename, the session log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeNote {
    /// The write's CSN.
    pub csn: String,
    /// The departure to log, if the write is one.
    pub logged: Option<LogRecord>,
}

fn encode(r: &LogRecord) -> Vec<u8> {
    let how = match r.how {
        Departure::Delete => 1u8,
        Departure::Rename => 2u8,
    };
    [&[how][..], &r.uuid, r.dn.as_bytes()].concat()
}

fn decode(key: &[u8], value: &[u8]) -> Result<LogRecord, StoreError> {
    let corrupt = || StoreError::Corrupt("session log record".into());
    if value.len() < 17 {
        return Err(corrupt());
    }
    let how = match value[0] {
        1 => Departure::Delete,
        2 => Departure::Rename,
        _ => return Err(corrupt()),
    };
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| corrupt());
    Ok(LogRecord {
        csn: text(key)?,
        uuid: value[1..17].try_into().map_err(|_| corrupt())?,
        how,
        dn: text(&value[17..])?,
    })
}

impl Store {
    /// The CSN of the last write (the suffix's contextCSN), if any write was made
    /// since replication support exists.
    pub fn context_csn(&self) -> Result<Option<String>, StoreError> {
        Ok(self.lock_context().csn.clone())
    }

    /// The contextCSN as stored, or the newest session log record's if newer (read
    /// once, at open).
    pub(super) fn load_context(&self) -> Result<(), StoreError> {
        let stored = self.meta_text(CONTEXT_CSN_KEY)?;
        let logged = self
            .synclog
            .last()?
            .map(|(k, _)| String::from_utf8_lossy(&k).into_owned());
        self.lock_context().csn = stored.max(logged);
        Ok(())
    }

    /// Store the contextCSN if a write changed it (before each durable flush).
    pub(super) fn checkpoint_context(&self) -> Result<(), StoreError> {
        let mut context = self.lock_context();
        if let (true, Some(csn)) = (context.dirty, &context.csn) {
            self.meta.insert(CONTEXT_CSN_KEY, csn.as_bytes())?;
            context.dirty = false;
        }
        Ok(())
    }

    fn lock_context(&self) -> std::sync::MutexGuard<'_, Context> {
        self.context.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session log's floor: cookies older than it cannot be given a delta.
    pub fn sync_log_floor(&self) -> Result<Option<String>, StoreError> {
        self.meta_text(FLOOR_KEY)
    }

    /// The session log records newer than `csn`, oldest first.
    pub fn sync_log_since(&self, csn: &str) -> Result<Vec<LogRecord>, StoreError> {
        let mut out = Vec::new();
        let from = [csn.as_bytes(), &[0]].concat();
        for item in self.synclog.range_from(&from) {
            let (k, v) = item?;
            out.push(decode(&k, &v)?);
        }
        Ok(out)
    }

    /// Keep at most `limit` session log records (the next write trims to it).
    pub fn set_sync_log_limit(&self, limit: usize) {
        self.synclog_limit.store(limit, Ordering::Relaxed);
    }

    fn meta_text(&self, key: &[u8]) -> Result<Option<String>, StoreError> {
        match self.meta.get(key)? {
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| StoreError::Corrupt("meta value is not UTF-8".into())),
            None => Ok(None),
        }
    }
}

impl<'s> Writer<'s> {
    /// Describe the coming write for replication (see [`ChangeNote`]).
    pub fn note(&mut self, note: ChangeNote) {
        self.note = Some(note);
    }

    /// Run `f` once the coming write has committed, before the next writer may
    /// start: changes are published in the order they were made.
    pub fn on_commit(&mut self, f: Box<dyn FnOnce() + 's>) {
        self.after = Some(f);
    }

    /// Set the session log's floor (when the log starts, it knows nothing older).
    pub fn set_sync_log_floor(&self, csn: &str) -> Result<(), StoreError> {
        self.store.meta.insert(FLOOR_KEY, csn.as_bytes())?;
        self.store.commits.sync(self.store)
    }

    /// The note's part of the write's transaction.
    pub(super) fn write_note(&self, tx: &super::write::Tx<'_>) -> super::write::TxResult<()> {
        let Some(note) = &self.note else {
            return Ok(());
        };
        if let (Some(r), Some(log)) = (&note.logged, tx.synclog) {
            log.insert(r.csn.as_bytes(), encode(r))?;
        }
        Ok(())
    }

    /// Whether the coming write records a departure (its transaction needs the log).
    pub(super) fn logs_departure(&self) -> bool {
        self.note.as_ref().is_some_and(|n| n.logged.is_some())
    }

    /// Make the note's CSN the contextCSN if it is newer (an import keeps the CSNs it
    /// is given, older ones too: the context is the newest). Stored by the next flush,
    /// which this write waits for.
    pub(super) fn advance_context(&self, note: &ChangeNote) {
        let mut context = self.store.lock_context();
        if context.csn.as_deref().is_none_or(|c| note.csn.as_str() > c) {
            context.csn = Some(note.csn.clone());
            context.dirty = true;
        }
    }

    /// After the commit: trim the log to its limit, then run the commit hook.
    pub(super) fn committed(&mut self) -> Result<(), StoreError> {
        if let Some(note) = &self.note {
            self.advance_context(note);
        }
        let logged = self.note.take().is_some_and(|n| n.logged.is_some());
        let result = if logged { self.trim_log() } else { Ok(()) };
        if let Some(f) = self.after.take() {
            f();
        }
        result
    }

    /// Drop the oldest records past the limit; the newest dropped becomes the floor.
    fn trim_log(&self) -> Result<(), StoreError> {
        let store = self.store;
        let len = store.synclog_len.fetch_add(1, Ordering::Relaxed) + 1;
        let limit = store.synclog_limit.load(Ordering::Relaxed);
        if len <= limit {
            return Ok(());
        }
        let mut floor = None;
        for item in store.synclog.iter().take(len - limit) {
            let (k, _) = item?;
            store.synclog.remove(&k)?;
            floor = Some(k);
        }
        store.synclog_len.store(limit, Ordering::Relaxed);
        if let Some(k) = floor {
            store.meta.insert(FLOOR_KEY, k)?;
        }
        Ok(())
    }
}
