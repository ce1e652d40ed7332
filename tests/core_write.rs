//! Writes with ldapadd, ldapmodify, ldapdelete, ldapmodrdn, ldapcompare and ldapwhoami,
//! and the result codes ldap-utils print.

mod common;
use common::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// A domain1 account whose mailbox is domain1.example/LOCAL/, without a mail attribute.
fn account(addr: &str) -> String {
    let local = addr.split('@').next().unwrap();
    account_ldif(addr, &format!("domain1.example/{local}/"), "")
}

#[test]
fn add_modify_rename_delete_round_trip() {
    let s = Server::demo();
    let new = mail_dn("new@domain1.example");
    s.add_root(&account("new@domain1.example")).ok();
    // RDN value was added although the LDIF did not list mail.
    let r = s.read_as_root(&new, &["mail", "creatorsName"]);
    assert_eq!(values(&r.stdout, "mail"), vec!["new@domain1.example"]);
    s.add_root(&account("new@domain1.example")).expect_code(68);

    // value-level modify: add, replace, delete one value
    s.modify_root(&modify_ldif(&new, "add: description\ndescription: one\ndescription: two\n-\nreplace: mailbox\nmailbox: domain1.example/moved/\n-\ndelete: description\ndescription: one\n")).ok();
    let r = s.read_as_root(&new, &["description", "mailbox", "modifiersName"]);
    assert_eq!(values(&r.stdout, "description"), vec!["two"]);
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/moved/"]);
    assert_eq!(values(&r.stdout, "modifiersName"), vec![ROOTDN.to_string()]);
    // adding an existing value, deleting a missing one
    s.modify_root(&modify_ldif(&new, "add: description\ndescription: TWO\n"))
        .expect_code(20);
    s.modify_root(&modify_ldif(
        &new,
        "delete: description\ndescription: zzz\n",
    ))
    .expect_code(16);
    // SINGLE-VALUE and MUST
    s.modify_root(&modify_ldif(&new, "add: mailbox\nmailbox: x/\n"))
        .expect_code(19);
    s.modify_root(&modify_ldif(&new, "delete: sn\n"))
        .expect_code(65);
    // the RDN value cannot go
    s.modify_root(&modify_ldif(&new, "delete: mail\n"))
        .expect_code(67);
    // operational attributes are not the client's
    s.modify_root(&modify_ldif(
        &new,
        "replace: entryUUID\nentryUUID: 00000000-0000-0000-0000-000000000000\n",
    ))
    .expect_code(19);

    // modrdn with deleteoldrdn
    s.tool_as_root(
        "ldapmodrdn",
        &["-r", &new, "mail=renamed@domain1.example"],
        None,
    )
    .ok();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        D1,
        "(mail=renamed@domain1.example)",
        &["mail"],
    );
    assert_eq!(values(&r.stdout, "mail"), vec!["renamed@domain1.example"]);
    let r = s.search_as(ROOTDN, ROOTPW, D1, "(mail=new@domain1.example)", &["mail"]);
    assert!(
        dns(&r.stdout).is_empty(),
        "old RDN value removed: {}",
        r.stdout
    );
    // newSuperior
    s.tool_as_root(
        "ldapmodrdn",
        &[
            "-s",
            "o=domain2.example,o=hosting,dc=myhosting,dc=example",
            &mail_dn("renamed@domain1.example"),
            "mail=renamed@domain1.example",
        ],
        None,
    )
    .ok();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        HOSTING,
        "(mail=renamed@domain1.example)",
        &["1.1"],
    );
    assert_eq!(
        dns(&r.stdout),
        vec!["mail=renamed@domain1.example,o=domain2.example,o=hosting,dc=myhosting,dc=example"]
    );

    s.tool_as_root(
        "ldapdelete",
        &["mail=renamed@domain1.example,o=domain2.example,o=hosting,dc=myhosting,dc=example"],
        None,
    )
    .ok();
    s.tool_as_root(
        "ldapdelete",
        &["mail=renamed@domain1.example,o=domain2.example,o=hosting,dc=myhosting,dc=example"],
        None,
    )
    .expect_code(32);
    s.tool_as_root("ldapdelete", &[D1], None).expect_code(66);
}

#[test]
fn schema_violations_have_their_codes() {
    let s = Server::demo();
    // undefined attribute
    let mut l = account("a@domain1.example");
    l.push_str("favouriteColour: blue\n");
    s.add_root(&l).expect_code(17);
    // missing MUST (homeDirectory of the auxiliary CourierMailAccount): refused in
    // both modes, naming the class and the attribute (issue 9).
    let l = account("b@domain1.example").replace("homeDirectory: /home/vmail/domains\n", "");
    let strict = Server::start_with("schema_check = \"strict\"\n", true);
    for server in [&s, &strict] {
        let r = server.add_root(&l);
        r.expect_code(65);
        assert!(
            r.stderr
                .contains("object class 'CourierMailAccount' requires attribute 'homeDirectory'"),
            "names the class and the attribute: {}",
            r.stderr
        );
    }
    // a missing MUST of the structural class is refused in both modes
    let l = account("e@domain1.example").replace("sn: e\n", "");
    s.add_root(&l).expect_code(65);
    // unknown object class
    s.add_root(&format!(
        "dn: {}\nobjectClass: noSuchClass\nmail: c@domain1.example\n",
        mail_dn("c@domain1.example")
    ))
    .expect_code(65);
    // bad syntax: uidNumber is an INTEGER
    let l = account("d@domain1.example").replace("uidNumber: 125", "uidNumber: lots");
    s.add_root(&l).expect_code(21);
    // bad DN
    s.add_root("dn: this is not a dn\nobjectClass: top\n")
        .expect_code(34);
    // missing parent
    let r = s.add_root(&format!("dn: mail=x@nowhere.example,o=nowhere.example,{HOSTING}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: x\nmaildrop: y\n"));
    r.expect_code(32);
}

#[test]
fn compare_and_whoami() {
    let s = Server::demo();
    let dn = mail_dn("user1@domain1.example");
    s.tool_as_root(
        "ldapcompare",
        &[&dn, "mailbox:domain1.example/user1/"],
        None,
    )
    .expect_code(6);
    s.tool_as_root("ldapcompare", &[&dn, "mailbox:nope/"], None)
        .expect_code(5);
    s.tool_as_root("ldapcompare", &[&dn, "mail:USER1@domain1.example"], None)
        .expect_code(6);
    s.tool_as_root("ldapcompare", &[&dn, "bogusAttr:x"], None)
        .expect_code(17);
    s.tool_as_root(
        "ldapcompare",
        &[&mail_dn("ghost@domain1.example"), "mail:x"],
        None,
    )
    .expect_code(32);
    let w = s.tool("ldapwhoami", &["-x", "-D", &dn, "-w", "user1"]);
    w.ok();
    assert_eq!(w.stdout.trim(), format!("dn:{dn}"));
    let w = s.tool("ldapwhoami", &["-x"]);
    w.ok();
    assert_eq!(w.stdout.trim(), "anonymous");
}

#[test]
fn bind_result_codes() {
    let s = Server::demo();
    let dn = mail_dn("user1@domain1.example");
    s.tool("ldapwhoami", &["-x", "-D", &dn, "-w", "wrong"])
        .expect_code(49);
    s.tool(
        "ldapwhoami",
        &["-x", "-D", &mail_dn("ghost@domain1.example"), "-w", "x"],
    )
    .expect_code(49);
    s.tool("ldapwhoami", &["-x", "-D", ROOTDN, "-w", "wrong"])
        .expect_code(49);
    s.tool_as_root("ldapwhoami", &[], None).ok();
    // RFC 4513 unauthenticated bind: DN without password
    s.tool("ldapwhoami", &["-x", "-D", &dn]).expect_code(53);
    // the failed bind is logged with the source address
    assert!(s.log().contains("failed bind"));
}

#[test]
fn unknown_extended_operation_and_critical_control() {
    let s = Server::demo();
    // ldapexop with an unknown OID: protocolError (2)
    let r = s.tool("ldapexop", &["-x", "1.2.3.4.5.6"]);
    assert!(r.stderr.contains("Protocol error (2)"), "{r:?}");
    // a critical control the server does not know: unavailableCriticalExtension (12)
    let r = s.tool(
        "ldapsearch",
        &["-x", "-e", "!1.2.3.4.5.6.7", "-b", HOSTING, "(mail=x)"],
    );
    assert_eq!(r.code, 12, "{r:?}");
    // the same control, not critical, is ignored
    s.tool(
        "ldapsearch",
        &["-x", "-e", "1.2.3.4.5.6.7", "-b", HOSTING, "(mail=x)"],
    )
    .ok();
}

#[test]
fn writes_survive_kill_and_restart() {
    let mut s = Server::demo();
    s.add_root(&account("durable@domain1.example")).ok();
    s.restart();
    let r = s.search_anon(HOSTING, "(mail=durable@domain1.example)", &["mailbox"]);
    assert_eq!(
        values(&r.stdout, "mailbox"),
        vec!["domain1.example/durable/"]
    );
    // the demo flag is not needed again and the data is all there
    let r = s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"]);
    assert_eq!(dns(&r.stdout).len(), 1);
}
