//! Access control: who may do what to which entry and attribute.
//!
//! An ordered list of rules from the configuration (`[[acl]]`), evaluated like
//! slapd's `access to <what> by <who> <level>`: the first rule whose `what` covers
//! the target decides, and inside it the first `by` clause naming the identity;
//! no matching clause (or no matching rule) means no access. The rootdn always has
//! write. See docs/ACL.md for the format and the default policy.

mod limits;
mod rule;
pub mod spec;
mod who;

#[cfg(test)]
mod tests;

pub use limits::IdentityLimits;

use crate::config::Config;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::schema::Schema;
use limits::LimitTable;
use rule::Rule;
use std::fmt;
use thiserror::Error;

/// A configuration error in the access rules or limits, naming the rule.
#[derive(Debug, Error)]
pub enum AclError {
    /// An `[[acl]]` table is wrong.
    #[error("acl rule #{number}: {message}")]
    Rule {
        /// 1-based position of the `[[acl]]` table.
        number: usize,
        /// What is wrong.
        message: String,
    },
    /// A `[[limits.by]]` table is wrong.
    #[error("limits.by #{number}: {message}")]
    Limit {
        /// 1-based position of the `[[limits.by]]` table.
        number: usize,
        /// What is wrong.
        message: String,
    },
    /// The suffix or rootdn does not parse.
    #[error("{0}")]
    Dn(String),
}

/// The identity a connection is bound as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No bind, or an anonymous simple bind.
    Anonymous,
    /// The configured rootdn.
    Root(Dn),
    /// An entry in the directory that bound with its userPassword.
    User(Dn),
}

impl Identity {
    /// The bound DN as a string ("" for anonymous), as WhoAmI and logs show it.
    pub fn dn_string(&self) -> String {
        match self {
            Identity::Anonymous => String::new(),
            Identity::Root(d) | Identity::User(d) => d.to_string(),
        }
    }

    /// True for the rootdn.
    pub fn is_root(&self) -> bool {
        matches!(self, Identity::Root(_))
    }
}

/// Access levels, each including the ones before it (slapd's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    /// Nothing at all.
    None,
    /// May learn that an entry exists through error codes.
    Disclose,
    /// May use the value to authenticate (bind).
    Auth,
    /// May compare values.
    Compare,
    /// May use the attribute in search filters.
    Search,
    /// May read values.
    Read,
    /// May change values.
    Write,
}

/// A set of privileges a rule grants: a level name grants that level and every
/// one below it; slapd's `=xw` form grants exactly the letters given (so `self`
/// can change its password, `w`, and bind with it, `x`, without reading it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privileges(u8);

const LEVELS: [(AccessLevel, char, &str); 7] = [
    (AccessLevel::None, '0', "none"),
    (AccessLevel::Disclose, 'd', "disclose"),
    (AccessLevel::Auth, 'x', "auth"),
    (AccessLevel::Compare, 'c', "compare"),
    (AccessLevel::Search, 's', "search"),
    (AccessLevel::Read, 'r', "read"),
    (AccessLevel::Write, 'w', "write"),
];

impl Privileges {
    /// No privilege at all.
    pub const NONE: Privileges = Privileges(0);

    fn bit(level: AccessLevel) -> u8 {
        match level {
            AccessLevel::None => 0,
            l => 1 << (l as u8),
        }
    }

    /// `level` and every level below it.
    pub fn up_to(level: AccessLevel) -> Privileges {
        Privileges(
            LEVELS
                .iter()
                .filter(|(l, _, _)| *l <= level)
                .fold(0, |acc, (l, _, _)| acc | Self::bit(*l)),
        )
    }

    /// Whether `level` is granted (`None` always is).
    pub fn allows(self, level: AccessLevel) -> bool {
        self.0 & Self::bit(level) == Self::bit(level)
    }

    /// Only the privileges present in both.
    pub fn intersect(self, other: Privileges) -> Privileges {
        Privileges(self.0 & other.0)
    }

    /// Parse `write` (cumulative) or `=xw` (exact letters d x c s r w).
    pub fn parse(s: &str) -> Option<Privileges> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(letters) = s.strip_prefix('=') {
            let mut bits = 0;
            for c in letters.chars() {
                let (l, _, _) = LEVELS.iter().skip(1).find(|(_, ch, _)| *ch == c)?;
                bits |= Self::bit(*l);
            }
            return Some(Privileges(bits));
        }
        LEVELS
            .iter()
            .find(|(_, _, name)| *name == s)
            .map(|(l, _, _)| Privileges::up_to(*l))
    }
}

impl fmt::Display for Privileges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((_, _, name)) = LEVELS
            .iter()
            .find(|(l, _, _)| Privileges::up_to(*l) == *self)
        {
            return f.write_str(name);
        }
        f.write_str("=")?;
        for (l, c, _) in LEVELS.iter().skip(1) {
            if self.allows(*l) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// What is being accessed: a whole entry, one attribute of it, or the right to add
/// or remove children below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The entry itself (slapd's `entry` pseudo-attribute).
    Entry,
    /// One attribute (canonical name).
    Attr(&'a str),
    /// Adding or deleting children (slapd's `children`).
    Children,
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Entry => f.write_str("entry"),
            Target::Attr(a) => f.write_str(a),
            Target::Children => f.write_str("children"),
        }
    }
}

/// What the policy may read from the directory while deciding: the schema (for
/// rule filters) and entries by DN (group entries such as a domain's cn=postmaster).
pub struct Lookup<'a> {
    /// The schema filters are evaluated with; None disables filtered rules.
    pub schema: Option<&'a Schema>,
    /// Fetch an entry, bypassing access control (the policy's own reads).
    pub get: &'a dyn Fn(&Dn) -> Option<Entry>,
}

/// The level one decision granted and what decided it (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The privileges granted.
    pub granted: Privileges,
    /// 1-based number of the deciding rule; None = rootdn or no rule matched.
    pub rule: Option<usize>,
    /// 1-based number of the deciding `by` clause inside the rule.
    pub by: Option<usize>,
}

/// The access policy: compiled rules and per-identity limits.
#[derive(Debug, Clone)]
pub struct AccessControl {
    rootdn: Dn,
    rules: Vec<Rule>,
    anonymous_read: bool,
    limits: LimitTable,
}

impl AccessControl {
    /// Compile the policy of `config`. With a schema, attribute names in `attrs` must
    /// be defined (and are canonicalised); without one (config validation) they are
    /// taken as written.
    pub fn from_config(config: &Config, schema: Option<&Schema>) -> Result<Self, AclError> {
        let rootdn = Dn::parse(&config.rootdn).map_err(|e| AclError::Dn(format!("rootdn: {e}")))?;
        let suffix = Dn::parse(&config.suffix).map_err(|e| AclError::Dn(format!("suffix: {e}")))?;
        let mut rules = Vec::new();
        for (i, spec) in config.acl.iter().enumerate() {
            rules.push(
                Rule::compile(i + 1, spec, &suffix, schema).map_err(|message| AclError::Rule {
                    number: i + 1,
                    message,
                })?,
            );
        }
        let limits = LimitTable::compile(&config.limits, &suffix)
            .map_err(|(number, message)| AclError::Limit { number, message })?;
        Ok(AccessControl {
            rootdn,
            rules,
            anonymous_read: config.anonymous_read,
            limits,
        })
    }

    /// The configured rootdn.
    pub fn rootdn(&self) -> &Dn {
        &self.rootdn
    }

    /// Search limits for `who`.
    pub fn limits_for(&self, who: &Identity) -> IdentityLimits {
        self.limits.for_identity(who)
    }

    /// May `who` have `level` access to `target` of the entry named `dn`? `entry` is
    /// the entry when the caller holds it (search results, an entry being added);
    /// otherwise rules with a filter fetch it through `lookup`.
    pub fn can(
        &self,
        who: &Identity,
        dn: &Dn,
        entry: Option<&Entry>,
        target: Target<'_>,
        level: AccessLevel,
        lookup: &Lookup<'_>,
    ) -> bool {
        let d = self.decide(who, dn, entry, target, lookup);
        let granted = d.granted.allows(level);
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

    /// The level `who` has on `target` of `dn`, and the rule and clause that decided.
    pub fn decide(
        &self,
        who: &Identity,
        dn: &Dn,
        entry: Option<&Entry>,
        target: Target<'_>,
        lookup: &Lookup<'_>,
    ) -> Decision {
        if who.is_root() {
            return Decision {
                granted: Privileges::up_to(AccessLevel::Write),
                rule: None,
                by: None,
            };
        }
        // The entry for filtered rules: the caller's, else fetched once, lazily.
        let mut fetched: Option<Option<Entry>> = None;
        let mut get_entry = || -> Option<Entry> {
            if let Some(e) = entry {
                return Some(e.clone());
            }
            fetched.get_or_insert_with(|| (lookup.get)(dn)).clone()
        };
        for rule in &self.rules {
            let Some(captures) = rule.covers(dn, target, &mut get_entry, lookup.schema) else {
                continue;
            };
            for (i, by) in rule.by.iter().enumerate() {
                if by.who.matches(who, dn, &captures, lookup.get) {
                    let mut granted = by.level;
                    if !self.anonymous_read && matches!(who, Identity::Anonymous) {
                        // anonymous_read = false: anonymous clients may bind, nothing more.
                        granted = granted.intersect(Privileges::up_to(AccessLevel::Auth));
                    }
                    return Decision {
                        granted,
                        rule: Some(rule.number),
                        by: Some(i + 1),
                    };
                }
            }
            return Decision {
                granted: Privileges::NONE,
                rule: Some(rule.number),
                by: None,
            };
        }
        Decision {
            granted: Privileges::NONE,
            rule: None,
            by: None,
        }
    }
}
