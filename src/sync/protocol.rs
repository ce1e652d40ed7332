//! RFC 4533's messages in the project's terms: the Sync Request control a consumer
//! sends, the Sync State and Sync Done controls and the Sync Info messages the
//! provider answers with. src/ops/wire/ converts them to and from ldap3_proto's.

/// RFC 4533 2.2: what the consumer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// One refresh, ended by SearchResultDone.
    RefreshOnly,
    /// A refresh, then changes as they happen until the search is abandoned.
    RefreshAndPersist,
}

/// RFC 4533 2.2: the Sync Request control's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// refreshOnly or refreshAndPersist.
    pub mode: SyncMode,
    /// The cookie of the consumer's last synchronisation, if it has one.
    pub cookie: Option<Vec<u8>>,
    /// The consumer prefers a full reload over an error when its cookie is stale.
    pub reload_hint: bool,
}

/// RFC 4533 2.3: an entry's state in a Sync State control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Unchanged since the cookie (present phase: the DN only).
    Present,
    /// New to the consumer.
    Add,
    /// Changed.
    Modify,
    /// Gone from the consumer's content (the DN only).
    Delete,
}

/// The response controls of a sync search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncControl {
    /// RFC 4533 2.3, on each entry.
    State {
        /// What happened to the entry.
        state: SyncState,
        /// Its entryUUID.
        uuid: [u8; 16],
        /// The cookie that covers this change (persist phase).
        cookie: Option<Vec<u8>>,
    },
    /// RFC 4533 2.4, on SearchResultDone.
    Done {
        /// The cookie to come back with.
        cookie: Option<Vec<u8>>,
        /// True: the refresh sent deletes (keep entries not mentioned); false: a
        /// present phase (delete every entry not mentioned).
        refresh_deletes: bool,
    },
}

/// RFC 4533 2.5: the Sync Info intermediate responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncInfo {
    /// The refresh was a delete phase; `done`: the refresh is over.
    RefreshDelete {
        /// The cookie to come back with.
        cookie: Option<Vec<u8>>,
        /// Whether the refresh is complete.
        done: bool,
    },
    /// The refresh was a present phase (entries not mentioned are gone).
    RefreshPresent {
        /// The cookie to come back with.
        cookie: Option<Vec<u8>>,
        /// Whether the refresh is complete.
        done: bool,
    },
    /// Many entries at once by entryUUID.
    IdSet {
        /// The cookie to come back with.
        cookie: Option<Vec<u8>>,
        /// True: these are deleted; false: these are present.
        refresh_deletes: bool,
        /// The entryUUIDs.
        uuids: Vec<[u8; 16]>,
    },
}
