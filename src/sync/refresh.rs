//! The refresh stage (RFC 4533 3.4). With no cookie, or one newer than this
//! server's state, every entry is sent (a present phase: the consumer drops what was
//! not mentioned). With a cookie at or above the session log's floor, a delta: the
//! entries whose entryCSN is newer, then the entryUUIDs that left the consumer's
//! content since (syncIdSet, refreshDeletes). With an older cookie, a present phase
//! where the unchanged entries are named without attributes.

use super::{name_only, with_state, Cookie, SyncInfo, SyncSearch, SyncState};
use crate::directory::{entry_csn, entry_uuid};
use crate::error::LdapError;
use crate::ops::request::Reply;
use std::collections::HashSet;

/// What the refresh was: the CSN its cookie carries, and whether it was a delete
/// phase (the consumer keeps what it was not told of) or a present phase.
pub(super) struct Refreshed {
    /// The provider's state the consumer has now reached.
    pub csn: String,
    /// Delete phase (true) or present phase (false).
    pub deletes: bool,
}

/// How the consumer's cookie relates to what the server can tell it.
enum Phase {
    /// Everything, as new.
    Full,
    /// Everything: entries changed after the CSN in full, the others by name.
    Present(String),
    /// Only what changed after the CSN, and the departed entryUUIDs.
    Delta(String),
}

/// Run the refresh stage; None when the search was abandoned.
pub(super) fn refresh(
    search: &SyncSearch<'_>,
    cookie: &Cookie,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Result<Option<Refreshed>, LdapError> {
    let dir = &search.state.dir;
    let floor = dir.sync_log_floor()?.unwrap_or_default();
    // Read before the entries: what changes while they are read is sent again later.
    let context = dir.context_csn()?.unwrap_or_else(|| floor.clone());
    let phase = match &cookie.csn {
        None => Phase::Full,
        Some(csn) if *csn > context => Phase::Full,
        Some(csn) if *csn >= floor => Phase::Delta(csn.clone()),
        Some(csn) => Phase::Present(csn.clone()),
    };
    search.log.line(format_args!(
        "SYNC {:?} cookie={} phase={}",
        search.request.mode,
        cookie.csn.as_deref().unwrap_or("none"),
        match &phase {
            Phase::Full => "full",
            Phase::Present(_) => "present",
            Phase::Delta(_) => "delta",
        }
    ));
    // The departed candidates; an entry the search still finds (renamed inside the
    // consumer's scope) is no departure.
    let mut departed: HashSet<[u8; 16]> = match &phase {
        Phase::Delta(since) => dir
            .sync_log_since(since)?
            .into_iter()
            .map(|r| r.uuid)
            .collect(),
        _ => HashSet::new(),
    };
    let mut open = true;
    let done = search
        .view
        .search_stored(search.query, &mut |stored, found| {
            let uuid = entry_uuid(stored);
            departed.remove(&uuid);
            let since = match &phase {
                Phase::Full => None,
                Phase::Present(since) | Phase::Delta(since) => Some(since.as_str()),
            };
            let changed = match (since, entry_csn(stored)) {
                (Some(since), Some(csn)) => csn > since,
                _ => true,
            };
            let reply = match (&phase, changed) {
                (_, true) => with_state(found, SyncState::Add, uuid, None),
                (Phase::Present(_), false) => name_only(found.dn, SyncState::Present, uuid, None),
                _ => return true,
            };
            open = out(reply);
            open
        })?;
    if !open {
        return Ok(None);
    }
    if let Some(e) = done.stopped {
        return Err(e);
    }
    let deletes = matches!(phase, Phase::Delta(_));
    if !departed.is_empty() {
        let info = SyncInfo::IdSet {
            cookie: None,
            refresh_deletes: true,
            uuids: departed.into_iter().collect(),
        };
        if !out(Reply::SyncInfo(info)) {
            return Ok(None);
        }
    }
    Ok(Some(Refreshed {
        csn: context,
        deletes,
    }))
}
