//! `mailldap verify` at the store level: every structure checked against `id2entry`,
//! the one tree nothing else is derived from.
//!
//! - each `dn2id` key names an id whose entry exists and whose DN normalises to that key;
//! - each entry of `id2entry` decodes and has its `dn2id` key;
//! - each entry but the suffix has its parent, and is reachable from the suffix;
//! - the entry count kept in `meta` is the number of entries;
//! - the index (`verify_index`): every key names an entry that is filed under it, and
//!   every key an entry should be filed under is there.
//!
//! Reads only, in key order, with memory bounded by what is damaged (and by the
//! index check's partitions), so it runs on a store of any size.

use super::{be_u64, codec, EntryId, IndexKey, Store, StoreError, COUNT_KEY};
use crate::dn::Dn;
use crate::entry::Entry;
use std::collections::HashSet;
use std::fmt;

/// The index keys an entry should be filed under (the directory's index spec).
pub type KeysOf<'a> = &'a dyn Fn(&Entry) -> Vec<IndexKey>;

/// One inconsistency `verify` found: what is wrong, and with which key or entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A key or value of `tree` that the store cannot have written.
    Malformed {
        /// The tree holding it.
        tree: &'static str,
        /// The key, shown as text.
        key: String,
    },
    /// An `id2entry` record that does not decode.
    Undecodable {
        /// Its id.
        id: EntryId,
        /// Why.
        error: String,
    },
    /// A `dn2id` key naming an id `id2entry` lacks.
    DanglingDnKey {
        /// The key, shown as a DN.
        key: String,
        /// The id it names.
        id: EntryId,
    },
    /// A `dn2id` key naming an entry whose DN normalises to another key.
    WrongDnKey {
        /// The key, shown as a DN.
        key: String,
        /// The id it names.
        id: EntryId,
        /// That entry's DN.
        dn: String,
    },
    /// An entry without its `dn2id` key (`found`: the id the key names instead).
    MissingDnKey {
        /// The entry's DN.
        dn: String,
        /// Its id.
        id: EntryId,
        /// The other id its key names, if any.
        found: Option<EntryId>,
    },
    /// An entry (not the suffix) whose parent is not stored.
    MissingParent {
        /// The entry's DN.
        dn: String,
        /// The parent's DN.
        parent: String,
    },
    /// An entry with its parent, but not reachable from the suffix.
    Unreachable {
        /// The entry's DN.
        dn: String,
        /// Why: outside the suffix, or which ancestor is cut off.
        why: String,
    },
    /// The entry count kept in `meta` is not the number of entries.
    WrongCount {
        /// The kept count (none: missing).
        kept: Option<u64>,
        /// The entries in `id2entry`.
        actual: u64,
    },
    /// The indexes were built for another index configuration.
    IndexConfig {
        /// The configuration recorded with them.
        recorded: Option<String>,
        /// The configuration in force.
        wanted: String,
    },
    /// An index key naming an id `id2entry` lacks.
    DanglingIndexKey {
        /// The key, shown as text.
        key: String,
        /// The id it names.
        id: EntryId,
    },
    /// An index key naming an entry that does not have that value (under the index's
    /// normalisation) or that attribute.
    StaleIndexKey {
        /// The key, shown as text.
        key: String,
        /// The entry's DN.
        dn: String,
    },
    /// An index key that an indexed value of an entry should be filed under, missing.
    MissingIndexKey {
        /// The key, shown as text.
        key: String,
        /// The entry's DN.
        dn: String,
    },
}

impl fmt::Display for Problem {
    // One arm per kind of problem: the match is the catalogue of messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Malformed { tree, key } => write!(f, "{tree} key {key:?}: malformed"),
            Problem::Undecodable { id, error } => {
                write!(f, "id2entry id {id}: record does not decode ({error})")
            }
            Problem::DanglingDnKey { key, id } => {
                write!(f, "dn2id key {key:?}: names id {id}, which id2entry lacks")
            }
            Problem::WrongDnKey { key, id, dn } => write!(
                f,
                "dn2id key {key:?}: names id {id}, whose DN {dn:?} normalises to another key"
            ),
            Problem::MissingDnKey {
                dn,
                id,
                found: None,
            } => {
                write!(f, "entry {dn:?} (id {id}): no dn2id key")
            }
            Problem::MissingDnKey {
                dn,
                id,
                found: Some(other),
            } => write!(f, "entry {dn:?} (id {id}): its dn2id key names id {other}"),
            Problem::MissingParent { dn, parent } => {
                write!(f, "entry {dn:?}: parent {parent:?} missing")
            }
            Problem::Unreachable { dn, why } => {
                write!(f, "entry {dn:?}: unreachable from the suffix ({why})")
            }
            Problem::WrongCount { kept, actual } => match kept {
                Some(n) => write!(f, "entry count: kept {n}, id2entry holds {actual}"),
                None => write!(f, "entry count: missing, id2entry holds {actual}"),
            },
            Problem::IndexConfig { recorded, wanted } => write!(
                f,
                "indexes built for another index configuration ({recorded:?}, config gives \
                 {wanted:?}): the server rebuilds them when it starts, `mailldap reindex` now"
            ),
            Problem::DanglingIndexKey { key, id } => {
                write!(f, "index key {key}: names id {id}, which id2entry lacks")
            }
            Problem::StaleIndexKey { key, dn } => write!(
                f,
                "index key {key}: entry {dn:?} has no such value under the index's normalisation"
            ),
            Problem::MissingIndexKey { key, dn } => {
                write!(f, "index key {key}: missing for entry {dn:?}")
            }
        }
    }
}

/// What `verify` found, and how much it read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Every problem, in the order found.
    pub problems: Vec<Problem>,
    /// Entries in `id2entry`.
    pub entries: u64,
    /// Keys in `dn2id`.
    pub dn_keys: u64,
    /// Keys in the index tree.
    pub index_keys: u64,
}

impl VerifyReport {
    /// Whether no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    /// One line per problem, then the summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "problem: {p}")?;
        }
        writeln!(
            f,
            "verify: {} entries, {} dn2id keys, {} index keys checked: {} problem(s)",
            self.entries,
            self.dn_keys,
            self.index_keys,
            self.problems.len()
        )
    }
}

impl Store {
    /// Check the store's structures against `id2entry` (see the module doc). Without
    /// `keys_of` (indexes built for another configuration) the index keys are only
    /// checked to name existing entries.
    pub fn verify(
        &self,
        suffix: &Dn,
        keys_of: Option<KeysOf<'_>>,
    ) -> Result<VerifyReport, StoreError> {
        let _gate = self.reading();
        let mut report = VerifyReport::default();
        self.check_entries(&mut report)?;
        self.check_dn_keys(suffix, &mut report)?;
        self.check_count(&mut report)?;
        self.check_index(keys_of, &mut report)?;
        Ok(report)
    }

    /// Every record decodes and its DN's `dn2id` key names it.
    fn check_entries(&self, report: &mut VerifyReport) -> Result<(), StoreError> {
        for item in self.id2entry.iter() {
            let (k, v) = item?;
            report.entries += 1;
            let Ok(id) = be_u64(&k) else {
                report.problems.push(malformed("id2entry", &k));
                continue;
            };
            let dn = match codec::decode(&v) {
                Ok(entry) => entry.dn,
                Err(e) => {
                    let error = e.to_string();
                    report.problems.push(Problem::Undecodable { id, error });
                    continue;
                }
            };
            let found = match self.dn2id.get(dn.tree_key())? {
                Some(v) => be_u64(&v).ok(),
                None => None,
            };
            if found != Some(id) {
                let dn = dn.to_string();
                report
                    .problems
                    .push(Problem::MissingDnKey { dn, id, found });
            }
        }
        Ok(())
    }

    /// Every `dn2id` key names an entry with that DN, whose parent is stored and
    /// reachable. Keys come parents first, so a cut-off parent is known before its
    /// children; `cut` holds the keys of entries not reachable (none, when sound).
    fn check_dn_keys(&self, suffix: &Dn, report: &mut VerifyReport) -> Result<(), StoreError> {
        let mut cut: HashSet<Vec<u8>> = HashSet::new();
        for item in self.dn2id.iter() {
            let (k, v) = item?;
            report.dn_keys += 1;
            let key = dn_key_text(&k);
            let Ok(id) = be_u64(&v) else {
                report.problems.push(malformed("dn2id", &k));
                cut.insert(k.to_vec());
                continue;
            };
            let dn = match self.id2entry.get(id.to_be_bytes())? {
                None => {
                    report.problems.push(Problem::DanglingDnKey { key, id });
                    cut.insert(k.to_vec());
                    continue;
                }
                // Reported by check_entries.
                Some(record) => match codec::decode_dn(&record) {
                    Ok(dn) => dn,
                    Err(_) => continue,
                },
            };
            if dn.tree_key() != *k {
                let dn = dn.to_string();
                report.problems.push(Problem::WrongDnKey { key, id, dn });
                cut.insert(k.to_vec());
                continue;
            }
            if let Some(problem) = self.placement(&dn, suffix, &cut)? {
                report.problems.push(problem);
                cut.insert(k.to_vec());
            }
        }
        Ok(())
    }

    /// Why the entry `dn` is not where the tree needs it, if it is not.
    fn placement(
        &self,
        dn: &Dn,
        suffix: &Dn,
        cut: &HashSet<Vec<u8>>,
    ) -> Result<Option<Problem>, StoreError> {
        if dn.same_as(suffix) {
            return Ok(None);
        }
        let text = dn.to_string();
        if !dn.is_within(suffix) {
            let why = format!("outside the suffix {suffix}");
            return Ok(Some(Problem::Unreachable { dn: text, why }));
        }
        let parent = dn.parent().unwrap_or_default();
        let parent_key = parent.tree_key();
        if !self.dn2id.contains_key(&parent_key)? {
            let parent = parent.to_string();
            return Ok(Some(Problem::MissingParent { dn: text, parent }));
        }
        if cut.contains(&parent_key) {
            let why = format!("its ancestor {parent} is not");
            return Ok(Some(Problem::Unreachable { dn: text, why }));
        }
        Ok(None)
    }

    /// The entry count kept in `meta` is the number of records.
    fn check_count(&self, report: &mut VerifyReport) -> Result<(), StoreError> {
        let kept = match self.meta.get(COUNT_KEY)? {
            Some(v) => Some(be_u64(&v)?),
            None => None,
        };
        if kept != Some(report.entries) {
            let actual = report.entries;
            report.problems.push(Problem::WrongCount { kept, actual });
        }
        Ok(())
    }
}

/// A `dn2id` key as the DN it stands for: its NUL-terminated normalised RDNs, leaf first.
pub(super) fn dn_key_text(key: &[u8]) -> String {
    let text = String::from_utf8_lossy(key);
    let rdns: Vec<&str> = text.split('\0').filter(|r| !r.is_empty()).rev().collect();
    rdns.join(",")
}

pub(super) fn malformed(tree: &'static str, key: &[u8]) -> Problem {
    let key = String::from_utf8_lossy(key).into_owned();
    Problem::Malformed { tree, key }
}
