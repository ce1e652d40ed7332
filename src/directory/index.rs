//! Indexes for the directory: the keys an entry is filed under, and the plan that turns
//! a search filter into candidate entries without reading the whole scope.

use super::{store_err, Directory};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::filter::Filter;
use crate::store::{self, EntryId, IndexKey, IndexKind, Scope};
use std::collections::BTreeSet;

impl Directory {
    /// The index keys an entry contributes, from its normalised values: equality and
    /// presence keys from the equality rule, substring keys from the substring rule.
    pub(super) fn index_keys(&self, entry: &Entry) -> Vec<IndexKey> {
        let mut keys = Vec::new();
        for (attr, kinds) in &self.indexes {
            let Some(at) = self.schema.attribute(attr) else {
                continue;
            };
            let Some(a) = entry.get(attr) else { continue };
            let mut eq: Vec<Vec<u8>> = Vec::new();
            for v in &a.values {
                eq.push(at.eq_key(v));
                if attr == "objectclass" {
                    // (objectClass=person) must find inetOrgPerson entries too.
                    eq.extend(self.superclasses(v).into_iter().map(String::into_bytes));
                }
            }
            eq.sort();
            eq.dedup();
            let (sub_kinds, eq_kinds): (Vec<IndexKind>, Vec<IndexKind>) =
                kinds.iter().partition(|k| **k == IndexKind::Substring);
            keys.extend(store::index_keys(attr, &eq_kinds, &eq));
            if !sub_kinds.is_empty() {
                let sub: Vec<Vec<u8>> = a
                    .values
                    .iter()
                    .filter_map(|v| at.substr_normalize(v).map(String::into_bytes))
                    .collect();
                keys.extend(store::index_keys(attr, &sub_kinds, &sub));
            }
        }
        keys
    }

    fn superclasses(&self, class: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![String::from_utf8_lossy(class).to_string()];
        while let Some(c) = todo.pop() {
            if let Some(oc) = self.schema.object_class(&c) {
                for s in &oc.sup {
                    let l = s.to_ascii_lowercase();
                    if !out.contains(&l) && out.len() < 32 {
                        out.push(l.clone());
                        todo.push(l);
                    }
                }
            }
        }
        out
    }

    /// The single index key that answers an indexed equality or presence assertion.
    fn simple_index_key(&self, filter: &Filter) -> Option<IndexKey> {
        let (attr, kind, key) = match filter {
            Filter::Equality(attr, value) => {
                let at = self.schema.attribute(attr)?;
                (
                    at.name().to_ascii_lowercase(),
                    IndexKind::Equality,
                    at.eq_key(value),
                )
            }
            Filter::Present(attr) if !attr.eq_ignore_ascii_case("objectClass") => {
                let at = self.schema.attribute(attr)?;
                (
                    at.name().to_ascii_lowercase(),
                    IndexKind::Presence,
                    Vec::new(),
                )
            }
            _ => return None,
        };
        if !self
            .indexes
            .iter()
            .any(|(a, k)| *a == attr && k.contains(&kind))
        {
            return None;
        }
        store::index_keys(&attr, &[kind], &[key]).pop()
    }

    /// Candidate ids for `filter` from the indexes, or None when they cannot narrow it.
    fn plan(&self, filter: &Filter) -> Result<Option<BTreeSet<EntryId>>, LdapError> {
        let lookup = |attr: &str,
                      kind: IndexKind,
                      key: Vec<u8>|
         -> Result<Option<BTreeSet<EntryId>>, LdapError> {
            let Some(name) = self.schema.canonical_attr_name(attr) else {
                return Ok(Some(BTreeSet::new()));
            };
            let lower = name.to_ascii_lowercase();
            let indexed = self
                .indexes
                .iter()
                .any(|(a, k)| *a == lower && k.contains(&kind));
            if !indexed {
                return Ok(None);
            }
            let keys = store::index_keys(&lower, &[kind], &[key]);
            let mut acc: Option<BTreeSet<EntryId>> = None;
            for k in keys {
                let ids: BTreeSet<EntryId> = self
                    .store
                    .index_ids(&k)
                    .map_err(store_err)?
                    .into_iter()
                    .collect();
                acc = Some(match acc {
                    None => ids,
                    Some(prev) => prev.intersection(&ids).copied().collect(),
                });
            }
            Ok(acc)
        };
        match filter {
            Filter::Equality(attr, value) => {
                let Some(at) = self.schema.attribute(attr) else {
                    return Ok(Some(BTreeSet::new()));
                };
                lookup(attr, IndexKind::Equality, at.eq_key(value))
            }
            Filter::Present(attr) => {
                if attr.eq_ignore_ascii_case("objectClass") {
                    return Ok(None);
                }
                lookup(attr, IndexKind::Presence, Vec::new())
            }
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => {
                let Some(at) = self.schema.attribute(attr) else {
                    return Ok(Some(BTreeSet::new()));
                };
                let lower = at.name().to_ascii_lowercase();
                if !self
                    .indexes
                    .iter()
                    .any(|(a, k)| *a == lower && k.contains(&IndexKind::Substring))
                {
                    return Ok(None);
                }
                // Pieces go through the same normalisation as the indexed values.
                let norm = |p: &[u8]| at.substr_normalize(p).map(String::into_bytes);
                let initial = initial.as_deref().and_then(norm);
                let final_ = final_.as_deref().and_then(norm);
                let any: Vec<Vec<u8>> = any.iter().filter_map(|p| norm(p)).collect();
                let keys = store::substring_query_keys(
                    &lower,
                    initial.as_deref(),
                    &any,
                    final_.as_deref(),
                );
                Ok(self
                    .store
                    .index_intersection(&keys)
                    .map_err(store_err)?
                    .map(|ids| ids.into_iter().collect()))
            }
            Filter::And(parts) => {
                // Indexed equality and presence parts go to the store together: it walks
                // the shortest id list and probes the others, so a class every account
                // has costs nothing next to the one address being looked up.
                let mut keys = Vec::new();
                let mut rest = Vec::new();
                for p in parts {
                    match self.simple_index_key(p) {
                        Some(k) => keys.push(k),
                        None => rest.push(p),
                    }
                }
                let mut acc: Option<BTreeSet<EntryId>> = if keys.is_empty() {
                    None
                } else {
                    self.store
                        .index_intersection(&keys)
                        .map_err(store_err)?
                        .map(|ids| ids.into_iter().collect())
                };
                for p in rest {
                    // Every candidate is checked against the whole filter anyway: once
                    // few are left, narrowing further costs more than it saves.
                    if acc.as_ref().is_some_and(|a| a.len() <= 64) {
                        break;
                    }
                    if let Some(ids) = self.plan(p)? {
                        acc = Some(match acc {
                            None => ids,
                            Some(prev) => prev.intersection(&ids).copied().collect(),
                        });
                    }
                }
                Ok(acc)
            }
            Filter::Or(parts) => {
                let mut acc = BTreeSet::new();
                for p in parts {
                    match self.plan(p)? {
                        None => return Ok(None),
                        Some(ids) => acc.extend(ids),
                    }
                }
                Ok(Some(acc))
            }
            _ => Ok(None),
        }
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
        let mut stats = CandidateStats::default();
        if let Some(planned) = self.plan(filter)? {
            // Index hits are few: check each one's place instead of listing the scope,
            // so finding one address among 100,000 entries touches only its entry.
            stats.indexed = true;
            for id in planned {
                let Some(e) = self.store.get_by_id(id).map_err(store_err)? else {
                    continue;
                };
                stats.examined += 1;
                if in_scope(&e.dn, base, scope) && !visit(e) {
                    break;
                }
            }
            return Ok(stats);
        }
        for id in self.store.scope_ids(base, scope).map_err(store_err)? {
            if let Some(e) = self.store.get_by_id(id).map_err(store_err)? {
                stats.examined += 1;
                if !visit(e) {
                    break;
                }
            }
        }
        Ok(stats)
    }
}

/// How a search found its candidates: through an index, and how many entries it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateStats {
    /// Whether an index narrowed the candidates.
    pub indexed: bool,
    /// Entries read from the store.
    pub examined: usize,
}

/// Whether `dn` lies within `scope` of `base`.
pub fn in_scope(dn: &Dn, base: &Dn, scope: Scope) -> bool {
    match scope {
        Scope::Base => dn.same_as(base),
        Scope::OneLevel => dn.depth() == base.depth() + 1 && dn.is_within(base),
        Scope::Subtree => dn.is_within(base),
        Scope::Children => dn.depth() > base.depth() && dn.is_within(base),
    }
}
