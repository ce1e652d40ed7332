//! Access control: who may do what to which entry and attribute.
//!
//! This first cut hard-codes the article's policy; the configurable rule list of
//! issue 3 replaces `AccessControl::can` without changing its callers.

use crate::dn::Dn;

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

/// The access policy.
#[derive(Debug, Clone)]
pub struct AccessControl {
    rootdn: Dn,
}

impl AccessControl {
    /// The built-in policy for a server whose administrator is `rootdn`.
    pub fn new(rootdn: Dn) -> Self {
        AccessControl { rootdn }
    }

    /// The configured rootdn.
    pub fn rootdn(&self) -> &Dn {
        &self.rootdn
    }

    /// May `who` have `level` access to `target` of the entry named `dn`?
    pub fn can(&self, who: &Identity, dn: &Dn, target: Target<'_>, level: AccessLevel) -> bool {
        if who.is_root() {
            return true;
        }
        let is_self = matches!(who, Identity::User(d) if d.same_as(dn));
        match target {
            Target::Attr(a) if a.eq_ignore_ascii_case("userPassword") => {
                let max = if is_self {
                    AccessLevel::Write
                } else if matches!(who, Identity::Anonymous) {
                    AccessLevel::Auth
                } else {
                    AccessLevel::None
                };
                level <= max
            }
            _ => level <= AccessLevel::Read,
        }
    }
}
