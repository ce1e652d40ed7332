//! The access policy as the configuration file spells it: the `[[acl]]` and
//! `[[limits.by]]` tables, and [`AclPolicy`], everything the policy is compiled from.
//! `AccessControl::compile` (with rule.rs, who.rs and limits.rs) turns them into
//! checked, ready-to-match rules; the configuration only fills these types in.

use serde::Deserialize;

/// Everything the access policy is compiled from, in the configuration's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclPolicy {
    /// The administrator DN, which always has write.
    pub rootdn: String,
    /// The naming context; `${suffix}` in rules and limits stands for it.
    pub suffix: String,
    /// The `[[acl]]` rules, first match wins.
    pub rules: Vec<RuleSpec>,
    /// False: anonymous clients may bind but read nothing (grants cut to `auth`).
    pub anonymous_read: bool,
    /// Search limits per identity.
    pub limits: LimitsSpec,
}

/// The search limits: defaults for anonymous and bound clients, then overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsSpec {
    /// Entries one anonymous search may return (0 = unlimited).
    pub anonymous_size: usize,
    /// Entries one search by a bound user other than the rootdn may return.
    pub user_size: usize,
    /// Seconds one search by a non-root client may run.
    pub time_secs: u64,
    /// `[[limits.by]]` overrides, first match wins.
    pub by: Vec<LimitSpec>,
}

/// One `[[acl]]` table: slapd's `access to <what> by <who> <level> ...`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The entry with this DN and everything below it (slapd `dn.subtree`).
    pub dn_subtree: Option<String>,
    /// Exactly the entry with this DN (slapd `dn.base`).
    pub dn_base: Option<String>,
    /// A regular expression over the normalised DN (lower case, no spaces after
    /// commas); named captures such as `(?P<domain>[^,]+)` feed `${domain}` in `by`.
    pub dn_regex: Option<String>,
    /// An LDAP filter the target entry must match (slapd `filter=`).
    pub filter: Option<String>,
    /// Attributes the rule covers, plus the pseudo-attributes `entry` and `children`
    /// (slapd `attrs=`); absent means all of them.
    pub attrs: Option<Vec<String>>,
    /// Who gets which level; the first matching clause decides.
    #[serde(default)]
    pub by: Vec<BySpec>,
}

/// One `by <who> <level>` clause.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BySpec {
    /// `anonymous`, `users`, `self`, `rootdn`, `*`, `dn:<dn>`, `dnpattern:<regex>` or
    /// `group:<dn>@<attr>`; `${capture}` and `${suffix}` are substituted.
    pub who: String,
    /// `none`, `disclose`, `auth`, `compare`, `search`, `read` or `write`.
    pub level: String,
}

/// One `[[limits.by]]` table: slapd's `limits <who> size=N time=N`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// `anonymous`, `users`, `*`, `dn:<dn>` or `dnpattern:<regex>`.
    pub who: String,
    /// Entries one search may return (0 = unlimited); absent keeps the default.
    pub size: Option<usize>,
    /// Seconds one search may run (0 = unlimited); absent keeps the default.
    pub time: Option<u64>,
}
