//! The mail entries of the hosted domains as read over LDAP, and where an address
//! ends up the way Postfix resolves it: account, alias (and its targets), the domain's
//! catch-all, an external address, a local recipient, or nowhere.

use super::error::AdminError;
use super::session::{first, has_class, values, Session};
use super::tree::{same_dn, Tree};
use crate::dn::Dn;
use crate::entry::Entry;
use ldap3::{Scope, SearchEntry};
use std::collections::{BTreeMap, HashSet};

/// What a mail entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CourierMailAccount: a mailbox.
    Account,
    /// CourierMailAlias: forwards to its maildrop values.
    Alias,
    /// cn=postmaster: the domain's postmaster alias and admin role.
    Postmaster,
    /// mail=@domain: takes mail for addresses nothing else has.
    CatchAll,
}

impl Kind {
    /// The kind with its article, for sentences ("an alias").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Account => "an account",
            Kind::Alias => "an alias",
            Kind::Postmaster => "the postmaster entry",
            Kind::CatchAll => "a catch-all",
        }
    }

    /// The word shown in listings.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Alias => "alias",
            Kind::Postmaster => "postmaster",
            Kind::CatchAll => "catch-all",
        }
    }
}

/// One account, alias, catch-all or postmaster entry.
#[derive(Debug, Clone)]
pub struct MailEntry {
    /// Its DN as the server spells it.
    pub dn: String,
    /// The hosted domain it lies in.
    pub domain: String,
    /// What it is.
    pub kind: Kind,
    /// Its mail values.
    pub mail: Vec<String>,
    /// cn.
    pub cn: Option<String>,
    /// Forwarding targets.
    pub maildrop: Vec<String>,
    /// homeDirectory.
    pub home: Option<String>,
    /// mailbox.
    pub mailbox: Option<String>,
    /// uidNumber and gidNumber.
    pub ids: (Option<String>, Option<String>),
    /// roleOccupant values (postmaster entries; visible to its postmasters and the rootdn).
    pub occupants: Vec<String>,
    /// userPassword values (only when asked for and readable: the rootdn).
    pub passwords: Vec<String>,
    /// disableimap=1 and disablepop3=1: what `account disable` sets.
    pub disabled: bool,
}

/// The attributes every listing reads.
pub const MAIL_ATTRS: &[&str] = &[
    "objectClass",
    "mail",
    "cn",
    "maildrop",
    "homeDirectory",
    "mailbox",
    "uidNumber",
    "gidNumber",
    "roleOccupant",
    "disableimap",
    "disablepop3",
];

/// The entries that carry mail below a domain.
const MAIL_FILTER: &str =
    "(|(objectClass=CourierMailAccount)(objectClass=CourierMailAlias)(cn=postmaster))";

impl MailEntry {
    fn from_search(tree: &Tree, e: &SearchEntry) -> Option<MailEntry> {
        let domain = tree.domain_of(&e.dn)?;
        let mail = values(e, "mail");
        let is_postmaster = e.dn.to_ascii_lowercase().starts_with("cn=postmaster,");
        let kind = if has_class(e, "CourierMailAccount") {
            Kind::Account
        } else if is_postmaster {
            Kind::Postmaster
        } else if mail.iter().any(|m| m.starts_with('@')) {
            Kind::CatchAll
        } else if has_class(e, "CourierMailAlias") {
            Kind::Alias
        } else {
            return None;
        };
        let flag = |a: &str| first(e, a).is_some_and(|v| v.trim() == "1");
        Some(MailEntry {
            dn: e.dn.clone(),
            domain,
            kind,
            cn: first(e, "cn"),
            maildrop: values(e, "maildrop"),
            home: first(e, "homeDirectory"),
            mailbox: first(e, "mailbox"),
            ids: (first(e, "uidNumber"), first(e, "gidNumber")),
            occupants: values(e, "roleOccupant"),
            passwords: values(e, "userPassword"),
            disabled: crate::printconfig::DISABLE_ATTRS.iter().all(|a| flag(a)),
            mail,
        })
    }

    /// The address shown for it: its first mail value (or the DN when it has none).
    pub fn address(&self) -> String {
        self.mail
            .first()
            .cloned()
            .unwrap_or_else(|| self.dn.clone())
    }

    /// True when one of its mail values is `addr` (case-insensitively, as mail matches).
    pub fn has_mail(&self, addr: &str) -> bool {
        self.mail.iter().any(|m| m.eq_ignore_ascii_case(addr))
    }

    /// The Maildir path, as the server's mailbox guard computes it.
    pub fn mailbox_path(&self) -> Option<String> {
        let mut e = Entry::new(Dn::root());
        for (attr, v) in [("mailbox", &self.mailbox), ("homeDirectory", &self.home)] {
            if let Some(v) = v {
                e.add_values(attr, [v.clone().into_bytes()]);
            }
        }
        crate::directory::mailbox_path(&e)
    }
}

/// Where one address goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Delivered into this account (its DN).
    Account(String),
    /// An alias: forwarded to these targets.
    Alias(Vec<String>),
    /// No entry has it, the domain's catch-all takes it: forwarded to these targets.
    CatchAll(Vec<String>),
    /// A domain not hosted here: delivered over SMTP.
    External,
    /// No `@`: a recipient on the mail host itself.
    Local,
    /// A hosted domain, no entry, no catch-all: the mail bounces.
    Nowhere,
}

/// Loaded domains; a domain's entries are read on first use.
pub struct Snapshot {
    /// Every hosted domain, sorted.
    pub domains: Vec<String>,
    loaded: BTreeMap<String, Vec<MailEntry>>,
    with_passwords: bool,
}

/// The outcome of following an alias's targets.
#[derive(Debug, Default)]
pub struct Walk {
    /// A chain of addresses that leads back to the start (start first and last).
    pub loop_path: Option<Vec<String>>,
    /// Direct targets that resolve nowhere.
    pub dangling: Vec<String>,
}

impl Snapshot {
    /// Reads the list of hosted domains (the `o=` entries below the hosting base).
    /// `with_passwords` also reads userPassword when entries are loaded.
    pub fn new(session: &mut Session, with_passwords: bool) -> Result<Snapshot, AdminError> {
        let tree = session.settings.tree.clone();
        let found = session
            .search(
                &tree.hosting,
                Scope::OneLevel,
                "(objectClass=organization)",
                &["o"],
            )?
            .ok_or_else(|| {
                AdminError::Invalid(format!(
                    "the hosting base {} does not exist on {}",
                    tree.hosting, session.settings.uri
                ))
            })?;
        let mut domains: Vec<String> = found.iter().filter_map(|e| tree.domain_of(&e.dn)).collect();
        domains.sort();
        Ok(Snapshot {
            domains,
            loaded: BTreeMap::new(),
            with_passwords,
        })
    }

    /// True when `domain` is hosted here.
    pub fn is_hosted(&self, domain: &str) -> bool {
        self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
    }

    /// Reads a domain's mail entries (once).
    pub fn load(
        &mut self,
        session: &mut Session,
        domain: &str,
    ) -> Result<&[MailEntry], AdminError> {
        let domain = domain.to_ascii_lowercase();
        if !self.loaded.contains_key(&domain) {
            let tree = session.settings.tree.clone();
            let mut attrs = MAIL_ATTRS.to_vec();
            if self.with_passwords {
                attrs.push("userPassword");
            }
            let found = session
                .search(
                    &tree.domain_dn(&domain),
                    Scope::Subtree,
                    MAIL_FILTER,
                    &attrs,
                )?
                .unwrap_or_default();
            let entries = found
                .iter()
                .filter_map(|e| MailEntry::from_search(&tree, e))
                .collect();
            self.loaded.insert(domain.clone(), entries);
        }
        Ok(self.loaded.get(&domain).map(Vec::as_slice).unwrap_or(&[]))
    }

    /// Reads every hosted domain.
    pub fn load_all(&mut self, session: &mut Session) -> Result<(), AdminError> {
        for d in self.domains.clone() {
            self.load(session, &d)?;
        }
        Ok(())
    }

    /// The loaded entries of one domain.
    pub fn entries(&self, domain: &str) -> &[MailEntry] {
        self.loaded
            .get(&domain.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every loaded entry.
    pub fn all(&self) -> impl Iterator<Item = &MailEntry> {
        self.loaded.values().flatten()
    }

    /// The loaded entry whose mail is `addr`.
    pub fn by_mail(&self, addr: &str) -> Option<&MailEntry> {
        self.all().find(|e| e.has_mail(addr))
    }

    /// True when some entry (loaded or not) has this DN: loaded domains are looked up
    /// here, anything else is asked of the server.
    pub fn dn_exists(&self, session: &mut Session, dn: &str) -> Result<bool, AdminError> {
        let tree = &session.settings.tree;
        if let Some(d) = tree.domain_of(dn) {
            if self.loaded.contains_key(&d) && !same_dn(dn, &tree.domain_dn(&d)) {
                return Ok(self.entries(&d).iter().any(|e| same_dn(&e.dn, dn)));
            }
        }
        Ok(session.entry(dn, &["1.1"])?.is_some())
    }

    /// Where `target` goes next, or `Err(domain)` when that hosted domain must be
    /// loaded first.
    pub fn resolve(&self, target: &str) -> Result<Resolution, String> {
        let Some((_, domain)) = target.rsplit_once('@') else {
            return Ok(Resolution::Local);
        };
        let domain = domain.to_ascii_lowercase();
        if !self.is_hosted(&domain) {
            return Ok(Resolution::External);
        }
        if !self.loaded.contains_key(&domain) {
            return Err(domain);
        }
        let entries = self.entries(&domain);
        if let Some(e) = entries.iter().find(|e| e.has_mail(target)) {
            return Ok(match e.kind {
                Kind::Account => Resolution::Account(e.dn.clone()),
                _ => Resolution::Alias(e.maildrop.clone()),
            });
        }
        match entries.iter().find(|e| e.kind == Kind::CatchAll) {
            Some(c) if !target.starts_with('@') => Ok(Resolution::CatchAll(c.maildrop.clone())),
            _ => Ok(Resolution::Nowhere),
        }
    }

    /// Follows `targets` as the new targets of `start`: a chain back to `start` is a
    /// loop; direct targets that resolve nowhere are dangling. `Err(domain)`: load it.
    pub fn walk(&self, start: &str, targets: &[String]) -> Result<Walk, String> {
        let mut walk = Walk::default();
        let mut seen = HashSet::new();
        for t in targets {
            if self.resolve(t)? == Resolution::Nowhere {
                walk.dangling.push(t.clone());
            }
            if walk.loop_path.is_none() {
                let mut path = vec![start.to_string()];
                walk.loop_path = self.find_loop(start, t, &mut path, &mut seen)?;
            }
        }
        Ok(walk)
    }

    fn find_loop(
        &self,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut HashSet<String>,
    ) -> Result<Option<Vec<String>>, String> {
        path.push(at.to_string());
        if at.eq_ignore_ascii_case(start) {
            return Ok(Some(path.clone()));
        }
        if seen.insert(at.to_ascii_lowercase()) {
            let next = match self.resolve(at)? {
                Resolution::Alias(next) => next,
                // The catch-all is a hop of its own: setting one can loop through it.
                Resolution::CatchAll(_) => {
                    vec![format!("@{}", at.rsplit('@').next().unwrap_or(""))]
                }
                _ => Vec::new(),
            };
            for n in &next {
                if let Some(found) = self.find_loop(start, n, path, seen)? {
                    return Ok(Some(found));
                }
            }
        }
        path.pop();
        Ok(None)
    }

    /// [`walk`](Self::walk), loading the domains it reaches from the server.
    pub fn walk_loading(
        &mut self,
        session: &mut Session,
        start: &str,
        targets: &[String],
    ) -> Result<Walk, AdminError> {
        loop {
            match self.walk(start, targets) {
                Ok(w) => return Ok(w),
                Err(domain) => {
                    self.load(session, &domain)?;
                }
            }
        }
    }

    /// Like [`resolve`](Self::resolve), loading the domain it needs.
    pub fn resolve_loading(
        &mut self,
        session: &mut Session,
        target: &str,
    ) -> Result<Resolution, AdminError> {
        loop {
            match self.resolve(target) {
                Ok(r) => return Ok(r),
                Err(domain) => {
                    self.load(session, &domain)?;
                }
            }
        }
    }
}

/// How a target is described after `alias add`: "account", "alias -> a, b", ...
pub fn describe(r: &Resolution, target: &str) -> String {
    match r {
        Resolution::Account(_) => "account".into(),
        Resolution::Alias(t) => format!("alias -> {}", t.join(", ")),
        Resolution::CatchAll(t) => format!(
            "no such address, taken by the catch-all of {} -> {}",
            target.rsplit('@').next().unwrap_or(""),
            t.join(", ")
        ),
        Resolution::External => "external address, delivered over SMTP".into(),
        Resolution::Local => {
            "local recipient on the mail host (/etc/aliases or a shell account)".into()
        }
        Resolution::Nowhere => "resolves nowhere: mail to it bounces".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(domain: &str, kind: Kind, mail: &str, drops: &[&str]) -> MailEntry {
        MailEntry {
            dn: format!("mail={mail},o={domain},o=hosting,dc=x"),
            domain: domain.into(),
            kind,
            mail: vec![mail.into()],
            cn: None,
            maildrop: drops.iter().map(|s| s.to_string()).collect(),
            home: None,
            mailbox: None,
            ids: (None, None),
            occupants: Vec::new(),
            passwords: Vec::new(),
            disabled: false,
        }
    }

    fn snapshot() -> Snapshot {
        let mut loaded = BTreeMap::new();
        loaded.insert(
            "a.example".to_string(),
            vec![
                entry("a.example", Kind::Account, "u@a.example", &[]),
                entry("a.example", Kind::Alias, "x@a.example", &["y@a.example"]),
                entry("a.example", Kind::Alias, "y@a.example", &["x@a.example"]),
            ],
        );
        Snapshot {
            domains: vec!["a.example".into(), "b.example".into()],
            loaded,
            with_passwords: false,
        }
    }

    #[test]
    fn resolution_follows_postfix() {
        let s = snapshot();
        assert_eq!(
            s.resolve("U@A.example"),
            Ok(Resolution::Account(
                "mail=u@a.example,o=a.example,o=hosting,dc=x".into()
            ))
        );
        assert_eq!(s.resolve("nobody@a.example"), Ok(Resolution::Nowhere));
        assert_eq!(s.resolve("someone@else.example"), Ok(Resolution::External));
        assert_eq!(s.resolve("root"), Ok(Resolution::Local));
        assert_eq!(s.resolve("z@b.example"), Err("b.example".into()));
    }

    #[test]
    fn walk_reports_loops_back_to_the_start_and_dangling_targets() {
        let s = snapshot();
        let w = s
            .walk(
                "n@a.example",
                &["x@a.example".into(), "gone@a.example".into()],
            )
            .unwrap();
        // x <-> y loop among themselves but never reach n: not n's loop.
        assert_eq!(w.loop_path, None);
        assert_eq!(w.dangling, vec!["gone@a.example".to_string()]);
        let w = s.walk("y@a.example", &["x@a.example".into()]).unwrap();
        assert_eq!(
            w.loop_path,
            Some(vec![
                "y@a.example".into(),
                "x@a.example".into(),
                "y@a.example".into()
            ])
        );
    }

    #[test]
    fn a_catch_all_catches_unknown_addresses() {
        let mut s = snapshot();
        if let Some(v) = s.loaded.get_mut("a.example") {
            v.push(entry(
                "a.example",
                Kind::CatchAll,
                "@a.example",
                &["u@a.example"],
            ));
        }
        assert_eq!(
            s.resolve("nobody@a.example"),
            Ok(Resolution::CatchAll(vec!["u@a.example".into()]))
        );
        let w = s.walk("@a.example", &["other@a.example".into()]).unwrap();
        assert!(w.loop_path.is_some(), "{w:?}");
    }
}
