//! Access control: who may do what to which entry and attribute.
//!
//! An ordered list of rules (`[[acl]]`, compiled from [`spec::AclPolicy`], which the
//! configuration fills in; acl/ never reads the configuration itself), evaluated like
//! slapd's `access to <what> by <who> <level>`: the first rule whose `what` covers
//! the target decides, and inside it the first `by` clause naming the identity;
//! no matching clause (or no matching rule) means no access. The rootdn always has
//! write. See docs/ACL.md for the format and the default policy.
//!
//! Deciding for one entry goes through [`EntryAccess`] (from
//! [`AccessControl::for_entry`]): each rule's DN pattern and filter are matched against
//! the entry once, and each attribute then only checks the rules' `attrs` and `by`.

mod covering;
mod entry_access;
mod level;
mod limits;
mod rule;
pub mod spec;
mod who;

#[cfg(test)]
mod entry_access_tests;
#[cfg(test)]
mod tests;

pub use entry_access::EntryAccess;
pub use level::{AccessLevel, Privileges};
pub use limits::IdentityLimits;

use crate::dn::Dn;
use crate::entry::Entry;
use crate::schema::Schema;
use covering::Covering;
use limits::LimitTable;
use rule::Rule;
use spec::AclPolicy;
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

/// The bound DN ("" for anonymous), written only when a log line is (an info line
/// that is filtered out then costs nothing).
impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Identity::Anonymous => Ok(()),
            Identity::Root(d) | Identity::User(d) => d.fmt(f),
        }
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
    /// The attributes the rules' filters read, or None when one reads them all.
    filters_read: Option<Vec<String>>,
    anonymous_read: bool,
    limits: LimitTable,
    /// The rules that may cover each attribute name (built with a schema).
    covering: Option<Covering>,
}

impl AccessControl {
    /// Compile `policy`. With a schema, attribute names in `attrs` must be defined
    /// (and are canonicalised); without one (config validation) they are taken as
    /// written.
    pub fn compile(policy: &AclPolicy, schema: Option<&Schema>) -> Result<Self, AclError> {
        let rootdn = Dn::parse(&policy.rootdn).map_err(|e| AclError::Dn(format!("rootdn: {e}")))?;
        let suffix = Dn::parse(&policy.suffix).map_err(|e| AclError::Dn(format!("suffix: {e}")))?;
        let mut rules = Vec::new();
        for (i, spec) in policy.rules.iter().enumerate() {
            rules.push(
                Rule::compile(i + 1, spec, &suffix, schema).map_err(|message| AclError::Rule {
                    number: i + 1,
                    message,
                })?,
            );
        }
        let limits = LimitTable::compile(&policy.limits, &suffix)
            .map_err(|(number, message)| AclError::Limit { number, message })?;
        let filters_read = rules
            .iter()
            .filter_map(|r| r.filter.as_ref())
            .map(|f| f.attributes_read())
            .try_fold(Vec::new(), |mut all, read| {
                all.extend(read?.into_iter().map(String::from));
                Some(all)
            });
        let covering = schema.and_then(|s| Covering::new(&rules, s));
        Ok(AccessControl {
            rootdn,
            rules,
            filters_read,
            anonymous_read: policy.anonymous_read,
            limits,
            covering,
        })
    }

    /// The configured rootdn.
    pub fn rootdn(&self) -> &Dn {
        &self.rootdn
    }

    /// The attributes of a target entry the decisions read (those the rules' filters
    /// name; the DN is always read): an entry decoded with only these and the ones
    /// the caller needs is decided as the whole one. None when a filter reads all.
    pub fn attributes_read(&self) -> Option<&[String]> {
        self.filters_read.as_deref()
    }

    /// Search limits for `who`.
    pub fn limits_for(&self, who: &Identity) -> IdentityLimits {
        self.limits.for_identity(who)
    }

    /// The decisions `who` gets on the entry named `dn`, for any number of targets.
    /// `entry` is the entry when the caller holds it (search results, an entry being
    /// added); otherwise rules with a filter fetch it through `lookup`, once.
    pub fn for_entry<'a>(
        &'a self,
        who: &'a Identity,
        dn: &'a Dn,
        entry: Option<&'a Entry>,
        lookup: &'a Lookup<'a>,
    ) -> EntryAccess<'a> {
        EntryAccess::new(self, who, dn, entry, lookup)
    }

    /// May `who` have `level` access to `target` of the entry named `dn`? One
    /// decision of [`AccessControl::for_entry`], logged at debug level.
    pub fn can(
        &self,
        who: &Identity,
        dn: &Dn,
        entry: Option<&Entry>,
        target: Target<'_>,
        level: AccessLevel,
        lookup: &Lookup<'_>,
    ) -> bool {
        self.for_entry(who, dn, entry, lookup).allows(target, level)
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
        self.for_entry(who, dn, entry, lookup).decide(target)
    }
}
