//! What a provider sends during a sync search (RFC 4533), in the project's types:
//! ldap3's result entries, Sync State controls and Sync Info messages become
//! [`SyncMessage`]s carrying [`Entry`]s and entryUUIDs in their string form.
//!
//! ldap3's control parsers panic on malformed BER; a provider must not be able to
//! kill the replica that way, so each parse runs under `catch_unwind` and a
//! malformed message is a protocol error (the session is dropped and retried).

use super::ReplicaError;
use crate::dn::Dn;
use crate::entry::Entry;
use ldap3::asn1::StructureTag;
use ldap3::controls::{Control, EntryState, SyncDone, SyncInfo, SyncState};
use ldap3::{LdapResult, ResultEntry};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The Sync State control's OID (RFC 4533 2.2).
const SYNC_STATE_OID: &str = "1.3.6.1.4.1.4203.1.9.1.2";
/// The Sync Done control's OID (RFC 4533 2.3).
const SYNC_DONE_OID: &str = "1.3.6.1.4.1.4203.1.9.1.3";

/// Which refresh phase a Sync Info message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Unchanged entries were sent as present: the others are gone.
    Present,
    /// Deleted entries were sent as deletes.
    Delete,
}

/// One message of a sync search.
#[derive(Debug)]
pub enum SyncMessage {
    /// An entry added or changed, with all its attributes.
    Entry {
        /// The entry as the provider sent it.
        entry: Entry,
        /// Its entryUUID.
        uuid: String,
        /// The cookie after this change, if the provider sent one.
        cookie: Option<Vec<u8>>,
    },
    /// An entry unchanged since the cookie (present phase).
    Present {
        /// Its entryUUID.
        uuid: String,
    },
    /// An entry deleted (or moved out of the replicated subtree).
    Delete {
        /// Its entryUUID.
        uuid: String,
        /// Its DN, for the log.
        dn: String,
        /// The cookie after this change, if sent.
        cookie: Option<Vec<u8>>,
    },
    /// Sync Info newcookie: the cookie moved on without an entry change.
    NewCookie(Vec<u8>),
    /// Sync Info refreshPresent or refreshDelete: the end of a refresh phase.
    PhaseEnd {
        /// The phase that ended.
        phase: Phase,
        /// Whether the refresh is complete (persist follows in refreshAndPersist).
        refresh_done: bool,
        /// The cookie after the phase.
        cookie: Option<Vec<u8>>,
    },
    /// Sync Info syncIdSet: many entries present, or many deleted, at once.
    IdSet {
        /// True: the entries were deleted; false: they are present.
        deletes: bool,
        /// Their entryUUIDs.
        uuids: Vec<String>,
        /// The cookie after the set.
        cookie: Option<Vec<u8>>,
    },
    /// The search ended (refreshOnly's end, or the provider ended a persist).
    Done {
        /// The LDAP result code (4096: e-syncRefreshRequired).
        rc: u32,
        /// The diagnostic text.
        text: String,
        /// The Sync Done control's cookie.
        cookie: Option<Vec<u8>>,
        /// The Sync Done control's refreshDeletes: the refresh was a delete phase.
        refresh_deletes: bool,
    },
    /// A search result reference (a provider with referrals); ignored.
    Reference,
}

/// Run `f`, turning a panic of ldap3's parsers into a protocol error.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, ReplicaError> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| ReplicaError::Protocol(format!("malformed {what} from the provider")))
}

/// The string form of a Sync State or syncIdSet entryUUID (16 raw octets).
fn uuid_string(raw: &[u8]) -> Result<String, ReplicaError> {
    uuid::Uuid::from_slice(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| ReplicaError::Protocol(format!("entryUUID of {} octets", raw.len())))
}

/// The message one search result entry or intermediate response carries.
pub fn from_result_entry(re: ResultEntry) -> Result<SyncMessage, ReplicaError> {
    if re.is_intermediate() {
        let info = guarded("Sync Info message", || ldap3::controls::parse_syncinfo(re))?;
        return from_sync_info(info);
    }
    if re.is_ref() {
        return Ok(SyncMessage::Reference);
    }
    let control = find(&re.1, SYNC_STATE_OID)
        .ok_or_else(|| ReplicaError::Protocol("entry without a Sync State control".into()))?;
    let state: SyncState = guarded("Sync State control", || control.1.parse())?;
    let uuid = uuid_string(&state.entry_uuid)?;
    let cookie = state.cookie;
    let (dn, attrs) =
        entry_parts(re.0).ok_or_else(|| ReplicaError::Protocol("malformed search entry".into()))?;
    match state.state {
        EntryState::Present => Ok(SyncMessage::Present { uuid }),
        EntryState::Delete => Ok(SyncMessage::Delete { uuid, dn, cookie }),
        EntryState::Add | EntryState::Modify => Ok(SyncMessage::Entry {
            entry: to_entry(&dn, attrs)?,
            uuid,
            cookie,
        }),
    }
}

/// The message a Sync Info value carries.
fn from_sync_info(info: SyncInfo) -> Result<SyncMessage, ReplicaError> {
    Ok(match info {
        SyncInfo::NewCookie(c) => SyncMessage::NewCookie(c),
        SyncInfo::RefreshDelete {
            cookie,
            refresh_done,
        } => SyncMessage::PhaseEnd {
            phase: Phase::Delete,
            refresh_done,
            cookie,
        },
        SyncInfo::RefreshPresent {
            cookie,
            refresh_done,
        } => SyncMessage::PhaseEnd {
            phase: Phase::Present,
            refresh_done,
            cookie,
        },
        SyncInfo::SyncIdSet {
            cookie,
            refresh_deletes,
            sync_uuids,
        } => SyncMessage::IdSet {
            deletes: refresh_deletes,
            uuids: sync_uuids
                .iter()
                .map(|u| uuid_string(u))
                .collect::<Result<_, _>>()?,
            cookie,
        },
    })
}

/// The message the end of the search carries: its result and Sync Done control.
pub fn from_result(res: LdapResult) -> Result<SyncMessage, ReplicaError> {
    let done: Option<SyncDone> = match find(&res.ctrls, SYNC_DONE_OID) {
        Some(c) => Some(guarded("Sync Done control", || c.1.parse())?),
        None => None,
    };
    Ok(SyncMessage::Done {
        rc: res.rc,
        text: res.text,
        refresh_deletes: done.as_ref().is_some_and(|d| d.refresh_deletes),
        cookie: done.and_then(|d| d.cookie),
    })
}

/// The control with `oid` among `controls`.
fn find<'c>(controls: &'c [Control], oid: &str) -> Option<&'c Control> {
    controls
        .iter()
        .find(|c| c.1.ctype == oid && c.1.val.is_some())
}

/// An attribute of a search entry: its description and values, in the provider's order.
type Attr = (String, Vec<Vec<u8>>);

/// The DN and attributes of a SearchResultEntry (RFC 4511 4.5.2), in the order sent
/// (ldap3's own parser keeps them in a hash map); None when it is malformed.
fn entry_parts(tag: StructureTag) -> Option<(String, Vec<Attr>)> {
    let mut parts = tag.expect_constructed()?.into_iter();
    let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
    let mut attrs = Vec::new();
    for attr in parts.next()?.expect_constructed()? {
        let mut pieces = attr.expect_constructed()?.into_iter();
        let name = String::from_utf8(pieces.next()?.expect_primitive()?).ok()?;
        let values = pieces
            .next()?
            .expect_constructed()?
            .into_iter()
            .map(StructureTag::expect_primitive)
            .collect::<Option<Vec<_>>>()?;
        attrs.push((name, values));
    }
    Some((dn, attrs))
}

/// The project's [`Entry`] for a DN and attributes as sent.
fn to_entry(dn: &str, attrs: Vec<Attr>) -> Result<Entry, ReplicaError> {
    let dn = Dn::parse(dn).map_err(|e| ReplicaError::Protocol(format!("entry DN {dn:?}: {e}")))?;
    let mut entry = Entry::new(dn);
    for (name, values) in attrs {
        entry.add_values(&name, values);
    }
    Ok(entry)
}
