//! The access rules as the configuration file spells them (`[[acl]]` and
//! `[[limits.by]]` tables). `compile.rs` turns them into checked, ready-to-match rules.

use serde::Deserialize;

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
