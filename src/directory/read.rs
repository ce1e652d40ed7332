//! Reading the directory: one entry, its children, the matchedDN of a missing entry,
//! every entry (export), and the candidates of a search.

use super::{store_err, Directory};
use crate::dn::{in_scope, Dn, Scope};
use crate::entry::Entry;
use crate::error::LdapError;
use crate::filter::{Filter, Tri};
use crate::store::EntryId;

/// Which stored attributes of an entry to decode, judged by their stored names.
pub type KeepAttr<'a> = &'a dyn Fn(&[u8]) -> bool;

/// How a search found its candidates: through an index, and how many entries it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Whether an index narrowed the candidates.
    pub indexed: bool,
    /// Entries read from the store.
    pub examined: usize,
}

impl Directory {
    /// Fetch an entry by DN (stored attributes only).
    pub fn get(&self, dn: &Dn) -> Result<Option<Entry>, LdapError> {
        Ok(self.store.get(dn).map_err(store_err)?.map(|(_, e)| e))
    }

    /// The attributes whose stored names `keep` accepts of the entry whose DN has the
    /// tree key `dn_key` ([`Dn::tree_key`]), under the root DN (see
    /// [`Store::attrs_where`](crate::store::Store::attrs_where)).
    pub fn attrs_where(
        &self,
        dn_key: &[u8],
        keep: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Option<Entry>, LdapError> {
        Ok(self
            .store
            .attrs_where(dn_key, keep)
            .map_err(store_err)?
            .map(|(_, e)| e))
    }

    /// Whether the entry has children.
    pub fn has_children(&self, dn: &Dn) -> Result<bool, LdapError> {
        self.store.has_children(dn).map_err(store_err)
    }

    /// The stored entry a write changes and its id, or noSuchObject with the matchedDN.
    pub(super) fn fetch(&self, dn: &Dn) -> Result<(EntryId, Entry), LdapError> {
        self.store
            .get(dn)
            .map_err(store_err)?
            .ok_or_else(|| self.no_such_object(dn))
    }

    /// The deepest strict ancestor of `dn` within the suffix that exists: None when
    /// `dn` lies outside the suffix, is the suffix, or not even the suffix exists.
    /// Probes from the suffix downward and stops at the first missing level, so a DN
    /// with thousands of RDNs costs one probe per existing level plus one.
    pub fn deepest_existing_ancestor(&self, dn: &Dn) -> Result<Option<Dn>, LdapError> {
        let depth = dn.depth();
        if depth <= self.suffix.depth() || !dn.is_within(&self.suffix) {
            return Ok(None);
        }
        let mut found = None;
        // The root DN is never stored: probing starts at one RDN at least.
        for level in self.suffix.depth().max(1)..depth {
            let ancestor = Dn {
                rdns: dn.rdns[depth - level..].to_vec(),
            };
            if !self.store.exists(&ancestor).map_err(store_err)? {
                break;
            }
            found = Some(ancestor);
        }
        Ok(found)
    }

    /// noSuchObject for `dn`, with the deepest existing ancestor as matchedDN.
    pub fn no_such_object(&self, dn: &Dn) -> LdapError {
        match self.deepest_existing_ancestor(dn) {
            Ok(Some(matched)) => LdapError::no_such_object(matched.to_string()),
            _ => LdapError::no_such_object(""),
        }
    }

    /// All entries, parents first (export).
    pub fn export(&self, visit: &mut dyn FnMut(&Entry)) -> Result<(), LdapError> {
        for item in self.store.iter_entries() {
            let (_, e) = item.map_err(store_err)?;
            visit(&e);
        }
        Ok(())
    }

    /// Entries within `base`/`scope` that may match `filter`, in tree order; the
    /// caller evaluates the filter (it knows what the identity may use). `visit`
    /// returns false to stop early (size limits).
    pub fn candidates(
        &self,
        base: &Dn,
        scope: Scope,
        filter: &Filter,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<CandidateStats, LdapError> {
        if !self.store.exists(base).map_err(store_err)? {
            return Err(self.no_such_object(base));
        }
        self.scan_candidates(base, scope, filter, None, visit)
    }

    /// [`Directory::candidates`] for a `base` the caller has just found to exist (a
    /// search checks access to it first): the probe for it is spared, a sixteenth
    /// of a Postfix lookup's instructions (callgrind). Index hits are decoded with
    /// only the attributes whose stored names `keep` accepts, when given.
    pub fn candidates_below(
        &self,
        base: &Dn,
        scope: Scope,
        filter: &Filter,
        keep: Option<KeepAttr<'_>>,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<CandidateStats, LdapError> {
        self.scan_with(base, scope, filter, None, keep, visit)
    }

    /// [`Directory::candidates`] below an existing `base`, never reading (decoding)
    /// the entry with id `skip`: a write checking the others already holds it.
    pub(super) fn scan_candidates(
        &self,
        base: &Dn,
        scope: Scope,
        filter: &Filter,
        skip: Option<EntryId>,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<CandidateStats, LdapError> {
        self.scan_with(base, scope, filter, skip, None, visit)
    }

    /// [`Directory::scan_candidates`], index hits decoded as `keep` says.
    fn scan_with(
        &self,
        base: &Dn,
        scope: Scope,
        filter: &Filter,
        skip: Option<EntryId>,
        keep: Option<KeepAttr<'_>>,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<CandidateStats, LdapError> {
        let mut stats = CandidateStats::default();
        let planned = self.plan(filter)?;
        stats.indexed = planned.is_some();
        // Index hits are few: check each one's place instead of listing the scope,
        // so finding one address among 100,000 entries touches only its entry.
        let ids: Box<dyn Iterator<Item = EntryId>> = match planned {
            Some(ids) => Box::new(ids.into_iter()),
            None => Box::new(
                self.store
                    .scope_ids(base, scope)
                    .map_err(store_err)?
                    .into_iter(),
            ),
        };
        let ids = ids.filter(|id| Some(*id) != skip);
        // Only a scan of the scope is screened: index hits are few and likely matches.
        let screen = match stats.indexed {
            false => self.screen(filter),
            true => None,
        };
        match screen {
            Some(screen) => self.visit_screened(ids, &screen, &mut stats, visit)?,
            None => {
                for id in ids {
                    stats.examined += 1;
                    let read = match keep {
                        Some(keep) => self.store.get_by_id_where(id, keep),
                        None => self.store.get_by_id(id),
                    };
                    let Some(e) = read.map_err(store_err)? else {
                        continue;
                    };
                    if stats.indexed && !in_scope(&e.dn, base, scope) {
                        continue;
                    }
                    if !visit(e) {
                        break;
                    }
                }
            }
        }
        Ok(stats)
    }

    /// A scan's entries that pass `screen`, up to 256 ids read per snapshot, each
    /// handed to `visit` outside the snapshot until it stops.
    fn visit_screened(
        &self,
        ids: impl Iterator<Item = EntryId>,
        screen: &Screen<'_>,
        stats: &mut CandidateStats,
        visit: &mut dyn FnMut(Entry) -> bool,
    ) -> Result<(), LdapError> {
        const BATCH: usize = 256;
        let ids: Vec<EntryId> = ids.collect();
        let mut rest = &ids[..];
        while !rest.is_empty() {
            let batch = &rest[..rest.len().min(BATCH)];
            let (read, found) = self
                .store
                .first_by_ids_if(batch, &screen.keep, &screen.test)
                .map_err(store_err)?;
            stats.examined += read;
            rest = &rest[read..];
            if let Some(e) = found {
                if !visit(e) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// For a scan of the scope: the test that passes over an entry the filter cannot
    /// match, reading only the attributes it names (see
    /// [`Filter::screening_attributes`]); the caller still judges what passes, with
    /// access control. `None` when the filter cannot be screened.
    fn screen<'f>(&'f self, filter: &'f Filter) -> Option<Screen<'f>> {
        let schema = &self.schema;
        let read: Vec<_> = filter
            .screening_attributes()?
            .into_iter()
            .filter_map(|a| schema.attr_desc(a))
            .collect();
        // A scope's entries store the same few names over and over: each is judged
        // once (the schema check was a fifth of a scan's instructions). Entries
        // mostly store them in the same order, so the name after the last one found
        // is tried first (callgrind: the memo's search was a tenth of a scan).
        let judged = std::cell::RefCell::new(Vec::<(Vec<u8>, bool)>::new());
        let next = std::cell::Cell::new(0usize);
        let keep = move |name: &[u8]| {
            let mut judged = judged.borrow_mut();
            let hint = next.get();
            let found = match judged.get(hint) {
                Some((n, _)) if n == name => Some(hint),
                _ => judged.iter().position(|(n, _)| n == name),
            };
            if let Some(i) = found {
                next.set(i + 1);
                return judged[i].1;
            }
            let k = read.iter().any(|d| !d.surely_misses_raw(name));
            if judged.len() < 64 {
                judged.push((name.to_vec(), k));
                next.set(judged.len());
            }
            k
        };
        let filter = filter.prepare(schema);
        Some(Screen {
            keep: Box::new(keep),
            test: Box::new(move |e| filter.evaluate(e, &|_| true) == Tri::True),
        })
    }
}

/// [`Directory::screen`]'s two halves: which stored attributes to decode, and the
/// filter over them.
struct Screen<'f> {
    keep: Predicate<'f, [u8]>,
    test: Predicate<'f, Entry>,
}

/// A test of a `T` borrowed from the filter and the schema.
type Predicate<'f, T> = Box<dyn Fn(&T) -> bool + 'f>;
