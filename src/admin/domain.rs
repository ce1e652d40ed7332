//! `mailldap domain add|list|show|repair|remove`: a hosted domain is `o=<domain>` with
//! its `cn=postmaster` (mail postmaster@domain, so Postfix finds it) and its abuse
//! alias (RFC 2142), as the article says every domain must have.

use super::alias::alias_attrs;
use super::error::{AdminError, Op};
use super::output::{col, Output};
use super::session::Session;
use super::snapshot::{Kind, MailEntry, Snapshot};
use super::tree::check_domain;
use clap::Subcommand;
use ldap3::{Mod, Scope};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// What to do with domains.
#[derive(Subcommand, Debug)]
pub enum DomainAction {
    /// Create o=DOMAIN with its postmaster and abuse entries; refuses an existing domain.
    Add {
        /// The domain name, e.g. example.org.
        domain: String,
        /// Where postmaster@DOMAIN forwards (default: the local recipient postmaster).
        #[arg(long, default_value = "postmaster")]
        postmaster_to: String,
        /// Where abuse@DOMAIN forwards (default: the local recipient abuse).
        #[arg(long, default_value = "abuse")]
        abuse_to: String,
    },
    /// Every hosted domain with its number of accounts, aliases and postmasters.
    List,
    /// One domain: its postmaster, abuse and catch-all targets, postmasters, counts.
    Show {
        /// The domain name.
        domain: String,
    },
    /// Create whatever of the postmaster entry (and its mail value) and the abuse alias
    /// a domain lacks (what `doctor` asks for).
    Repair {
        /// The domain name.
        domain: String,
    },
    /// Remove a domain and everything below it; refuses while it has accounts unless
    /// --with-accounts (their mailboxes are then retired, as for any deleted account).
    Remove {
        /// The domain name.
        domain: String,
        /// Remove its accounts too.
        #[arg(long)]
        with_accounts: bool,
    },
}

/// Runs a domain command.
pub fn run(s: &mut Session, action: DomainAction, out: &Output) -> Result<(), AdminError> {
    match action {
        DomainAction::Add {
            domain,
            postmaster_to,
            abuse_to,
        } => add(s, &check_domain(&domain)?, &postmaster_to, &abuse_to, out),
        DomainAction::List => list(s, out),
        DomainAction::Show { domain } => show(s, &check_domain(&domain)?, out),
        DomainAction::Repair { domain } => repair(s, &check_domain(&domain)?, out),
        DomainAction::Remove {
            domain,
            with_accounts,
        } => remove(s, &check_domain(&domain)?, with_accounts, out),
    }
}

/// Fails unless `domain` is hosted (its o= entry exists).
pub fn require_domain(s: &mut Session, domain: &str) -> Result<(), AdminError> {
    let dn = s.settings.tree.domain_dn(domain);
    match s.entry(&dn, &["1.1"])? {
        Some(_) => Ok(()),
        None => Err(AdminError::Invalid(format!(
            "{domain} is not a hosted domain here (no {dn}): add it with `mailldap domain add {domain}`"
        ))),
    }
}

/// The article's postmaster entry: an organizationalRole (for roleOccupant) that is
/// also the postmaster@domain alias.
fn postmaster_attrs(domain: &str, target: &str) -> super::session::Attrs {
    alias_attrs("postmaster", &format!("postmaster@{domain}"), &[target])
}

fn add(
    s: &mut Session,
    domain: &str,
    postmaster_to: &str,
    abuse_to: &str,
    out: &Output,
) -> Result<(), AdminError> {
    super::tree::parse_target(postmaster_to)?;
    super::tree::parse_target(abuse_to)?;
    let tree = s.settings.tree.clone();
    let dn = tree.domain_dn(domain);
    if s.entry(&dn, &["1.1"])?.is_some() {
        return Err(AdminError::Invalid(format!(
            "the domain {domain} exists already ({dn})"
        )));
    }
    let org = vec![
        ("objectClass", vec!["top".into(), "organization".into()]),
        ("o", vec![domain.to_string()]),
    ];
    s.add(&dn, org, &Op::rootdn(format!("add the domain {domain}")))?;
    let abuse = format!("abuse@{domain}");
    let rest = [
        (
            tree.postmaster_dn(domain),
            postmaster_attrs(domain, postmaster_to),
        ),
        (
            tree.mail_dn(&abuse, domain),
            alias_attrs("abuse", &abuse, &[abuse_to]),
        ),
    ];
    let mut made = vec![dn.clone()];
    for (entry_dn, attrs) in rest {
        let op = Op::rootdn(format!("add {entry_dn}"));
        if let Err(e) = s.add(&entry_dn, attrs, &op) {
            // One step: what was created so far goes again (none of it has a mailbox).
            for m in made.iter().rev() {
                let _ = s.delete(m, &op);
            }
            return Err(e);
        }
        made.push(entry_dn);
    }
    out.done(
        &format!(
            "added domain {domain} ({dn})\n  postmaster@{domain} -> {postmaster_to}\n  \
             {abuse} -> {abuse_to}\nnext: mailldap account add USER@{domain}; \
             mailldap postmaster grant USER@{domain}"
        ),
        json!({"domain": domain, "dn": dn, "postmaster": postmaster_to, "abuse": abuse_to}),
    );
    Ok(())
}

/// Occupant addresses of a postmaster entry (the mail= value of each DN, else the DN).
pub fn occupant_names(e: &MailEntry) -> Vec<String> {
    e.occupants.iter().map(|dn| occupant_name(dn)).collect()
}

/// How one roleOccupant DN is shown: its mail= value, else the DN.
pub fn occupant_name(dn: &str) -> String {
    crate::dn::Dn::parse(dn)
        .ok()
        .and_then(|d| d.rdns.first().cloned())
        .and_then(|r| r.avas.into_iter().next())
        .filter(|a| a.attr.eq_ignore_ascii_case("mail"))
        .map(|a| a.value)
        .unwrap_or_else(|| dn.to_string())
}

/// Postmasters as shown to this caller: `None` when the caller cannot see them.
fn postmasters(s: &Session, entries: &[MailEntry]) -> Value {
    let pm = entries.iter().find(|e| e.kind == Kind::Postmaster);
    match pm {
        Some(e) if !e.occupants.is_empty() => json!(occupant_names(e)),
        _ if s.settings.is_root() => json!([]),
        _ => json!("(not visible to you)"),
    }
}

fn count(entries: &[MailEntry], kind: Kind) -> usize {
    entries.iter().filter(|e| e.kind == kind).count()
}

fn list(s: &mut Session, out: &Output) -> Result<(), AdminError> {
    let mut snap = Snapshot::new(s, false)?;
    let mut rows = Vec::new();
    for d in snap.domains.clone() {
        let entries = snap.load(s, &d)?.to_vec();
        let mut row = Map::new();
        row.insert("domain".into(), json!(d));
        row.insert("accounts".into(), json!(count(&entries, Kind::Account)));
        row.insert("aliases".into(), json!(count(&entries, Kind::Alias)));
        row.insert("postmasters".into(), postmasters(s, &entries));
        rows.push(row);
    }
    let cols = [
        col("domain", "DOMAIN"),
        col("accounts", "ACCOUNTS"),
        col("aliases", "ALIASES"),
        col("postmasters", "POSTMASTERS"),
    ];
    out.list(&cols, rows);
    Ok(())
}

fn targets_of(entries: &[MailEntry], pred: impl Fn(&MailEntry) -> bool) -> Value {
    match entries.iter().find(|e| pred(e)) {
        Some(e) => json!(e.maildrop),
        None => Value::Null,
    }
}

fn show(s: &mut Session, domain: &str, out: &Output) -> Result<(), AdminError> {
    require_domain(s, domain)?;
    let mut snap = Snapshot::new(s, false)?;
    let entries = snap.load(s, domain)?.to_vec();
    let abuse = format!("abuse@{domain}");
    let fields = [
        (col("domain", "domain"), json!(domain)),
        (col("dn", "dn"), json!(s.settings.tree.domain_dn(domain))),
        (
            col("accounts", "accounts"),
            json!(count(&entries, Kind::Account)),
        ),
        (
            col("aliases", "aliases"),
            json!(count(&entries, Kind::Alias)),
        ),
        (
            col("postmaster", "postmaster to"),
            targets_of(&entries, |e| e.kind == Kind::Postmaster),
        ),
        (
            col("abuse", "abuse to"),
            targets_of(&entries, |e| e.has_mail(&abuse)),
        ),
        (
            col("catchall", "catch-all to"),
            targets_of(&entries, |e| e.kind == Kind::CatchAll),
        ),
        (col("postmasters", "postmasters"), postmasters(s, &entries)),
    ];
    out.record(&fields);
    Ok(())
}

fn repair(s: &mut Session, domain: &str, out: &Output) -> Result<(), AdminError> {
    require_domain(s, domain)?;
    let tree = s.settings.tree.clone();
    let mut snap = Snapshot::new(s, false)?;
    let entries = snap.load(s, domain)?.to_vec();
    let pm_mail = format!("postmaster@{domain}");
    let abuse = format!("abuse@{domain}");
    let op = Op::rootdn(format!("repair the domain {domain}"));
    let mut done = Vec::new();
    match entries.iter().find(|e| e.kind == Kind::Postmaster) {
        None => {
            s.add(
                &tree.postmaster_dn(domain),
                postmaster_attrs(domain, "postmaster"),
                &op,
            )?;
            done.push(format!(
                "added {} ({pm_mail} -> postmaster)",
                tree.postmaster_dn(domain)
            ));
        }
        Some(e) if !e.has_mail(&pm_mail) => {
            let mut mods = vec![Mod::Add(
                "mail".to_string(),
                HashSet::from([pm_mail.clone()]),
            )];
            let entry = s.entry(&e.dn, &["objectClass"])?;
            if !entry.is_some_and(|x| super::session::has_class(&x, "CourierMailAlias")) {
                mods.push(Mod::Add(
                    "objectClass".into(),
                    HashSet::from(["CourierMailAlias".into()]),
                ));
            }
            if e.maildrop.is_empty() {
                mods.push(Mod::Add(
                    "maildrop".into(),
                    HashSet::from(["postmaster".into()]),
                ));
            }
            s.modify(&e.dn, mods, &op)?;
            done.push(format!("gave {} the mail value {pm_mail}", e.dn));
        }
        Some(_) => {}
    }
    if !entries.iter().any(|e| e.has_mail(&abuse)) {
        s.add(
            &tree.mail_dn(&abuse, domain),
            alias_attrs("abuse", &abuse, &["abuse"]),
            &op,
        )?;
        done.push(format!("added the alias {abuse} -> abuse"));
    }
    let message = if done.is_empty() {
        format!("{domain} has its postmaster and abuse entries: nothing to repair")
    } else {
        format!("repaired {domain}:\n  {}", done.join("\n  "))
    };
    out.done(&message, json!({"domain": domain, "changes": done}));
    Ok(())
}

fn remove(
    s: &mut Session,
    domain: &str,
    with_accounts: bool,
    out: &Output,
) -> Result<(), AdminError> {
    require_domain(s, domain)?;
    let dn = s.settings.tree.domain_dn(domain);
    let mut snap = Snapshot::new(s, false)?;
    let accounts: Vec<String> = snap
        .load(s, domain)?
        .iter()
        .filter(|e| e.kind == Kind::Account)
        .map(MailEntry::address)
        .collect();
    if !accounts.is_empty() && !with_accounts {
        let shown: Vec<&str> = accounts.iter().take(5).map(String::as_str).collect();
        return Err(AdminError::Invalid(format!(
            "the domain {domain} still has {} account(s) ({}{}): remove them first with \
             `mailldap account remove`, or pass --with-accounts to remove them with the domain \
             (their mailboxes are retired: no new account gets their Maildir until \
             `mailldap release-mailbox`)",
            accounts.len(),
            shown.join(", "),
            if accounts.len() > 5 { ", ..." } else { "" }
        )));
    }
    let mut below = s
        .search(&dn, Scope::Subtree, "(objectClass=*)", &["1.1"])?
        .unwrap_or_default();
    // The postmaster entry first: under the default policy only the rootdn may delete
    // it, so a caller who may not remove the domain is refused before anything is gone.
    // Then leaves first: the server removes only entries without children.
    let pm = s.settings.tree.postmaster_dn(domain);
    below.sort_by_key(|e| {
        let first = super::tree::same_dn(&e.dn, &pm);
        (!first, std::cmp::Reverse(e.dn.matches(',').count()))
    });
    let op = Op::rootdn(format!("remove the domain {domain}"));
    for e in &below {
        s.delete(&e.dn, &op)?;
    }
    let retired = if accounts.is_empty() {
        String::new()
    } else {
        format!(
            "; the mailboxes of its {} account(s) are retired (see `mailldap retired-mailboxes`)",
            accounts.len()
        )
    };
    out.done(
        &format!(
            "removed the domain {domain} ({} entries){retired}",
            below.len()
        ),
        json!({"domain": domain, "entries": below.len(), "accounts": accounts}),
    );
    Ok(())
}
