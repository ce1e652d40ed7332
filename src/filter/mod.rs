//! Search filters (RFC 4515 string form, RFC 4511 semantics) in the project's own
//! terms. The model lives here; the other files each do one thing with it:
//! - parse.rs: the RFC 4515 string parser (config ACL rules, tests);
//! - prepared.rs: the filter resolved against the schema once, for many entries;
//! - eval.rs: three-valued evaluation against an entry with the schema's matching
//!   rules and an access-control hook;
//! - display.rs: the RFC 4515 string form, for logs.
//!
//! The wire type is translated at the protocol edge (src/ops/wire.rs), so nothing
//! here depends on the codec.

mod display;
mod eval;
mod parse;
mod prepared;

pub use prepared::Prepared;

use thiserror::Error;

/// A search filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// All must be true; `(&)` is true.
    And(Vec<Filter>),
    /// One must be true; `(|)` is false.
    Or(Vec<Filter>),
    /// Negation (Undefined stays Undefined).
    Not(Box<Filter>),
    /// `(attr=value)`.
    Equality(String, Vec<u8>),
    /// `(attr=initial*any*...*final)`.
    Substring {
        /// Attribute description.
        attr: String,
        /// Leading fragment.
        initial: Option<Vec<u8>>,
        /// Middle fragments in order.
        any: Vec<Vec<u8>>,
        /// Trailing fragment.
        final_: Option<Vec<u8>>,
    },
    /// `(attr>=value)`.
    GreaterOrEqual(String, Vec<u8>),
    /// `(attr<=value)`.
    LessOrEqual(String, Vec<u8>),
    /// `(attr=*)`.
    Present(String),
    /// `(attr~=value)`.
    Approx(String, Vec<u8>),
    /// `(attr:dn:rule:=value)` and its shorter forms.
    Extensible {
        /// Matching rule name or OID.
        rule: Option<String>,
        /// Attribute description.
        attr: Option<String>,
        /// Assertion value.
        value: Vec<u8>,
        /// Also match the attribute values of the entry's DN.
        dn_attributes: bool,
    },
}

/// The result of evaluating a filter (RFC 4511 4.5.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    /// The entry matches.
    True,
    /// The entry does not match.
    False,
    /// The server cannot tell (unknown attribute, no suitable rule, bad value).
    Undefined,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// True only for [`Tri::True`]: what a search returns.
    pub fn is_true(self) -> bool {
        self == Tri::True
    }
}

impl Filter {
    /// The attribute descriptions the filter reads, when it can be screened without
    /// access control: a filter free of NOT and extensible matches can only lose
    /// truth when attributes are hidden from it (AND and OR are monotone, a hidden
    /// attribute is absent), so an entry it does not match over all of its attributes
    /// it matches over none of the visible ones either. `None` for the others (NOT
    /// could turn a hidden value's absence into a match; an extensible match may read
    /// every attribute and the DN).
    pub fn screening_attributes(&self) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        self.collect_screening(&mut out).then_some(out)
    }

    /// The attributes whose values decide this filter over an entry whose DN is
    /// known: an entry holding only these (with all their subtypes) gets the same
    /// answer as the whole entry, `NOT` included. `None` when an extensible match
    /// names no attribute (it reads every one).
    pub fn attributes_read(&self) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        self.collect_read(&mut out).then_some(out)
    }

    fn collect_read<'f>(&'f self, out: &mut Vec<&'f str>) -> bool {
        match self {
            Filter::And(list) | Filter::Or(list) => list.iter().all(|f| f.collect_read(out)),
            Filter::Not(f) => f.collect_read(out),
            Filter::Extensible { attr: None, .. } => false,
            Filter::Extensible { attr: Some(a), .. } => {
                out.push(a);
                true
            }
            _ => self.collect_screening(out),
        }
    }

    fn collect_screening<'f>(&'f self, out: &mut Vec<&'f str>) -> bool {
        match self {
            Filter::And(list) | Filter::Or(list) => list.iter().all(|f| f.collect_screening(out)),
            Filter::Not(_) | Filter::Extensible { .. } => false,
            Filter::Equality(a, _)
            | Filter::GreaterOrEqual(a, _)
            | Filter::LessOrEqual(a, _)
            | Filter::Present(a)
            | Filter::Approx(a, _)
            | Filter::Substring { attr: a, .. } => {
                out.push(a);
                true
            }
        }
    }
}

/// Why a filter string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad search filter at offset {pos}: {msg}")]
pub struct FilterError {
    /// Byte offset in the string where the problem was found.
    pub pos: usize,
    /// What is wrong.
    pub msg: String,
}

#[cfg(test)]
mod tests;
