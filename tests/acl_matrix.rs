//! The access policy, tried over the wire: identities (anonymous, domain1's postmaster
//! user1, plain user2, a domain2 user, a service DN, the rootdn) × operations, with
//! the result code ldap-utils and the ldap3 crate report for each.

mod common;
use common::*;
use ldap3::{LdapConn, LdapError, Mod, Scope};
use std::collections::HashSet;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const D2: &str = "o=domain2.example,o=hosting,dc=myhosting,dc=example";
const SERVICE: &str = "cn=mailservice,dc=myhosting,dc=example";
const SERVICE_PW: &str = "service";
/// user2's stored hash in ldif/demo.ldif.
const USER2_HASH: &str = "{SSHA}owpb8cIkh90wvW5Wo15eR+jnf/H9avOs";

/// ldap-utils exit codes (the LDAP result codes).
const OK: i32 = 0;
const SIZE_LIMIT: i32 = 4;
const COMPARE_FALSE: i32 = 5;
const COMPARE_TRUE: i32 = 6;
const INSUFFICIENT: i32 = 50;

/// A bound identity for ldap-utils: (dn, password); anonymous is ("", "").
#[derive(Clone, Copy, Debug)]
struct Id(&'static str, &'static str);

const ANON: Id = Id("", "");
const PM: Id = Id(
    "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
    "user1",
);
const USER2: Id = Id(
    "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
    "user2",
);
const SALES: Id = Id(
    "mail=Sales@Domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
    "sales",
);
const PM2: Id = Id(
    "mail=user1@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
    "user1d2",
);
const SVC: Id = Id(SERVICE, SERVICE_PW);
const ROOT: Id = Id(ROOTDN, ROOTPW);

fn bind_args(id: Id) -> Vec<&'static str> {
    if id.0.is_empty() {
        vec!["-x"]
    } else {
        vec!["-x", "-D", id.0, "-w", id.1]
    }
}

/// ldapsearch as `id`; returns the tool result.
fn search(s: &Server, id: Id, base: &str, scope: &str, filter: &str, attrs: &[&str]) -> ToolResult {
    let mut args = bind_args(id);
    args.extend([
        "-LLL",
        "-o",
        "ldif-wrap=no",
        "-s",
        scope,
        "-b",
        base,
        filter,
    ]);
    args.extend_from_slice(attrs);
    s.tool("ldapsearch", &args)
}

/// ldapmodify (or ldapadd / ldapdelete LDIF via changetype) as `id`; exit code.
fn change(s: &Server, id: Id, ldif: &str) -> i32 {
    s.tool_stdin("ldapmodify", &bind_args(id), Some(ldif)).code
}

/// An add record for account `addr` (under its own domain), password pw-LOCAL.
fn account(addr: &str) -> String {
    let local = addr.split('@').next().unwrap_or(addr);
    add_record(&account_ldif(
        addr,
        &format!("x/{local}/"),
        &format!("mail: {addr}\nuserPassword: pw-{local}\n"),
    ))
}

fn delete(dn: &str) -> String {
    format!("dn: {dn}\nchangetype: delete\n")
}

fn modrdn(dn: &str, newrdn: &str, superior: Option<&str>) -> String {
    let mut s = format!("dn: {dn}\nchangetype: modrdn\nnewrdn: {newrdn}\ndeleteoldrdn: 1\n");
    if let Some(sup) = superior {
        s.push_str(&format!("newsuperior: {sup}\n"));
    }
    s
}

fn passwd(s: &Server, id: Id, target: &str, new: &str) -> i32 {
    let mut args = bind_args(id);
    args.extend(["-s", new, target]);
    result_code(&s.tool("ldappasswd", &args))
}

/// ldappasswd exits 1 on any refusal; the result code is in its "Result: ... (N)" line.
fn result_code(r: &ToolResult) -> i32 {
    if r.code == 0 {
        return 0;
    }
    let text = format!("{}{}", r.stdout, r.stderr);
    text.lines()
        .find(|l| l.starts_with("Result:"))
        .and_then(|l| {
            l.rsplit_once('(')
                .map(|(_, n)| n.trim_end_matches(')').trim().to_string())
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(r.code)
}

fn whoami(s: &Server, dn: &str, pw: &str) -> i32 {
    s.tool("ldapwhoami", &["-x", "-D", dn, "-w", pw]).code
}

/// The shipped policy with its commented service-DN line switched on.
fn policy_with_service() -> String {
    let text = std::fs::read_to_string(repo().join("config/mailldap.toml")).expect("policy");
    let line = "# { who = \"dn:cn=mailservice,${suffix}\", level = \"read\" },";
    assert!(
        text.contains(line),
        "the service line is in config/mailldap.toml"
    );
    text.replace(
        line,
        "{ who = \"dn:cn=mailservice,${suffix}\", level = \"read\" },",
    )
}

fn server_with_service() -> Server {
    let s = Server::start_with(&policy_with_service(), true);
    s.add_root(&format!(
        "dn: {SERVICE}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: mailservice\nuserPassword: {SERVICE_PW}\n"
    ))
    .ok();
    s
}

#[test]
fn reading_attributes() {
    let s = server_with_service();
    let user2 = USER2.0;
    // (identity, sees userPassword, sees sn, sees mailbox)
    let rows = [
        ("anonymous", ANON, false, false, true),
        ("postmaster", PM, false, true, true),
        ("self", USER2, false, true, true),
        ("domain2 user", SALES, false, false, true),
        ("service", SVC, true, false, true),
        ("rootdn", ROOT, true, true, true),
    ];
    for (name, id, pw, sn, mailbox) in rows {
        let r = search(
            &s,
            id,
            user2,
            "base",
            "(objectClass=*)",
            &["userPassword", "sn", "mailbox", "mail"],
        );
        r.ok();
        assert_eq!(
            dns(&r.stdout),
            vec![user2.to_string()],
            "{name} sees the entry"
        );
        let has = |a: &str| {
            r.stdout.lines().any(|l| {
                l.to_lowercase()
                    .starts_with(&format!("{}:", a.to_lowercase()))
            })
        };
        assert_eq!(
            has("userPassword"),
            pw,
            "{name} userPassword:\n{}",
            r.stdout
        );
        assert_eq!(has("sn"), sn, "{name} sn:\n{}", r.stdout);
        assert_eq!(has("mailbox"), mailbox, "{name} mailbox:\n{}", r.stdout);
        assert!(has("mail"), "{name} mail");
    }
    // roleOccupant: the domain's postmasters and the rootdn only.
    let pmdn = format!("cn=postmaster,{D1}");
    for (name, id, want) in [
        ("anonymous", ANON, false),
        ("postmaster", PM, true),
        ("user2", USER2, false),
        ("domain2 postmaster", PM2, false),
        ("rootdn", ROOT, true),
    ] {
        let r = search(
            &s,
            id,
            &pmdn,
            "base",
            "(objectClass=*)",
            &["roleOccupant", "maildrop"],
        );
        assert_eq!(
            !values(&r.stdout, "roleOccupant").is_empty(),
            want,
            "{name}:\n{}",
            r.stdout
        );
        assert_eq!(values(&r.stdout, "maildrop"), vec!["postmaster"], "{name}");
    }
}

#[test]
fn filters_on_passwords_match_nothing_without_search_access() {
    let s = server_with_service();
    for filter in [
        "(userPassword=*)",
        "(userPassword={SSHA}*)",
        &format!("(userPassword={USER2_HASH})"),
    ] {
        for (name, id) in [
            ("anonymous", ANON),
            ("postmaster", PM),
            ("self", USER2),
            ("domain2 user", SALES),
        ] {
            let r = search(&s, id, HOSTING, "sub", filter, &["1.1"]);
            r.ok();
            assert!(
                dns(&r.stdout).is_empty(),
                "{name} {filter} matched:\n{}",
                r.stdout
            );
        }
    }
    // The service DN and the rootdn may search it: the filter does work.
    for id in [SVC, ROOT] {
        let r = search(&s, id, HOSTING, "sub", "(userPassword=*)", &["1.1"]);
        assert_eq!(dns(&r.stdout).len(), 4, "{id:?}:\n{}", r.stdout);
        let r = search(
            &s,
            id,
            HOSTING,
            "sub",
            &format!("(userPassword={USER2_HASH})"),
            &["1.1"],
        );
        assert_eq!(dns(&r.stdout), vec![USER2.0.to_string()]);
    }
    // What the mail clients ask still works anonymously (Postfix bind = no, Courier, Dovecot).
    let r = search(
        &s,
        ANON,
        HOSTING,
        "sub",
        "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
        &["mailbox"],
    );
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/user1/"]);
    let r = search(
        &s,
        ANON,
        HOSTING,
        "sub",
        "(&(mail=@domain2.example)(objectClass=CourierMailAlias))",
        &["maildrop"],
    );
    assert_eq!(values(&r.stdout, "maildrop"), vec!["sales@domain2.example"]);
    let r = search(
        &s,
        ANON,
        HOSTING,
        "sub",
        "(&(objectClass=CourierMailAccount)(mail=user2@domain1.example))",
        &[
            "cn",
            "homeDirectory",
            "mailbox",
            "userPassword",
            "uid",
            "mail",
            "uidNumber",
            "gidNumber",
        ],
    );
    for a in [
        "cn",
        "homeDirectory",
        "mailbox",
        "mail",
        "uidNumber",
        "gidNumber",
    ] {
        assert_eq!(values(&r.stdout, a).len(), 1, "{a}:\n{}", r.stdout);
    }
    assert!(values(&r.stdout, "userPassword").is_empty());
}

#[test]
fn compare_user_password() {
    let s = server_with_service();
    for (name, id, want) in [
        ("anonymous", ANON, INSUFFICIENT),
        ("postmaster", PM, INSUFFICIENT),
        ("self", USER2, INSUFFICIENT),
        ("domain2 user", SALES, INSUFFICIENT),
        ("service", SVC, COMPARE_TRUE),
        ("rootdn", ROOT, COMPARE_TRUE),
    ] {
        let mut args = bind_args(id);
        let ava = format!("userPassword:{USER2_HASH}");
        args.extend([USER2.0, ava.as_str()]);
        assert_eq!(s.tool("ldapcompare", &args).code, want, "{name}");
    }
    let mut args = bind_args(SVC);
    args.extend([USER2.0, "userPassword:{SSHA}wrong"]);
    assert_eq!(s.tool("ldapcompare", &args).code, COMPARE_FALSE);
    // Routing attributes compare for everyone.
    assert_eq!(
        s.tool(
            "ldapcompare",
            &["-x", USER2.0, "mail:user2@domain1.example"]
        )
        .code,
        COMPARE_TRUE
    );
}

#[test]
fn postmaster_administers_own_domain_only() {
    let s = Server::demo();
    // add
    assert_eq!(change(&s, PM, &account("new@domain1.example")), OK);
    assert_eq!(
        change(&s, PM, &account("new@domain2.example")),
        INSUFFICIENT
    );
    // the new account can bind with the password its postmaster gave it
    assert_eq!(
        whoami(&s, &format!("mail=new@domain1.example,{D1}"), "pw-new"),
        OK
    );
    // modify
    assert_eq!(
        change(
            &s,
            PM,
            &replace_ldif(USER2.0, "mailbox", "domain1.example/u2/")
        ),
        OK
    );
    assert_eq!(
        change(&s, PM, &replace_ldif(SALES.0, "mailbox", "x/")),
        INSUFFICIENT
    );
    assert_eq!(
        change(
            &s,
            PM,
            &replace_ldif(
                &format!("cn=postmaster,{D1}"),
                "maildrop",
                "user1@domain1.example"
            )
        ),
        OK
    );
    // rename within the domain; moving into another domain is denied
    let new = format!("mail=new@domain1.example,{D1}");
    assert_eq!(
        change(&s, PM, &modrdn(&new, "mail=renamed@domain1.example", None)),
        OK
    );
    let renamed = format!("mail=renamed@domain1.example,{D1}");
    assert_eq!(
        change(
            &s,
            PM,
            &modrdn(&renamed, "mail=renamed@domain2.example", Some(D2))
        ),
        INSUFFICIENT
    );
    assert_eq!(
        change(
            &s,
            PM,
            &modrdn(
                &format!("mail=abuse@domain2.example,{D2}"),
                "mail=x@domain2.example",
                None
            )
        ),
        INSUFFICIENT
    );
    // domain2's own postmaster may not pull it over either
    assert_eq!(
        change(
            &s,
            PM2,
            &modrdn(&renamed, "mail=renamed@domain2.example", Some(D2))
        ),
        INSUFFICIENT
    );
    // delete
    assert_eq!(change(&s, PM, &delete(&renamed)), OK);
    assert_eq!(
        change(&s, PM, &delete(&format!("mail=abuse@domain2.example,{D2}"))),
        INSUFFICIENT
    );
    // the postmaster entry stays, and granting postmaster is the rootdn's
    assert_eq!(
        change(&s, PM, &delete(&format!("cn=postmaster,{D1}"))),
        INSUFFICIENT
    );
    let grant = format!(
        "dn: cn=postmaster,{D1}\nchangetype: modify\nadd: roleOccupant\nroleOccupant: {}\n",
        USER2.0
    );
    assert_eq!(change(&s, PM, &grant), INSUFFICIENT);
    assert_eq!(change(&s, USER2, &grant), INSUFFICIENT);
    assert_eq!(change(&s, ANON, &grant), INSUFFICIENT);
    // the domain entry itself is not the postmaster's
    assert_eq!(
        change(&s, PM, &replace_ldif(D1, "description", "mine")),
        INSUFFICIENT
    );
    assert_eq!(change(&s, PM, &delete(D1)), INSUFFICIENT);
    // domain2's postmaster administers domain2
    assert_eq!(
        change(
            &s,
            PM2,
            &replace_ldif(SALES.0, "mailbox", "domain2.example/s/")
        ),
        OK
    );
    assert_eq!(
        change(&s, PM2, &replace_ldif(USER2.0, "mailbox", "x/")),
        INSUFFICIENT
    );
    // rootdn grants postmaster; from then on user2 administers domain1
    assert_eq!(
        change(&s, USER2, &replace_ldif(PM.0, "mailbox", "x/")),
        INSUFFICIENT
    );
    assert_eq!(change(&s, ROOT, &grant), OK);
    assert_eq!(
        change(
            &s,
            USER2,
            &replace_ldif(PM.0, "mailbox", "domain1.example/u1/")
        ),
        OK
    );
}

#[test]
fn plain_users_anonymous_and_service_write_nothing() {
    let s = server_with_service();
    for (name, id) in [
        ("anonymous", ANON),
        ("user2", USER2),
        ("domain2 user", SALES),
        ("service", SVC),
    ] {
        assert_eq!(
            change(&s, id, &account("x@domain1.example")),
            INSUFFICIENT,
            "{name} add"
        );
        assert_eq!(
            change(&s, id, &replace_ldif(USER2.0, "mailbox", "x/")),
            INSUFFICIENT,
            "{name} modify"
        );
        assert_eq!(
            change(
                &s,
                id,
                &replace_ldif(USER2.0, "mail", "user2@domain1.example")
            ),
            INSUFFICIENT,
            "{name} modify mail"
        );
        assert_eq!(
            change(&s, id, &delete(&format!("mail=abuse@domain1.example,{D1}"))),
            INSUFFICIENT,
            "{name} delete"
        );
        assert_eq!(
            change(
                &s,
                id,
                &modrdn(
                    &format!("mail=info@domain1.example,{D1}"),
                    "mail=i@domain1.example",
                    None
                )
            ),
            INSUFFICIENT,
            "{name} rename"
        );
        assert_eq!(
            passwd(&s, id, PM.0, "stolen"),
            INSUFFICIENT,
            "{name} passwd other"
        );
    }
    assert_eq!(whoami(&s, PM.0, "user1"), OK, "user1's password unchanged");
}

#[test]
fn changing_passwords() {
    let s = Server::demo();
    // own password, with the old one (ldappasswd -a), as users do
    let r = s.tool(
        "ldappasswd",
        &[
            "-x", "-D", USER2.0, "-w", "user2", "-a", "user2", "-s", "new2",
        ],
    );
    r.ok();
    assert_eq!(whoami(&s, USER2.0, "new2"), OK);
    assert_eq!(whoami(&s, USER2.0, "user2"), 49);
    // own password, without the old one; and by modify
    assert_eq!(passwd(&s, Id(SALES.0, "sales"), SALES.0, "sales2"), OK);
    assert_eq!(whoami(&s, SALES.0, "sales2"), OK);
    assert_eq!(
        change(
            &s,
            Id(SALES.0, "sales2"),
            &replace_ldif(SALES.0, "userPassword", "sales3")
        ),
        OK
    );
    assert_eq!(whoami(&s, SALES.0, "sales3"), OK);
    // the postmaster sets passwords in its domain, not in another
    assert_eq!(passwd(&s, PM, USER2.0, "by-postmaster"), OK);
    assert_eq!(whoami(&s, USER2.0, "by-postmaster"), OK);
    assert_eq!(passwd(&s, PM, SALES.0, "stolen"), INSUFFICIENT);
    // others' passwords: plain users and anonymous cannot
    assert_eq!(
        passwd(&s, Id(USER2.0, "by-postmaster"), PM.0, "stolen"),
        INSUFFICIENT
    );
    assert_eq!(
        passwd(&s, Id(SALES.0, "sales3"), USER2.0, "stolen"),
        INSUFFICIENT
    );
    assert_eq!(passwd(&s, ANON, USER2.0, "stolen"), INSUFFICIENT);
    // rootdn can
    assert_eq!(passwd(&s, ROOT, PM.0, "root-set"), OK);
    assert_eq!(whoami(&s, PM.0, "root-set"), OK);
    // and nobody but the rootdn reads the hash, even its owner
    let r = search(
        &s,
        Id(USER2.0, "by-postmaster"),
        USER2.0,
        "base",
        "(objectClass=*)",
        &["userPassword"],
    );
    assert!(values(&r.stdout, "userPassword").is_empty(), "{}", r.stdout);
}

/// A policy that hides domain2 from everybody outside it: errors must not tell
/// an invisible entry from a missing one. Driven through the ldap3 crate.
#[test]
fn invisible_entries_are_no_such_object() {
    let policy = r#"
[[acl]]
dn_subtree = "o=domain2.example,o=hosting,${suffix}"
attrs = ["userPassword"]
by = [ { who = "anonymous", level = "auth" } ]

[[acl]]
dn_subtree = "o=domain2.example,o=hosting,${suffix}"
by = [ { who = "dnpattern:^mail=[^,]+,o=domain2\\.example,o=hosting,${suffix}$", level = "write" } ]

[[acl]]
attrs = ["userPassword"]
by = [ { who = "self", level = "=xw" }, { who = "anonymous", level = "auth" } ]

[[acl]]
by = [ { who = "*", level = "read" } ]
"#;
    let s = Server::start_with(policy, true);
    let mut c = LdapConn::new(&s.uri).unwrap();
    c.simple_bind(PM.0, PM.1).unwrap().success().unwrap();
    let code = |r: Result<ldap3::LdapResult, LdapError>| r.map(|r| r.rc).unwrap_or(u32::MAX);
    let missing = format!("mail=nobody@domain2.example,{D2}");
    for dn in [SALES.0, missing.as_str(), D2] {
        let r = c
            .search(dn, Scope::Base, "(objectClass=*)", vec!["mail"])
            .unwrap();
        assert_eq!(r.1.rc, 32, "search {dn}");
        // matchedDN stops above what the identity may see
        assert_eq!(r.1.matched, HOSTING, "search {dn}");
        assert_eq!(
            code(c.modify(dn, vec![Mod::Replace("mailbox", HashSet::from(["x/"]))])),
            32,
            "modify {dn}"
        );
        assert_eq!(code(c.delete(dn)), 32, "delete {dn}");
        assert_eq!(
            c.compare(dn, "mail", "sales@domain2.example")
                .map(|r| r.0.rc)
                .unwrap_or(u32::MAX),
            32,
            "compare {dn}"
        );
        assert_eq!(
            code(c.modifydn(dn, "mail=y@domain2.example", true, None)),
            32,
            "modrdn {dn}"
        );
    }
    assert_eq!(
        code(c.add(
            &format!("mail=z@domain2.example,{D2}"),
            vec![("objectClass", HashSet::from(["top"]))]
        )),
        32
    );
    // A subtree search over everything does not return domain2.
    let (rs, _) = c
        .search(HOSTING, Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .unwrap()
        .success()
        .unwrap();
    assert!(!rs.is_empty());
    assert!(rs
        .into_iter()
        .map(ldap3::SearchEntry::construct)
        .all(|e| !e.dn.to_lowercase().contains("domain2")));
    // Moving an entry into the hidden domain: its new parent does not exist for us.
    let info = format!("mail=info@domain1.example,{D1}");
    assert_eq!(
        code(c.modifydn(&info, "mail=info@domain2.example", true, Some(D2))),
        32
    );
    // Inside domain2 it is all there.
    let mut c2 = LdapConn::new(&s.uri).unwrap();
    c2.simple_bind(SALES.0, SALES.1).unwrap().success().unwrap();
    let (rs, _) = c2
        .search(D2, Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(rs.len(), 6);
}

#[test]
fn ldap3_postmaster_session() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    c.simple_bind(PM.0, PM.1).unwrap().success().unwrap();
    let dn = format!("mail=crate@domain1.example,{D1}");
    let attrs = vec![
        (
            "objectClass",
            HashSet::from(["inetOrgPerson", "CourierMailAccount"]),
        ),
        ("cn", HashSet::from(["crate"])),
        ("sn", HashSet::from(["crate"])),
        ("homeDirectory", HashSet::from(["/home/vmail/domains"])),
        ("mailbox", HashSet::from(["domain1.example/crate/"])),
    ];
    assert_eq!(c.add(&dn, attrs.clone()).unwrap().rc, 0);
    let other = format!("mail=crate@domain2.example,{D2}");
    assert_eq!(c.add(&other, attrs).unwrap().rc, 50);
    assert_eq!(
        c.modify(
            &dn,
            vec![Mod::Replace(
                "mailbox",
                HashSet::from(["domain1.example/c/"])
            )]
        )
        .unwrap()
        .rc,
        0
    );
    assert_eq!(
        c.modifydn(&dn, "mail=crate@domain2.example", true, Some(D2))
            .unwrap()
            .rc,
        50
    );
    assert_eq!(
        c.modify(
            &format!("cn=postmaster,{D1}"),
            vec![Mod::Add("roleOccupant", HashSet::from([USER2.0]))]
        )
        .unwrap()
        .rc,
        50
    );
    assert_eq!(c.delete(&dn).unwrap().rc, 0);
    assert_eq!(
        c.delete(&format!("mail=abuse@domain2.example,{D2}"))
            .unwrap()
            .rc,
        50
    );
}

#[test]
fn size_limits_per_identity() {
    let extra = format!(
        "[limits]\nanonymous_size_limit = 3\n\n[[limits.by]]\nwho = \"dn:{}\"\nsize = 2\n\n[[limits.by]]\nwho = \"users\"\nsize = 0\n",
        USER2.0
    );
    let s = Server::start_with(&extra, true);
    let all = |id: Id| search(&s, id, HOSTING, "sub", "(objectClass=*)", &["1.1"]);
    let r = all(ANON);
    assert_eq!(r.code, SIZE_LIMIT, "{r:?}");
    assert_eq!(dns(&r.stdout).len(), 3);
    let r = all(USER2);
    assert_eq!(r.code, SIZE_LIMIT);
    assert_eq!(dns(&r.stdout).len(), 2);
    let r = all(PM);
    assert_eq!(r.code, OK);
    assert!(dns(&r.stdout).len() > 10);
    let r = all(ROOT);
    assert_eq!(r.code, OK);
    // a client's own lower limit still applies
    let mut args = bind_args(ROOT);
    args.extend(["-z", "1", "-b", HOSTING, "(objectClass=*)", "1.1"]);
    assert_eq!(s.tool("ldapsearch", &args).code, SIZE_LIMIT);
}

#[test]
fn anonymous_read_off_requires_a_bind() {
    let s = Server::start_with("anonymous_read = false\n", true);
    let q = "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))";
    assert_eq!(
        search(&s, ANON, HOSTING, "sub", q, &["mailbox"]).code,
        INSUFFICIENT
    );
    // binding still works, and bound clients read as before
    assert_eq!(whoami(&s, USER2.0, "user2"), OK);
    let r = search(&s, USER2, HOSTING, "sub", q, &["mailbox"]);
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/user1/"]);
}

#[test]
fn decisions_are_logged_with_the_rule() {
    let s = Server::demo();
    search(
        &s,
        ANON,
        USER2.0,
        "base",
        "(objectClass=*)",
        &["userPassword"],
    )
    .ok();
    let log = s.log();
    assert!(
        log.lines()
            .any(|l| l.contains("ACL deny Read on userPassword") && l.contains("rule #1 by #3")),
        "{log}"
    );
}
