//! The RFC 4533 content synchronisation provider (slapd's syncprov): a search with
//! the Sync Request control, called from src/ops/search.rs, beside the other search
//! controls.
//!
//! - `protocol`: the messages in the project's terms (src/ops/wire/sync.rs converts);
//! - `cookie`: `rid=NNN,csn=<CSN>`, as slapd writes and reads it;
//! - `refresh`: the refresh stage: a delta from the session log (changed entries and
//!   the deleted entryUUIDs) when the cookie is inside it, else a present phase;
//! - `persist`: refreshAndPersist's persist stage, fed by the directory's change feed
//!   (src/directory/feed.rs) through a bounded queue.
//!
//! Entries go through the access-checked view like any search's: a consumer sees
//! exactly what its bind identity may read.

mod cookie;
mod persist;
mod protocol;
mod refresh;

pub use cookie::Cookie;
pub use protocol::{SyncControl, SyncInfo, SyncMode, SyncRequest, SyncState};

use crate::entry::Attribute;
use crate::error::LdapError;
use crate::log::OpLog;
use crate::ops::request::{Reply, ResponseControl, SearchEntry};
use crate::session::Session;
use crate::state::ServerState;
use crate::view::{DirectoryView, SearchQuery};

/// One sync search: the consumer's search and what its control asks.
pub struct SyncSearch<'a> {
    /// The server.
    pub state: &'a ServerState,
    /// The consumer's connection.
    pub session: &'a Session,
    /// The consumer's view of the directory.
    pub view: &'a DirectoryView<'a>,
    /// The search (base, scope, filter, attributes, limits).
    pub query: &'a SearchQuery<'a>,
    /// The Sync Request control.
    pub request: &'a SyncRequest,
    /// The operation's log.
    pub log: &'a OpLog,
}

/// How a sync search ended, and the controls its SearchResultDone carries; None
/// when it was abandoned (nothing more is sent).
pub type Ending = Option<(Result<(), LdapError>, Vec<ResponseControl>)>;

/// Run the sync search, handing each reply to `out` (false: abandoned or gone).
pub fn serve(search: &SyncSearch<'_>, out: &mut dyn FnMut(Reply) -> bool) -> Ending {
    let cookie = search
        .request
        .cookie
        .as_deref()
        .map(Cookie::parse)
        .unwrap_or_default();
    let persist = search.request.mode == SyncMode::RefreshAndPersist;
    // Subscribed before the refresh reads anything, so no write falls in between.
    let feed = persist.then(|| {
        let capacity = search.state.config.syncprov.persist_queue;
        search.state.dir.subscribe(capacity)
    });
    let refreshed = match refresh::refresh(search, &cookie, out) {
        Err(e) => return Some((Err(e), Vec::new())),
        Ok(None) => return None,
        Ok(Some(r)) => r,
    };
    let next = Some(cookie.format(&refreshed.csn));
    let Some(feed) = feed else {
        let done = SyncControl::Done {
            cookie: next,
            refresh_deletes: refreshed.deletes,
        };
        return Some((Ok(()), vec![ResponseControl::Sync(done)]));
    };
    let info = match refreshed.deletes {
        true => SyncInfo::RefreshDelete {
            cookie: next,
            done: true,
        },
        false => SyncInfo::RefreshPresent {
            cookie: next,
            done: true,
        },
    };
    if !out(Reply::SyncInfo(info)) {
        return None;
    }
    persist::persist(search, &feed, &cookie, out)
}

/// An entry with its Sync State control. contextCSN stays out: it describes this
/// server, and a consumer keeps its own.
fn with_state(
    mut found: SearchEntry,
    state: SyncState,
    uuid: [u8; 16],
    cookie: Option<Vec<u8>>,
) -> Reply {
    found
        .attrs
        .retain(|a: &Attribute| !a.name.eq_ignore_ascii_case("contextCSN"));
    let control = SyncControl::State {
        state,
        uuid,
        cookie,
    };
    Reply::with_controls(Reply::Entry(found), vec![ResponseControl::Sync(control)])
}

/// The DN alone with its state (present and delete carry no attributes).
fn name_only(dn: String, state: SyncState, uuid: [u8; 16], cookie: Option<Vec<u8>>) -> Reply {
    let found = SearchEntry {
        dn,
        attrs: Vec::new(),
    };
    with_state(found, state, uuid, cookie)
}
