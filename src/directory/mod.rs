//! The directory: schema enforcement, operational attributes and index upkeep around
//! the store, split as back-mdb splits its back end:
//!
//! - `options`: the configuration, translated and checked once at open;
//! - `read`: get, has_children, export, matchedDN, search candidates;
//! - `add`, `modify`, `modrdn`, `delete`: the four writes. Each takes the store's one
//!   [`Writer`](crate::store::Writer) first (writes run one at a time, so parent and
//!   uniqueness checks need no retries), reads and decodes the entry it changes once,
//!   and ends in one durable store transaction;
//! - `prepare`: what every write does to an entry before it is stored (canonical names,
//!   RDN values, schema check, password hashing);
//! - `operational`: the attributes the server keeps;
//! - `index_spec`: what is indexed and how; `plan`: filter -> candidate ids;
//! - `guard`: unique mail values and the retired-mailbox rule;
//! - `refint`: the DN-valued attributes that name a deleted or renamed entry follow it;
//! - `replication`, `feed`: each write's CSN and session log record for the store,
//!   and its change for the persistent searches (RFC 4533 provider, src/sync).
//! - `bulk`: an import's load of an empty store, each entry checked as `add` checks it;
//! - `verify`: the offline check and rebuild of a stopped server's store;
//! - `replicated`: a replica's writes, as its provider sent them, with the sync cookie.

use crate::config::Config;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::password;
use crate::schema::Schema;
use crate::store::{IndexKey, Store, StoreError};

mod add;
mod bulk;
mod delete;
pub mod feed;
mod guard;
mod index_spec;
mod modify;
mod modrdn;
mod operational;
mod options;
mod plan;
mod prepare;
mod read;
mod refint;
mod replicated;
mod replication;
#[cfg(test)]
mod tests;
mod verify;

pub use crate::dn::in_scope;
pub use bulk::{BulkAdd, Prepared};
pub use guard::mailbox_path;
pub use index_spec::{IndexSpec, Probe};
pub use operational::{SUBSCHEMA_DN, VIRTUAL_ATTRS};
pub use read::{CandidateStats, KeepAttr};
pub use replicated::Applied;
pub use replication::{entry_csn, entry_uuid};
pub use verify::ReindexReport;

/// Where an add comes from: a client over the wire, or an offline import that keeps
/// the operational attributes it is given (as slapadd does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A protocol operation.
    Client,
    /// `mailldap import` or `--demo`.
    Import,
}

/// The directory service the operations call.
pub struct Directory {
    store: Store,
    schema: Schema,
    suffix: Dn,
    index: IndexSpec,
    policy: options::WritePolicy,
    csn: operational::CsnClock,
    feed: feed::ChangeFeed,
}

/// The protocol error for a store error.
fn store_err(e: StoreError) -> LdapError {
    match e {
        StoreError::AlreadyExists => {
            LdapError::new(ResultCode::EntryAlreadyExists, "entry already exists")
        }
        StoreError::NotLeaf => LdapError::new(
            ResultCode::NotAllowedOnNonLeaf,
            "subordinate objects must be deleted first",
        ),
        StoreError::NoSuchEntry => LdapError::no_such_object(""),
        other => LdapError::internal(other),
    }
}

impl Directory {
    /// Open the store under the configured data directory and load the schema.
    pub fn open(config: &Config) -> Result<Directory, LdapError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            LdapError::internal(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        Self::open_at(&Self::store_path(config), config)
    }

    /// Where the store lives: `store` under the configured data directory.
    pub fn store_path(config: &Config) -> std::path::PathBuf {
        config.data_dir.join("store")
    }

    /// Open the store at an explicit path (import stages into a copy).
    pub fn open_at(path: &std::path::Path, config: &Config) -> Result<Directory, LdapError> {
        let store = Store::open_with(path, config.store_engine, config.store_cache_mb)
            .map_err(store_err)?;
        Self::with_store(store, config)
    }

    /// Build a directory around an already open store (tests use a temporary one).
    pub fn with_store(store: Store, config: &Config) -> Result<Directory, LdapError> {
        let opts = options::Options::from_config(config)?;
        let dir = Directory {
            store,
            schema: opts.schema,
            suffix: opts.suffix,
            index: opts.index,
            policy: opts.policy,
            csn: operational::CsnClock::default(),
            feed: feed::ChangeFeed::default(),
        };
        dir.reindex_if_needed()?;
        dir.start_sync_log(config.syncprov.sessionlog)?;
        Ok(dir)
    }

    /// The schema in force.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How new password hashes are made.
    pub fn hash_params(&self) -> password::HashParams {
        self.policy.password.clone()
    }

    /// Changes whenever a write starts or ends ([`Store::generation`]): what a reader
    /// derived after reading an unchanged value still holds.
    pub fn generation(&self) -> u64 {
        self.store.generation()
    }

    /// The naming context served.
    pub fn suffix(&self) -> &Dn {
        &self.suffix
    }

    /// The indexes kept.
    pub fn index_spec(&self) -> &IndexSpec {
        &self.index
    }

    /// Number of entries stored.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// True when nothing is stored yet.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Bulk load: writes stop waiting for the disk until [`Directory::flush`]; for
    /// a store no client sees meanwhile (import's staging copy).
    pub fn defer_durability(&self) {
        // Failing only costs speed: commits keep waiting for the disk.
        if let Err(e) = self.store.defer_durability() {
            tracing::warn!("commits still wait for the disk: {e}");
        }
    }

    /// Make everything written so far durable (at shutdown, after a bulk load; writes
    /// already are otherwise).
    pub fn flush(&self) -> Result<(), LdapError> {
        self.store.flush().map_err(store_err)
    }

    /// Rebuild the indexes when the store was built under another index spec.
    fn reindex_if_needed(&self) -> Result<(), LdapError> {
        let wanted = self.index.fingerprint();
        let writer = self.store.writer();
        if self.store.index_config().map_err(store_err)?.as_deref() == Some(wanted.as_str()) {
            return Ok(());
        }
        writer
            .reindex(&|e: &Entry| self.index_keys(e))
            .map_err(store_err)?;
        writer.set_index_config(&wanted).map_err(store_err)
    }

    /// The index keys `entry` is filed under.
    fn index_keys(&self, entry: &Entry) -> Vec<IndexKey> {
        self.index.entry_keys(&self.schema, entry)
    }

    /// Whether `dn` lies in the naming context served.
    fn in_naming_context(&self, dn: &Dn) -> bool {
        dn.is_within(&self.suffix)
    }
}
