//! `[syncprov]`: the RFC 4533 provider (docs/REPLICATION.md), named after slapd's
//! overlay whose settings it mirrors.

use serde::Deserialize;

/// How the server serves syncrepl consumers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncProv {
    /// Deletes and renames remembered (slapd's `syncprov-sessionlog`): a consumer
    /// whose cookie is newer than the oldest one forgotten gets a delta; an older
    /// one gets a full refresh with a present phase.
    pub sessionlog: usize,
    /// Changes a persistent search may fall behind before it is ended (the consumer
    /// then reconnects with its cookie and catches up by refresh).
    pub persist_queue: usize,
}

impl Default for SyncProv {
    fn default() -> Self {
        SyncProv {
            sessionlog: 10_000,
            persist_queue: 10_000,
        }
    }
}
