//! Values under an attribute type's rules: equality keys, ordering, substring and
//! approximate forms, and syntax checks, as filters, indexes and entry checks use them.

use super::matching::{self, Norm};
use super::{syntax, AttributeType};
use std::cmp::Ordering;

/// The OID syntax, the assertion syntax of objectIdentifierFirstComponentMatch.
const OID_SYNTAX: &str = "1.3.6.1.4.1.1466.115.121.1.38";

/// An equality assertion under one attribute type's rule (see
/// [`AttributeType::equality_assertion`]).
pub struct EqualityAssertion<'a> {
    norm: Norm,
    key: Vec<u8>,
    value: &'a [u8],
}

impl EqualityAssertion<'_> {
    /// Whether the stored `value` matches the assertion.
    pub fn matches(&self, value: &[u8]) -> bool {
        match self.norm {
            Norm::FirstComponent => matching::first_component_matches(value, self.value),
            norm => matching::normalize(norm, value) == self.key,
        }
    }
}

/// The normalisations of a type's effective rules, resolved from their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Norms {
    /// The equality rule's; rules the server does not implement (and no rule)
    /// compare octet by octet.
    equality: Norm,
    /// What orders values (see [`AttributeType::ordering_cmp`]); None: unordered.
    ordering: Option<Norm>,
    /// The SUBSTR rule's; None when the type has no SUBSTR rule.
    substr: Option<Norm>,
}

impl Default for Norms {
    fn default() -> Norms {
        Norms {
            equality: Norm::Octet,
            ordering: None,
            substr: None,
        }
    }
}

impl Norms {
    /// The normalisations of `at`'s effective rule names.
    pub(crate) fn of(at: &AttributeType) -> Norms {
        let equality = at.equality.as_deref().and_then(matching::lookup);
        // Types with no ORDERING rule but an integer, time or string equality rule
        // are ordered by that, so `(uidNumber>=1000)` works with older nis.schema.
        let ordering = match at.ordering.as_deref() {
            Some(rule) => matching::lookup(rule).map(|r| r.norm),
            None => match equality.map(|r| r.norm) {
                Some(
                    n @ (Norm::CaseIgnore
                    | Norm::CaseExact
                    | Norm::Integer
                    | Norm::Time
                    | Norm::Numeric),
                ) => Some(n),
                _ => None,
            },
        };
        Norms {
            equality: equality.map_or(Norm::Octet, |r| r.norm),
            ordering,
            substr: at
                .substr
                .as_deref()
                .map(|s| matching::lookup(s).map_or(Norm::Octet, |r| r.norm)),
        }
    }
}

impl AttributeType {
    /// True when the type has an equality rule (inherited or its own).
    pub fn has_equality(&self) -> bool {
        self.equality.is_some()
    }

    /// The normalisation of the equality rule; rules the server does not
    /// implement compare octet by octet.
    fn eq_norm(&self) -> Norm {
        self.norms.equality
    }

    /// The value normalised by the equality rule: two values are equal exactly
    /// when their keys are (also the key of equality indexes).
    pub fn eq_key(&self, value: &[u8]) -> Vec<u8> {
        matching::normalize(self.eq_norm(), value)
    }

    /// The equality assertion `value`, prepared once to test many stored values.
    pub fn equality_assertion<'a>(&self, value: &'a [u8]) -> EqualityAssertion<'a> {
        let norm = self.eq_norm();
        EqualityAssertion {
            norm,
            key: matching::normalize(norm, value),
            value,
        }
    }

    /// Check an equality assertion value: against the rule's assertion syntax where
    /// it differs from the attribute's (an OID for objectIdentifierFirstComponentMatch),
    /// else against the attribute's syntax.
    pub fn validate_assertion(&self, value: &[u8]) -> Result<(), String> {
        match self.eq_norm() {
            Norm::FirstComponent => syntax::validate(OID_SYNTAX, value),
            _ => self.validate(value),
        }
    }

    /// Whether two values are equal under the equality rule.
    pub fn values_equal(&self, a: &[u8], b: &[u8]) -> bool {
        self.eq_key(a) == self.eq_key(b)
    }

    /// Order two values by the ORDERING rule. Types with no ORDERING rule but an
    /// integer, time or string equality rule are ordered by that (so
    /// `(uidNumber>=1000)` works with older nis.schema files); otherwise None.
    pub fn ordering_cmp(&self, a: &[u8], b: &[u8]) -> Option<Ordering> {
        matching::compare(self.norms.ordering?, a, b)
    }

    /// The value normalised by the SUBSTR rule, or None when the type has none
    /// (a substring filter on it is then Undefined).
    pub fn substr_normalize(&self, value: &[u8]) -> Option<String> {
        let norm = self.norms.substr?;
        Some(String::from_utf8_lossy(&matching::normalize(norm, value)).into_owned())
    }

    /// The key for approximate matching: the phonetic key of
    /// [`matching::approx_key`] for string types, the equality key otherwise
    /// (an approximately equal integer is an equal one).
    pub fn approx_key(&self, value: &[u8]) -> String {
        match self.eq_norm() {
            Norm::CaseIgnore | Norm::CaseExact | Norm::Telephone => matching::approx_key(value),
            norm => String::from_utf8_lossy(&matching::normalize(norm, value)).into_owned(),
        }
    }

    /// Check a value against the type's syntax.
    pub fn validate(&self, value: &[u8]) -> Result<(), String> {
        match &self.syntax {
            Some(oid) => syntax::validate(oid, value),
            None => Ok(()),
        }
    }
}
