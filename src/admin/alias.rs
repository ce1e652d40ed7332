//! `mailldap alias add|list|remove`: forwarding addresses (CourierMailAlias entries,
//! `maildrop` holding one value per target). Adding reports where each target goes,
//! refuses loops and, unless forced, targets that resolve nowhere.

use super::domain::require_domain;
use super::error::{AdminError, Op};
use super::output::{col, Output};
use super::resolve::describe;
use super::session::{Attrs, Session};
use super::snapshot::{Kind, Snapshot};
use super::tree::{check_address, parse_target, Address};
use clap::Subcommand;
use ldap3::Mod;
use serde_json::{json, Map};
use std::collections::HashSet;

/// What to do with aliases.
#[derive(Subcommand, Debug)]
pub enum AliasAction {
    /// Create ADDRESS forwarding to TARGET..., or add targets to an existing alias.
    /// A target without @ is a local recipient on the mail host (like /etc/aliases).
    Add {
        /// The alias address.
        address: String,
        /// Where its mail goes.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Accept targets in hosted domains that resolve nowhere (yet).
        #[arg(long)]
        force: bool,
    },
    /// Aliases (with postmaster and catch-all entries) of the given domains, or all.
    List {
        /// Domains to list (default: every hosted domain).
        domains: Vec<String>,
    },
    /// Remove targets from an alias, or (without targets) the whole alias.
    Remove {
        /// The alias address.
        address: String,
        /// Targets to remove; removing the last one removes the alias.
        targets: Vec<String>,
    },
}

/// The attributes of a forwarding entry, as the demo tree has them: organizationalRole
/// (structural, needs only cn) + CourierMailAlias.
pub fn alias_attrs(cn: &str, mail: &str, targets: &[&str]) -> Attrs {
    vec![
        (
            "objectClass",
            vec![
                "top".into(),
                "organizationalRole".into(),
                "CourierMailAlias".into(),
            ],
        ),
        ("cn", vec![cn.to_string()]),
        ("mail", vec![mail.to_string()]),
        ("maildrop", targets.iter().map(|t| t.to_string()).collect()),
    ]
}

/// Runs an alias command.
pub fn run(s: &mut Session, action: AliasAction, out: &Output) -> Result<(), AdminError> {
    match action {
        AliasAction::Add {
            address,
            targets,
            force,
        } => {
            let a = check_address(&address)?;
            let op = Op::in_domain(format!("change the alias {a}"), &a.domain);
            let change = Change {
                mail: &a.to_string(),
                domain: &a.domain,
                cn: &a.local,
                targets: &targets,
                replace: false,
                force,
            };
            set_targets(s, &change, &op, out)
        }
        AliasAction::List { domains } => list(s, &domains, out),
        AliasAction::Remove { address, targets } => {
            remove(s, &check_address(&address)?, &targets, out)
        }
    }
}

/// A change of a forwarding entry's targets.
pub struct Change<'a> {
    /// The entry's mail value (`info@example.org`, `@example.org`).
    pub mail: &'a str,
    /// Its domain.
    pub domain: &'a str,
    /// The cn a new entry gets.
    pub cn: &'a str,
    /// The targets given.
    pub targets: &'a [String],
    /// Replace the stored targets (catch-all set) instead of adding to them.
    pub replace: bool,
    /// Accept targets that resolve nowhere.
    pub force: bool,
}

/// Adds (or with `replace` sets) the targets of a forwarding entry, creating it when
/// needed, after checking loops and dangling targets. Shared with `catchall set`.
pub fn set_targets(s: &mut Session, c: &Change, op: &Op, out: &Output) -> Result<(), AdminError> {
    let (mail, domain, cn) = (c.mail, c.domain, c.cn);
    require_domain(s, domain)?;
    let parsed = c
        .targets
        .iter()
        .map(|t| parse_target(t).map(|p| p.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut snap = Snapshot::new(s, false)?;
    snap.load(s, domain)?;
    let existing = snap.by_mail(mail).cloned();
    if let Some(e) = &existing {
        if e.kind == Kind::Account {
            return Err(AdminError::Invalid(format!(
                "{mail} is an account ({}), not an alias",
                e.dn
            )));
        }
    }
    let have: Vec<String> = match &existing {
        Some(e) if !c.replace => e.maildrop.clone(),
        _ => Vec::new(),
    };
    let new: Vec<String> = parsed
        .iter()
        .filter(|t| !have.iter().any(|h| h.eq_ignore_ascii_case(t)))
        .cloned()
        .collect();
    if new.is_empty() {
        return Err(AdminError::Invalid(format!(
            "{mail} forwards to {} already",
            parsed.join(", ")
        )));
    }
    let all: Vec<String> = have.iter().chain(&new).cloned().collect();
    check_walk(s, &mut snap, c, &all, &new)?;
    match &existing {
        Some(e) => {
            let values: HashSet<String> = new.iter().cloned().collect();
            let m = if c.replace {
                Mod::Replace("maildrop".into(), values)
            } else {
                Mod::Add("maildrop".into(), values)
            };
            s.modify(&e.dn, vec![m], op)?;
        }
        None => {
            let dn = s.settings.tree.mail_dn(mail, domain);
            let refs: Vec<&str> = new.iter().map(String::as_str).collect();
            s.add(&dn, alias_attrs(cn, mail, &refs), op)?;
        }
    }
    let verb = if existing.is_some() {
        "now forwards"
    } else {
        "created, forwards"
    };
    let (lines, described) = describe_all(s, &mut snap, &all)?;
    out.done(
        &format!("{mail} {verb} to:\n{}", lines.join("\n")),
        json!({"alias": mail, "targets": described}),
    );
    Ok(())
}

/// Refuses a loop back to the entry, and (unless forced) new targets that resolve nowhere.
fn check_walk(
    s: &mut Session,
    snap: &mut Snapshot,
    c: &Change,
    all: &[String],
    new: &[String],
) -> Result<(), AdminError> {
    let walk = snap.walk_loading(s, c.mail, all)?;
    if let Some(path) = walk.loop_path {
        return Err(AdminError::Invalid(format!(
            "refused: {} would be a forwarding loop (Postfix bounces such mail)",
            path.join(" -> ")
        )));
    }
    let dangling: Vec<&str> = walk
        .dangling
        .iter()
        .filter(|d| new.contains(d))
        .map(String::as_str)
        .collect();
    if !dangling.is_empty() && !c.force {
        return Err(AdminError::Invalid(format!(
            "refused: {} resolve(s) nowhere: no account or alias has that address and its \
             domain has no catch-all, so mail to it would bounce (create it first, or pass --force)",
            dangling.join(", ")
        )));
    }
    Ok(())
}

/// Each target with where it goes: aligned lines for people, objects for `--json`.
fn describe_all(
    s: &mut Session,
    snap: &mut Snapshot,
    all: &[String],
) -> Result<(Vec<String>, Vec<serde_json::Value>), AdminError> {
    let mut described = Vec::new();
    for t in all {
        let r = snap.resolve_loading(s, t)?;
        described.push((t.clone(), describe(&r, t)));
    }
    let width = described
        .iter()
        .map(|(t, _)| t.chars().count())
        .max()
        .unwrap_or(0);
    let lines = described
        .iter()
        .map(|(t, kind)| format!("  {t}{}  {kind}", " ".repeat(width - t.chars().count())))
        .collect();
    let objects = described
        .iter()
        .map(|(t, kind)| json!({"target": t, "kind": kind}))
        .collect();
    Ok((lines, objects))
}

fn list(s: &mut Session, domains: &[String], out: &Output) -> Result<(), AdminError> {
    let mut snap = Snapshot::new(s, false)?;
    let mut rows = Vec::new();
    for e in snap.listed(s, domains, |e| e.kind != Kind::Account)? {
        let mut row = Map::new();
        row.insert("address".into(), json!(e.address()));
        row.insert("kind".into(), json!(e.kind.word()));
        row.insert("targets".into(), json!(e.maildrop));
        rows.push(row);
    }
    let cols = [
        col("address", "ADDRESS"),
        col("kind", "KIND"),
        col("targets", "TARGETS"),
    ];
    out.list(&cols, rows);
    Ok(())
}

fn remove(
    s: &mut Session,
    a: &Address,
    targets: &[String],
    out: &Output,
) -> Result<(), AdminError> {
    require_domain(s, &a.domain)?;
    let mail = a.to_string();
    let mut snap = Snapshot::new(s, false)?;
    snap.load(s, &a.domain)?;
    let Some(e) = snap.by_mail(&mail).cloned() else {
        return Err(AdminError::Invalid(format!("there is no alias {mail}")));
    };
    let op = Op::in_domain(format!("change the alias {mail}"), &a.domain);
    match e.kind {
        Kind::Account => {
            return Err(AdminError::Invalid(format!(
                "{mail} is an account: use `mailldap account remove {mail}`"
            )))
        }
        Kind::Postmaster if targets.is_empty() => {
            return Err(AdminError::Invalid(format!(
                "{mail} is the domain's postmaster entry, which every domain must have \
                 (RFC 2142): change its targets, or remove the domain"
            )))
        }
        _ => {}
    }
    let mut gone = Vec::new();
    for t in targets {
        match e.maildrop.iter().find(|m| m.eq_ignore_ascii_case(t)) {
            Some(stored) => gone.push(stored.clone()),
            None => {
                return Err(AdminError::Invalid(format!(
                    "{mail} does not forward to {t} (its targets: {})",
                    e.maildrop.join(", ")
                )))
            }
        }
    }
    let left: Vec<&String> = e.maildrop.iter().filter(|m| !gone.contains(m)).collect();
    if targets.is_empty() || (left.is_empty() && e.kind != Kind::Postmaster) {
        s.delete(
            &e.dn,
            &Op::in_domain(format!("remove the alias {mail}"), &a.domain),
        )?;
        let why = if targets.is_empty() {
            ""
        } else {
            " (it had no other target)"
        };
        out.done(
            &format!("removed the alias {mail}{why}"),
            json!({"alias": mail, "removed": true}),
        );
        return Ok(());
    }
    if left.is_empty() {
        return Err(AdminError::Invalid(format!(
            "{mail} needs at least one target: add the new one before removing the last"
        )));
    }
    s.modify(
        &e.dn,
        vec![Mod::Delete(
            "maildrop".into(),
            gone.iter().cloned().collect(),
        )],
        &op,
    )?;
    let left: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
    out.done(
        &format!("{mail} now forwards to: {}", left.join(", ")),
        json!({"alias": mail, "targets": left}),
    );
    Ok(())
}
