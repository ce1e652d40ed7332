//! The persist stage of refreshAndPersist (RFC 4533 3.3.2): each write the change
//! feed reports is sent as the consumer's search sees it now, with a Sync State
//! control whose cookie carries the write's CSN. An entry that no longer lies in the
//! consumer's content (deleted, renamed away, out of the filter) is sent as a delete.
//! The feed's queue is bounded: a consumer that falls that far behind is ended with
//! busy, and its next search (with its cookie) catches up by refresh.

use super::{name_only, with_state, Cookie, Ending, SyncSearch, SyncState};
use crate::acl::{AccessLevel, Target};
use crate::directory::feed::{Change, ChangeKind, Next, Subscription};
use crate::directory::{entry_uuid, in_scope};
use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::ops::request::Reply;
use std::time::{Duration, Instant};

/// How often a quiet persistent search checks that it is still wanted (abandon,
/// unbind, the connection closing, server shutdown).
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Send changes until the search is abandoned, the connection closes, or the
/// consumer falls behind.
pub(super) fn persist(
    search: &SyncSearch<'_>,
    feed: &Subscription,
    cookie: &Cookie,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Ending {
    let mut checked = Instant::now();
    loop {
        if checked.elapsed() >= CHECK_EVERY {
            checked = Instant::now();
            let closing = search.session.presence.close_request().is_some();
            if closing || !out(Reply::KeepAlive) {
                search.log.line("SYNC persist ended");
                return None;
            }
        }
        let change = match feed.next(CHECK_EVERY) {
            Next::Idle => continue,
            Next::Ended => {
                search
                    .log
                    .line("SYNC persist ended: the consumer fell behind");
                let e = LdapError::new(
                    ResultCode::Busy,
                    "the consumer fell behind the changes: search again with its cookie",
                );
                return Some((Err(e), Vec::new()));
            }
            Next::Change(change) => change,
        };
        match push(search, &change, cookie, out) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some((Err(e), Vec::new())),
        }
    }
}

/// Send one change as the consumer sees it; false when the search is abandoned.
fn push(
    search: &SyncSearch<'_>,
    change: &Change,
    cookie: &Cookie,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Result<bool, LdapError> {
    let next = Some(cookie.format(&change.csn));
    let current = match change.kind {
        ChangeKind::Delete => None,
        _ => search.view.result_stored(&change.dn, search.query)?,
    };
    if let Some((stored, found)) = current {
        let state = match change.kind {
            ChangeKind::Add => SyncState::Add,
            _ => SyncState::Modify,
        };
        return Ok(out(with_state(found, state, entry_uuid(&stored), next)));
    }
    // Not (or no longer) in the consumer's content: a delete for the name it had,
    // when the consumer could have held it.
    let had = change.old_dn.as_ref().unwrap_or(&change.dn);
    if change.kind == ChangeKind::Add || !could_hold(search, had) {
        return Ok(true);
    }
    let reply = name_only(had.to_string(), SyncState::Delete, change.uuid, next);
    Ok(out(reply))
}

/// Whether an entry named `dn` lay in the consumer's scope and could be read by it
/// (a delete tells no one of an entry they could not see).
fn could_hold(search: &SyncSearch<'_>, dn: &Dn) -> bool {
    let query = search.query;
    in_scope(dn, query.base, query.scope)
        && search
            .view
            .allows(dn, None, Target::Entry, AccessLevel::Read)
}
