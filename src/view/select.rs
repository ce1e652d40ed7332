//! Attribute selection (RFC 4511 4.5.1.8): which attributes of an entry a search
//! returns, given the list the client asked for.

use crate::entry::{Attribute, Entry};
use crate::ops::request::SearchEntry;
use crate::schema::Schema;

/// The attributes a search asked for, resolved against the schema once per search.
pub struct Selection<'s> {
    schema: &'s Schema,
    none: bool,
    all_user: bool,
    all_operational: bool,
    named: Vec<String>,
    types_only: bool,
}

impl<'s> Selection<'s> {
    /// The selection for `requested` ("*", "+", "1.1" or names); `types_only` drops values.
    pub fn new(schema: &'s Schema, requested: &[String], types_only: bool) -> Self {
        Selection {
            schema,
            none: requested.len() == 1 && requested[0] == "1.1",
            all_user: requested.is_empty() || requested.iter().any(|a| a == "*"),
            all_operational: requested.iter().any(|a| a == "+"),
            named: requested
                .iter()
                .filter(|a| !matches!(a.as_str(), "*" | "+" | "1.1"))
                .map(|a| schema.canonical_attr_name(a).unwrap_or_else(|| a.clone()))
                .collect(),
            types_only,
        }
    }

    /// Whether the attribute `name` (as the schema spells it) is asked for.
    pub fn wants(&self, name: &str) -> bool {
        if self.none {
            return false;
        }
        if self.named.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return true;
        }
        let operational = self
            .schema
            .attribute(name)
            .is_some_and(|at| at.is_operational());
        if operational {
            self.all_operational
        } else {
            self.all_user
        }
    }

    /// The result entry for `entry`: its stored attributes, then `computed` ones
    /// (hasSubordinates and the like), each kept when asked for and `may_read`.
    pub fn reduce(
        &self,
        entry: &Entry,
        computed: &[Attribute],
        may_read: &dyn Fn(&str) -> bool,
    ) -> SearchEntry {
        let attrs = entry
            .attrs
            .iter()
            .chain(computed)
            .filter(|a| self.wants(&a.name) && may_read(&a.name))
            .map(|a| Attribute {
                name: a.name.clone(),
                values: if self.types_only {
                    Vec::new()
                } else {
                    a.values.clone()
                },
            })
            .collect();
        SearchEntry {
            dn: entry.dn.to_string(),
            attrs,
        }
    }
}
