//! `mailldap doctor`: checks a live directory for what the article says every domain
//! must have and for what breaks mail silently, and prints each finding with the
//! command that fixes it. Exit status 1 when anything was found.

use super::connect::CourierMode;
use super::error::AdminError;
use super::output::Output;
use super::resolve::Resolution;
use super::session::Session;
use super::snapshot::{Kind, MailEntry, Snapshot};
use crate::password::PasswordScheme;
use base64::Engine;
use clap::Args;
use serde_json::json;
use std::collections::BTreeMap;

/// What `doctor` checks.
#[derive(Args, Debug, Clone)]
pub struct DoctorArgs {
    /// Check only this domain (repeatable; default: every hosted domain).
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    /// How Courier checks passwords, for the scheme check [default: courier_mode of the
    /// client config, else authbind].
    #[arg(long, value_enum)]
    pub courier_mode: Option<CourierMode>,
}

/// One problem and its fix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// Which check found it.
    pub check: &'static str,
    /// The domain it is in.
    pub domain: String,
    /// What is wrong, in a sentence.
    pub problem: String,
    /// The command that fixes it.
    pub fix: String,
}

/// Runs the checks; returns the exit status (0 nothing found, 1 findings).
pub fn run(s: &mut Session, args: &DoctorArgs, out: &Output) -> Result<i32, AdminError> {
    let root = s.settings.is_root();
    let mode = args.courier_mode.unwrap_or(s.settings.courier_mode);
    let mut snap = Snapshot::new(s, root)?;
    let wanted = snap.select(&args.domains)?;
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for d in &wanted {
        let entries = snap.load(s, d)?.to_vec();
        required_entries(d, &entries, &mut findings);
        targets(s, &mut snap, &entries, &mut findings)?;
        occupants(s, &snap, d, &entries, &mut findings, &mut skipped)?;
        for e in entries.iter().filter(|e| e.kind == Kind::Account) {
            mailbox_slash(s, e, &mut findings);
            if root {
                passwords(e, mode, &mut findings);
            }
        }
    }
    if !root {
        skipped.push("passwords: only the rootdn reads userPassword".to_string());
    }
    duplicates(s, &snap, &wanted, &mut findings);
    report(out, &findings, &skipped, wanted.len());
    Ok(if findings.is_empty() { 0 } else { 1 })
}

fn finding(check: &'static str, domain: &str, problem: String, fix: String) -> Finding {
    Finding {
        check,
        domain: domain.to_string(),
        problem,
        fix,
    }
}

/// The article: "Each domain must have a postmaster entry ... [and] an abuse alias".
fn required_entries(d: &str, entries: &[MailEntry], found: &mut Vec<Finding>) {
    let repair = format!("mailldap domain repair {d}");
    let pm_mail = format!("postmaster@{d}");
    match entries.iter().find(|e| e.kind == Kind::Postmaster) {
        None => found.push(finding(
            "postmaster",
            d,
            format!("{d} has no cn=postmaster entry"),
            repair.clone(),
        )),
        Some(e) if !e.has_mail(&pm_mail) => found.push(finding(
            "postmaster",
            d,
            format!(
                "{} has no mail value {pm_mail}: Postfix cannot route mail to it",
                e.dn
            ),
            repair.clone(),
        )),
        Some(_) => {}
    }
    let abuse = format!("abuse@{d}");
    if !entries.iter().any(|e| e.has_mail(&abuse)) {
        found.push(finding(
            "abuse",
            d,
            format!("{d} has no {abuse} (RFC 2142)"),
            repair,
        ));
    }
}

/// Every forwarding target resolves somewhere, and no alias loops back to itself.
fn targets(
    s: &mut Session,
    snap: &mut Snapshot,
    entries: &[MailEntry],
    found: &mut Vec<Finding>,
) -> Result<(), AdminError> {
    for e in entries.iter().filter(|e| e.kind != Kind::Account) {
        let from = e.address();
        for t in &e.maildrop {
            if snap.resolve_loading(s, t)? == Resolution::Nowhere {
                let fix = if e.maildrop.len() > 1 && e.kind != Kind::CatchAll {
                    format!("mailldap alias remove {from} {t}")
                } else if e.kind == Kind::CatchAll {
                    format!("mailldap catchall set {} NEW-TARGET", e.domain)
                } else {
                    format!(
                        "mailldap alias add {from} NEW-TARGET; mailldap alias remove {from} {t}"
                    )
                };
                found.push(finding(
                    "dangling-target",
                    &e.domain,
                    format!("{from} forwards to {t}, which resolves nowhere (mail to it bounces)"),
                    fix,
                ));
            }
        }
        if let Some(path) = snap.walk_loading(s, &from, &e.maildrop)?.loop_path {
            found.push(finding(
                "loop",
                &e.domain,
                format!("forwarding loop {}", path.join(" -> ")),
                format!(
                    "mailldap alias remove {from} {}",
                    path.get(1).cloned().unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// roleOccupant values must name entries that exist: a later account created under a
/// dangling name would inherit the role.
fn occupants(
    s: &mut Session,
    snap: &Snapshot,
    d: &str,
    entries: &[MailEntry],
    found: &mut Vec<Finding>,
    skipped: &mut Vec<String>,
) -> Result<(), AdminError> {
    let Some(pm) = entries.iter().find(|e| e.kind == Kind::Postmaster) else {
        return Ok(());
    };
    if pm.occupants.is_empty() && !s.settings.is_root() {
        skipped.push(format!("postmasters of {d}: not visible to you"));
    }
    for o in &pm.occupants {
        if !snap.dn_exists(s, o)? {
            found.push(finding(
                "dangling-postmaster",
                d,
                format!("{} names {o} as postmaster, which does not exist", pm.dn),
                format!("mailldap postmaster revoke '{o}' --domain {d}"),
            ));
        }
    }
    Ok(())
}

/// The article: "The mailbox must end in a slash to indicate that it's a Maildir".
fn mailbox_slash(s: &Session, e: &MailEntry, found: &mut Vec<Finding>) {
    let Some(m) = &e.mailbox else {
        found.push(finding(
            "mailbox",
            &e.domain,
            format!(
                "{} has no mailbox: Postfix cannot deliver to it",
                e.address()
            ),
            modify_command(s, &e.dn, &derived_mailbox(e)),
        ));
        return;
    };
    if !m.ends_with('/') {
        found.push(finding(
            "mailbox",
            &e.domain,
            format!(
                "{}: mailbox {m} does not end in '/' (Postfix would write an mbox file)",
                e.address()
            ),
            modify_command(s, &e.dn, &format!("{m}/")),
        ));
    }
}

/// The mailbox `account add` would give the entry: DOMAIN/LOCAL/.
fn derived_mailbox(e: &MailEntry) -> String {
    let addr = e.address();
    let local = addr.split('@').next().unwrap_or("").to_ascii_lowercase();
    format!("{}/{local}/", e.domain)
}

/// An ldapmodify line that sets `mailbox` (there is no mailldap command that moves a
/// mailbox: the Maildir on disk has to move with it).
fn modify_command(s: &Session, dn: &str, mailbox: &str) -> String {
    format!(
        "printf 'dn: {dn}\\nchangetype: modify\\nreplace: mailbox\\nmailbox: {mailbox}\\n' | \
         ldapmodify -x -H {} -D '{}' -W",
        s.settings.uri, s.settings.bind_dn
    )
}

/// Whether Courier in `mode` can check a stored value, and if not, why.
fn password_problem(value: &str, mode: CourierMode) -> Option<String> {
    let tag = crate::password::scheme_of(value.as_bytes());
    let scheme = tag.as_deref().and_then(PasswordScheme::from_tag);
    let Some(scheme) = scheme.filter(|s| *s != PasswordScheme::Cleartext) else {
        return Some(match tag {
            Some(t) if PasswordScheme::from_tag(&t).is_none() => {
                format!("a password in the scheme {{{t}}}, which the server does not know")
            }
            _ => "an unhashed password (the server refuses it unless allow_cleartext)".into(),
        });
    };
    if mode == CourierMode::Authbind {
        return None;
    }
    let body = &value[value.find('}').map_or(0, |i| i + 1)..];
    let ok = match scheme {
        PasswordScheme::Sha | PasswordScheme::Md5 => true,
        // Courier's {SSHA} takes a 4-byte salt only (slappasswd's), see README.
        PasswordScheme::Ssha => base64::engine::general_purpose::STANDARD
            .decode(body)
            .is_ok_and(|raw| raw.len() == 24),
        PasswordScheme::Crypt => {
            ["$1$", "$5$", "$6$"].iter().any(|p| body.starts_with(p)) || body.len() == 13
        }
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "a {scheme} password, which Courier with LDAP_AUTHBIND 0 cannot verify \
             (it knows {{SSHA}} with a 4-byte salt, {{SHA}}, {{MD5}} and {{CRYPT}} $1$/$5$/$6$)"
        )
    })
}

fn passwords(e: &MailEntry, mode: CourierMode, found: &mut Vec<Finding>) {
    let addr = e.address();
    let fix = format!("mailldap account passwd {addr}");
    if e.passwords.is_empty() {
        found.push(finding(
            "password",
            &e.domain,
            format!("{addr} has no password: it cannot log in"),
            fix,
        ));
        return;
    }
    for p in &e.passwords {
        if let Some(why) = password_problem(p, mode) {
            let fix = match mode {
                CourierMode::Servicebind => format!(
                    "set [password] scheme = \"SSHA\" (or \"CRYPT\") in the server config, then {fix}"
                ),
                CourierMode::Authbind => fix.clone(),
            };
            found.push(finding(
                "password",
                &e.domain,
                format!("{addr} has {why}"),
                fix,
            ));
        }
    }
}

/// Two accounts with one Maildir read each other's mail.
fn duplicates(s: &Session, snap: &Snapshot, wanted: &[String], found: &mut Vec<Finding>) {
    let mut by_path: BTreeMap<String, Vec<&MailEntry>> = BTreeMap::new();
    for e in snap.all().filter(|e| e.kind == Kind::Account) {
        if let Some(p) = e.mailbox_path() {
            by_path.entry(p).or_default().push(e);
        }
    }
    for (path, owners) in by_path.into_iter().filter(|(_, o)| o.len() > 1) {
        if !owners.iter().any(|o| wanted.contains(&o.domain)) {
            continue;
        }
        let names: Vec<String> = owners.iter().map(|o| o.address()).collect();
        let last = owners[owners.len() - 1];
        let mut new = derived_mailbox(last);
        if last.mailbox.as_deref() == Some(new.as_str()) {
            new = format!("{}.2/", new.trim_end_matches('/'));
        }
        found.push(finding(
            "duplicate-mailbox",
            &last.domain,
            format!(
                "{} share the Maildir {path}: each reads the other's mail",
                names.join(" and ")
            ),
            format!(
                "give {} a Maildir of its own (move the mail it owns there): {}",
                last.address(),
                modify_command(s, &last.dn, &new)
            ),
        ));
    }
}

fn report(out: &Output, findings: &[Finding], skipped: &[String], domains: usize) {
    if out.json {
        let v = json!({"domains": domains, "findings": findings, "not_checked": skipped});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    for (i, f) in findings.iter().enumerate() {
        println!("{}. [{}] {}\n   fix: {}", i + 1, f.check, f.problem, f.fix);
    }
    for s in skipped {
        println!("not checked: {s}");
    }
    match findings.len() {
        0 => println!("no findings in {domains} domain(s)"),
        n => println!("{n} finding(s) in {domains} domain(s)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn courier_service_bind_knows_few_schemes() {
        let sb = CourierMode::Servicebind;
        // slappasswd -h {SSHA} -s user1: a 4-byte salt.
        assert_eq!(
            password_problem("{SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4", sb),
            None
        );
        assert_eq!(password_problem("{CRYPT}$6$salt$hash", sb), None);
        assert!(password_problem("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$x$y", sb).is_some());
        assert_eq!(
            password_problem(
                "{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$x$y",
                CourierMode::Authbind
            ),
            None
        );
        assert!(password_problem("{NOPE}xx", CourierMode::Authbind)
            .is_some_and(|w| w.contains("{NOPE}")));
        assert!(password_problem("plain", CourierMode::Authbind)
            .is_some_and(|w| w.contains("unhashed")));
    }
}
