//! Three-valued evaluation (RFC 4511 4.5.1.7) of a filter against an entry, with
//! the schema's matching rules. The `may_use` hook lets access control hide
//! attributes: a hidden attribute is absent to the filter.

use super::prepared::{Node, Prepared};
use super::{Filter, Tri};
use crate::entry::Entry;
use crate::schema::matching::{self, RuleKind};
use crate::schema::{AttrDesc, AttributeType, Schema};
use std::cmp::Ordering;

impl Filter {
    /// Evaluate against `entry`. Attributes for which `may_use(name)` is false
    /// (name as the schema spells it, with its options: `userPassword`,
    /// `cn;lang-de`) are treated as absent, so access control can hide them from
    /// filters. A filter on `cn` also tests `cn;lang-de`, one on `name` also `sn`.
    /// Many entries: [`Filter::prepare`] once, then [`Prepared::evaluate`].
    pub fn evaluate(&self, entry: &Entry, schema: &Schema, may_use: &dyn Fn(&str) -> bool) -> Tri {
        self.prepare(schema).evaluate(entry, may_use)
    }
}

impl Prepared<'_> {
    /// Evaluate against `entry`, as [`Filter::evaluate`] does.
    pub fn evaluate(&self, entry: &Entry, may_use: &dyn Fn(&str) -> bool) -> Tri {
        let ctx = Ctx {
            entry,
            schema: self.schema,
            may_use,
        };
        ctx.eval(&self.root)
    }
}

/// What one evaluation reads: the entry, the schema, and the access hook.
struct Ctx<'a> {
    entry: &'a Entry,
    schema: &'a Schema,
    may_use: &'a dyn Fn(&str) -> bool,
}

impl<'a> Ctx<'a> {
    /// Whether some value `desc` finds passes `test`: values of its type and
    /// subtypes, with the tags it names, from attributes the access hook allows.
    fn any(&self, desc: &AttrDesc<'_>, test: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.schema
            .any_described_value(self.entry, desc, self.may_use, test)
    }

    /// The values `desc` finds (see [`Ctx::any`]).
    fn values(&self, desc: &AttrDesc<'_>) -> Vec<&'a [u8]> {
        self.schema.described_values(self.entry, desc, self.may_use)
    }

    /// The description a filter names; None (Undefined) when unrecognized.
    fn lookup(&self, desc: &str) -> Option<AttrDesc<'a>> {
        self.schema.attr_desc(desc)
    }

    fn eval(&self, node: &Node<'_>) -> Tri {
        match node {
            Node::And(list) => {
                let mut result = Tri::True;
                for sub in list {
                    match self.eval(sub) {
                        Tri::False => return Tri::False,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::True => {}
                    }
                }
                result
            }
            Node::Or(list) => {
                let mut result = Tri::False;
                for sub in list {
                    match self.eval(sub) {
                        Tri::True => return Tri::True,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::False => {}
                    }
                }
                result
            }
            Node::Not(inner) => match self.eval(inner) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Undefined => Tri::Undefined,
            },
            Node::Undefined => Tri::Undefined,
            Node::Present(d) => Tri::from_bool(self.any(d, &mut |_| true)),
            Node::Equality { desc, assertion } => {
                Tri::from_bool(self.any(desc, &mut |v| assertion.matches(v)))
            }
            Node::ObjectClass { desc, wanted } => Tri::from_bool(self.any(desc, &mut |v| {
                // The class itself, as entries list it, takes no walk up its
                // superclasses (callgrind: the walks were a tenth of a Dovecot lookup).
                let named = v.trim_ascii();
                let literal = wanted.oid.as_bytes() == named
                    || wanted
                        .names
                        .iter()
                        .any(|n| n.as_bytes().eq_ignore_ascii_case(named));
                literal
                    || self
                        .schema
                        .object_class(String::from_utf8_lossy(v).trim())
                        .is_some_and(|c| self.schema.class_is_a(c, wanted))
            })),
            Node::Substring {
                desc,
                initial,
                any,
                final_,
            } => Tri::from_bool(self.any(desc, &mut |v| {
                let Some(text) = desc.at.substr_normalize(v) else {
                    return false;
                };
                substrings_match(&text, initial.as_deref(), any, final_.as_deref())
            })),
            Node::Ordering {
                desc,
                value,
                greater,
            } => Tri::from_bool(
                self.any(desc, &mut |v| match desc.at.ordering_cmp(v, value) {
                    Some(Ordering::Equal) => true,
                    Some(Ordering::Greater) => *greater,
                    Some(Ordering::Less) => !*greater,
                    None => false,
                }),
            ),
            Node::Approx { desc, key } => {
                Tri::from_bool(self.any(desc, &mut |v| desc.at.approx_key(v) == *key))
            }
            Node::Extensible(Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            }) => self.extensible(rule.as_deref(), attr.as_deref(), value, *dn_attributes),
            Node::Extensible(_) => Tri::Undefined,
        }
    }

    fn extensible(
        &self,
        rule: Option<&str>,
        attr: Option<&str>,
        value: &[u8],
        dn_attrs: bool,
    ) -> Tri {
        let rule = match rule {
            Some(r) => match matching::lookup(r) {
                Some(info) => Some(info),
                None => return Tri::Undefined,
            },
            None => None,
        };
        let target = match attr {
            Some(a) => match self.lookup(a) {
                Some(t) => Some(t),
                None => return Tri::Undefined,
            },
            None => None,
        };
        let target_type = target.as_ref().map(|d| d.at);
        let mut candidates = self.extensible_candidates(target.as_ref());
        if dn_attrs {
            candidates.extend(self.dn_candidates(target_type));
        }
        if rule.is_none() && target.is_none() {
            return Tri::Undefined;
        }
        if matches!(rule.map(|r| r.kind), Some(RuleKind::Substrings)) {
            return Tri::Undefined;
        }
        let mut undefined = false;
        for (t, v) in candidates {
            match extensible_test(rule, t, v, value) {
                Some(true) => return Tri::True,
                Some(false) => {}
                None => undefined = true,
            }
        }
        if undefined && target.is_some() {
            Tri::Undefined
        } else {
            Tri::False
        }
    }

    /// The (type, value) pairs an extensible match tests: the target attribute's
    /// values, or every usable attribute's when the filter names none.
    fn extensible_candidates(
        &self,
        target: Option<&AttrDesc<'a>>,
    ) -> Vec<(&'a AttributeType, &'a [u8])> {
        let mut candidates: Vec<(&AttributeType, &[u8])> = Vec::new();
        match target {
            Some(d) => candidates.extend(self.values(d).into_iter().map(|v| (d.at, v))),
            None => {
                for a in &self.entry.attrs {
                    if let Some(stored) = self.schema.stored_attr_desc(&a.name) {
                        if (self.may_use)(&stored.shown()) {
                            candidates.extend(a.values.iter().map(|v| (stored.at, v.as_slice())));
                        }
                    }
                }
            }
        }
        candidates
    }

    /// The DN's (type, value) pairs for `:dn:`, limited to subtypes of the target.
    fn dn_candidates(&self, target: Option<&AttributeType>) -> Vec<(&'a AttributeType, &'a [u8])> {
        let mut candidates: Vec<(&AttributeType, &[u8])> = Vec::new();
        for rdn in &self.entry.dn.rdns {
            for ava in &rdn.avas {
                let Some(t) = self.schema.attribute(&ava.attr) else {
                    continue;
                };
                if target.is_none_or(|at| self.schema.is_subtype(t, at)) {
                    candidates.push((t, ava.value.as_bytes()));
                }
            }
        }
        candidates
    }
}

/// One extensible-match test of value `v` (of type `t`) against the assertion:
/// by the named rule, else by the type's equality rule. None when the rule cannot
/// decide (no equality rule, unreadable integer or ordering, a substrings rule).
fn extensible_test(
    rule: Option<&matching::RuleInfo>,
    t: &AttributeType,
    v: &[u8],
    value: &[u8],
) -> Option<bool> {
    match rule {
        None => {
            if !t.has_equality() {
                return None;
            }
            Some(t.equality_assertion(value).matches(v))
        }
        Some(r) => match r.kind {
            RuleKind::Equality => Some(matching::assertion_matches(r.norm, v, value)),
            RuleKind::Ordering => Some(matching::compare(r.norm, v, value)? == Ordering::Less),
            RuleKind::BitAnd | RuleKind::BitOr => {
                let (a, b) = (matching::integer_value(v)?, matching::integer_value(value)?);
                Some(if r.kind == RuleKind::BitAnd {
                    a & b == b
                } else {
                    a & b != 0
                })
            }
            RuleKind::Substrings => None,
        },
    }
}

/// Whether normalised `text` holds the fragments: `initial` at the start, each of
/// `any` after the one before, `final_` at the end after the last.
fn substrings_match(
    text: &str,
    initial: Option<&str>,
    any: &[String],
    final_: Option<&str>,
) -> bool {
    let mut rest = text;
    if let Some(i) = initial {
        match rest.strip_prefix(i) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    for m in any {
        match rest.find(m.as_str()) {
            Some(at) => rest = &rest[at + m.len()..],
            None => return false,
        }
    }
    final_.is_none_or(|f| rest.ends_with(f))
}
