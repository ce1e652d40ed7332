//! The decisions for one entry: a search answers for many attributes of each
//! candidate, so the work that does not depend on the attribute is done once.
//!
//! Per rule, whether its DN pattern and filter cover the entry (with the DN's
//! captures) and which `by` clause names the identity are computed on first use and
//! kept; a decision for a target then only checks each rule's `attrs`. Group entries
//! (a domain's cn=postmaster) are fetched at most once.

use super::rule::{Captures, Rule};
use super::who::Groups;
use super::{AccessControl, AccessLevel, Decision, Identity, Lookup, Privileges, Target};
use crate::dn::Dn;
use crate::entry::Entry;
use std::cell::OnceCell;

/// What `who` may do to the attributes of one entry: made by
/// [`AccessControl::for_entry`], asked with [`EntryAccess::allows`] for each target.
pub struct EntryAccess<'a> {
    acl: &'a AccessControl,
    who: &'a Identity,
    dn: &'a Dn,
    entry: Option<&'a Entry>,
    lookup: &'a Lookup<'a>,
    /// The entry fetched through `lookup` when the caller did not give it.
    fetched: OnceCell<Option<Entry>>,
    /// The DN's normalised form, which every regex rule matches.
    normalized: OnceCell<String>,
    /// One slot per rule of `acl`, in order (empty for the rootdn).
    rules: Vec<RuleOutcome>,
    groups: Groups<'a>,
}

/// What one rule says about this entry and identity, computed on first use.
#[derive(Default)]
struct RuleOutcome {
    /// Whether the rule's DN and filter cover the entry, with the DN's captures.
    covers: OnceCell<Option<Captures>>,
    /// The 0-based index of the first `by` clause naming the identity.
    by: OnceCell<Option<usize>>,
}

impl<'a> EntryAccess<'a> {
    /// Nothing matched yet: rules are looked at as targets ask for them.
    pub(super) fn new(
        acl: &'a AccessControl,
        who: &'a Identity,
        dn: &'a Dn,
        entry: Option<&'a Entry>,
        lookup: &'a Lookup<'a>,
    ) -> EntryAccess<'a> {
        // The rootdn is decided without rules.
        let slots = if who.is_root() { 0 } else { acl.rules.len() };
        EntryAccess {
            acl,
            who,
            dn,
            entry,
            lookup,
            fetched: OnceCell::new(),
            normalized: OnceCell::new(),
            rules: (0..slots).map(|_| RuleOutcome::default()).collect(),
            groups: Groups::new(lookup.get),
        }
    }

    /// This access, told the entry's normalised DN (which DN patterns match) when the
    /// caller has it already: a bind has it as its throttle key, and normalising a
    /// hosted DN again was a twentieth of a bind's instructions (callgrind).
    pub fn knowing_normalized(self, normalized: &str) -> Self {
        let _ = self.normalized.set(normalized.to_string());
        self
    }

    /// May the identity have `level` access to `target` of this entry? Logged at
    /// debug level with the deciding rule and clause.
    pub fn allows(&self, target: Target<'_>, level: AccessLevel) -> bool {
        let d = self.decide(target);
        let granted = d.granted.allows(level);
        let (who, dn) = (self.who, self.dn);
        match (d.rule, d.by) {
            (Some(r), Some(b)) => tracing::debug!(
                "ACL {} {level:?} on {target} of \"{dn}\" for \"{}\": rule #{r} by #{b} gives {}",
                if granted { "allow" } else { "deny" },
                who.dn_string(),
                d.granted
            ),
            (Some(r), None) => tracing::debug!(
                "ACL deny {level:?} on {target} of \"{dn}\" for \"{}\": rule #{r} matched, no by clause names the identity",
                who.dn_string()
            ),
            _ if who.is_root() => tracing::debug!(
                "ACL allow {level:?} on {target} of \"{dn}\": rootdn"
            ),
            _ => tracing::debug!(
                "ACL deny {level:?} on {target} of \"{dn}\" for \"{}\": no rule matched",
                who.dn_string()
            ),
        }
        granted
    }

    /// The privileges the identity has on `target` of this entry, and the rule and
    /// clause that decided: the first rule covering the target, and in it the first
    /// `by` clause naming the identity.
    pub fn decide(&self, target: Target<'_>) -> Decision {
        if self.who.is_root() {
            return Decision {
                granted: Privileges::up_to(AccessLevel::Write),
                rule: None,
                by: None,
            };
        }
        let listed = match (target, &self.acl.covering) {
            (Target::Attr(name), Some(covering)) => covering.rules_for(name),
            _ => None,
        };
        let decided = match listed {
            // Only the rules whose `attrs` may cover the name, in order.
            Some(listed) => listed.iter().find_map(|l| {
                let i = usize::from(l.rule);
                let rule = &self.acl.rules[i];
                let covered = !l.check || rule.covers_target(target, self.lookup.schema);
                covered
                    .then(|| self.decide_by(rule, &self.rules[i]))
                    .flatten()
            }),
            None => self
                .acl
                .rules
                .iter()
                .zip(&self.rules)
                .find_map(|(rule, outcome)| {
                    rule.covers_target(target, self.lookup.schema)
                        .then(|| self.decide_by(rule, outcome))
                        .flatten()
                }),
        };
        decided.unwrap_or(Decision {
            granted: Privileges::NONE,
            rule: None,
            by: None,
        })
    }

    /// The decision of `rule`, which covers the target, when it covers the entry.
    fn decide_by(&self, rule: &Rule, outcome: &RuleOutcome) -> Option<Decision> {
        let captures = outcome.covers.get_or_init(|| self.covers(rule)).as_ref()?;
        let by = *outcome.by.get_or_init(|| self.first_by(rule, captures));
        let Some(i) = by else {
            return Some(Decision {
                granted: Privileges::NONE,
                rule: Some(rule.number),
                by: None,
            });
        };
        Some(Decision {
            granted: self.capped(rule.by[i].level),
            rule: Some(rule.number),
            by: Some(i + 1),
        })
    }

    /// Whether `rule`'s DN and filter cover this entry, with the DN's captures.
    fn covers(&self, rule: &Rule) -> Option<Captures> {
        let normalized = || {
            self.normalized
                .get_or_init(|| self.dn.normalized())
                .as_str()
        };
        // Clauses that fill templates name bound identities only (who.rs), so for an
        // anonymous client the captures could never be used.
        let want_captures = rule.uses_captures() && !matches!(self.who, Identity::Anonymous);
        let entry = || self.entry();
        rule.matches_entry(
            self.dn,
            &normalized,
            &entry,
            self.lookup.schema,
            want_captures,
        )
    }

    /// The index of `rule`'s first `by` clause naming the identity.
    fn first_by(&self, rule: &Rule, captures: &Captures) -> Option<usize> {
        rule.by
            .iter()
            .position(|by| by.who.matches(self.who, self.dn, captures, &self.groups))
    }

    /// The entry for filtered rules: the caller's, else fetched once, lazily.
    fn entry(&self) -> Option<&Entry> {
        self.entry.or_else(|| {
            self.fetched
                .get_or_init(|| (self.lookup.get)(self.dn))
                .as_ref()
        })
    }

    /// `granted` as the identity may use it: with anonymous_read = false, anonymous
    /// clients may bind and nothing more - not even disclose, so every answer they
    /// get about an entry is the same whether it exists or not.
    fn capped(&self, granted: Privileges) -> Privileges {
        if !self.acl.anonymous_read && matches!(self.who, Identity::Anonymous) {
            granted.intersect(Privileges::only(AccessLevel::Auth))
        } else {
            granted
        }
    }
}
