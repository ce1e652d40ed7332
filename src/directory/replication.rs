//! What the directory keeps for replication (RFC 4533 provider, src/sync): each
//! write's note to the store (its CSN becomes the contextCSN; a delete or rename is
//! logged in the session log) and its change on the feed, published once committed
//! and before the next write, so persistent searches see writes in CSN order.

use super::feed::{Change, ChangeKind, Subscription};
use super::Directory;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::store::{ChangeNote, Departure, LogRecord, Rewrite, Writer};

/// The 16 bytes of an entry's entryUUID (nil when it has none that parses).
pub fn entry_uuid(entry: &Entry) -> [u8; 16] {
    entry
        .get("entryUUID")
        .and_then(|a| a.values.first())
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| *u.as_bytes())
        .unwrap_or_default()
}

/// The entryCSN of an entry, as stored.
pub fn entry_csn(entry: &Entry) -> Option<&str> {
    entry
        .get("entryCSN")
        .and_then(|a| a.values.first())
        .and_then(|v| std::str::from_utf8(v).ok())
}

impl Directory {
    /// The CSN of the last write: the suffix entry's contextCSN.
    pub fn context_csn(&self) -> Result<Option<String>, LdapError> {
        self.store.context_csn().map_err(super::store_err)
    }

    /// The session log's floor: a cookie older than this gets a full refresh.
    pub fn sync_log_floor(&self) -> Result<Option<String>, LdapError> {
        self.store.sync_log_floor().map_err(super::store_err)
    }

    /// The entries that left their name after `csn`, oldest first.
    pub fn sync_log_since(&self, csn: &str) -> Result<Vec<LogRecord>, LdapError> {
        self.store.sync_log_since(csn).map_err(super::store_err)
    }

    /// Follow the writes from now on, falling at most `capacity` behind.
    pub fn subscribe(&self, capacity: usize) -> Subscription {
        self.feed.subscribe(capacity)
    }

    /// Start the session log at the first open: it knows of nothing before now.
    pub(super) fn start_sync_log(&self, limit: usize) -> Result<(), LdapError> {
        self.store.set_sync_log_limit(limit);
        if let Some(context) = self.context_csn()? {
            self.csn.advance_past(&context);
        }
        if self.sync_log_floor()?.is_some() {
            return Ok(());
        }
        let writer = self.store.writer();
        writer
            .set_sync_log_floor(&self.csn.next())
            .map_err(super::store_err)
    }

    /// Note `kind` of `entry` (as stored after the write; as it was, for a delete)
    /// on `writer`: the store records it with the write, the feed hears of it once
    /// committed, after the referrers the same write `rewrites` (referential
    /// integrity, each stamped with an older CSN). `old_dn`: the name a rename left.
    pub(super) fn note_change<'s>(
        &'s self,
        writer: &mut Writer<'s>,
        what: (ChangeKind, &Entry, Option<&Dn>),
        csn: String,
        rewrites: &[Rewrite],
    ) {
        let (kind, entry, old_dn) = what;
        let uuid = entry_uuid(entry);
        let departed = match kind {
            ChangeKind::Delete => Some((Departure::Delete, &entry.dn)),
            ChangeKind::Rename => old_dn
                .filter(|old| !old.same_as(&entry.dn))
                .map(|old| (Departure::Rename, old)),
            ChangeKind::Add | ChangeKind::Modify => None,
        };
        let logged = departed.map(|(how, dn)| LogRecord {
            csn: csn.clone(),
            uuid,
            how,
            dn: dn.to_string(),
        });
        writer.note(ChangeNote {
            csn: csn.clone(),
            logged,
        });
        // Built even with no subscriber yet: one subscribing before the commit
        // must hear of it (its refresh may have read the entry before the write).
        let referrers: Vec<Change> = rewrites
            .iter()
            .map(|r| Change {
                csn: entry_csn(&r.entry).unwrap_or(&csn).to_string(),
                kind: ChangeKind::Modify,
                dn: r.entry.dn.clone(),
                old_dn: None,
                uuid: entry_uuid(&r.entry),
            })
            .collect();
        let changed = Change {
            csn,
            kind,
            dn: entry.dn.clone(),
            old_dn: old_dn.cloned(),
            uuid,
        };
        let changes: Vec<Change> = referrers.into_iter().chain([changed]).collect();
        writer.on_commit(Box::new(move || {
            for change in &changes {
                self.feed.publish(change);
            }
        }));
    }
}
