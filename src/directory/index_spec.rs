//! The one answer to "is this attribute indexed, and how?" (back-mdb's
//! `mdb_index_param`): the configured indexes, parsed once, and the keys they give
//! for a stored entry (filing) and for a filter's assertion (lookup). Both sides use
//! the same schema normalisation, so a value is always looked up under the key it was
//! filed under.

use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::schema::matching::{self, Norm};
use crate::schema::{AttributeType, Schema};
use crate::store::{index_keys, substring_query_keys, IndexKey, IndexKind};
use std::collections::BTreeMap;

/// Superclasses filed per objectClass value at most (a guard against cyclic schemas).
const MAX_SUPERCLASSES: usize = 32;

/// Fingerprint mark of the filing that gathers tagged forms and subtypes under the
/// indexed type (earlier stores filed the plain attribute only).
const FILED_DESCRIPTIONS: &str = " descriptions:1";

/// Which attributes are indexed, and with which kinds, in configuration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSpec {
    /// Lower-case canonical attribute name -> its kinds.
    attrs: Vec<(String, Vec<IndexKind>)>,
    /// Some indexed attribute holds DNs: their keys are distinguishedNameMatch's (by
    /// OID), not the older normalisation, so stores filed before are reindexed once.
    dn_keys: bool,
}

/// What the indexes can say about one assertion of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The attribute is undefined in the schema: no entry can match.
    NoMatch,
    /// No index of the kind needed: the indexes cannot narrow this assertion.
    Unindexed,
    /// The candidates are the entries filed under every one of these keys; no keys
    /// means no piece of the assertion narrows it (treat as unindexed).
    Keys(Vec<IndexKey>),
}

impl IndexSpec {
    /// The index kind a configuration name stands for: `eq`, `pres` or `sub`.
    pub fn parse_kind(name: &str) -> Option<IndexKind> {
        match name {
            "eq" => Some(IndexKind::Equality),
            "pres" => Some(IndexKind::Presence),
            "sub" => Some(IndexKind::Substring),
            _ => None,
        }
    }

    /// The spec for the configuration's `[indexes]` table (attribute -> kind names),
    /// each attribute resolved to its schema name.
    pub fn from_config(
        schema: &Schema,
        indexes: &BTreeMap<String, Vec<String>>,
    ) -> Result<IndexSpec, LdapError> {
        let mut attrs = Vec::new();
        for (attr, kind_names) in indexes {
            let name = schema.canonical_attr_name(attr).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("indexes: {attr}: attribute type undefined"),
                )
            })?;
            let mut kinds = Vec::new();
            for k in kind_names {
                kinds.push(Self::parse_kind(k).ok_or_else(|| {
                    LdapError::new(
                        ResultCode::Other,
                        format!("indexes.{attr}: unknown index kind {k:?} (use eq, pres, sub)"),
                    )
                })?);
            }
            attrs.push((name.to_ascii_lowercase(), kinds));
        }
        let dn_keys = attrs.iter().any(|(a, _)| {
            let rule = schema.attribute(a).and_then(|at| at.equality.as_deref());
            rule.and_then(matching::lookup)
                .is_some_and(|r| matches!(r.norm, Norm::Dn | Norm::UniqueMember))
        });
        Ok(IndexSpec { attrs, dn_keys })
    }

    /// This spec with an equality index on each of `attrs` (schema names) too: the
    /// attributes referential integrity looks referrers up in.
    pub fn with_equality(mut self, attrs: &[String]) -> IndexSpec {
        for attr in attrs {
            let name = attr.to_ascii_lowercase();
            match self.attrs.iter_mut().find(|(a, _)| *a == name) {
                Some((_, kinds)) if kinds.contains(&IndexKind::Equality) => {}
                Some((_, kinds)) => kinds.push(IndexKind::Equality),
                None => self.attrs.push((name, vec![IndexKind::Equality])),
            }
        }
        self
    }

    /// The kinds kept for `attr` (its schema name, any case); empty when unindexed.
    pub fn kinds(&self, attr: &str) -> &[IndexKind] {
        self.attrs
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(attr))
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// Whether an index of `kind` is kept for `attr` (its schema name, any case).
    pub fn is_indexed(&self, attr: &str, kind: IndexKind) -> bool {
        self.kinds(attr).contains(&kind)
    }

    /// A string that changes whenever the spec does: stored next to the indexes, so
    /// that a store built under another spec is reindexed when opened.
    pub fn fingerprint(&self) -> String {
        // Earlier versions' text plus what changed since: DN values' keys, and the
        // tagged forms and subtypes filed under their type (stores reindex once).
        let dn = if self.dn_keys { " dn-keys:2" } else { "" };
        format!("{:?}{dn}{FILED_DESCRIPTIONS}", self.attrs)
    }

    /// The index keys `entry` is filed under, from its normalised values: equality
    /// and presence keys from the equality rule, substring keys from the substring
    /// rule, and for objectClass every superclass too. An indexed type's keys hold
    /// the values of every attribute a filter on it reads: its tagged forms
    /// (`cn;lang-de`) and subtypes, each under the indexed type's rules.
    pub fn entry_keys(&self, schema: &Schema, entry: &Entry) -> Vec<IndexKey> {
        // The indexed types resolved once, then each stored attribute once, its
        // values gathered under every indexed type covering it (perf: scanning the
        // entry once per indexed type was a ninth of a bulk import).
        let indexed: Vec<_> = self
            .attrs
            .iter()
            .filter_map(|(attr, kinds)| Some((attr, kinds, schema.attr_desc(attr)?)))
            .collect();
        let mut gathered: Vec<Vec<&[u8]>> = vec![Vec::new(); indexed.len()];
        for stored_attr in &entry.attrs {
            let Some(stored) = schema.stored_attr_desc(&stored_attr.name) else {
                continue;
            };
            for ((_, _, asked), values) in indexed.iter().zip(&mut gathered) {
                if asked.covers(schema, &stored) {
                    values.extend(stored_attr.values.iter().map(Vec::as_slice));
                }
            }
        }
        let mut keys = Vec::new();
        for ((attr, kinds, desc), values) in indexed.into_iter().zip(gathered) {
            let at = desc.at;
            let mut eq: Vec<Vec<u8>> = Vec::new();
            for v in &values {
                eq.push(at.eq_key(v));
                if attr == "objectclass" {
                    // (objectClass=person) must find inetOrgPerson entries too.
                    eq.extend(superclasses(schema, v).into_iter().map(String::into_bytes));
                }
            }
            eq.sort();
            eq.dedup();
            let (sub_kinds, eq_kinds): (Vec<IndexKind>, Vec<IndexKind>) =
                kinds.iter().partition(|k| **k == IndexKind::Substring);
            keys.extend(index_keys(attr, &eq_kinds, &eq));
            if !sub_kinds.is_empty() {
                let sub: Vec<Vec<u8>> = values
                    .iter()
                    .filter_map(|v| at.substr_normalize(v).map(String::into_bytes))
                    .collect();
                keys.extend(index_keys(attr, &sub_kinds, &sub));
            }
        }
        keys
    }

    /// What the equality index says about `(attr=value)`.
    pub fn equality_probe(&self, schema: &Schema, attr: &str, value: &[u8]) -> Probe {
        // One key, built directly: index_keys' dedup set cost more than the lookup
        // it served (callgrind, Postfix lookups).
        match self.indexed_attr(schema, attr, IndexKind::Equality) {
            Ok(at) => Probe::Keys(vec![IndexKey {
                attr: at.name().to_ascii_lowercase(),
                kind: IndexKind::Equality,
                key: at.eq_key(value),
            }]),
            Err(probe) => probe,
        }
    }

    /// What the presence index says about `(attr=*)`. Never used for objectClass:
    /// every entry has one, so its presence index narrows nothing.
    pub fn presence_probe(&self, schema: &Schema, attr: &str) -> Probe {
        match self.indexed_attr(schema, attr, IndexKind::Presence) {
            Ok(at) if at.name().eq_ignore_ascii_case("objectclass") => Probe::Unindexed,
            Ok(at) => Probe::Keys(index_keys(
                &at.name().to_ascii_lowercase(),
                &[IndexKind::Presence],
                &[vec![]],
            )),
            Err(probe) => probe,
        }
    }

    /// What the substring index says about `(attr=initial*any*...*final)`. The pieces
    /// go through the same normalisation as the indexed values.
    pub fn substring_probe(
        &self,
        schema: &Schema,
        attr: &str,
        initial: Option<&[u8]>,
        any: &[Vec<u8>],
        final_: Option<&[u8]>,
    ) -> Probe {
        let at = match self.indexed_attr(schema, attr, IndexKind::Substring) {
            Ok(at) => at,
            Err(probe) => return probe,
        };
        let name = at.name().to_ascii_lowercase();
        let norm = |p: &[u8]| at.substr_normalize(p).map(String::into_bytes);
        let initial = initial.and_then(norm);
        let final_ = final_.and_then(norm);
        let any: Vec<Vec<u8>> = any.iter().filter_map(|p| norm(p)).collect();
        Probe::Keys(substring_query_keys(
            &name,
            initial.as_deref(),
            &any,
            final_.as_deref(),
        ))
    }

    /// Whether the probes answer an assertion of `kind` on `attr` from the indexes
    /// alone and narrowly: an unrecognized description (it matches nothing), or one
    /// whose type keeps an index of `kind`, objectClass excepted (every account has
    /// one of a few classes).
    pub fn narrows(&self, schema: &Schema, attr: &str, kind: IndexKind) -> bool {
        match self.indexed_attr(schema, attr, kind) {
            Ok(at) => !at.name().eq_ignore_ascii_case("objectclass"),
            Err(probe) => probe == Probe::NoMatch,
        }
    }

    /// The type of `attr` when an index of `kind` is kept for it (keys name it by its
    /// schema name, lower-cased); otherwise the probe that says why not. A description with tags
    /// (`cn;lang-de`) uses its type's index, which files the tagged forms too (the
    /// filter check then applies the tags); a supertype (`name`) only its own, as a
    /// subtype's index lacks the other subtypes' values.
    fn indexed_attr<'s>(
        &self,
        schema: &'s Schema,
        attr: &str,
        kind: IndexKind,
    ) -> Result<&'s AttributeType, Probe> {
        let at = schema.attr_desc(attr).ok_or(Probe::NoMatch)?.at;
        if !self.is_indexed(at.name(), kind) {
            return Err(Probe::Unindexed);
        }
        Ok(at)
    }
}

/// Every superclass of `class`, lower-case, in the order found.
fn superclasses(schema: &Schema, class: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![String::from_utf8_lossy(class).to_string()];
    while let Some(c) = todo.pop() {
        if let Some(oc) = schema.object_class(&c) {
            for s in &oc.sup {
                let l = s.to_ascii_lowercase();
                if !out.contains(&l) && out.len() < MAX_SUPERCLASSES {
                    out.push(l.clone());
                    todo.push(l);
                }
            }
        }
    }
    out
}
