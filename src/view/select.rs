//! Attribute selection (RFC 4511 4.5.1.8): which attributes of an entry a search
//! returns, given the list the client asked for. A description asks for its
//! subtypes too (RFC 4512 2.5): `cn` returns `cn;lang-de`, `name` returns `sn`, and
//! `name;lang-en-` every English-tagged name.

use super::names::{is_plain_name, NameSet};
use crate::entry::{Attribute, Entry};
use crate::ops::request::SearchEntry;
use crate::schema::{AttrDesc, Schema};

/// One attribute description of the request.
enum Requested<'s> {
    /// A description the schema recognizes.
    Known(AttrDesc<'s>),
    /// Anything else: matched by its exact name, so it finds nothing the schema knows.
    Unknown(String),
}

/// The attributes a search asked for, resolved against the schema once per search.
pub struct Selection<'s> {
    schema: &'s Schema,
    none: bool,
    all_user: bool,
    all_operational: bool,
    named: Vec<Requested<'s>>,
    /// Every name of the asked types, when each asked description is a type without
    /// options or subtypes: a stored name without options is then asked for by name
    /// exactly when it is one of them, no schema lookup needed (Courier asks for ten).
    plain: Option<NameSet<'s>>,
    types_only: bool,
}

impl<'s> Selection<'s> {
    /// The selection for `requested` ("*", "+", "1.1" or names); `types_only` drops values.
    pub fn new(schema: &'s Schema, requested: &[String], types_only: bool) -> Self {
        let named: Vec<Requested<'s>> = requested
            .iter()
            .filter(|a| !matches!(a.as_str(), "*" | "+" | "1.1"))
            .map(|a| match schema.attr_desc(a) {
                Some(d) => Requested::Known(d),
                None => Requested::Unknown(a.clone()),
            })
            .collect();
        Selection {
            schema,
            none: requested.len() == 1 && requested[0] == "1.1",
            all_user: requested.is_empty() || requested.iter().any(|a| a == "*"),
            all_operational: requested.iter().any(|a| a == "+"),
            plain: plain_names(&named).map(NameSet::new),
            named,
            types_only,
        }
    }

    /// The names of every type asked for, when nothing else is (no `*` or `+`) and
    /// each asked description is a type without options or subtypes: a stored name
    /// is then asked for exactly when its type is one of these.
    fn asked_names(&self) -> Option<&[&'s str]> {
        if self.none {
            return Some(&[]);
        }
        match self.all_user || self.all_operational {
            true => None,
            false => self.plain.as_ref().map(NameSet::names),
        }
    }

    /// Whether the attribute `name` (as an entry names it, options included) is
    /// asked for: by a description covering it, or by `*` / `+`.
    pub fn wants(&self, name: &str) -> bool {
        if self.none {
            return false;
        }
        if let Some(names) = &self.plain {
            if is_plain_name(name) {
                if names.contains(name.as_bytes()) {
                    return true;
                }
                if !self.all_user && !self.all_operational {
                    return false;
                }
            }
        }
        // A name or two asked for (as Postfix asks): most stored attributes are told
        // apart by name, without resolving them against the schema. For longer lists
        // (Courier's) one resolution costs less than a comparison with each.
        let by_name_only = !self.all_user && !self.all_operational && self.named.len() <= 2;
        if by_name_only
            && self
                .named
                .iter()
                .all(|r| matches!(r, Requested::Known(asked) if asked.surely_misses(name)))
        {
            return false;
        }
        let stored = self.schema.stored_attr_desc(name);
        let named = self.named.iter().any(|r| match (r, &stored) {
            (Requested::Known(asked), Some(s)) => asked.covers(self.schema, s),
            (Requested::Known(_), None) => false,
            (Requested::Unknown(n), _) => n.eq_ignore_ascii_case(name),
        });
        if named {
            return true;
        }
        let operational = stored.is_some_and(|d| d.at.is_operational());
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
            dn: entry.dn.to_ldap_string(),
            attrs,
        }
    }
}

/// The stored attributes a search reads of each entry it finds: those its selection
/// asks for, and those its filter and the access rules read. An entry decoded with
/// only these answers and is decided as the whole one; decoding and dropping the rest
/// was a sixth of a Postfix lookup's instructions (callgrind).
pub struct Needed<'q> {
    selection: &'q Selection<'q>,
    read: Vec<AttrDesc<'q>>,
    /// Every name of the needed types, when each is a type without options or
    /// subtypes: a stored name is then needed exactly when its type is one of them.
    names: Option<NameSet<'q>>,
}

impl<'q> Needed<'q> {
    /// What `selection` and the attributes in `read` need; None when `read` is None
    /// (something reads every attribute).
    pub fn new<'n>(
        selection: &'q Selection<'q>,
        read: Option<impl Iterator<Item = &'n str>>,
    ) -> Option<Self> {
        let schema = selection.schema;
        // A name the schema lacks matches no stored value: nothing to decode for it.
        let read: Vec<AttrDesc<'q>> = read?.filter_map(|name| schema.attr_desc(name)).collect();
        let names = selection.asked_names().and_then(|asked| {
            let of_read = NameSet::of_types(&read)?;
            Some(NameSet::new(
                asked.iter().chain(of_read.names()).copied().collect(),
            ))
        });
        Some(Needed {
            selection,
            read,
            names,
        })
    }

    /// Whether the stored attribute named `name` is needed.
    pub fn keeps(&self, name: &[u8]) -> bool {
        if let Some(decided) = self.names.as_ref().and_then(|n| n.decides(name)) {
            return decided;
        }
        if self.read.iter().any(|d| !d.surely_misses_raw(name)) {
            return true;
        }
        // A name that is not UTF-8 is kept: the whole decode judges it.
        std::str::from_utf8(name).map_or(true, |n| self.selection.wants(n))
    }
}

/// See `Selection::plain`.
fn plain_names<'s>(named: &[Requested<'s>]) -> Option<Vec<&'s str>> {
    let mut names = Vec::new();
    for r in named {
        let Requested::Known(d) = r else {
            return None;
        };
        if !d.options.tags.is_empty() || d.options.binary || d.at.derived_from {
            return None;
        }
        names.extend(d.at.names.iter().map(String::as_str));
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(requested: &[&str], stored: &[&str]) -> Vec<String> {
        let schema = Schema::builtin();
        let requested: Vec<String> = requested.iter().map(|s| s.to_string()).collect();
        let selection = Selection::new(&schema, &requested, false);
        stored
            .iter()
            .filter(|s| selection.wants(s))
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn a_lookup_needs_what_it_asks_for_and_what_its_filter_reads() {
        let schema = Schema::builtin();
        let asked: Vec<String> = ["homeDirectory", "uidNumber", "gidNumber", "quota"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let selection = Selection::new(&schema, &asked, false);
        let needed = Needed::new(&selection, Some(["mail", "objectClass"].into_iter())).unwrap();
        for name in [
            "homeDirectory",
            "HOMEDIRECTORY",
            "uidnumber",
            "mail",
            "MAIL;x-tag",
            "rfc822Mailbox",
            "objectclass",
            "quota",
            // An OID is not judged by name: kept for the whole check.
            "2.5.4.3",
        ] {
            assert!(needed.keeps(name.as_bytes()), "{name}");
        }
        for name in [
            "cn",
            "sn",
            "mailbox",
            "quotas",
            "userPassword",
            "description",
        ] {
            assert!(!needed.keeps(name.as_bytes()), "{name}");
        }
        // A filter reading everything needs the whole entry.
        assert!(Needed::new(&selection, None::<std::iter::Empty<&str>>).is_none());
    }

    const STORED: &[&str] = &[
        "cn",
        "cn;lang-de",
        "cn;lang-en-us",
        "sn;lang-en",
        "sn",
        "mail",
        "userCertificate;binary",
        "createTimestamp",
    ];

    #[test]
    fn a_description_selects_its_tagged_forms_and_subtypes() {
        assert_eq!(
            wanted(&["cn"], STORED),
            vec!["cn", "cn;lang-de", "cn;lang-en-us"]
        );
        assert_eq!(
            wanted(&["commonName"], STORED),
            vec!["cn", "cn;lang-de", "cn;lang-en-us"]
        );
        assert_eq!(
            wanted(&["name"], STORED),
            vec!["cn", "cn;lang-de", "cn;lang-en-us", "sn;lang-en", "sn"]
        );
        assert_eq!(wanted(&["name;lang-en-US"], STORED), vec!["cn;lang-en-us"]);
        assert_eq!(
            wanted(&["name;lang-en-"], STORED),
            vec!["cn;lang-en-us", "sn;lang-en"]
        );
        assert_eq!(wanted(&["cn;LANG-DE"], STORED), vec!["cn;lang-de"]);
        assert_eq!(
            wanted(&["userCertificate"], STORED),
            vec!["userCertificate;binary"]
        );
        assert_eq!(
            wanted(&["userCertificate;binary"], STORED),
            vec!["userCertificate;binary"]
        );
        assert!(wanted(&["noSuchAttr", "cn;binary"], STORED).is_empty());
    }

    #[test]
    fn a_long_list_of_plain_types_is_told_by_name() {
        // Courier's shape: many plain types, matched by any of their names and case.
        let asked = [
            "mail",
            "commonName",
            "uid",
            "homeDirectory",
            "createTimestamp",
        ];
        assert_eq!(
            wanted(
                &asked,
                &["MAIL", "cn", "CN;lang-de", "sn", "createTimestamp", "uid"]
            ),
            vec!["MAIL", "cn", "CN;lang-de", "createTimestamp", "uid"]
        );
        // With `*` a name not asked for is still a user attribute, not an operational one.
        let mut star = asked.to_vec();
        star.push("*");
        assert_eq!(
            wanted(&star, &["sn", "modifyTimestamp", "createTimestamp"]),
            vec!["sn", "createTimestamp"]
        );
    }

    #[test]
    fn star_plus_and_one_one_are_unchanged() {
        let user: Vec<&str> = STORED[..7].to_vec();
        assert_eq!(wanted(&[], STORED), user);
        assert_eq!(wanted(&["*"], STORED), user);
        assert_eq!(wanted(&["+"], STORED), vec!["createTimestamp"]);
        assert_eq!(
            wanted(&["mail", "+"], STORED),
            vec!["mail", "createTimestamp"]
        );
        assert!(wanted(&["1.1"], STORED).is_empty());
    }
}
