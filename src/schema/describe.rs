//! RFC 4512 descriptions of the schema, as cn=Subschema shows them:
//! attributeTypes, objectClasses, ldapSyntaxes and matchingRules.

use super::{matching, syntax, AttributeType, ClassKind, ObjectClass, Schema, Usage};

/// Quote a string for an RFC 4512 description (qdstring escapes).
fn qdstring(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\5C").replace('\'', "\\27"))
}

/// The NAME part of a description: one quoted name, or a parenthesised list.
fn qdescrs(names: &[String]) -> String {
    match names {
        [one] => format!(" NAME {}", qdstring(one)),
        _ => format!(
            " NAME ( {} )",
            names
                .iter()
                .map(|n| qdstring(n))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// An oids list (RFC 4512): one OID, or a parenthesised `$`-separated list.
fn oids(list: &[String]) -> String {
    match list {
        [one] => one.clone(),
        _ => format!("( {} )", list.join(" $ ")),
    }
}

impl AttributeType {
    /// The RFC 4512 AttributeTypeDescription, as cn=Subschema shows it.
    pub fn description(&self) -> String {
        let mut s = format!("( {}", self.oid);
        if !self.names.is_empty() {
            s.push_str(&qdescrs(&self.names));
        }
        if let Some(d) = &self.desc {
            s.push_str(&format!(" DESC {}", qdstring(d)));
        }
        if self.obsolete {
            s.push_str(" OBSOLETE");
        }
        if let Some(sup) = &self.sup {
            s.push_str(&format!(" SUP {sup}"));
        }
        let d = &self.declared;
        for (kw, v) in [
            ("EQUALITY", &d.equality),
            ("ORDERING", &d.ordering),
            ("SUBSTR", &d.substr),
        ] {
            if let Some(v) = v {
                s.push_str(&format!(" {kw} {v}"));
            }
        }
        if let Some(syn) = &d.syntax {
            s.push_str(&format!(" SYNTAX {syn}"));
            if let Some(n) = self.syntax_len {
                s.push_str(&format!("{{{n}}}"));
            }
        }
        if self.single_value {
            s.push_str(" SINGLE-VALUE");
        }
        if self.collective {
            s.push_str(" COLLECTIVE");
        }
        if self.no_user_modification {
            s.push_str(" NO-USER-MODIFICATION");
        }
        match self.usage {
            Usage::UserApplications => {}
            Usage::DirectoryOperation => s.push_str(" USAGE directoryOperation"),
            Usage::DistributedOperation => s.push_str(" USAGE distributedOperation"),
            Usage::DsaOperation => s.push_str(" USAGE dSAOperation"),
        }
        s.push_str(" )");
        s
    }
}

impl ObjectClass {
    /// The RFC 4512 ObjectClassDescription, as cn=Subschema shows it.
    pub fn description(&self) -> String {
        let mut s = format!("( {}", self.oid);
        if !self.names.is_empty() {
            s.push_str(&qdescrs(&self.names));
        }
        if let Some(d) = &self.desc {
            s.push_str(&format!(" DESC {}", qdstring(d)));
        }
        if self.obsolete {
            s.push_str(" OBSOLETE");
        }
        if !self.sup.is_empty() {
            s.push_str(&format!(" SUP {}", oids(&self.sup)));
        }
        s.push_str(match self.kind {
            ClassKind::Abstract => " ABSTRACT",
            ClassKind::Structural => " STRUCTURAL",
            ClassKind::Auxiliary => " AUXILIARY",
        });
        if !self.must.is_empty() {
            s.push_str(&format!(" MUST {}", oids(&self.must)));
        }
        if !self.may.is_empty() {
            s.push_str(&format!(" MAY {}", oids(&self.may)));
        }
        s.push_str(" )");
        s
    }
}

impl Schema {
    /// The values of cn=Subschema: attributeTypes, objectClasses, ldapSyntaxes
    /// and matchingRules, each in RFC 4512 description form.
    pub fn subschema_values(&self) -> Vec<(&'static str, Vec<Vec<u8>>)> {
        let syntaxes = syntax::SYNTAXES
            .iter()
            .map(|s| {
                let extra = if s.human_readable {
                    ""
                } else {
                    " X-NOT-HUMAN-READABLE 'TRUE'"
                };
                format!("( {} DESC {}{extra} )", s.oid, qdstring(s.desc)).into_bytes()
            })
            .collect();
        let rules = matching::RULES
            .iter()
            .map(|r| {
                format!(
                    "( {} NAME {} SYNTAX {} )",
                    r.oid,
                    qdstring(r.name),
                    r.syntax
                )
                .into_bytes()
            })
            .collect();
        vec![
            ("ldapSyntaxes", syntaxes),
            ("matchingRules", rules),
            (
                "attributeTypes",
                self.attrs
                    .items
                    .iter()
                    .map(|a| a.description().into_bytes())
                    .collect(),
            ),
            (
                "objectClasses",
                self.classes
                    .items
                    .iter()
                    .map(|c| c.description().into_bytes())
                    .collect(),
            ),
        ]
    }
}
