//! Which rules' `attrs` cover each attribute name the schema defines, worked out
//! once when the policy is compiled. A decision for one attribute of an entry
//! walked every rule's list (callgrind: name comparisons were a tenth of a Dovecot
//! userdb lookup, which returns eight attributes).

use super::rule::{AttrSel, Rule};
use super::Target;
use crate::schema::Schema;

/// A rule the table lists for a name, and whether its coverage is certain.
#[derive(Debug, Clone, Copy)]
pub(super) struct Listed {
    /// Index of the rule in the policy.
    pub(super) rule: u16,
    /// The rule has a supertype selector (`name`), which takes the schema of the
    /// decision to judge: listed for every name and checked at decision time.
    pub(super) check: bool,
}

/// Per lower-cased attribute name, the rules that may cover it, in policy order.
#[derive(Debug, Clone, Default)]
pub(super) struct Covering {
    by_name: rustc_hash::FxHashMap<Vec<u8>, Box<[Listed]>>,
}

impl Covering {
    /// The table for every name (and OID) of `schema`'s attribute types; None for a
    /// policy too long to index by u16.
    pub(super) fn new(rules: &[Rule], schema: &Schema) -> Option<Covering> {
        if rules.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut by_name = rustc_hash::FxHashMap::default();
        for at in schema.attribute_types() {
            for name in at.names.iter().chain(std::iter::once(&at.oid)) {
                let listed: Box<[Listed]> = rules
                    .iter()
                    .enumerate()
                    .filter_map(|(i, rule)| listed(rule, name).map(|check| (i, check)))
                    .map(|(i, check)| Listed {
                        rule: i as u16,
                        check,
                    })
                    .collect();
                by_name.insert(name.to_ascii_lowercase().into_bytes(), listed);
            }
        }
        Some(Covering { by_name })
    }

    /// The rules that may cover the attribute `name`, when it is a name the table
    /// holds (no options: a tagged name takes the full walk).
    pub(super) fn rules_for(&self, name: &str) -> Option<&[Listed]> {
        let mut buf = [0u8; 64];
        let out = buf.get_mut(..name.len())?;
        for (o, b) in out.iter_mut().zip(name.bytes()) {
            *o = b.to_ascii_lowercase();
        }
        self.by_name.get(&out[..]).map(|l| &**l)
    }
}

/// Whether `rule` is listed for `name`: Some(false) when its plain selectors cover
/// it, Some(true) when a supertype selector must be checked at decision time.
fn listed(rule: &Rule, name: &str) -> Option<bool> {
    let Some(attrs) = &rule.attrs else {
        return Some(false);
    };
    if attrs.iter().any(|a| matches!(a, AttrSel::Supertype(_))) {
        return Some(true);
    }
    rule.covers_target(Target::Attr(name), None)
        .then_some(false)
}
