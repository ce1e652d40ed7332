//! Three-valued evaluation (RFC 4511 4.5.1.7) of a filter against an entry, with
//! the schema's matching rules. The `may_use` hook lets access control hide
//! attributes: a hidden attribute is absent to the filter.

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
    pub fn evaluate(&self, entry: &Entry, schema: &Schema, may_use: &dyn Fn(&str) -> bool) -> Tri {
        let ctx = Ctx {
            entry,
            schema,
            may_use,
        };
        ctx.eval(self)
    }
}

/// What one evaluation reads: the entry, the schema, and the access hook.
struct Ctx<'a> {
    entry: &'a Entry,
    schema: &'a Schema,
    may_use: &'a dyn Fn(&str) -> bool,
}

impl<'a> Ctx<'a> {
    /// The values `desc` finds: of its type and subtypes, with the tags it names,
    /// from attributes the access hook allows.
    fn values(&self, desc: &AttrDesc<'_>) -> Vec<&'a [u8]> {
        self.schema.described_values(self.entry, desc, self.may_use)
    }

    /// The description a filter names; None (Undefined) when unrecognized.
    fn lookup(&self, desc: &str) -> Option<AttrDesc<'a>> {
        self.schema.attr_desc(desc)
    }

    fn eval(&self, f: &Filter) -> Tri {
        match f {
            Filter::And(list) => {
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
            Filter::Or(list) => {
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
            Filter::Not(inner) => match self.eval(inner) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Undefined => Tri::Undefined,
            },
            Filter::Present(desc) => match self.lookup(desc) {
                Some(d) => Tri::from_bool(!self.values(&d).is_empty()),
                None => Tri::Undefined,
            },
            Filter::Equality(desc, value) => self.equality(desc, value),
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => self.substring(attr, initial.as_deref(), any, final_.as_deref()),
            Filter::GreaterOrEqual(desc, value) => self.ordering(desc, value, true),
            Filter::LessOrEqual(desc, value) => self.ordering(desc, value, false),
            Filter::Approx(desc, value) => {
                let Some(d) = self.lookup(desc) else {
                    return Tri::Undefined;
                };
                let at = d.at;
                if !at.has_equality() || at.validate(value).is_err() {
                    return Tri::Undefined;
                }
                let key = at.approx_key(value);
                Tri::from_bool(self.values(&d).iter().any(|v| at.approx_key(v) == key))
            }
            Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            } => self.extensible(rule.as_deref(), attr.as_deref(), value, *dn_attributes),
        }
    }

    fn equality(&self, desc: &str, value: &[u8]) -> Tri {
        let Some(d) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        if d.at.oid == "2.5.4.0" {
            return self.object_class_equality(&d, value);
        }
        if !d.at.has_equality() || d.at.validate_assertion(value).is_err() {
            return Tri::Undefined;
        }
        let assertion = d.at.equality_assertion(value);
        Tri::from_bool(self.values(&d).iter().any(|v| assertion.matches(v)))
    }

    /// objectClass equality also matches superclasses, as slapd does:
    /// `(objectClass=person)` is true for an inetOrgPerson entry.
    fn object_class_equality(&self, d: &AttrDesc<'_>, value: &[u8]) -> Tri {
        let values = self.values(d);
        let asserted = String::from_utf8_lossy(value);
        let Some(wanted) = self.schema.object_class(asserted.trim()) else {
            let assertion = d.at.equality_assertion(value);
            return Tri::from_bool(values.iter().any(|v| assertion.matches(v)));
        };
        Tri::from_bool(values.iter().any(|v| {
            self.schema
                .object_class(String::from_utf8_lossy(v).trim())
                .is_some_and(|c| self.schema.class_is_a(c, wanted))
        }))
    }

    fn substring(
        &self,
        desc: &str,
        initial: Option<&[u8]>,
        any: &[Vec<u8>],
        final_: Option<&[u8]>,
    ) -> Tri {
        let Some(d) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        let at = d.at;
        let norm = |v: &[u8]| at.substr_normalize(v);
        let (Some(init), Some(fin)) = (
            initial.map(norm).transpose_opt(),
            final_.map(norm).transpose_opt(),
        ) else {
            return Tri::Undefined;
        };
        let mids: Option<Vec<String>> = any.iter().map(|m| norm(m)).collect();
        let Some(mids) = mids else {
            return Tri::Undefined;
        };
        let matches = |v: &[u8]| -> bool {
            let Some(text) = norm(v) else { return false };
            let mut rest: &str = &text;
            if let Some(i) = &init {
                match rest.strip_prefix(i.as_str()) {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            for m in &mids {
                match rest.find(m.as_str()) {
                    Some(at) => rest = &rest[at + m.len()..],
                    None => return false,
                }
            }
            match &fin {
                Some(f) => rest.ends_with(f.as_str()),
                None => true,
            }
        };
        // A type without a SUBSTR rule makes the whole assertion Undefined.
        if at.substr.is_none() {
            return Tri::Undefined;
        }
        Tri::from_bool(self.values(&d).iter().any(|v| matches(v)))
    }

    fn ordering(&self, desc: &str, value: &[u8], greater: bool) -> Tri {
        let Some(d) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        let at = d.at;
        // No ordering rule, or an assertion the rule cannot read: Undefined.
        if at.ordering_cmp(value, value).is_none() {
            return Tri::Undefined;
        }
        Tri::from_bool(
            self.values(&d)
                .iter()
                .any(|v| match at.ordering_cmp(v, value) {
                    Some(Ordering::Equal) => true,
                    Some(Ordering::Greater) => greater,
                    Some(Ordering::Less) => !greater,
                    None => false,
                }),
        )
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

/// `Option<Option<T>>` -> `Option<Option<T>>` with "absent" kept apart from
/// "not normalisable": Some(None) for an absent fragment, None when it fails.
trait TransposeOpt<T> {
    fn transpose_opt(self) -> Option<Option<T>>;
}

impl<T> TransposeOpt<T> for Option<Option<T>> {
    fn transpose_opt(self) -> Option<Option<T>> {
        match self {
            None => Some(None),
            Some(None) => None,
            Some(Some(v)) => Some(Some(v)),
        }
    }
}
