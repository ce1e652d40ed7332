//! `mailldap account add|list|show|passwd|disable|enable|remove`: mail accounts
//! (inetOrgPerson + CourierMailAccount), with homeDirectory, mailbox and uid/gid
//! derived from the client config and the password hashed by the server (Password
//! Modify), so the server's scheme applies.

use super::connect::new_password;
use super::domain::require_domain;
use super::error::{AdminError, Op};
use super::output::{col, Output};
use super::session::{first, values, Session};
use super::snapshot::{Kind, MailEntry, Snapshot};
use super::tree::{check_address, Address};
use clap::{Args, Subcommand};
use ldap3::{Mod, Scope};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::path::PathBuf;

/// Where a new password comes from.
#[derive(Args, Debug, Clone)]
pub struct NewPassword {
    /// Read the account's new password from FILE (its first line; - for standard input)
    /// instead of asking twice on the terminal.
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
    /// Let the server generate the password, and print it.
    #[arg(long, conflicts_with = "new_password_file")]
    pub generate_password: bool,
}

/// What to do with accounts.
#[derive(Subcommand, Debug)]
pub enum AccountAction {
    /// Create an account: homeDirectory, mailbox DOMAIN/LOCAL/ and uid/gid from the
    /// client config, the password hashed by the server.
    Add {
        /// The address, local@domain (the domain must be hosted).
        address: String,
        /// Full name (cn); default the local part.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        password: NewPassword,
    },
    /// Accounts of the given domains, or of all.
    List {
        /// Domains to list (default: every hosted domain).
        domains: Vec<String>,
    },
    /// One account: its mailbox, status, password scheme, aliases and roles.
    Show {
        /// The address.
        address: String,
    },
    /// Set a new password (the server hashes it).
    Passwd {
        /// The address.
        address: String,
        #[command(flatten)]
        password: NewPassword,
    },
    /// Refuse the account's logins and mail: Courier's disableimap/disablepop3, which
    /// print-config's Postfix and Dovecot filters honour too.
    Disable {
        /// The address.
        address: String,
    },
    /// Undo `disable`.
    Enable {
        /// The address.
        address: String,
    },
    /// Delete the account; the server retires its mailbox path.
    Remove {
        /// The address.
        address: String,
    },
}

/// Runs an account command.
pub fn run(s: &mut Session, action: AccountAction, out: &Output) -> Result<(), AdminError> {
    match action {
        AccountAction::Add {
            address,
            name,
            password,
        } => add(
            s,
            &check_address(&address)?,
            name.as_deref(),
            &password,
            out,
        ),
        AccountAction::List { domains } => list(s, &domains, out),
        AccountAction::Show { address } => show(s, &check_address(&address)?, out),
        AccountAction::Passwd { address, password } => {
            let a = check_address(&address)?;
            let e = account(s, &a)?;
            let generated = set_password(s, &a, &e.dn, &password)?;
            done_password(out, &format!("changed the password of {a}"), &a, generated);
            Ok(())
        }
        AccountAction::Disable { address } => disable(s, &check_address(&address)?, true, out),
        AccountAction::Enable { address } => disable(s, &check_address(&address)?, false, out),
        AccountAction::Remove { address } => remove(s, &check_address(&address)?, out),
    }
}

/// The account with address `a`, or an error saying what the address is instead.
fn account(s: &mut Session, a: &Address) -> Result<MailEntry, AdminError> {
    require_domain(s, &a.domain)?;
    let mut snap = Snapshot::new(s, s.settings.is_root())?;
    snap.load(s, &a.domain)?;
    match snap.by_mail(&a.to_string()) {
        Some(e) if e.kind == Kind::Account => Ok(e.clone()),
        Some(e) => Err(AdminError::Invalid(format!(
            "{a} is {}, not an account (see `mailldap alias list {}`)",
            e.kind.noun(),
            a.domain
        ))),
        None => Err(AdminError::Invalid(format!("there is no account {a}"))),
    }
}

fn set_password(
    s: &mut Session,
    a: &Address,
    dn: &str,
    p: &NewPassword,
) -> Result<Option<String>, AdminError> {
    let op = Op::in_domain(format!("set the password of {a}"), &a.domain);
    if p.generate_password {
        return s.set_password(dn, None, &op);
    }
    let pw = new_password(p.new_password_file.as_deref(), &a.to_string())?;
    s.set_password(dn, Some(&pw), &op)
}

fn done_password(out: &Output, message: &str, a: &Address, generated: Option<String>) {
    match generated {
        Some(pw) => out.done(
            &format!("{message}\npassword: {pw}"),
            json!({"address": a.to_string(), "generated_password": pw}),
        ),
        None => out.done(message, json!({"address": a.to_string()})),
    }
}

fn add(
    s: &mut Session,
    a: &Address,
    name: Option<&str>,
    password: &NewPassword,
    out: &Output,
) -> Result<(), AdminError> {
    require_domain(s, &a.domain)?;
    let addr = a.to_string();
    let tree = s.settings.tree.clone();
    let filter = format!("(mail={})", ldap3::ldap_escape(&addr));
    let taken = s.search(&tree.hosting, Scope::Subtree, &filter, &["1.1"])?;
    if let Some(e) = taken.and_then(|mut v| v.pop()) {
        return Err(AdminError::Invalid(format!(
            "{addr} is taken already, by {}",
            e.dn
        )));
    }
    // Asked before anything is written, so a mistyped password leaves nothing behind.
    let pw = if password.generate_password {
        None
    } else {
        Some(new_password(password.new_password_file.as_deref(), &addr)?)
    };
    let vmail = s.settings.vmail.clone();
    let mailbox = format!("{}/{}/", a.domain, a.local.to_ascii_lowercase());
    let cn = name.unwrap_or(&a.local).to_string();
    let sn = cn.split_whitespace().last().unwrap_or(&a.local).to_string();
    let dn = tree.mail_dn(&addr, &a.domain);
    let attrs = vec![
        (
            "objectClass",
            vec![
                "top".into(),
                "inetOrgPerson".into(),
                "CourierMailAccount".into(),
            ],
        ),
        ("cn", vec![cn]),
        ("sn", vec![sn]),
        ("mail", vec![addr.clone()]),
        ("homeDirectory", vec![vmail.home.clone()]),
        ("mailbox", vec![mailbox.clone()]),
        ("uidNumber", vec![vmail.uid.to_string()]),
        ("gidNumber", vec![vmail.gid.to_string()]),
    ];
    s.add(
        &dn,
        attrs,
        &Op::in_domain(format!("add the account {addr}"), &a.domain),
    )?;
    let op = Op::in_domain(format!("set the password of {addr}"), &a.domain);
    let generated = s.set_password(&dn, pw.as_deref(), &op).map_err(|e| {
        AdminError::Invalid(format!(
            "the account {addr} was created, but has no password: {e}; set one with \
             `mailldap account passwd {addr}`"
        ))
    })?;
    let home = vmail.home.trim_end_matches('/');
    done_password(
        out,
        &format!(
            "added account {addr}\n  dn:      {dn}\n  maildir: {home}/{mailbox} (uid {}, gid {})",
            vmail.uid, vmail.gid
        ),
        a,
        generated,
    );
    Ok(())
}

/// What `account list` shows of the disable flags.
fn status(e: &MailEntry) -> &'static str {
    if e.disabled {
        "disabled"
    } else {
        "active"
    }
}

fn list(s: &mut Session, domains: &[String], out: &Output) -> Result<(), AdminError> {
    let mut snap = Snapshot::new(s, false)?;
    let mut rows = Vec::new();
    for e in snap.listed(s, domains, |e| e.kind == Kind::Account)? {
        let mut row = Map::new();
        row.insert("address".into(), json!(e.address()));
        row.insert("name".into(), json!(e.cn));
        row.insert("maildir".into(), json!(e.mailbox_path()));
        row.insert("status".into(), json!(status(&e)));
        rows.push(row);
    }
    let cols = [
        col("address", "ADDRESS"),
        col("name", "NAME"),
        col("maildir", "MAILDIR"),
        col("status", "STATUS"),
    ];
    out.list(&cols, rows);
    Ok(())
}

fn show(s: &mut Session, a: &Address, out: &Output) -> Result<(), AdminError> {
    let e = account(s, a)?;
    let addr = a.to_string();
    let tree = s.settings.tree.clone();
    let password = if !s.settings.is_root() {
        json!("(only the rootdn reads it)")
    } else if e.passwords.is_empty() {
        json!("NONE: the account cannot log in")
    } else {
        let schemes: Vec<String> = e
            .passwords
            .iter()
            .map(|p| {
                crate::password::scheme_of(p.as_bytes())
                    .map_or("cleartext".into(), |t| format!("{{{t}}}"))
            })
            .collect();
        json!(schemes)
    };
    let filter = format!("(maildrop={})", ldap3::ldap_escape(&addr));
    let aliases: Vec<String> = s
        .search(&tree.hosting, Scope::Subtree, &filter, &["mail"])?
        .unwrap_or_default()
        .iter()
        .filter_map(|x| first(x, "mail"))
        .collect();
    let role = format!(
        "(&(cn=postmaster)(roleOccupant={}))",
        ldap3::ldap_escape(&e.dn)
    );
    let roles: Vec<String> = s
        .search(&tree.hosting, Scope::Subtree, &role, &["1.1"])?
        .unwrap_or_default()
        .iter()
        .filter_map(|x| tree.domain_of(&x.dn))
        .collect();
    let fields = [
        (col("address", "address"), json!(addr)),
        (col("dn", "dn"), json!(e.dn)),
        (col("name", "name"), json!(e.cn)),
        (col("home", "homeDirectory"), json!(e.home)),
        (col("mailbox", "mailbox"), json!(e.mailbox)),
        (col("maildir", "maildir"), json!(e.mailbox_path())),
        (
            col("uid", "uid/gid"),
            json!(format!(
                "{}/{}",
                e.ids.0.clone().unwrap_or_default(),
                e.ids.1.clone().unwrap_or_default()
            )),
        ),
        (col("status", "status"), json!(status(&e))),
        (col("password", "password"), password),
        (col("aliases", "aliases to it"), json!(aliases)),
        (col("postmaster_of", "postmaster of"), json!(roles)),
    ];
    out.record(&fields);
    Ok(())
}

fn disable(s: &mut Session, a: &Address, off: bool, out: &Output) -> Result<(), AdminError> {
    let e = account(s, a)?;
    let (verb, vals): (&str, HashSet<String>) = if off {
        ("disable", HashSet::from(["1".to_string()]))
    } else {
        ("enable", HashSet::new())
    };
    let mods = crate::printconfig::DISABLE_ATTRS
        .iter()
        .map(|attr| Mod::Replace(attr.to_string(), vals.clone()))
        .collect();
    s.modify(
        &e.dn,
        mods,
        &Op::in_domain(format!("{verb} the account {a}"), &a.domain),
    )?;
    let message = if off {
        format!(
            "disabled {a}: IMAP and POP3 logins are refused (Courier's disableimap/disablepop3) \
             and, with the filters of `mailldap print-config`, Postfix rejects its mail and \
             Dovecot its logins"
        )
    } else {
        format!("enabled {a}: it logs in and receives mail again")
    };
    out.done(&message, json!({"address": a.to_string(), "disabled": off}));
    Ok(())
}

fn remove(s: &mut Session, a: &Address, out: &Output) -> Result<(), AdminError> {
    let e = account(s, a)?;
    let addr = a.to_string();
    s.delete(
        &e.dn,
        &Op::in_domain(format!("remove the account {addr}"), &a.domain),
    )?;
    let tree = s.settings.tree.clone();
    let mut notes: Vec<Value> = Vec::new();
    // A later account with the same address must not inherit admin rights, so roles go
    // with the account where the caller may write them; otherwise say what is left.
    let role = format!(
        "(&(cn=postmaster)(roleOccupant={}))",
        ldap3::ldap_escape(&e.dn)
    );
    for pm in s
        .search(&tree.hosting, Scope::Subtree, &role, &["roleOccupant"])?
        .unwrap_or_default()
    {
        let stored: HashSet<String> = values(&pm, "roleOccupant")
            .into_iter()
            .filter(|o| super::tree::same_dn(o, &e.dn))
            .collect();
        let op = Op::rootdn(format!("revoke the postmaster rights of {addr}"));
        let domain = tree.domain_of(&pm.dn).unwrap_or_default();
        match s.modify(
            &pm.dn,
            vec![Mod::Delete("roleOccupant".into(), stored)],
            &op,
        ) {
            Ok(()) => notes.push(json!(format!("revoked its postmaster rights for {domain}"))),
            Err(_) => notes.push(json!(format!(
                "it is still named a postmaster of {domain}: the rootdn should run \
                 `mailldap postmaster revoke {addr} --domain {domain}`"
            ))),
        }
    }
    let filter = format!("(maildrop={})", ldap3::ldap_escape(&addr));
    for alias in s
        .search(&tree.hosting, Scope::Subtree, &filter, &["mail"])?
        .unwrap_or_default()
    {
        let from = first(&alias, "mail").unwrap_or(alias.dn);
        notes.push(json!(format!(
            "{from} still forwards to it: `mailldap alias remove {from} {addr}`"
        )));
    }
    let path = e.mailbox_path().unwrap_or_default();
    let mut message = format!(
        "removed account {addr}; its mailbox {path} is retired: no new account gets it \
         until the old Maildir is archived and `mailldap release-mailbox {path}` is run"
    );
    for n in &notes {
        message.push_str(&format!("\n  {}", n.as_str().unwrap_or("")));
    }
    out.done(
        &message,
        json!({"address": addr, "retired_mailbox": path, "notes": notes}),
    );
    Ok(())
}
