//! Search through the view: the base must be visible and searchable, candidates come
//! from the directory's planner, and each entry that matches leaves already reduced
//! to what this identity may read. The filter sees only attributes it may search.
//! Sorted and paged searches (src/ops) first list the matching entries with the sort
//! values this identity may read, then take each listed entry's result again.

use super::select::Needed;
use super::{values, DirectoryView, Selection};
use crate::acl::{AccessLevel, EntryAccess, Target};
use crate::directory::{in_scope, CandidateStats, KeepAttr, SUBSCHEMA_DN, VIRTUAL_ATTRS};
use crate::dn::Dn;
use crate::dn::Scope;
use crate::entry::{Attribute, Entry};
use crate::error::{LdapError, ResultCode};
use crate::filter::{Filter, Prepared, Tri};
use crate::ops::request::SearchEntry;
use std::ops::ControlFlow;
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
    /// RFC 3876: return only the values that match one of these simple filters.
    pub values_return: Option<&'q [Filter]>,
}

/// One matching entry as a sorted or paged search lists it: its DN and, for each
/// sort attribute, the values this identity may read (none when it may not: an
/// unreadable attribute sorts as absent, so the order reveals nothing of it).
pub struct Listed {
    /// The entry's DN.
    pub dn: Dn,
    /// Per sort attribute, the readable values.
    pub sort_values: Vec<Vec<Vec<u8>>>,
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

/// What stopped a walk over the matches early: the caller, or a limit.
type Stop = ControlFlow<Option<LdapError>>;

impl DirectoryView<'_> {
    /// Run `query`, handing each result entry to `emit`, which answers false to stop
    /// (the client abandoned the search). The size and time limits are the stricter
    /// of the client's and this identity's.
    pub fn search(
        &self,
        query: &SearchQuery<'_>,
        emit: &mut dyn FnMut(SearchEntry) -> bool,
    ) -> Result<SearchDone, LdapError> {
        // Only the result leaves: entries are decoded as far as it needs.
        self.search_with(query, true, &mut |_, found| emit(found))
    }

    /// [`Self::search`], handing `emit` the stored entry beside its result: a sync
    /// search (src/sync) states each entry's entryUUID and compares its entryCSN,
    /// whatever of them the identity may read.
    pub fn search_stored(
        &self,
        query: &SearchQuery<'_>,
        emit: &mut dyn FnMut(&Entry, SearchEntry) -> bool,
    ) -> Result<SearchDone, LdapError> {
        self.search_with(query, false, emit)
    }

    /// [`Self::search_stored`], the stored entries decoded whole or, when `partial`,
    /// only as far as the result needs.
    fn search_with(
        &self,
        query: &SearchQuery<'_>,
        partial: bool,
        emit: &mut dyn FnMut(&Entry, SearchEntry) -> bool,
    ) -> Result<SearchDone, LdapError> {
        let size_limit = self.size_limit(query);
        let mut sent = 0usize;
        let (stats, stopped) = self.each_match(query, partial, &mut |entry, access| {
            if size_limit > 0 && sent >= size_limit {
                return ControlFlow::Break(Some(LdapError::size_limit_exceeded()));
            }
            let open = emit(entry, self.result_of(entry, query, access));
            sent += 1;
            go_on(open)
        })?;
        Ok(SearchDone {
            sent,
            stats,
            stopped,
        })
    }

    /// List the entries `query` matches, in candidate order, each with its readable
    /// values of `sort_attrs`, until `visit` answers false. The time limit applies;
    /// the size limit is the caller's ([`Self::size_limit`]).
    pub fn list(
        &self,
        query: &SearchQuery<'_>,
        sort_attrs: &[String],
        visit: &mut dyn FnMut(Listed) -> bool,
    ) -> Result<SearchDone, LdapError> {
        let mut sent = 0usize;
        let (stats, stopped) = self.each_match(query, false, &mut |entry, access| {
            let sort_values = sort_attrs
                .iter()
                .map(
                    |a| match access.allows(Target::Attr(a), AccessLevel::Read) {
                        true => entry.values(a).to_vec(),
                        false => Vec::new(),
                    },
                )
                .collect();
            sent += 1;
            let listed = Listed {
                dn: entry.dn.clone(),
                sort_values,
            };
            go_on(visit(listed))
        })?;
        Ok(SearchDone {
            sent,
            stats,
            stopped,
        })
    }

    /// The result entry for `dn` if it still lies in the query's scope, matches and
    /// is readable (a listed entry may have changed since it was listed).
    pub fn result_entry(
        &self,
        dn: &Dn,
        query: &SearchQuery<'_>,
    ) -> Result<Option<SearchEntry>, LdapError> {
        Ok(self.result_stored(dn, query)?.map(|(_, found)| found))
    }

    /// [`Self::result_entry`] with the stored entry beside it (see
    /// [`Self::search_stored`]).
    pub fn result_stored(
        &self,
        dn: &Dn,
        query: &SearchQuery<'_>,
    ) -> Result<Option<(Entry, SearchEntry)>, LdapError> {
        let Some(entry) = self.state.dir.get(dn)? else {
            return Ok(None);
        };
        if !in_scope(&entry.dn, query.base, query.scope) {
            return Ok(None);
        }
        let filter = query.filter.prepare(self.schema());
        let found = self.with_access(&entry.dn, Some(&entry), |access| {
            self.matches(&entry, &filter, access)
                .then(|| self.result_of(&entry, query, access))
        });
        Ok(found.map(|found| (entry, found)))
    }

    /// The entries one search may return: the stricter of the client's limit and
    /// this identity's (0 = none).
    pub fn size_limit(&self, query: &SearchQuery<'_>) -> usize {
        let limits = self.acl.limits_for(self.who);
        stricter(query.size_limit.max(0) as u64, limits.size as u64) as usize
    }

    /// Walk the candidates of `query` that this identity may find, handing each to
    /// `on_match` with its access decisions, until it or the time limit stops. With
    /// `partial`, entries hold only what the result, the filter and the rules read.
    fn each_match(
        &self,
        query: &SearchQuery<'_>,
        partial: bool,
        on_match: &mut dyn FnMut(&Entry, &EntryAccess<'_>) -> Stop,
    ) -> Result<(CandidateStats, Option<LdapError>), LdapError> {
        let base = query.base;
        if !base.is_within(self.state.dir.suffix()) {
            return Err(LdapError::no_such_object(""));
        }
        let limits = self.acl.limits_for(self.who);
        let deadline = match stricter(query.time_limit.max(0) as u64, limits.time_secs) {
            0 => None,
            secs => Some(Instant::now() + Duration::from_secs(secs)),
        };
        // A granted base exists (the grant was decided on its entry).
        self.check_base(base)?;
        let mut stop: Option<LdapError> = None;
        let filter = query.filter.prepare(self.schema());
        let needed = match partial {
            true => self.needed(query),
            false => None,
        };
        let keeps = needed.as_ref().map(|n| move |name: &[u8]| n.keeps(name));
        let keep = keeps.as_ref().map(|k| k as KeepAttr<'_>);
        let stats = self.state.dir.candidates_below(
            base,
            query.scope,
            query.filter,
            keep,
            &mut |entry: Entry| {
                if deadline.is_some_and(|d| Instant::now() > d) {
                    stop = Some(LdapError::new(
                        ResultCode::TimeLimitExceeded,
                        "time limit exceeded",
                    ));
                    return false;
                }
                let flow = self.with_access(&entry.dn, Some(&entry), |access| {
                    match self.matches(&entry, &filter, access) {
                        true => on_match(&entry, access),
                        false => ControlFlow::Continue(()),
                    }
                });
                match flow {
                    ControlFlow::Continue(()) => true,
                    ControlFlow::Break(why) => {
                        stop = why;
                        false
                    }
                }
            },
        )?;
        Ok((stats, stop))
    }

    /// What `query` reads of each entry it finds (see [`Needed`]).
    fn needed<'q>(&self, query: &SearchQuery<'q>) -> Option<Needed<'q>> {
        let filter_read = query.filter.attributes_read()?;
        let rules_read = self.acl.attributes_read()?;
        let read = filter_read
            .into_iter()
            .chain(rules_read.iter().map(String::as_str));
        Needed::new(query.selection, Some(read))
    }

    /// slapd 2.4: the base needs search access on its entry; without even disclose
    /// it does not exist for this identity.
    /// A grant is remembered until the next write (`base_cache`).
    pub fn check_base(&self, base: &Dn) -> Result<(), LdapError> {
        // Read before deciding: a write that starts after this changes it.
        let generation = self.state.dir.generation();
        if super::base_cache::granted(&self.acl, self.who, base, generation) {
            return Ok(());
        }
        let (_, search) = self.visible_with(base, |access| {
            access.allows(Target::Entry, AccessLevel::Search)
        })?;
        self.require(search, "no search access to the base entry")?;
        super::base_cache::remember(&self.acl, self.who, base, generation);
        Ok(())
    }

    /// Whether this identity may find `entry` with the query's `filter`: it may
    /// search the entry, the filter matches over the attributes it may search, and it
    /// may read it.
    fn matches(&self, entry: &Entry, filter: &Prepared<'_>, access: &EntryAccess<'_>) -> bool {
        if !access.allows(Target::Entry, AccessLevel::Search) {
            return false;
        }
        // Attributes without search access are absent for the filter, so
        // (userPassword=*) matches nothing for those who may not search it.
        let may_use = |attr: &str| access.allows(Target::Attr(attr), AccessLevel::Search);
        if filter.evaluate(entry, &may_use) != Tri::True {
            return false;
        }
        access.allows(Target::Entry, AccessLevel::Read)
    }

    /// The result entry for a match: the selection of what this identity may read,
    /// then only the values the values return filter keeps (the caller leaves it out
    /// of typesOnly searches, where RFC 3876 gives it no effect).
    fn result_of(
        &self,
        entry: &Entry,
        query: &SearchQuery<'_>,
        access: &EntryAccess<'_>,
    ) -> SearchEntry {
        let mut found = self.reduce(entry, query.selection, access);
        if let Some(items) = query.values_return {
            values::keep_matching(items, &entry.dn, &mut found, self.schema());
        }
        found
    }

    /// `entry` reduced to the attributes of `selection` this identity may read.
    fn reduce(
        &self,
        entry: &Entry,
        selection: &Selection<'_>,
        access: &EntryAccess<'_>,
    ) -> SearchEntry {
        let computed = self.computed_attributes(entry, selection);
        let may_read = |attr: &str| access.allows(Target::Attr(attr), AccessLevel::Read);
        selection.reduce(entry, &computed, &may_read)
    }

    /// `entry` as a pre-read or post-read control returns it (RFC 4527): the
    /// attributes of `attrs` this identity may read; only the DN, which the client
    /// named, when it may not read the entry.
    pub(super) fn read_back(&self, entry: &Entry, attrs: &[String]) -> SearchEntry {
        let selection = Selection::new(self.schema(), attrs, false);
        self.with_access(&entry.dn, Some(entry), |access| {
            if access.allows(Target::Entry, AccessLevel::Read) {
                self.reduce(entry, &selection, access)
            } else {
                SearchEntry {
                    dn: entry.dn.to_ldap_string(),
                    attrs: Vec::new(),
                }
            }
        })
    }

    /// The virtual attributes the selection asks for (hasSubordinates costs a probe,
    /// so it is computed only when wanted), and the suffix entry's contextCSN (the
    /// CSN of the last write, as slapd's syncprov shows it).
    fn computed_attributes(&self, entry: &Entry, selection: &Selection<'_>) -> Vec<Attribute> {
        let dir = &self.state.dir;
        let context = (entry.dn.same_as(dir.suffix()) && selection.wants("contextCSN"))
            .then(|| dir.context_csn().ok().flatten())
            .flatten()
            .map(|csn| Attribute {
                name: "contextCSN".to_string(),
                values: vec![csn.into_bytes()],
            });
        VIRTUAL_ATTRS
            .iter()
            .filter(|name| selection.wants(name))
            .map(|name| {
                let value: Vec<u8> = match *name {
                    "hasSubordinates" => {
                        let has = dir.has_children(&entry.dn).unwrap_or(false);
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
            .chain(context)
            .collect()
    }
}

/// Go on with a search while its consumer takes entries; stop quietly (abandon) when not.
fn go_on(open: bool) -> ControlFlow<Option<LdapError>> {
    match open {
        true => ControlFlow::Continue(()),
        false => ControlFlow::Break(None),
    }
}
