//! `mailldap postmaster grant|revoke|list`: a domain's administrators are the
//! roleOccupant values of its cn=postmaster entry (the article's delegation). Under the
//! default policy only the rootdn writes them, and only the domain's postmasters and the
//! rootdn see them.

use super::domain::{occupant_name, require_domain};
use super::error::{AdminError, Op};
use super::output::{col, Output};
use super::session::{has_class, values, Session};
use super::tree::{check_address, check_domain, same_dn};
use clap::Subcommand;
use ldap3::Mod;
use serde_json::{json, Map};
use std::collections::HashSet;

/// What to do with postmasters.
#[derive(Subcommand, Debug)]
pub enum PostmasterAction {
    /// Make an account a postmaster of its domain (or of --domain).
    Grant {
        /// The account's address (or any entry's DN).
        who: String,
        /// The domain to administer (default: the address's own).
        #[arg(long)]
        domain: Option<String>,
    },
    /// Take postmaster rights away (also for entries that no longer exist).
    Revoke {
        /// The address or DN, as `postmaster list` shows it.
        who: String,
        /// The domain (default: the address's own).
        #[arg(long)]
        domain: Option<String>,
    },
    /// The postmasters of a domain.
    List {
        /// The domain.
        domain: String,
    },
}

/// Runs a postmaster command.
pub fn run(s: &mut Session, action: PostmasterAction, out: &Output) -> Result<(), AdminError> {
    match action {
        PostmasterAction::Grant { who, domain } => grant(s, &who, domain.as_deref(), out),
        PostmasterAction::Revoke { who, domain } => revoke(s, &who, domain.as_deref(), out),
        PostmasterAction::List { domain } => list(s, &check_domain(&domain)?, out),
    }
}

/// The DN `who` names and the domain meant: an address gives its account DN and, by
/// default, its own domain; a DN needs --domain unless it lies in a domain.
fn target(s: &Session, who: &str, domain: Option<&str>) -> Result<(String, String), AdminError> {
    let tree = &s.settings.tree;
    let (dn, own) = if who.contains('=') {
        (who.to_string(), tree.domain_of(who))
    } else {
        let a = check_address(who)?;
        (tree.mail_dn(who, &a.domain), Some(a.domain))
    };
    let domain = match domain {
        Some(d) => check_domain(d)?,
        None => own.ok_or_else(|| {
            AdminError::Invalid(format!("{who} lies in no domain: say which with --domain"))
        })?,
    };
    Ok((dn, domain))
}

/// The postmaster entry's DN and its roleOccupant values, as far as the caller sees them.
fn postmaster_entry(s: &mut Session, domain: &str) -> Result<(String, Vec<String>), AdminError> {
    require_domain(s, domain)?;
    let dn = s.settings.tree.postmaster_dn(domain);
    match s.entry(&dn, &["roleOccupant"])? {
        Some(e) => Ok((dn, values(&e, "roleOccupant"))),
        None => Err(AdminError::Invalid(format!(
            "{domain} has no postmaster entry ({dn}): create it with `mailldap domain repair {domain}`"
        ))),
    }
}

fn grant(s: &mut Session, who: &str, domain: Option<&str>, out: &Output) -> Result<(), AdminError> {
    let (dn, domain) = target(s, who, domain)?;
    let (pm, occupants) = postmaster_entry(s, &domain)?;
    match s.entry(&dn, &["objectClass"])? {
        Some(e) if has_class(&e, "CourierMailAccount") || who.contains('=') => {}
        Some(_) => {
            return Err(AdminError::Invalid(format!(
                "{who} is not an account (an alias cannot bind): grant an account"
            )))
        }
        None => {
            return Err(AdminError::Invalid(format!(
                "there is no account {who} ({dn}): add it with `mailldap account add {who}`"
            )))
        }
    }
    if occupants.iter().any(|o| same_dn(o, &dn)) {
        return Err(AdminError::Invalid(format!(
            "{who} is a postmaster of {domain} already"
        )));
    }
    let op = Op::rootdn(format!("grant {who} postmaster rights for {domain}"));
    s.modify(
        &pm,
        vec![Mod::Add("roleOccupant".into(), HashSet::from([dn.clone()]))],
        &op,
    )?;
    out.done(
        &format!(
            "{who} is now a postmaster of {domain}: it may add, change and remove the accounts \
             and aliases of {domain}, binding with its own address and password"
        ),
        json!({"domain": domain, "granted": dn}),
    );
    Ok(())
}

fn revoke(
    s: &mut Session,
    who: &str,
    domain: Option<&str>,
    out: &Output,
) -> Result<(), AdminError> {
    let (dn, domain) = target(s, who, domain)?;
    let (pm, occupants) = postmaster_entry(s, &domain)?;
    // The value as stored (spelling of a DN can differ), or ours when the caller cannot
    // see the values (the server then decides).
    let stored = match occupants.iter().find(|o| same_dn(o, &dn)) {
        Some(o) => o.clone(),
        None if !occupants.is_empty() || s.settings.is_root() => {
            return Err(AdminError::Invalid(format!(
                "{who} is not a postmaster of {domain}"
            )))
        }
        None => dn.clone(),
    };
    let op = Op::rootdn(format!(
        "revoke the postmaster rights of {who} for {domain}"
    ));
    s.modify(
        &pm,
        vec![Mod::Delete("roleOccupant".into(), HashSet::from([stored]))],
        &op,
    )?;
    out.done(
        &format!("{who} is no longer a postmaster of {domain}"),
        json!({"domain": domain, "revoked": dn}),
    );
    Ok(())
}

fn list(s: &mut Session, domain: &str, out: &Output) -> Result<(), AdminError> {
    let (_, occupants) = postmaster_entry(s, domain)?;
    if occupants.is_empty() && !s.settings.is_root() {
        out.note(&format!(
            "note: the postmasters of {domain} are visible only to themselves and the rootdn"
        ));
    }
    let mut rows = Vec::new();
    for o in &occupants {
        let exists = s.entry(o, &["1.1"])?.is_some();
        let mut row = Map::new();
        row.insert("address".into(), json!(occupant_name(o)));
        row.insert("dn".into(), json!(o));
        row.insert("exists".into(), json!(exists));
        rows.push(row);
    }
    let cols = [
        col("address", "POSTMASTER"),
        col("exists", "EXISTS"),
        col("dn", "DN"),
    ];
    out.list(&cols, rows);
    Ok(())
}
