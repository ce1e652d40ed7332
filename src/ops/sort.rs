//! Server-side sorting (RFC 2891): the sort keys resolved against the schema, and
//! the ordered list of a sorted search, kept to the first entries within the size
//! limit. Each entry sorts by its least value of each key (RFC 2891 2.2); an entry
//! without a value, or whose value the identity may not read, sorts after all that
//! have one; ties keep the directory's order, which says nothing about the values.

use super::request::{ResponseControl, SortKey};
use crate::dn::Dn;
use crate::error::LdapError;
use crate::error::ResultCode;
use crate::schema::matching::{self, Norm, RuleKind};
use crate::schema::{AttributeType, Schema};
use crate::view::{DirectoryView, Listed, SearchQuery};
use std::cmp::Ordering;

/// Why a sort request cannot be honoured: the sortResult code and the key's attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortFailure {
    /// noSuchAttribute (unknown type) or inappropriateMatching (unknown ordering rule).
    pub code: ResultCode,
    /// The sort key's attribute description.
    pub attr: String,
}

impl SortFailure {
    /// The sortKeyResponseControl that reports it.
    pub fn control(&self) -> ResponseControl {
        ResponseControl::SortResult {
            code: self.code,
            attr: Some(self.attr.clone()),
        }
    }
}

/// One resolved key.
struct Key<'s> {
    name: String,
    at: &'s AttributeType,
    rule: Option<Norm>,
    reverse: bool,
}

/// The sort order of a request, resolved against the schema.
pub struct SortOrder<'s> {
    keys: Vec<Key<'s>>,
}

/// An entry's value for each key: its least one, None when it has none.
type KeyValues = Vec<Option<Vec<u8>>>;

impl<'s> SortOrder<'s> {
    /// Resolve `keys`; the first unknown attribute type or ordering rule fails it.
    pub fn resolve(schema: &'s Schema, keys: &[SortKey]) -> Result<SortOrder<'s>, SortFailure> {
        let fail = |code, k: &SortKey| SortFailure {
            code,
            attr: k.attr.clone(),
        };
        let mut resolved = Vec::new();
        for k in keys {
            let at = schema
                .attribute(&k.attr)
                .ok_or_else(|| fail(ResultCode::NoSuchAttribute, k))?;
            let rule = match &k.ordering_rule {
                None => None,
                Some(name) => match matching::lookup(name) {
                    Some(r) if r.kind == RuleKind::Ordering => Some(r.norm),
                    _ => return Err(fail(ResultCode::InappropriateMatching, k)),
                },
            };
            resolved.push(Key {
                name: at.name().to_string(),
                at,
                rule,
                reverse: k.reverse,
            });
        }
        Ok(SortOrder { keys: resolved })
    }

    /// The attributes whose values the keys need, as the schema names them.
    pub fn attrs(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.name.clone()).collect()
    }

    /// The value each key sorts `values` (one list per key) by.
    fn key_values(&self, values: Vec<Vec<Vec<u8>>>) -> KeyValues {
        self.keys
            .iter()
            .zip(values)
            .map(|(key, vals)| vals.into_iter().min_by(|a, b| key.cmp_values(a, b)))
            .collect()
    }

    /// Order two entries by their key values.
    fn compare(&self, a: &KeyValues, b: &KeyValues) -> Ordering {
        for (key, (x, y)) in self.keys.iter().zip(a.iter().zip(b)) {
            let order = match (x, y) {
                (Some(x), Some(y)) => key.cmp_values(x, y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            let order = if key.reverse { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

impl Key<'_> {
    /// The key's ordering rule on two values; values it cannot order (an integer
    /// that is not one, a type without ordering) fall back to their equality keys.
    fn cmp_values(&self, a: &[u8], b: &[u8]) -> Ordering {
        let ordered = match self.rule {
            Some(norm) => matching::compare(norm, a, b),
            None => self.at.ordering_cmp(a, b),
        };
        ordered.unwrap_or_else(|| self.at.eq_key(a).cmp(&self.at.eq_key(b)))
    }
}

/// The entries of a sorted search in order, kept to the first `limit` (0: all);
/// memory stays within twice the limit however many entries match.
pub struct Ranking<'o, 's> {
    order: &'o SortOrder<'s>,
    limit: usize,
    items: Vec<(KeyValues, u64, Dn)>,
    seen: u64,
}

impl<'o, 's> Ranking<'o, 's> {
    /// An empty ranking under `order`.
    pub fn new(order: &'o SortOrder<'s>, limit: usize) -> Self {
        Ranking {
            order,
            limit,
            items: Vec::new(),
            seen: 0,
        }
    }

    /// Add one listed entry.
    pub fn push(&mut self, listed: Listed) {
        let key = self.order.key_values(listed.sort_values);
        self.items.push((key, self.seen, listed.dn));
        self.seen += 1;
        if self.limit > 0 && self.items.len() >= 2 * self.limit {
            self.sort_and_cut();
        }
    }

    fn sort_and_cut(&mut self) {
        let order = self.order;
        // The sequence number breaks ties, so the order is the directory's among equals.
        self.items
            .sort_by(|a, b| order.compare(&a.0, &b.0).then(a.1.cmp(&b.1)));
        if self.limit > 0 {
            self.items.truncate(self.limit);
        }
    }

    /// The DNs in order, and whether more entries matched than the limit kept.
    pub fn finish(mut self) -> (Vec<Dn>, bool) {
        self.sort_and_cut();
        let exceeded = self.limit > 0 && self.seen > self.limit as u64;
        (
            self.items.into_iter().map(|(_, _, dn)| dn).collect(),
            exceeded,
        )
    }
}

/// The DNs `query` matches in `order`, cut at the size limit (keeping what sorts
/// first), and whether the limit cut anything: what sorted and paged searches share.
pub fn ranked(
    view: &DirectoryView<'_>,
    query: &SearchQuery<'_>,
    order: &SortOrder<'_>,
) -> Result<(Vec<Dn>, bool), LdapError> {
    let mut ranking = Ranking::new(order, view.size_limit(query));
    let listed = view.list(query, &order.attrs(), &mut |l| {
        ranking.push(l);
        true
    })?;
    if let Some(e) = listed.stopped {
        return Err(e);
    }
    Ok(ranking.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(attr: &str, reverse: bool) -> SortKey {
        SortKey {
            attr: attr.into(),
            ordering_rule: None,
            reverse,
        }
    }

    fn listed(name: &str, values: &[&[&str]]) -> Listed {
        Listed {
            dn: Dn::parse(&format!("cn={name},o=x")).unwrap(),
            sort_values: values
                .iter()
                .map(|vs| vs.iter().map(|v| v.as_bytes().to_vec()).collect())
                .collect(),
        }
    }

    fn ranked(order: &SortOrder<'_>, limit: usize, items: Vec<Listed>) -> (Vec<String>, bool) {
        let mut r = Ranking::new(order, limit);
        for l in items {
            r.push(l);
        }
        let (dns, exceeded) = r.finish();
        (dns.iter().map(|d| d.to_string()).collect(), exceeded)
    }

    #[test]
    fn integers_sort_numerically_and_absent_values_last() {
        let schema = Schema::builtin();
        let order = SortOrder::resolve(&schema, &[key("uidNumber", false)]).unwrap();
        let items = vec![
            listed("a", &[&["100"]]),
            listed("b", &[&[]]),
            listed("c", &[&["20", "999"]]),
            listed("d", &[&["3"]]),
        ];
        let (dns, exceeded) = ranked(&order, 0, items);
        assert_eq!(dns, ["cn=d,o=x", "cn=c,o=x", "cn=a,o=x", "cn=b,o=x"]);
        assert!(!exceeded);
    }

    #[test]
    fn reverse_keys_and_ties_keep_the_directory_order() {
        let schema = Schema::builtin();
        let keys = [key("sn", false), key("cn", true)];
        let order = SortOrder::resolve(&schema, &keys).unwrap();
        let items = vec![
            listed("a", &[&["Smith"], &["Ann"]]),
            listed("b", &[&["smith"], &["Bob"]]),
            listed("c", &[&["Jones"], &[]]),
            listed("d", &[&[], &[]]),
            listed("e", &[&[], &[]]),
        ];
        let (dns, _) = ranked(&order, 0, items);
        assert_eq!(
            dns,
            ["cn=c,o=x", "cn=b,o=x", "cn=a,o=x", "cn=d,o=x", "cn=e,o=x"]
        );
    }

    #[test]
    fn the_limit_keeps_the_first_entries_in_order() {
        let schema = Schema::builtin();
        let order = SortOrder::resolve(&schema, &[key("uidNumber", true)]).unwrap();
        let items = (0..50)
            .map(|i| listed(&format!("u{i}"), &[&[&i.to_string()]]))
            .collect();
        let (dns, exceeded) = ranked(&order, 3, items);
        assert_eq!(dns, ["cn=u49,o=x", "cn=u48,o=x", "cn=u47,o=x"]);
        assert!(exceeded);
    }

    #[test]
    fn unknown_types_and_rules_fail_with_the_rfc_codes() {
        let schema = Schema::builtin();
        let err = SortOrder::resolve(&schema, &[key("noSuchType", false)])
            .err()
            .unwrap();
        assert_eq!(err.code, ResultCode::NoSuchAttribute);
        let bad_rule = SortKey {
            attr: "cn".into(),
            ordering_rule: Some("caseIgnoreMatch".into()),
            reverse: false,
        };
        let err = SortOrder::resolve(&schema, &[bad_rule]).err().unwrap();
        assert_eq!(err.code, ResultCode::InappropriateMatching);
        assert_eq!(err.attr, "cn");
    }
}
