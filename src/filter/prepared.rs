//! A filter resolved against the schema once, to be evaluated against many
//! entries: descriptions looked up, assertion values checked and normalised, so a
//! scan does per entry only what depends on the entry (callgrind: re-preparing each
//! leaf per entry was a fifth of an unindexed scan).

use super::Filter;
use crate::schema::{AttrDesc, ObjectClass, Schema};

/// A filter prepared for evaluation (see [`Filter::prepare`]).
pub struct Prepared<'a> {
    pub(super) schema: &'a Schema,
    pub(super) root: Node<'a>,
}

/// One prepared filter item. Leaves the schema cannot evaluate whatever the entry
/// holds (unknown attribute, no suitable rule, an unreadable assertion) are
/// [`Node::Undefined`].
pub(super) enum Node<'a> {
    And(Vec<Node<'a>>),
    Or(Vec<Node<'a>>),
    Not(Box<Node<'a>>),
    Undefined,
    Present(AttrDesc<'a>),
    /// Equality by the type's rule: the assertion's normal form, and the value for
    /// rules that compare the raw assertion.
    Equality {
        desc: AttrDesc<'a>,
        assertion: crate::schema::EqualityAssertion<'a>,
    },
    /// objectClass equality with a known class: superclasses match too.
    ObjectClass {
        desc: AttrDesc<'a>,
        wanted: &'a ObjectClass,
    },
    /// Substrings, the fragments in the SUBSTR rule's normal form.
    Substring {
        desc: AttrDesc<'a>,
        initial: Option<String>,
        any: Vec<String>,
        final_: Option<String>,
    },
    /// `>=` (greater) or `<=` by the type's ordering.
    Ordering {
        desc: AttrDesc<'a>,
        value: &'a [u8],
        greater: bool,
    },
    /// Approximate match against the assertion's approximate key.
    Approx {
        desc: AttrDesc<'a>,
        key: String,
    },
    /// Extensible matches are judged from the filter item per entry: they may read
    /// every attribute and the DN, and are rare.
    Extensible(&'a Filter),
}

impl Filter {
    /// Resolve the filter against `schema` once for many evaluations.
    pub fn prepare<'a>(&'a self, schema: &'a Schema) -> Prepared<'a> {
        Prepared {
            schema,
            root: node(self, schema),
        }
    }
}

fn node<'a>(f: &'a Filter, schema: &'a Schema) -> Node<'a> {
    let desc = |name: &str| schema.attr_desc(name);
    let leaf = |d: Option<AttrDesc<'a>>, make: &dyn Fn(AttrDesc<'a>) -> Option<Node<'a>>| {
        d.and_then(make).unwrap_or(Node::Undefined)
    };
    match f {
        Filter::And(list) => Node::And(list.iter().map(|s| node(s, schema)).collect()),
        Filter::Or(list) => Node::Or(list.iter().map(|s| node(s, schema)).collect()),
        Filter::Not(inner) => Node::Not(Box::new(node(inner, schema))),
        Filter::Present(name) => leaf(desc(name), &|d| Some(Node::Present(d))),
        Filter::Equality(name, value) => leaf(desc(name), &|d| equality(d, value, schema)),
        Filter::Substring {
            attr,
            initial,
            any,
            final_,
        } => leaf(desc(attr), &|d| {
            // A type without a SUBSTR rule makes the whole assertion Undefined; with
            // one, every fragment has a normal form.
            d.at.substr.as_ref()?;
            let norm = |v: &[u8]| d.at.substr_normalize(v);
            Some(Node::Substring {
                initial: initial.as_deref().and_then(norm),
                any: any.iter().filter_map(|m| norm(m)).collect(),
                final_: final_.as_deref().and_then(norm),
                desc: d,
            })
        }),
        Filter::GreaterOrEqual(name, value) => leaf(desc(name), &|d| ordering(d, value, true)),
        Filter::LessOrEqual(name, value) => leaf(desc(name), &|d| ordering(d, value, false)),
        Filter::Approx(name, value) => leaf(desc(name), &|d| {
            if !d.at.has_equality() || d.at.validate(value).is_err() {
                return None;
            }
            let key = d.at.approx_key(value);
            Some(Node::Approx { desc: d, key })
        }),
        Filter::Extensible { .. } => Node::Extensible(f),
    }
}

fn equality<'a>(d: AttrDesc<'a>, value: &'a [u8], schema: &'a Schema) -> Option<Node<'a>> {
    // objectClass equality also matches superclasses, as slapd does:
    // `(objectClass=person)` is true for an inetOrgPerson entry.
    if d.at.oid == "2.5.4.0" {
        if let Some(wanted) = schema.object_class(String::from_utf8_lossy(value).trim()) {
            return Some(Node::ObjectClass { desc: d, wanted });
        }
        let assertion = d.at.equality_assertion(value);
        return Some(Node::Equality { desc: d, assertion });
    }
    if !d.at.has_equality() || d.at.validate_assertion(value).is_err() {
        return None;
    }
    let assertion = d.at.equality_assertion(value);
    Some(Node::Equality { desc: d, assertion })
}

fn ordering<'a>(d: AttrDesc<'a>, value: &'a [u8], greater: bool) -> Option<Node<'a>> {
    // No ordering rule, or an assertion the rule cannot read: Undefined.
    d.at.ordering_cmp(value, value)?;
    Some(Node::Ordering {
        desc: d,
        value,
        greater,
    })
}
