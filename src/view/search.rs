//! Search through the view: the base must be visible and searchable, candidates come
//! from the directory's planner, and each entry that matches leaves already reduced
//! to what this identity may read. The filter sees only attributes it may search.

use super::{DirectoryView, Selection};
use crate::acl::{AccessLevel, Target};
use crate::directory::{CandidateStats, SUBSCHEMA_DN, VIRTUAL_ATTRS};
use crate::dn::Dn;
use crate::dn::Scope;
use crate::entry::{Attribute, Entry};
use crate::error::{LdapError, ResultCode};
use crate::filter::{Filter, Tri};
use crate::ops::request::SearchEntry;
use std::time::{Duration, Instant};

/// A search in the project's terms, with the client's limits (0 = none).
pub struct SearchQuery<'q> {
    /// The base entry.
    pub base: &'q Dn,
    /// How far below the base.
    pub scope: Scope,
    /// The filter.
    pub filter: &'q Filter,
    /// The attributes asked for.
    pub selection: &'q Selection<'q>,
    /// The client's size limit.
    pub size_limit: i32,
    /// The client's time limit in seconds.
    pub time_limit: i32,
}

/// How a search ended once candidates were read: entries sent, how the candidates
/// were found, and the limit that stopped it early, if one did.
pub struct SearchDone {
    /// Entries handed to `emit`.
    pub sent: usize,
    /// Candidates found through indexes, and how many were examined.
    pub stats: CandidateStats,
    /// sizeLimitExceeded or timeLimitExceeded, when a limit ended the search.
    pub stopped: Option<LdapError>,
}

/// The stricter of a client's and the server's limit, where 0 means none.
fn stricter(client: u64, server: u64) -> u64 {
    match (client, server) {
        (0, s) => s,
        (c, 0) => c,
        (c, s) => c.min(s),
    }
}

impl DirectoryView<'_> {
    /// Run `query`, handing each result entry to `emit`, which answers false to stop
    /// (the client abandoned the search). The size and time limits are the stricter
    /// of the client's and this identity's.
    pub fn search(
        &self,
        query: &SearchQuery<'_>,
        emit: &mut dyn FnMut(SearchEntry) -> bool,
    ) -> Result<SearchDone, LdapError> {
        let base = query.base;
        if !base.is_within(self.state.dir.suffix()) {
            return Err(LdapError::no_such_object(""));
        }
        let limits = self.state.acl.limits_for(self.who);
        let size_limit = stricter(query.size_limit.max(0) as u64, limits.size as u64) as usize;
        let deadline = match stricter(query.time_limit.max(0) as u64, limits.time_secs) {
            0 => None,
            secs => Some(Instant::now() + Duration::from_secs(secs)),
        };
        self.check_base(base)?;
        let mut sent = 0usize;
        let mut stop: Option<LdapError> = None;
        let stats =
            self.state
                .dir
                .candidates(base, query.scope, query.filter, &mut |entry: Entry| {
                    if deadline.is_some_and(|d| Instant::now() > d) {
                        stop = Some(LdapError::new(
                            ResultCode::TimeLimitExceeded,
                            "time limit exceeded",
                        ));
                        return false;
                    }
                    let Some(found) = self.matching(&entry, query) else {
                        return true;
                    };
                    if size_limit > 0 && sent >= size_limit {
                        stop = Some(LdapError::new(
                            ResultCode::SizeLimitExceeded,
                            "size limit exceeded",
                        ));
                        return false;
                    }
                    emit(found);
                    sent += 1;
                    true
                })?;
        Ok(SearchDone {
            sent,
            stats,
            stopped: stop,
        })
    }

    /// slapd 2.4: the base needs search access on its entry; without even disclose
    /// it does not exist for this identity.
    fn check_base(&self, base: &Dn) -> Result<(), LdapError> {
        let entry = self.visible(base)?;
        let granted = self.allows(base, Some(&entry), Target::Entry, AccessLevel::Search);
        self.require(granted, "no search access to the base entry")
    }

    /// The result entry for a candidate, when this identity may search it, the
    /// filter matches over the attributes it may search, and it may read it.
    fn matching(&self, entry: &Entry, query: &SearchQuery<'_>) -> Option<SearchEntry> {
        self.with_access(&entry.dn, Some(entry), |access| {
            if !access.allows(Target::Entry, AccessLevel::Search) {
                return None;
            }
            // Attributes without search access are absent for the filter, so
            // (userPassword=*) matches nothing for those who may not search it.
            let may_use = |attr: &str| access.allows(Target::Attr(attr), AccessLevel::Search);
            if query.filter.evaluate(entry, self.schema(), &may_use) != Tri::True {
                return None;
            }
            if !access.allows(Target::Entry, AccessLevel::Read) {
                return None;
            }
            let computed = self.computed_attributes(entry, query.selection);
            let may_read = |attr: &str| access.allows(Target::Attr(attr), AccessLevel::Read);
            Some(query.selection.reduce(entry, &computed, &may_read))
        })
    }

    /// The virtual attributes the selection asks for (hasSubordinates costs a probe,
    /// so it is computed only when wanted).
    fn computed_attributes(&self, entry: &Entry, selection: &Selection<'_>) -> Vec<Attribute> {
        VIRTUAL_ATTRS
            .iter()
            .filter(|name| selection.wants(name))
            .map(|name| {
                let value: Vec<u8> = match *name {
                    "hasSubordinates" => {
                        let has = self.state.dir.has_children(&entry.dn).unwrap_or(false);
                        (if has { "TRUE" } else { "FALSE" }).into()
                    }
                    "entryDN" => entry.dn.to_string().into_bytes(),
                    _ => SUBSCHEMA_DN.into(),
                };
                Attribute {
                    name: name.to_string(),
                    values: vec![value],
                }
            })
            .collect()
    }
}
