//! Mail stays in its domain: below `o=<domain>`, a `mail` value must be an address of
//! that domain or its catch-all (`@domain`), for everyone but the rootdn. Without it
//! a postmaster of one domain could add `mail: new@other.example` (or the catch-all
//! `@other.example`) under its own domain and Postfix would deliver the other
//! domain's mail there; slapd's ACLs cannot express this, so mailldap checks it on
//! every add, modify and rename (config: `mail_in_own_domain`).

use super::DirectoryView;
use crate::dn::Dn;
use crate::entry::{ModOp, Modification};
use crate::error::{LdapError, ResultCode};

/// The attribute whose values Postfix routes by.
const MAIL: &str = "mail";

/// The hosted domain an entry at `dn` belongs to: the value of its nearest `o=`
/// ancestor (or itself) that names a DNS domain (has a dot), as in the article's tree.
pub fn hosted_domain(dn: &Dn) -> Option<String> {
    dn.rdns.iter().find_map(|rdn| {
        rdn.avas
            .iter()
            .find(|a| {
                (a.attr.eq_ignore_ascii_case("o") || a.attr == "2.5.4.10") && a.value.contains('.')
            })
            .map(|a| a.value.to_ascii_lowercase())
    })
}

/// Whether `value` is an address of `domain` or its catch-all.
fn in_domain(value: &[u8], domain: &str) -> bool {
    let value = String::from_utf8_lossy(value);
    value
        .rsplit_once('@')
        .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
}

impl DirectoryView<'_> {
    /// Whether the rule applies to this identity at all.
    fn mail_rule_applies(&self) -> bool {
        self.state.config.mail_in_own_domain && !self.who.is_root()
    }

    /// Refuse `values` of `attr` for an entry at `dn` when one of them is mail of
    /// another domain.
    pub(super) fn check_mail_values<'v>(
        &self,
        dn: &Dn,
        attr: &str,
        values: impl IntoIterator<Item = &'v Vec<u8>>,
    ) -> Result<(), LdapError> {
        if !self.mail_rule_applies() || !self.canonical(attr).eq_ignore_ascii_case(MAIL) {
            return Ok(());
        }
        let Some(domain) = hosted_domain(dn) else {
            return Ok(());
        };
        match values.into_iter().find(|v| !in_domain(v, &domain)) {
            None => Ok(()),
            Some(v) => Err(LdapError::new(
                ResultCode::ConstraintViolation,
                format!(
                    "mail: {} is not an address of {domain}: below o={domain} only {domain} addresses and its catch-all @{domain} may be added",
                    String::from_utf8_lossy(v)
                ),
            )),
        }
    }

    /// The rule for the values a modify adds or replaces (removing mail captures none).
    pub(super) fn check_mail_mods(&self, dn: &Dn, mods: &[Modification]) -> Result<(), LdapError> {
        mods.iter()
            .filter(|m| matches!(m.op, ModOp::Add | ModOp::Replace))
            .try_for_each(|m| self.check_mail_values(dn, &m.attr, &m.values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_the_nearest_dotted_o() {
        let dn = Dn::parse("mail=a@d1.example,o=d1.example,o=hosting,dc=x").unwrap();
        assert_eq!(hosted_domain(&dn).as_deref(), Some("d1.example"));
        let dn = Dn::parse("o=D2.Example,o=hosting,dc=x").unwrap();
        assert_eq!(hosted_domain(&dn).as_deref(), Some("d2.example"));
        assert_eq!(hosted_domain(&Dn::parse("o=hosting,dc=x").unwrap()), None);
    }

    #[test]
    fn addresses_and_catch_alls_of_the_domain_only() {
        assert!(in_domain(b"User@D1.example", "d1.example"));
        assert!(in_domain(b"@d1.example", "d1.example"));
        assert!(!in_domain(b"user@d2.example", "d1.example"));
        assert!(!in_domain(b"@d2.example", "d1.example"));
        assert!(!in_domain(b"postmaster", "d1.example"));
    }
}
