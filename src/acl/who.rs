//! The `who` side of a rule: which identities a `by` clause (or a limit) names.

use super::Identity;
use crate::dn::Dn;
use crate::entry::Entry;
use regex::Regex;
use std::cell::RefCell;

/// The group entries read while deciding about one target entry: each group (such as
/// a domain's cn=postmaster) is fetched at most once, however many rules, `by`
/// clauses and attributes ask about it.
pub struct Groups<'a> {
    get: &'a dyn Fn(&Dn) -> Option<Entry>,
    fetched: RefCell<Vec<(Dn, Option<Entry>)>>,
}

impl<'a> Groups<'a> {
    /// Groups read through `get` (which bypasses access control), none fetched yet.
    pub fn new(get: &'a dyn Fn(&Dn) -> Option<Entry>) -> Groups<'a> {
        Groups {
            get,
            fetched: RefCell::new(Vec::new()),
        }
    }

    /// Does attribute `attr` of the group entry `group` name `member`? A missing
    /// group names nobody.
    pub fn has_member(&self, group: &Dn, attr: &str, member: &Dn) -> bool {
        let known = self
            .fetched
            .borrow()
            .iter()
            .position(|(d, _)| d.same_as(group));
        let index = match known {
            Some(i) => i,
            None => {
                let entry = (self.get)(group);
                let mut fetched = self.fetched.borrow_mut();
                fetched.push((group.clone(), entry));
                fetched.len() - 1
            }
        };
        self.fetched.borrow()[index]
            .1
            .as_ref()
            .is_some_and(|entry| {
                entry.values(attr).iter().any(|v| {
                    std::str::from_utf8(v)
                        .ok()
                        .and_then(|s| Dn::parse(s).ok())
                        .is_some_and(|m| m.same_as(member))
                })
            })
    }
}

/// Text with `${name}` placeholders filled from the captures of the rule's `dn_regex`.
#[derive(Debug, Clone)]
pub struct Template {
    text: String,
    vars: Vec<String>,
}

impl Template {
    /// Split out the `${name}` placeholders; an unclosed `${` is an error.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut vars = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if name.is_empty() {
                return Err(format!("empty ${{}} in {text:?}"));
            }
            vars.push(name.to_string());
            rest = &after[end + 1..];
        }
        Ok(Template {
            text: text.to_string(),
            vars,
        })
    }

    /// The placeholder names used.
    pub fn vars(&self) -> &[String] {
        &self.vars
    }

    /// Fill the placeholders; `escape` is applied to each value (regex escaping
    /// for patterns, nothing for DNs). Unknown names become empty (they are
    /// rejected when the configuration is compiled).
    pub fn fill(&self, captures: &[(String, String)], escape: fn(&str) -> String) -> String {
        let mut out = self.text.clone();
        for v in &self.vars {
            let value = captures
                .iter()
                .find(|(n, _)| n == v)
                .map(|(_, val)| escape(val))
                .unwrap_or_default();
            out = out.replace(&format!("${{{v}}}"), &value);
        }
        out
    }
}

/// A compiled `who`.
#[derive(Debug, Clone)]
pub enum Who {
    /// Not bound.
    Anonymous,
    /// Any bound identity.
    Users,
    /// The identity whose DN is the target entry's.
    SelfDn,
    /// The rootdn.
    Root,
    /// Everyone.
    Any,
    /// Exactly this DN (after substitution).
    Dn(Template),
    /// A regular expression over the bound DN's normalised form.
    Pattern(PatternWho),
    /// Identities named by attribute `attr` of the entry `dn` (e.g. roleOccupant of
    /// a domain's cn=postmaster).
    Group {
        /// The group entry's DN template.
        dn: Template,
        /// The attribute holding member DNs.
        attr: String,
    },
}

/// A `dnpattern:` who: precompiled when it uses no captures.
#[derive(Debug, Clone)]
pub enum PatternWho {
    /// No placeholders: compiled once.
    Fixed(Regex),
    /// Placeholders: compiled for each decision after substitution.
    Templated(Template),
}

/// The regex for a DN pattern: anchored, case-insensitive like DNs themselves.
pub fn dn_pattern(text: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("(?i){text}"))
}

impl Who {
    /// Parse a `who` string; placeholders are checked against captures by the caller.
    pub fn parse(s: &str) -> Result<Who, String> {
        Ok(match s {
            "anonymous" => Who::Anonymous,
            "users" => Who::Users,
            "self" => Who::SelfDn,
            "rootdn" => Who::Root,
            "*" => Who::Any,
            _ => {
                if let Some(dn) = s.strip_prefix("dn:") {
                    let t = Template::parse(dn)?;
                    if t.vars().is_empty() {
                        Dn::parse(dn).map_err(|e| format!("who {s:?}: {e}"))?;
                    }
                    Who::Dn(t)
                } else if let Some(p) = s.strip_prefix("dnpattern:") {
                    let t = Template::parse(p)?;
                    if t.vars().is_empty() {
                        Who::Pattern(PatternWho::Fixed(
                            dn_pattern(p).map_err(|e| format!("who {s:?}: {e}"))?,
                        ))
                    } else {
                        // Check the syntax now with every placeholder filled in.
                        let probe: Vec<(String, String)> = t
                            .vars()
                            .iter()
                            .map(|v| (v.clone(), "x".to_string()))
                            .collect();
                        dn_pattern(&t.fill(&probe, |v| v.to_string()))
                            .map_err(|e| format!("who {s:?}: {e}"))?;
                        Who::Pattern(PatternWho::Templated(t))
                    }
                } else if let Some(g) = s.strip_prefix("group:") {
                    let (dn, attr) = match g.rsplit_once('@') {
                        Some((d, a)) if !a.is_empty() && !a.contains('=') => (d, a),
                        // slapd's default member attribute for groups.
                        _ => (g, "member"),
                    };
                    let t = Template::parse(dn)?;
                    if t.vars().is_empty() {
                        Dn::parse(dn).map_err(|e| format!("who {s:?}: {e}"))?;
                    }
                    Who::Group {
                        dn: t,
                        attr: attr.to_string(),
                    }
                } else {
                    return Err(format!(
                        "unknown who {s:?} (use anonymous, users, self, rootdn, *, dn:<dn>, dnpattern:<regex> or group:<dn>@<attr>)"
                    ));
                }
            }
        })
    }

    /// The placeholders this who uses.
    pub fn vars(&self) -> &[String] {
        match self {
            Who::Dn(t) | Who::Pattern(PatternWho::Templated(t)) | Who::Group { dn: t, .. } => {
                t.vars()
            }
            _ => &[],
        }
    }

    /// Does `who` fall under this clause, for the target entry `target`? Group
    /// entries are read through `groups`.
    pub fn matches(
        &self,
        who: &Identity,
        target: &Dn,
        captures: &[(String, String)],
        groups: &Groups<'_>,
    ) -> bool {
        let bound = match who {
            Identity::Anonymous => None,
            Identity::Root(d) | Identity::User(d) => Some(d),
        };
        match self {
            Who::Any => true,
            Who::Anonymous => bound.is_none(),
            Who::Users => bound.is_some(),
            Who::Root => who.is_root(),
            Who::SelfDn => matches!(who, Identity::User(d) if d.same_as(target)),
            Who::Dn(t) => {
                let Some(b) = bound else { return false };
                Dn::parse(&t.fill(captures, |v| v.to_string())).is_ok_and(|d| d.same_as(b))
            }
            Who::Pattern(p) => {
                let Some(b) = bound else { return false };
                let text = b.normalized();
                match p {
                    PatternWho::Fixed(re) => re.is_match(&text),
                    PatternWho::Templated(t) => dn_pattern(&t.fill(captures, regex::escape))
                        .is_ok_and(|re| re.is_match(&text)),
                }
            }
            Who::Group { dn, attr } => {
                let Some(b) = bound else { return false };
                Dn::parse(&dn.fill(captures, |v| v.to_string()))
                    .is_ok_and(|group| groups.has_member(&group, attr, b))
            }
        }
    }
}
