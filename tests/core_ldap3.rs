//! The same operations through the ldap3 crate, over one persistent connection as
//! Postfix and Dovecot keep them.

mod common;
use common::*;
use ldap3::exop::{WhoAmI, WhoAmIResp};
use ldap3::{LdapConn, Mod, Scope, SearchEntry};
use std::collections::HashSet;

fn set<'a>(v: &[&'a str]) -> HashSet<&'a str> {
    v.iter().copied().collect()
}

#[test]
fn one_connection_many_operations() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    // Many searches on one anonymous connection with increasing message ids.
    for addr in [
        "user1@domain1.example",
        "user2@domain1.example",
        "Sales@Domain2.example",
    ] {
        let (rs, _) = c
            .search(
                HOSTING,
                Scope::Subtree,
                &format!(
                    "(&(mail={})(objectClass=CourierMailAccount))",
                    addr.to_lowercase()
                ),
                vec!["mailbox"],
            )
            .unwrap()
            .success()
            .unwrap();
        assert_eq!(rs.len(), 1, "{addr}");
        let e = SearchEntry::construct(rs.into_iter().next().unwrap());
        assert!(e.attrs["mailbox"][0].ends_with('/'));
    }
    // Repeated binds on the same connection: user, wrong password, anonymous, root.
    let user = mail_dn("user1@domain1.example");
    c.simple_bind(&user, "user1").unwrap().success().unwrap();
    let (exop, _) = c.extended(WhoAmI).unwrap().success().unwrap();
    let who: WhoAmIResp = exop.parse();
    assert_eq!(who.authzid, format!("dn:{user}"));
    assert_eq!(c.simple_bind(&user, "nope").unwrap().rc, 49);
    // the connection stays usable after invalidCredentials
    c.simple_bind("", "").unwrap().success().unwrap();
    c.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();

    let dn = mail_dn("crate@domain1.example");
    c.add(
        &dn,
        vec![
            ("objectClass", set(&["inetOrgPerson", "CourierMailAccount"])),
            ("cn", set(&["crate"])),
            ("sn", set(&["crate"])),
            ("mail", set(&["crate@domain1.example"])),
            ("homeDirectory", set(&["/home/vmail/domains"])),
            ("mailbox", set(&["domain1.example/crate/"])),
        ],
    )
    .unwrap()
    .success()
    .unwrap();
    assert_eq!(
        c.add(&dn, vec![("objectClass", set(&["top"]))]).unwrap().rc,
        68
    );
    c.modify(
        &dn,
        vec![Mod::Replace("mailbox", set(&["domain1.example/crate2/"]))],
    )
    .unwrap()
    .success()
    .unwrap();
    assert!(c
        .compare(&dn, "mailbox", "domain1.example/crate2/")
        .unwrap()
        .equal()
        .unwrap());
    assert!(!c
        .compare(&dn, "mailbox", "other/")
        .unwrap()
        .equal()
        .unwrap());
    c.modifydn(&dn, "mail=crate3@domain1.example", true, None)
        .unwrap()
        .success()
        .unwrap();
    let renamed = mail_dn("crate3@domain1.example");
    let (rs, _) = c
        .search(
            &renamed,
            Scope::Base,
            "(objectClass=*)",
            vec!["mail", "entryUUID"],
        )
        .unwrap()
        .success()
        .unwrap();
    let e = SearchEntry::construct(rs.into_iter().next().unwrap());
    assert_eq!(e.attrs["mail"], vec!["crate3@domain1.example".to_string()]);
    assert_eq!(e.attrs["entryUUID"].len(), 1);
    c.delete(&renamed).unwrap().success().unwrap();
    assert_eq!(c.delete(&renamed).unwrap().rc, 32);
    c.unbind().unwrap();
}

#[test]
fn a_search_base_follows_writes_on_a_persistent_connection() {
    let s = Server::demo();
    let mut reader = LdapConn::new(&s.uri).unwrap();
    let mut root = LdapConn::new(&s.uri).unwrap();
    root.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();
    let base = format!("ou=moving,o=domain1.example,{HOSTING}");
    let search = |c: &mut LdapConn| {
        let r = c
            .search(&base, Scope::Subtree, "(objectClass=*)", vec!["1.1"])
            .unwrap();
        (r.1.rc, r.0.len())
    };
    let add = |c: &mut LdapConn| {
        c.add(
            &base,
            vec![
                ("objectClass", set(&["organizationalUnit"])),
                ("ou", set(&["moving"])),
            ],
        )
        .unwrap()
        .success()
        .unwrap();
    };
    add(&mut root);
    // Searched twice so the server has decided the base at least once before.
    assert_eq!(search(&mut reader), (0, 1));
    assert_eq!(search(&mut reader), (0, 1));
    root.delete(&base).unwrap().success().unwrap();
    assert_eq!(
        search(&mut reader),
        (32, 0),
        "a deleted base is noSuchObject at once"
    );
    add(&mut root);
    assert_eq!(search(&mut reader), (0, 1), "and found again once re-added");
    let moved = format!("ou=moved,o=domain1.example,{HOSTING}");
    root.modifydn(&base, "ou=moved", true, None)
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(
        search(&mut reader),
        (32, 0),
        "a renamed base is gone under its old name"
    );
    let (rs, _) = reader
        .search(&moved, Scope::Base, "(objectClass=*)", vec!["1.1"])
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(rs.len(), 1);
}

#[test]
fn a_bind_dn_spelled_in_another_case_is_the_same_account() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    let user = mail_dn("user1@domain1.example");
    let shouted = user.to_uppercase();
    c.simple_bind(&shouted, "user1").unwrap().success().unwrap();
    // Bound as the DN the client sent, as slapd is; it names the stored account.
    let (exop, _) = c.extended(WhoAmI).unwrap().success().unwrap();
    let who: WhoAmIResp = exop.parse();
    assert!(
        who.authzid.eq_ignore_ascii_case(&format!("dn:{user}")),
        "{}",
        who.authzid
    );
    // The access rules see the owner: `self` may change its own password.
    c.modify(&user, vec![Mod::Replace("userPassword", set(&["shouted"]))])
        .unwrap()
        .success()
        .unwrap();
    let mut again = LdapConn::new(&s.uri).unwrap();
    assert_eq!(again.simple_bind(&user, "user1").unwrap().rc, 49);
    again
        .simple_bind(&user, "shouted")
        .unwrap()
        .success()
        .unwrap();
}
