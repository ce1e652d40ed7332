//! `mailldap verify` and `mailldap reindex` at the directory level: a stopped server's
//! store, checked or rebuilt with the configured index spec, the one answer to "is this
//! attribute indexed, and how" (the store knows structure, not schema).
//!
//! The server itself rebuilds the indexes when it opens a store whose recorded index
//! configuration differs from the configured one (`reindex_if_needed`); `reindex` does
//! that ahead of time, and also mends what a matching record cannot reveal: keys lost
//! or left over by damage, and `dn2id`, which is derived from the entries too.

use super::options::Options;
use super::{store_err, Directory};
use crate::config::Config;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::store::{DnRebuild, KeysOf, Problem, Store, VerifyReport};
use std::fmt;

/// What [`Directory::reindex`] changed, and what it could not mend.
#[derive(Debug, Clone)]
pub struct ReindexReport {
    /// The `dn2id` and entry-count repairs.
    pub dn2id: DnRebuild,
    /// A verify run after the rebuild: what remains cannot be derived from the
    /// entries (a missing parent, an undecodable record, two entries with one DN).
    pub after: VerifyReport,
}

impl fmt::Display for ReindexReport {
    /// The summary line, then what remains to mend by hand, if anything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.dn2id;
        write!(
            f,
            "reindex: {} entries, {} index keys filed; dn2id: {} keys removed, {} added",
            d.entries, self.after.index_keys, d.removed, d.added
        )?;
        match d.count_was {
            Some(Some(n)) => writeln!(f, "; entry count {n} corrected")?,
            Some(None) => writeln!(f, "; entry count restored")?,
            None => writeln!(f)?,
        }
        if !self.after.is_clean() {
            writeln!(f, "reindex cannot mend (the entries say nothing of it):")?;
            write!(f, "{}", self.after)?;
        }
        Ok(())
    }
}

impl Directory {
    /// Check the store of a stopped server as it is on disk (nothing is reindexed or
    /// mended): every problem found, with the counts read.
    pub fn verify(config: &Config) -> Result<VerifyReport, LdapError> {
        let opts = Options::from_config(config)?;
        let store = open_existing(config)?;
        verify_store(&store, &opts)
    }

    /// Rebuild from `id2entry` everything derived from it (`dn2id`, the entry count,
    /// every index key under the configured spec), durably, then verify.
    pub fn reindex(config: &Config) -> Result<ReindexReport, LdapError> {
        let opts = Options::from_config(config)?;
        let store = open_existing(config)?;
        let writer = store.writer();
        // Forgotten first, so that a crash midway leaves a store the server reindexes.
        writer.set_index_config("").map_err(store_err)?;
        let dn2id = writer.rebuild_dn2id().map_err(store_err)?;
        writer
            .reindex(&|e: &Entry| opts.index.entry_keys(&opts.schema, e))
            .map_err(store_err)?;
        writer
            .set_index_config(&opts.index.fingerprint())
            .map_err(store_err)?;
        drop(writer);
        let after = verify_store(&store, &opts)?;
        Ok(ReindexReport { dn2id, after })
    }
}

/// Verify `store` against the configured suffix and index spec. Indexes recorded as
/// built for another spec are one problem, not one per key: only their ids are checked.
fn verify_store(store: &Store, opts: &Options) -> Result<VerifyReport, LdapError> {
    let wanted = opts.index.fingerprint();
    let recorded = store.index_config().map_err(store_err)?;
    let current = recorded.as_deref() == Some(wanted.as_str());
    let keys_of = |e: &Entry| opts.index.entry_keys(&opts.schema, e);
    let keys_of: Option<KeysOf<'_>> = current.then_some(&keys_of);
    let mut report = store.verify(&opts.suffix, keys_of).map_err(store_err)?;
    if !current {
        let problem = Problem::IndexConfig { recorded, wanted };
        report.problems.insert(0, problem);
    }
    Ok(report)
}

/// The configured store, opened as the server opens it; an error rather than a new
/// empty store when there is none (a wrong --data must not pass as clean).
fn open_existing(config: &Config) -> Result<Store, LdapError> {
    let path = Directory::store_path(config);
    if !path.is_dir() {
        return Err(LdapError::new(
            ResultCode::NoSuchObject,
            format!("no store at {}", path.display()),
        ));
    }
    Store::open_with(&path, config.store_engine, config.store_cache_mb).map_err(store_err)
}
