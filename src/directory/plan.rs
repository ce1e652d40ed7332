//! The search planner (back-mdb's filterindex.c): turns a filter into the ids of the
//! entries that may match it, from the indexes alone, or says it cannot narrow the
//! search. One function per filter kind; the index spec says what is indexed and how.
//! Candidates are a superset: the caller evaluates the whole filter on each.

use super::index_spec::Probe;
use super::{store_err, Directory};
use crate::error::LdapError;
use crate::filter::Filter;
use crate::store::{EntryId, IndexKey, IndexKind};
use std::collections::BTreeSet;

/// Candidate ids, ascending.
pub(super) type Candidates = BTreeSet<EntryId>;

/// Once an AND has this few candidates, checking each against the whole filter costs
/// less than narrowing further with its other parts.
const FEW_ENOUGH: usize = 64;

impl Directory {
    /// Whether the indexes narrow `filter` to a few entries, judged from the index
    /// spec alone: an indexed equality (objectClass excepted: every account has one of
    /// a few) or substring, an AND with such a part, an OR of them. The session runs
    /// such searches in the task that read them instead of on a thread of their own.
    /// The probes decide which index an assertion uses (see [`IndexSpec::narrows`]).
    ///
    /// [`IndexSpec::narrows`]: super::IndexSpec::narrows
    pub fn is_narrow(&self, filter: &Filter) -> bool {
        let indexed = |attr: &str, kind| self.index.narrows(&self.schema, attr, kind);
        match filter {
            Filter::Equality(attr, _) => indexed(attr, IndexKind::Equality),
            Filter::Substring { attr, .. } => indexed(attr, IndexKind::Substring),
            Filter::And(parts) => parts.iter().any(|p| self.is_narrow(p)),
            Filter::Or(parts) => !parts.is_empty() && parts.iter().all(|p| self.is_narrow(p)),
            _ => false,
        }
    }

    /// Candidate ids for `filter` from the indexes, or None when they cannot narrow it.
    pub(super) fn plan(&self, filter: &Filter) -> Result<Option<Candidates>, LdapError> {
        match filter {
            Filter::Equality(attr, value) => self.equality_candidates(attr, value),
            Filter::Present(attr) => self.presence_candidates(attr),
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => self.substring_candidates(attr, initial.as_deref(), any, final_.as_deref()),
            Filter::And(parts) => self.and_candidates(parts),
            Filter::Or(parts) => self.or_candidates(parts),
            // Negations, orderings, approximate and extensible matches have no index.
            _ => Ok(None),
        }
    }

    /// `(attr=value)` through the equality index.
    fn equality_candidates(
        &self,
        attr: &str,
        value: &[u8],
    ) -> Result<Option<Candidates>, LdapError> {
        self.probe_candidates(self.index.equality_probe(&self.schema, attr, value))
    }

    /// `(attr=*)` through the presence index.
    fn presence_candidates(&self, attr: &str) -> Result<Option<Candidates>, LdapError> {
        self.probe_candidates(self.index.presence_probe(&self.schema, attr))
    }

    /// `(attr=initial*any*final)` through the substring index's grams.
    fn substring_candidates(
        &self,
        attr: &str,
        initial: Option<&[u8]>,
        any: &[Vec<u8>],
        final_: Option<&[u8]>,
    ) -> Result<Option<Candidates>, LdapError> {
        let probe = self
            .index
            .substring_probe(&self.schema, attr, initial, any, final_);
        self.probe_candidates(probe)
    }

    /// An AND: the intersection of what its parts narrow to. Indexed equality and
    /// presence parts go to the store together: it walks the shortest id list and
    /// probes the others, so a class every account has costs nothing next to the one
    /// address being looked up. Unindexed parts are skipped (they narrow nothing).
    fn and_candidates(&self, parts: &[Filter]) -> Result<Option<Candidates>, LdapError> {
        let mut keys = Vec::new();
        let mut rest = Vec::new();
        for part in parts {
            match self.single_key(part) {
                Some(key) => keys.push(key),
                None => rest.push(part),
            }
        }
        let mut acc = self.intersection(keys)?;
        for part in rest {
            if acc.as_ref().is_some_and(|a| a.len() <= FEW_ENOUGH) {
                break;
            }
            if let Some(ids) = self.plan(part)? {
                acc = Some(match acc {
                    None => ids,
                    Some(prev) => prev.intersection(&ids).copied().collect(),
                });
            }
        }
        Ok(acc)
    }

    /// An OR: the union of its parts, or None as soon as one part is unindexed
    /// (that part could match any entry).
    fn or_candidates(&self, parts: &[Filter]) -> Result<Option<Candidates>, LdapError> {
        let mut acc = Candidates::new();
        for part in parts {
            match self.plan(part)? {
                None => return Ok(None),
                Some(ids) => acc.extend(ids),
            }
        }
        Ok(Some(acc))
    }

    /// The one index key answering an indexed equality or presence assertion.
    fn single_key(&self, filter: &Filter) -> Option<IndexKey> {
        let probe = match filter {
            Filter::Equality(attr, value) => self.index.equality_probe(&self.schema, attr, value),
            Filter::Present(attr) => self.index.presence_probe(&self.schema, attr),
            _ => return None,
        };
        match probe {
            Probe::Keys(mut keys) if keys.len() == 1 => keys.pop(),
            _ => None,
        }
    }

    /// The candidates a probe stands for.
    fn probe_candidates(&self, probe: Probe) -> Result<Option<Candidates>, LdapError> {
        match probe {
            Probe::NoMatch => Ok(Some(Candidates::new())),
            Probe::Unindexed => Ok(None),
            Probe::Keys(keys) => self.intersection(keys),
        }
    }

    /// The ids filed under every one of `keys`; None when there are no keys.
    fn intersection(&self, mut keys: Vec<IndexKey>) -> Result<Option<Candidates>, LdapError> {
        // objectClass keys last: they file a large share of the tree, and a short
        // list read first (one mail address) spares opening theirs at all.
        keys.sort_by_key(|k| k.attr.eq_ignore_ascii_case("objectclass"));
        Ok(self
            .store
            .index_intersection(&keys)
            .map_err(store_err)?
            .map(|ids| ids.into_iter().collect()))
    }
}
