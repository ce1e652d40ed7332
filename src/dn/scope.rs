//! Search scopes: which entries a search covers relative to its base DN.

use super::Dn;

/// Which entries a search covers relative to its base (RFC 4511 plus `Children`,
/// the subordinate scope of draft-sermersheim-ldap-subordinate-scope).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// The base entry alone.
    Base,
    /// The direct children of the base.
    OneLevel,
    /// The base and everything below it.
    Subtree,
    /// Everything below the base, without the base.
    Children,
}

/// Whether `dn` lies within `scope` of `base`.
pub fn in_scope(dn: &Dn, base: &Dn, scope: Scope) -> bool {
    match scope {
        Scope::Base => dn.same_as(base),
        Scope::OneLevel => dn.depth() == base.depth() + 1 && dn.is_within(base),
        Scope::Subtree => dn.is_within(base),
        Scope::Children => dn.depth() > base.depth() && dn.is_within(base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_relative_to_a_base() {
        let base = Dn::parse("o=hosting,dc=example").unwrap();
        let child = Dn::parse("o=d1,o=hosting,dc=example").unwrap();
        let grandchild = Dn::parse("mail=a@d1,o=d1,o=hosting,dc=example").unwrap();
        assert!(in_scope(&base, &base, Scope::Base));
        assert!(!in_scope(&child, &base, Scope::Base));
        assert!(in_scope(&child, &base, Scope::OneLevel));
        assert!(!in_scope(&grandchild, &base, Scope::OneLevel));
        assert!(in_scope(&base, &base, Scope::Subtree));
        assert!(in_scope(&grandchild, &base, Scope::Subtree));
        assert!(!in_scope(&base, &base, Scope::Children));
        assert!(in_scope(&grandchild, &base, Scope::Children));
    }
}
