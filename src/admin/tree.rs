//! The article's tree shape as the administration commands see it (one `o=<domain>` per
//! hosted domain below `o=hosting,<suffix>`, entries named `mail=<address>`), and the
//! rules an address, a domain name or an alias target must follow before anything is
//! sent to the server.

use super::error::AdminError;
use crate::dn::{Dn, Rdn};

/// Where things live in the directory.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The directory suffix (`dc=myhosting,dc=example`).
    pub suffix: String,
    /// The hosting base, `o=hosting,<suffix>` in the article.
    pub hosting: String,
    /// The server's rootdn, to tell the rootdn from a postmaster in messages.
    pub rootdn: String,
}

/// A mail address split at its last `@`; the domain is kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The local part as given (mail matches case-insensitively, so case is kept).
    pub local: String,
    /// The domain, lower case.
    pub domain: String,
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// What an alias forwards to: an address, or (no `@`) a local recipient on the mail
/// host (an /etc/aliases name or a shell account, like the article's `postmaster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `user@domain`.
    Address(Address),
    /// A local name without a domain.
    Local(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Address(a) => write!(f, "{a}"),
            Target::Local(l) => f.write_str(l),
        }
    }
}

/// RFC 5322 atext: the characters of a Dot-string atom (RFC 5321 4.1.2).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Checks a local part as an RFC 5321 Dot-string of at most 64 octets.
pub fn check_local_part(local: &str) -> Result<(), AdminError> {
    let bad = |why: &str| Err(AdminError::Invalid(format!("local part {local:?} {why}")));
    if local.is_empty() {
        return bad("is empty");
    }
    if local.len() > 64 {
        return bad("is longer than 64 characters (RFC 5321 4.5.3.1.1)");
    }
    if local.starts_with('"') {
        return bad("is a quoted string: Postfix and Courier lookups do not handle those; use a plain address");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad("has a dot at the start, at the end or twice in a row (RFC 5321 Dot-string)");
    }
    if let Some(c) = local.chars().find(|c| *c != '.' && !is_atext(*c)) {
        return bad(&format!(
            "contains {c:?}, which RFC 5321 allows only inside quotes"
        ));
    }
    Ok(())
}

/// Checks and lower-cases a domain name: dot-separated LDH labels of 1 to 63
/// characters, at least two of them, 253 characters at most.
pub fn check_domain(domain: &str) -> Result<String, AdminError> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| Err(AdminError::Invalid(format!("domain {domain:?} {why}")));
    if d.is_empty() || d.len() > 253 {
        return bad("must have 1 to 253 characters");
    }
    if !d.contains('.') {
        return bad("needs at least two labels (like example.org)");
    }
    for label in d.split('.') {
        let ldh = label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if label.is_empty() || label.len() > 63 || !ldh {
            return bad("is not a host name: labels of letters, digits and '-', 1 to 63 each");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("has a label that starts or ends with '-'");
        }
    }
    Ok(d)
}

/// Checks an address `local@domain` and splits it.
pub fn check_address(addr: &str) -> Result<Address, AdminError> {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(AdminError::Invalid(format!(
            "{addr:?} is not a mail address (local@domain)"
        )));
    };
    check_local_part(local)?;
    let domain = check_domain(domain)?;
    Ok(Address {
        local: local.to_string(),
        domain,
    })
}

/// Reads an alias target: with `@` an address, without one a local recipient.
pub fn parse_target(s: &str) -> Result<Target, AdminError> {
    if s.contains('@') {
        return check_address(s).map(Target::Address);
    }
    check_local_part(s).map_err(|_| {
        AdminError::Invalid(format!(
            "{s:?} is neither an address (local@domain) nor a local recipient name"
        ))
    })?;
    Ok(Target::Local(s.to_string()))
}

impl Tree {
    /// The tree of the article below `suffix`.
    pub fn article(suffix: &str, rootdn: &str) -> Tree {
        Tree {
            suffix: suffix.to_string(),
            hosting: format!("o=hosting,{suffix}"),
            rootdn: rootdn.to_string(),
        }
    }

    fn below(&self, base: &str, attr: &str, value: &str) -> String {
        let base = Dn::parse(base).unwrap_or_default();
        base.child(Rdn::new(attr, value)).to_string()
    }

    /// `o=<domain>,<hosting>`.
    pub fn domain_dn(&self, domain: &str) -> String {
        self.below(&self.hosting, "o", domain)
    }

    /// `cn=postmaster,o=<domain>,<hosting>`: the alias and the role of its admins.
    pub fn postmaster_dn(&self, domain: &str) -> String {
        self.below(&self.domain_dn(domain), "cn", "postmaster")
    }

    /// `mail=<address>,o=<domain>,<hosting>`: accounts, aliases and the catch-all.
    pub fn mail_dn(&self, address: &str, domain: &str) -> String {
        self.below(&self.domain_dn(domain), "mail", address)
    }

    /// The hosted domain an entry lies in: the `o=` value just below the hosting base.
    pub fn domain_of(&self, dn: &str) -> Option<String> {
        let dn = Dn::parse(dn).ok()?;
        let hosting = Dn::parse(&self.hosting).ok()?;
        if dn.depth() <= hosting.depth() || !dn.is_within(&hosting) {
            return None;
        }
        let rdn = &dn.rdns[dn.depth() - hosting.depth() - 1];
        let ava = rdn.avas.first()?;
        crate::dn::canonical_type(&ava.attr)
            .eq("o")
            .then(|| ava.value.to_ascii_lowercase())
    }

    /// True when `dn` names the rootdn.
    pub fn is_rootdn(&self, dn: &str) -> bool {
        match (Dn::parse(dn), Dn::parse(&self.rootdn)) {
            (Ok(a), Ok(b)) => a.same_as(&b),
            _ => false,
        }
    }
}

/// True when two DN strings name the same entry.
pub fn same_dn(a: &str, b: &str) -> bool {
    match (Dn::parse(a), Dn::parse(b)) {
        (Ok(a), Ok(b)) => a.same_as(&b),
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::article(
            "dc=myhosting,dc=example",
            "cn=Manager,dc=myhosting,dc=example",
        )
    }

    #[test]
    fn dns_follow_the_article() {
        let t = tree();
        assert_eq!(
            t.domain_dn("d.example"),
            "o=d.example,o=hosting,dc=myhosting,dc=example"
        );
        assert_eq!(
            t.postmaster_dn("d.example"),
            "cn=postmaster,o=d.example,o=hosting,dc=myhosting,dc=example"
        );
        assert_eq!(
            t.mail_dn("a+b@d.example", "d.example"),
            "mail=a\\+b@d.example,o=d.example,o=hosting,dc=myhosting,dc=example"
        );
        assert_eq!(
            t.domain_of("mail=x@d.example,o=D.example,o=hosting,dc=myhosting,dc=example"),
            Some("d.example".into())
        );
        assert_eq!(t.domain_of("o=hosting,dc=myhosting,dc=example"), None);
        assert!(t.is_rootdn("cn=manager, dc=myhosting,dc=example"));
    }

    #[test]
    fn local_parts_follow_rfc_5321_dot_string() {
        for ok in [
            "user",
            "first.last",
            "a+tag",
            "o'brien",
            "x_y-z",
            "#!$%&*=?^`{|}~",
        ] {
            assert!(check_local_part(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            (".a", "dot"),
            ("a.", "dot"),
            ("a..b", "dot"),
            ("a b", "' '"),
            ("a,b", "','"),
            ("\"q\"", "quoted"),
            (&"x".repeat(65), "64"),
        ] {
            let err = check_local_part(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn domains_are_host_names() {
        assert_eq!(check_domain("Example.ORG.").unwrap(), "example.org");
        for bad in ["localhost", "a..b", "-a.b", "a_b.c", "a.b-", ""] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_target_without_at_is_local() {
        assert_eq!(
            parse_target("postmaster").unwrap(),
            Target::Local("postmaster".into())
        );
        assert_eq!(
            parse_target("u@D.example").unwrap(),
            Target::Address(Address {
                local: "u".into(),
                domain: "d.example".into()
            })
        );
        assert!(parse_target("a b").is_err());
    }
}
