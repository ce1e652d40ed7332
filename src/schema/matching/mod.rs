//! Matching rules (RFC 4517, RFC 4530, RFC 4518 in short): how values are
//! normalised for equality, ordered, and compared as substrings.
//!
//! This file holds the model and the two entry points, [`normalize`] and
//! [`compare`]; the rule table and each family's details live beside it:
//! rules.rs (the table), dn.rs (distinguishedNameMatch), string.rs, integer.rs,
//! time.rs and first_component.rs.

mod dn;
mod first_component;
mod integer;
mod rules;
mod string;
mod time;

#[cfg(test)]
mod tests;

pub use dn::key_of_dn;
pub use first_component::first_component_matches;
pub use integer::integer_value;
pub use rules::RULES;
pub use string::approx_key;
pub use time::parse_generalized_time;

use integer::{canonical_integer, cmp_integers};
use std::cmp::Ordering;
use string::squash;
use time::canonical_time;

/// How a rule turns a value into its comparable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// Fold case, map white space to a space, collapse runs, trim (caseIgnore*).
    CaseIgnore,
    /// Like CaseIgnore without the case folding (caseExact*).
    CaseExact,
    /// Drop spaces (numericString*).
    Numeric,
    /// Drop spaces and hyphens, fold case (telephoneNumber*).
    Telephone,
    /// Canonical decimal integer.
    Integer,
    /// TRUE / FALSE.
    Boolean,
    /// GeneralizedTime, compared as an instant.
    Time,
    /// Distinguished name, compared in normalised form.
    Dn,
    /// DN with an optional `#'bits'B` unique identifier.
    UniqueMember,
    /// Object identifiers and descriptors, case-insensitive.
    Oid,
    /// UUIDs, case-insensitive hex.
    Uuid,
    /// The first component (the OID) of a schema description.
    FirstComponent,
    /// Bytes as they are.
    Octet,
}

/// What a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// An equality rule.
    Equality,
    /// An ordering rule.
    Ordering,
    /// A substrings rule.
    Substrings,
    /// integerBitAndMatch: every bit of the assertion is set in the value.
    BitAnd,
    /// integerBitOrMatch: some bit of the assertion is set in the value.
    BitOr,
}

/// One matching rule the server implements.
#[derive(Debug)]
pub struct RuleInfo {
    /// Numeric OID.
    pub oid: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The assertion syntax OID.
    pub syntax: &'static str,
    /// Equality, ordering, substrings or bitwise.
    pub kind: RuleKind,
    /// The normalisation applied to both sides.
    pub norm: Norm,
}

/// The rule called `name_or_oid` (case-insensitive), if the server implements it.
pub fn lookup(name_or_oid: &str) -> Option<&'static RuleInfo> {
    let key = name_or_oid.trim();
    RULES
        .iter()
        .find(|r| r.oid == key || r.name.eq_ignore_ascii_case(key))
}

/// The comparable form of `value` under `norm` (the "equality key").
/// Values a rule cannot parse fall back to their bytes, so they still compare
/// equal to themselves and never panic.
pub fn normalize(norm: Norm, value: &[u8]) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(value) else {
        return value.to_vec();
    };
    let out = match norm {
        Norm::CaseIgnore => squash(s, true),
        Norm::CaseExact => squash(s, false),
        Norm::Numeric => s.chars().filter(|c| *c != ' ').collect(),
        Norm::Telephone => s
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect(),
        Norm::Integer => canonical_integer(s).unwrap_or_else(|| s.trim().to_string()),
        Norm::Boolean => s.trim().to_ascii_uppercase(),
        Norm::Time => canonical_time(s).unwrap_or_else(|| s.trim().to_string()),
        Norm::Dn => dn::dn_key(s).unwrap_or_else(|| squash(s, true)),
        Norm::UniqueMember => dn::unique_member_key(s).unwrap_or_else(|| squash(s, true)),
        Norm::Oid | Norm::Uuid => s.trim().to_ascii_lowercase(),
        Norm::FirstComponent => {
            let t = s.trim();
            let inner = t.strip_prefix('(').unwrap_or(t);
            inner
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        }
        Norm::Octet => return value.to_vec(),
    };
    out.into_bytes()
}

/// Whether `value` matches the equality `assertion` under `norm`: equal comparable
/// forms, except for objectIdentifierFirstComponentMatch, whose assertion may be a
/// descriptor naming the described element.
pub fn assertion_matches(norm: Norm, value: &[u8], assertion: &[u8]) -> bool {
    match norm {
        Norm::FirstComponent => first_component_matches(value, assertion),
        _ => normalize(norm, value) == normalize(norm, assertion),
    }
}

/// Order two values under `norm`; None when the rule cannot order them
/// (unparsable integers or times, DNs).
pub fn compare(norm: Norm, a: &[u8], b: &[u8]) -> Option<Ordering> {
    match norm {
        Norm::Integer => {
            let a = canonical_integer(std::str::from_utf8(a).ok()?)?;
            let b = canonical_integer(std::str::from_utf8(b).ok()?)?;
            Some(cmp_integers(&a, &b))
        }
        Norm::Time => {
            let a = parse_generalized_time(std::str::from_utf8(a).ok()?.trim())?;
            let b = parse_generalized_time(std::str::from_utf8(b).ok()?.trim())?;
            Some(a.cmp(&b))
        }
        Norm::Dn | Norm::UniqueMember | Norm::Boolean | Norm::FirstComponent => None,
        _ => Some(normalize(norm, a).cmp(&normalize(norm, b))),
    }
}
