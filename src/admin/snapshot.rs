//! The mail entries of the hosted domains as read over LDAP, and where an address
//! ends up the way Postfix resolves it: account, alias (and its targets), the domain's
//! catch-all, an external address, a local recipient, or nowhere.

use super::error::AdminError;
use super::session::{first, has_class, values, Session};
use super::tree::{same_dn, Tree};
use crate::dn::Dn;
use crate::entry::Entry;
use ldap3::{Scope, SearchEntry};
use std::collections::BTreeMap;

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

/// Loaded domains; a domain's entries are read on first use.
pub struct Snapshot {
    /// Every hosted domain, sorted.
    pub domains: Vec<String>,
    loaded: BTreeMap<String, Vec<MailEntry>>,
    with_passwords: bool,
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

    /// The domains a listing asked for (checked and hosted), or every hosted domain.
    pub fn select(&self, domains: &[String]) -> Result<Vec<String>, AdminError> {
        if domains.is_empty() {
            return Ok(self.domains.clone());
        }
        let mut out = Vec::new();
        for d in domains {
            let d = super::tree::check_domain(d)?;
            if !self.is_hosted(&d) {
                return Err(AdminError::Invalid(format!(
                    "{d} is not a hosted domain here: add it with `mailldap domain add {d}`"
                )));
            }
            out.push(d);
        }
        Ok(out)
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

    /// The entries of each of `domains` (as [`Snapshot::select`] checks them) that
    /// `keep` keeps, sorted by address within each domain: what a listing shows.
    pub fn listed(
        &mut self,
        session: &mut Session,
        domains: &[String],
        keep: impl Fn(&MailEntry) -> bool,
    ) -> Result<Vec<MailEntry>, AdminError> {
        let mut out = Vec::new();
        for d in self.select(domains)? {
            let mut entries: Vec<MailEntry> = self
                .load(session, &d)?
                .iter()
                .filter(|e| keep(e))
                .cloned()
                .collect();
            entries.sort_by_key(|e| e.address().to_ascii_lowercase());
            out.extend(entries);
        }
        Ok(out)
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

    /// True when the domain's entries have been read.
    pub fn is_loaded(&self, domain: &str) -> bool {
        self.loaded.contains_key(&domain.to_ascii_lowercase())
    }

    /// A snapshot made from entries at hand (tests of the resolution rules): the
    /// domains of `entries` count as loaded, the other `domains` as not read yet.
    #[cfg(test)]
    pub fn from_entries(domains: &[&str], entries: Vec<MailEntry>) -> Snapshot {
        let mut loaded: BTreeMap<String, Vec<MailEntry>> = BTreeMap::new();
        for e in entries {
            loaded.entry(e.domain.clone()).or_default().push(e);
        }
        Snapshot {
            domains: domains.iter().map(|d| d.to_string()).collect(),
            loaded,
            with_passwords: false,
        }
    }
}
