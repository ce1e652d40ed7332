//! The access policy for writes, tried over the wire: what the postmaster of a domain,
//! plain users, anonymous and the service DN may add, change, rename and delete, and
//! who may change which password, with the result code ldap-utils and the ldap3 crate
//! report for each. Reads are in acl_matrix.rs.

mod common;
use common::acl::*;
use common::*;
use ldap3::{LdapConn, Mod};
use std::collections::HashSet;

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
