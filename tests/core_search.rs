//! Searching the demo tree with ldapsearch, as Postfix and admins do.

mod common;
use common::*;

#[test]
fn postfix_style_lookup_finds_the_mailbox_anonymously() {
    let s = Server::demo();
    let r = s.search_anon(
        HOSTING,
        "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
        &["mailbox"],
    );
    r.ok();
    assert_eq!(dns(&r.stdout), vec![mail_dn("user1@domain1.example")]);
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/user1/"]);
    // Only what was asked for comes back.
    assert!(values(&r.stdout, "homeDirectory").is_empty());
    assert!(s
        .log()
        .contains("SRCH base=\"o=hosting,dc=myhosting,dc=example\" scope=2"));
    assert!(s.log().contains("SEARCH RESULT tag=101 err=0 nentries=1"));
}

#[test]
fn mail_matches_case_insensitively() {
    let s = Server::demo();
    let r = s.search_anon(HOSTING, "(mail=sales@domain2.example)", &["mail"]);
    r.ok();
    assert_eq!(values(&r.stdout, "mail"), vec!["Sales@Domain2.example"]);
    let r = s.search_anon(HOSTING, "(mail=USER2@Domain1.Example)", &["mail"]);
    assert_eq!(values(&r.stdout, "mail"), vec!["user2@domain1.example"]);
}

#[test]
fn every_filter_type() {
    let s = Server::demo();
    let count = |f: &str| {
        let r = s.search_as(ROOTDN, ROOTPW, HOSTING, f, &["1.1"]);
        r.ok();
        dns(&r.stdout).len()
    };
    let accounts = count("(objectClass=CourierMailAccount)");
    assert!(accounts >= 3, "demo has accounts");
    // and / or / not
    assert_eq!(
        count("(&(objectClass=CourierMailAccount)(mail=user1@domain1.example))"),
        1
    );
    assert_eq!(
        count("(|(mail=user1@domain1.example)(mail=user2@domain1.example))"),
        2
    );
    assert_eq!(
        count("(&(objectClass=CourierMailAccount)(!(mail=user1@domain1.example)))"),
        accounts - 1
    );
    // substrings: initial, any, final
    assert_eq!(count("(mail=user*@domain1.example)"), 2);
    assert!(count("(mail=*@domain2.example)") >= 2);
    assert_eq!(count("(mail=*ser2*)"), 1);
    // ordering
    assert_eq!(
        count("(&(objectClass=CourierMailAccount)(uidNumber>=125))"),
        accounts
    );
    assert_eq!(
        count("(&(objectClass=CourierMailAccount)(uidNumber<=124))"),
        0
    );
    // presence
    assert_eq!(
        count("(&(objectClass=CourierMailAccount)(mailbox=*))"),
        accounts
    );
    assert_eq!(count("(roleOccupant=*)"), 2);
    // approx
    assert_eq!(count("(mail~=user1@domain1.example)"), 1);
    // extensible match: attr:rule:=value and attr:=value
    assert_eq!(count("(mail:caseIgnoreIA5Match:=USER1@DOMAIN1.EXAMPLE)"), 1);
    assert_eq!(count("(mail:=user1@domain1.example)"), 1);
    // escaped metacharacters as Postfix sends them match nothing here, but parse.
    assert_eq!(count("(mail=a\\2Ab@domain1.example)"), 0);
    // superclass: inetOrgPerson entries are persons too
    assert_eq!(
        count("(&(objectClass=person)(objectClass=CourierMailAccount))"),
        accounts
    );
}

#[test]
fn scopes() {
    let s = Server::demo();
    let base = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
    let r = s.read_as_root(base, &["1.1"]);
    assert_eq!(dns(&r.stdout), vec![base.to_string()]);
    let one = s.tool(
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-s",
            "one",
            "-b",
            HOSTING,
            "(objectClass=*)",
            "1.1",
        ],
    );
    one.ok();
    let got = dns(&one.stdout);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|d| d.starts_with("o=domain")));
    let sub = s.search_as(ROOTDN, ROOTPW, base, "(objectClass=*)", &["1.1"]);
    assert!(dns(&sub.stdout).iter().all(|d| d.ends_with(base)));
    assert!(dns(&sub.stdout).len() > 3);
}

#[test]
fn attribute_selection() {
    let s = Server::demo();
    let dn = mail_dn("user1@domain1.example");
    let all = s.read_as_root(&dn, &[]);
    all.ok();
    assert!(!values(&all.stdout, "mail").is_empty());
    assert!(
        values(&all.stdout, "entryUUID").is_empty(),
        "operational attrs only on request"
    );
    let ops = s.read_as_root(&dn, &["+"]);
    for a in [
        "entryUUID",
        "createTimestamp",
        "modifyTimestamp",
        "creatorsName",
        "modifiersName",
        "structuralObjectClass",
        "subschemaSubentry",
        "hasSubordinates",
        "entryDN",
        "entryCSN",
    ] {
        assert_eq!(values(&ops.stdout, a).len(), 1, "{a} in {}", ops.stdout);
    }
    assert!(values(&ops.stdout, "mail").is_empty());
    assert_eq!(values(&ops.stdout, "hasSubordinates"), vec!["FALSE"]);
    let none = s.read_as_root(&dn, &["1.1"]);
    assert_eq!(none.stdout.lines().filter(|l| !l.is_empty()).count(), 1);
    let named = s.read_as_root(&dn, &["commonName", "mailbox"]);
    assert!(!values(&named.stdout, "cn").is_empty());
    assert_eq!(values(&named.stdout, "mailbox").len(), 1);
    assert!(values(&named.stdout, "mail").is_empty());
    // typesOnly (-A): names without values
    let types = s.tool(
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-A",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-s",
            "base",
            "-b",
            &dn,
            "(objectClass=*)",
            "mail",
        ],
    );
    assert!(
        types.stdout.lines().any(|l| l.trim() == "mail:"),
        "{}",
        types.stdout
    );
}

#[test]
fn size_limit_gives_size_limit_exceeded() {
    let s = Server::demo();
    let r = s.tool(
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-z",
            "2",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-b",
            HOSTING,
            "(objectClass=*)",
            "1.1",
        ],
    );
    r.expect_code(4);
    assert_eq!(dns(&r.stdout).len(), 2);
    // An anonymous server-side limit applies without the client asking.
    let s2 = Server::start_with("[limits]\nanonymous_size_limit = 3\n", true);
    let r = s2.search_anon(HOSTING, "(objectClass=*)", &["1.1"]);
    r.expect_code(4);
    assert_eq!(dns(&r.stdout).len(), 3);
}

#[test]
fn missing_base_gives_no_such_object_with_matched_dn() {
    let s = Server::demo();
    let r = s.search_anon(
        "mail=nobody@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        "(objectClass=*)",
        &[],
    );
    r.expect_code(32);
    assert!(
        r.stdout
            .contains("Matched DN: o=domain1.example,o=hosting,dc=myhosting,dc=example")
            || r.stderr.contains("o=domain1.example,o=hosting"),
        "{r:?}"
    );
    let r = s.search_anon("not a dn", "(objectClass=*)", &[]);
    r.expect_code(34);
}

#[test]
fn root_dse_and_subschema_are_readable() {
    let s = Server::demo();
    let r = s.tool(
        "ldapsearch",
        &["-x", "-LLL", "-s", "base", "-b", "", "(objectClass=*)", "+"],
    );
    r.ok();
    assert_eq!(
        values(&r.stdout, "namingContexts"),
        vec!["dc=myhosting,dc=example"]
    );
    assert_eq!(values(&r.stdout, "supportedLDAPVersion"), vec!["3"]);
    let ext = values(&r.stdout, "supportedExtension");
    assert!(ext.contains(&"1.3.6.1.4.1.4203.1.11.3".to_string()));
    assert!(ext.contains(&"1.3.6.1.4.1.4203.1.11.1".to_string()));
    assert_eq!(values(&r.stdout, "subschemaSubentry"), vec!["cn=Subschema"]);
    assert_eq!(values(&r.stdout, "vendorName"), vec!["mailldap"]);
    let sch = s.subschema(&[
        "attributeTypes",
        "objectClasses",
        "ldapSyntaxes",
        "matchingRules",
    ]);
    sch.ok();
    let ocs = values(&sch.stdout, "objectClasses");
    assert!(
        ocs.iter()
            .any(|v| v.contains("'CourierMailAccount'") && v.contains("AUXILIARY")),
        "courier class"
    );
    assert!(values(&sch.stdout, "attributeTypes")
        .iter()
        .any(|v| v.contains("'maildrop'")));
    assert!(!values(&sch.stdout, "ldapSyntaxes").is_empty());
    assert!(!values(&sch.stdout, "matchingRules").is_empty());
}
