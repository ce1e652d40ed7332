//! Compiled rules: the `what` side (DN, filter, attributes) and the `by` clauses.

use super::spec::{BySpec, RuleSpec};
use super::who::Who;
use super::{Privileges, Target};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::filter::{Filter, Tri};
use crate::schema::description::name_covers;
use crate::schema::Schema;
use regex::Regex;

/// Which entries a rule covers.
#[derive(Debug, Clone)]
pub enum What {
    /// Every entry (slapd `access to *`).
    All,
    /// Exactly this entry.
    Base(Dn),
    /// This entry and everything below it.
    Subtree(Dn),
    /// Entries whose normalised DN matches; captures feed the `by` templates.
    Regex(Regex),
}

/// The captures of a rule's `dn_regex` (by number and by name) and their values.
pub type Captures = Vec<(String, String)>;

/// One attribute selector of `attrs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrSel {
    /// The `entry` pseudo-attribute.
    Entry,
    /// The `children` pseudo-attribute.
    Children,
    /// A real attribute (compared case-insensitively, by its canonical name); covers
    /// its option-tagged forms.
    Attr(String),
    /// An attribute type others derive from (`name`): covers its subtypes too, which
    /// takes the schema to decide, so it is kept apart from the common case.
    Supertype(String),
}

/// One `by` clause, compiled.
#[derive(Debug, Clone)]
pub struct By {
    /// Who it names.
    pub who: Who,
    /// What they get.
    pub level: Privileges,
}

/// One `[[acl]]` rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// 1-based position in the configuration, as logs and errors name it.
    pub number: usize,
    /// Entries covered.
    pub what: What,
    /// Extra condition on the target entry.
    pub filter: Option<Filter>,
    /// Targets covered; None = all.
    pub attrs: Option<Vec<AttrSel>>,
    /// The clauses, in order.
    pub by: Vec<By>,
}

/// Replace `${suffix}` (escaped for a regex when `for_regex`).
fn with_suffix(text: &str, suffix: &Dn, for_regex: bool) -> String {
    let s = suffix.normalized();
    let s = if for_regex { regex::escape(&s) } else { s };
    text.replace("${suffix}", &s)
}

impl Rule {
    /// Whether a `by` clause fills a template from the DN's captures (`${domain}`).
    pub fn uses_captures(&self) -> bool {
        self.by.iter().any(|b| !b.who.vars().is_empty())
    }

    /// Check and compile rule number `number`; errors say what is wrong, and the
    /// caller prefixes the rule's number.
    pub fn compile(
        number: usize,
        spec: &RuleSpec,
        suffix: &Dn,
        schema: Option<&Schema>,
    ) -> Result<Rule, String> {
        let what = compile_what(spec, suffix)?;
        let filter = match &spec.filter {
            Some(f) => Some(Filter::parse(f).map_err(|e| format!("filter {f:?}: {e}"))?),
            None => None,
        };
        let attrs = match &spec.attrs {
            None => None,
            Some(list) => Some(compile_attrs(list, schema)?),
        };
        let names: Vec<String> = match &what {
            What::Regex(re) => re
                .capture_names()
                .enumerate()
                .flat_map(|(i, n)| {
                    let mut v = vec![i.to_string()];
                    v.extend(n.map(String::from));
                    v
                })
                .collect(),
            _ => Vec::new(),
        };
        if spec.by.is_empty() {
            return Err("no `by` clauses (nobody would get any access)".into());
        }
        let by = spec
            .by
            .iter()
            .map(|b| compile_by(b, suffix, &names))
            .collect::<Result<_, _>>()?;
        Ok(Rule {
            number,
            what,
            filter,
            attrs,
            by,
        })
    }

    /// Whether the rule's `attrs` cover `target` (any entry: the DN and filter are
    /// checked by [`Rule::matches_entry`]). A listed attribute covers its tagged forms
    /// (`userPassword` covers `userPassword;x`) and, given the schema, its subtypes
    /// (`name` covers `cn`), as slapd's `attrs=` does.
    pub fn covers_target(&self, target: Target<'_>, schema: Option<&Schema>) -> bool {
        let Some(attrs) = &self.attrs else {
            return true;
        };
        attrs.iter().any(|a| match (a, target) {
            (AttrSel::Entry, Target::Entry) => true,
            (AttrSel::Children, Target::Children) => true,
            (AttrSel::Attr(listed), Target::Attr(t)) => name_covers(listed, t),
            (AttrSel::Supertype(listed), Target::Attr(t)) => {
                name_covers(listed, t) || schema.is_some_and(|s| s.describes(listed, t))
            }
            _ => false,
        })
    }

    /// Whether the rule's DN and filter cover the entry `dn`; on a match, the DN's
    /// captures. `entry` is asked for only when the rule has a filter (and a schema
    /// to evaluate it with is given).
    /// `normalized` gives the DN's normalised string form, which regex rules match
    /// (computed once per entry by the caller, not once per rule). Without
    /// `want_captures` a regex is only matched, not captured: captures cost the
    /// regex engine's backtracker, about 16k instructions on a hosted DN (callgrind).
    pub fn matches_entry<'e, 'n>(
        &self,
        dn: &Dn,
        normalized: &dyn Fn() -> &'n str,
        entry: &dyn Fn() -> Option<&'e Entry>,
        schema: Option<&Schema>,
        want_captures: bool,
    ) -> Option<Captures> {
        let captures = match &self.what {
            What::All => Vec::new(),
            What::Base(b) => {
                if !dn.same_as(b) {
                    return None;
                }
                Vec::new()
            }
            What::Subtree(b) => {
                if !dn.is_within(b) {
                    return None;
                }
                Vec::new()
            }
            What::Regex(re) if want_captures => regex_captures(re, normalized())?,
            What::Regex(re) => re.is_match(normalized()).then(Vec::new)?,
        };
        if let Some(f) = &self.filter {
            let schema = schema?;
            let e = entry()?;
            if f.evaluate(e, schema, &|_| true) != Tri::True {
                return None;
            }
        }
        Some(captures)
    }
}

/// The captures of `re` over a normalised DN, by number and by name, as the
/// `by` templates use them; None when it does not match.
fn regex_captures(re: &Regex, text: &str) -> Option<Captures> {
    let caps = re.captures(text)?;
    let mut out = Vec::new();
    for (i, name) in re.capture_names().enumerate() {
        let value = caps
            .get(i)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        out.push((i.to_string(), value.clone()));
        if let Some(n) = name {
            out.push((n.to_string(), value));
        }
    }
    Some(out)
}

/// The entries a rule covers: at most one of dn_subtree, dn_base, dn_regex.
fn compile_what(spec: &RuleSpec, suffix: &Dn) -> Result<What, String> {
    let whats = [&spec.dn_subtree, &spec.dn_base, &spec.dn_regex]
        .iter()
        .filter(|w| w.is_some())
        .count();
    if whats > 1 {
        return Err("give at most one of dn_subtree, dn_base, dn_regex".into());
    }
    let parse_dn =
        |s: &str| Dn::parse(&with_suffix(s, suffix, false)).map_err(|e| format!("dn {s:?}: {e}"));
    Ok(if let Some(s) = &spec.dn_subtree {
        What::Subtree(parse_dn(s)?)
    } else if let Some(s) = &spec.dn_base {
        What::Base(parse_dn(s)?)
    } else if let Some(r) = &spec.dn_regex {
        let text = with_suffix(r, suffix, true);
        What::Regex(super::who::dn_pattern(&text).map_err(|e| format!("dn_regex {r:?}: {e}"))?)
    } else {
        What::All
    })
}

/// The `attrs` list: pseudo-attributes, and attribute names canonicalised by the
/// schema when there is one (which also tells which are supertypes).
fn compile_attrs(list: &[String], schema: Option<&Schema>) -> Result<Vec<AttrSel>, String> {
    list.iter()
        .map(|a| {
            Ok(match a.to_ascii_lowercase().as_str() {
                "entry" => AttrSel::Entry,
                "children" => AttrSel::Children,
                _ => match schema {
                    Some(s) => {
                        let unknown = || format!("attrs: unknown attribute {a:?}");
                        let desc = s.attr_desc(a).ok_or_else(unknown)?;
                        if s.has_subtypes(desc.at) {
                            AttrSel::Supertype(desc.to_string())
                        } else {
                            AttrSel::Attr(desc.to_string())
                        }
                    }
                    None => AttrSel::Attr(a.clone()),
                },
            })
        })
        .collect()
}

/// One `by` clause; `captures` are the names the rule's dn_regex defines.
fn compile_by(b: &BySpec, suffix: &Dn, captures: &[String]) -> Result<By, String> {
    let who = Who::parse(&with_suffix(
        &b.who,
        suffix,
        b.who.starts_with("dnpattern:"),
    ))?;
    if let Some(v) = who.vars().iter().find(|v| !captures.contains(v)) {
        return Err(format!(
            "who {:?} uses ${{{v}}}, which the rule's dn_regex does not capture",
            b.who
        ));
    }
    let level = Privileges::parse(&b.level).ok_or_else(|| {
        format!(
            "unknown level {:?} (use none, disclose, auth, compare, search, read, write, or =letters from dxcsrw)",
            b.level
        )
    })?;
    Ok(By { who, level })
}
