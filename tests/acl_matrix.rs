//! The access policy, tried over the wire: identities (anonymous, domain1's postmaster
//! user1, plain user2, a domain2 user, a service DN, the rootdn) × reads (attributes,
//! filters, compare, visibility, size limits), with the result code ldap-utils and the
//! ldap3 crate report for each. Writes are in acl_writes.rs.

mod common;
use common::acl::*;
use common::*;
use ldap3::{LdapConn, LdapError, Mod, Scope};
use std::collections::HashSet;

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
    // The tree is not even disclosed: the base answers as if it did not exist.
    assert_eq!(search(&s, ANON, HOSTING, "sub", q, &["mailbox"]).code, 32);
    // binding still works, and bound clients read as before
    assert_eq!(whoami(&s, USER2.0, "user2"), OK);
    let r = search(&s, USER2, HOSTING, "sub", q, &["mailbox"]);
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/user1/"]);
}

/// With anonymous_read = false, nothing an anonymous client is told about an entry
/// depends on whether it exists: every operation answers as for a missing one.
#[test]
fn anonymous_read_off_hides_whether_entries_exist() {
    let s = Server::start_with("anonymous_read = false\n", true);
    let existing = mail_dn("user1@domain1.example");
    let missing = mail_dn("nobody@domain1.example");
    let answers = |dn: &str| -> Vec<(i32, String)> {
        let modify = format!("dn: {dn}\nchangetype: modify\nreplace: cn\ncn: x\n");
        let runs = [
            s.tool("ldapsearch", &["-x", "-b", dn, "-s", "base", "1.1"]),
            s.tool("ldapcompare", &["-x", dn, "mail:x"]),
            s.tool_stdin("ldapmodify", &["-x"], Some(&modify)),
            s.tool("ldapdelete", &["-x", dn]),
            s.tool("ldapmodrdn", &["-x", dn, "mail=z@domain1.example"]),
        ];
        // What the client sees, with the entry's own name taken out.
        runs.iter()
            .map(|r| {
                (
                    r.code,
                    format!("{}{}", r.stdout, r.stderr).replace(dn, "DN"),
                )
            })
            .collect()
    };
    let (a, b) = (answers(&existing), answers(&missing));
    assert_eq!(
        a, b,
        "an existing entry answers differently from a missing one"
    );
    assert!(a.iter().all(|(code, _)| *code == 32), "{a:?}");
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
