//! The values return filter (RFC 3876): a result entry keeps only the attribute
//! values that match one of the filter's simple items; an attribute left with none
//! is returned with an empty set of values, as the RFC says.

use crate::dn::Dn;
use crate::entry::{Attribute, Entry};
use crate::filter::{Filter, Tri};
use crate::ops::request::SearchEntry;
use crate::schema::Schema;

/// Drop from `found` (the result entry for `dn`) the values no item of `items` matches.
/// `found` holds only what the identity may read, so every value may be tested.
pub fn keep_matching(items: &[Filter], dn: &Dn, found: &mut SearchEntry, schema: &Schema) {
    for attr in &mut found.attrs {
        let name = attr.name.clone();
        attr.values.retain(|value| {
            items
                .iter()
                .any(|item| matches_value(item, dn, &name, value, schema))
        });
    }
}

/// Whether `item` is true of the single value `value` of `attr`: the item is tested
/// against an entry holding only that value, so each value is judged on its own by
/// the same evaluation (matching rules, subtypes) a search filter uses.
fn matches_value(item: &Filter, dn: &Dn, attr: &str, value: &[u8], schema: &Schema) -> bool {
    let single = Entry {
        dn: dn.clone(),
        attrs: vec![Attribute {
            name: attr.to_string(),
            values: vec![value.to_vec()],
        }],
    };
    item.evaluate(&single, schema, &|_| true) == Tri::True
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> SearchEntry {
        let attr = |n: &str, v: &[&str]| Attribute {
            name: n.into(),
            values: v.iter().map(|v| v.as_bytes().to_vec()).collect(),
        };
        SearchEntry {
            dn: "cn=a,o=x".into(),
            attrs: vec![
                attr("cn", &["Alice", "Al"]),
                attr("mail", &["a@x.example", "alice@y.example"]),
                attr("uidNumber", &["1001"]),
            ],
        }
    }

    #[test]
    fn only_matching_values_remain() {
        let schema = Schema::builtin();
        let dn = Dn::parse("cn=a,o=x").unwrap();
        let mut e = entry();
        let items = [
            Filter::parse("(mail=*@y.example)").unwrap(),
            Filter::parse("(uidNumber>=1000)").unwrap(),
        ];
        keep_matching(&items, &dn, &mut e, &schema);
        let values: Vec<(String, usize)> = e
            .attrs
            .iter()
            .map(|a| (a.name.clone(), a.values.len()))
            .collect();
        assert_eq!(
            values,
            vec![
                ("cn".into(), 0),
                ("mail".into(), 1),
                ("uidNumber".into(), 1)
            ]
        );
        assert_eq!(e.attrs[1].values[0], b"alice@y.example");
    }
}
