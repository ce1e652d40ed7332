//! Attribute descriptions over the wire (RFC 4512 2.5, RFC 3866, RFC 4522): values
//! stored under option-tagged descriptions are kept and returned, a description asks
//! for its tagged forms and subtypes in attribute lists, filters and compare, the
//! subschema attributes match by name or OID, and the operational attributes that
//! describe the tree are readable with the entry.

mod common;
use common::*;
use ldap3::{LdapConn, Mod, Scope, SearchEntry};
use std::collections::HashSet;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
/// The DER bytes `30 04 04 02 ff fe` as LDIF base64: not UTF-8 text, as certificates are not.
const CERT_B64: &str = "MAQEAv/+";
const CERT: &[u8] = &[0x30, 0x04, 0x04, 0x02, 0xff, 0xfe];
/// ldap-utils exit codes (the LDAP result codes).
const COMPARE_FALSE: i32 = 5;
const COMPARE_TRUE: i32 = 6;
const UNDEFINED_TYPE: i32 = 17;
const VALUE_EXISTS: i32 = 20;
const INSUFFICIENT: i32 = 50;

/// Without the cn index, so the filter cases here test evaluation alone (see
/// `tagged_cn_values_survive_the_cn_index` for the planner's part).
const NO_CN_INDEX: &str = "[indexes]\nobjectClass = [\"eq\", \"pres\"]\nmail = [\"eq\"]\n";

fn jdn() -> String {
    format!("mail=jsmith@domain1.example,{D1}")
}

/// A demo server holding jsmith, whose names carry language tags and who has a certificate.
fn server_with_tags(extra: &str) -> Server {
    let s = Server::start_with(extra, true);
    s.add_root(&format!(
        "dn: {}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\n\
         cn: John Smith\ncn;lang-de: Johann Schmidt\ncn;lang-en-US: Johnny Smith\n\
         sn: Smith\nsn;lang-en-GB: Smythe\no;lang-fr: Exemple\n\
         mail: jsmith@domain1.example\nhomeDirectory: /home/vmail/domains\n\
         userCertificate;binary:: {CERT_B64}\n",
        jdn()
    ))
    .ok();
    s
}

/// The descriptions in ldapsearch -LLL output, lower-cased, `dn` left out.
fn descriptions(ldif: &str) -> Vec<String> {
    let mut out: Vec<String> = ldif
        .lines()
        .filter_map(|l| l.split_once(':').map(|(a, _)| a.to_ascii_lowercase()))
        .filter(|a| a != "dn" && !a.starts_with(' '))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// jsmith's entry as the rootdn reads it with `attrs`.
fn read(s: &Server, attrs: &[&str]) -> ToolResult {
    let mut args = vec!["-s", "base"];
    args.extend_from_slice(attrs);
    let r = s.search_as(ROOTDN, ROOTPW, &jdn(), "(objectClass=*)", &args);
    r.ok();
    r
}

/// The DNs `filter` finds below the hosting tree, as the rootdn.
fn found(s: &Server, filter: &str) -> Vec<String> {
    let r = s.search_as(ROOTDN, ROOTPW, HOSTING, filter, &["1.1"]);
    r.ok();
    dns(&r.stdout)
}

fn compare(s: &Server, ava: &str) -> i32 {
    let dn = jdn();
    s.tool("ldapcompare", &["-x", "-D", ROOTDN, "-w", ROOTPW, &dn, ava])
        .code
}

#[test]
fn tagged_values_are_kept_and_selected_by_description() {
    let s = server_with_tags("");
    let all = read(&s, &[]);
    for (desc, value) in [
        ("cn", "John Smith"),
        ("cn;lang-de", "Johann Schmidt"),
        ("cn;lang-en-us", "Johnny Smith"),
        ("sn;lang-en-gb", "Smythe"),
        ("o;lang-fr", "Exemple"),
    ] {
        assert_eq!(
            values(&all.stdout, desc),
            vec![value],
            "{desc}:\n{}",
            all.stdout
        );
    }
    // RFC 4522: certificates come back with ;binary, whatever the request said.
    let cert = format!("userCertificate;binary:: {CERT_B64}");
    assert!(all.stdout.lines().any(|l| l == cert), "{}", all.stdout);
    let want = |attrs: &[&str], expected: &[&str]| {
        let r = read(&s, attrs);
        assert_eq!(
            descriptions(&r.stdout),
            expected,
            "{attrs:?}:\n{}",
            r.stdout
        );
    };
    want(&["cn"], &["cn", "cn;lang-de", "cn;lang-en-us"]);
    want(&["CommonName"], &["cn", "cn;lang-de", "cn;lang-en-us"]);
    want(
        &["name"],
        &[
            "cn",
            "cn;lang-de",
            "cn;lang-en-us",
            "o;lang-fr",
            "sn",
            "sn;lang-en-gb",
        ],
    );
    want(&["name;lang-en-US"], &["cn;lang-en-us"]);
    want(&["name;lang-en-"], &["cn;lang-en-us", "sn;lang-en-gb"]);
    want(
        &["name;lang-"],
        &["cn;lang-de", "cn;lang-en-us", "o;lang-fr", "sn;lang-en-gb"],
    );
    want(&["cn;LANG-DE"], &["cn;lang-de"]);
    want(&["userCertificate"], &["usercertificate;binary"]);
    want(&["userCertificate;binary"], &["usercertificate;binary"]);
    // An unrecognized description (;binary on a text syntax) selects nothing.
    want(&["cn;binary"], &[]);
}

#[test]
fn filters_on_supertypes_and_tagged_forms() {
    let s = server_with_tags(NO_CN_INDEX);
    let j = vec![jdn()];
    for filter in [
        "(cn=Johann Schmidt)",
        "(cn=johnny*)",
        "(name=Johann Schmidt)",
        "(name=smythe)",
        "(sn=smythe)",
        "(o=exemple)",
        "(name;lang-en-=Smythe)",
        "(name;lang-en-=johnny smith)",
        "(name;lang-=exemple)",
        "(cn;lang-de=johann schmidt)",
        "(cn;Lang-DE=JOHANN*)",
        "(sn;lang-en-GB=*)",
        "(&(objectClass=inetOrgPerson)(name=smythe))",
        "(&(mail=jsmith@domain1.example)(cn;lang-de=Johann Schmidt))",
        "(userCertificate;binary=*)",
        "(userCertificate=*)",
    ] {
        assert_eq!(found(&s, filter), j, "{filter}");
    }
    for filter in [
        "(cn;lang-de=John Smith)",
        "(name;lang-en=smythe)",
        "(name;lang-fr=Johann Schmidt)",
        "(o;lang-de=exemple)",
        "(cn;binary=John Smith)",
        "(&(mail=jsmith@domain1.example)(cn;lang-en-us=Johann Schmidt))",
    ] {
        assert!(found(&s, filter).is_empty(), "{filter}");
    }
}

/// The planner may not drop entries whose only matching value sits in a tagged form:
/// with the default `cn` equality index, (cn=Johann Schmidt) and an indexed AND with
/// (cn;lang-de=...) must still find jsmith: the index files cn's tagged forms (and
/// subtypes) under cn.
#[test]
fn tagged_cn_values_survive_the_cn_index() {
    let s = server_with_tags("");
    let j = vec![jdn()];
    assert_eq!(found(&s, "(cn=Johann Schmidt)"), j);
    assert!(found(&s, "(cn=*)").contains(&jdn()));
    assert_eq!(
        found(
            &s,
            "(&(objectClass=inetOrgPerson)(cn;lang-de=Johann Schmidt))"
        ),
        j
    );
}

/// cn indexed for every kind, so presence and substring lookups go through it too.
const FULL_CN_INDEX: &str =
    "[indexes]\nobjectClass = [\"eq\", \"pres\"]\nmail = [\"eq\"]\ncn = [\"eq\", \"pres\", \"sub\"]\n";

/// The last search's candidate line in the server log.
fn last_candidates(s: &Server) -> String {
    let log = s.log();
    let line = log.lines().rev().find(|l| l.contains("SRCH candidates"));
    line.expect("candidates logged").to_string()
}

#[test]
fn tagged_cn_values_survive_every_cn_index() {
    let s = server_with_tags(FULL_CN_INDEX);
    let j = vec![jdn()];
    for filter in [
        "(cn=Johann Schmidt)",
        "(cn;lang-de=Johann Schmidt)",
        "(cn=johann*)",
        "(cn=*schmidt)",
        "(cn;lang-de=*ann*)",
        "(cn;lang-en-=johnny*)",
        "(&(objectClass=inetOrgPerson)(cn=*Schmi*))",
    ] {
        assert_eq!(found(&s, filter), j, "{filter}");
        let line = last_candidates(&s);
        assert!(line.contains("indexed=true"), "{filter}: {line}");
    }
    assert!(found(&s, "(cn=*)").contains(&jdn()));
    assert!(last_candidates(&s).contains("indexed=true"));
    // cn's index is a superset for a tag: the tags still decide.
    assert!(found(&s, "(cn;lang-en-us=johann*)").is_empty());
    // name is unindexed: cn's index lacks sn and o, so the scope is read.
    assert_eq!(found(&s, "(name=Exemple)"), j);
    assert!(last_candidates(&s).contains("indexed=false"));
}

/// ldapmodify's exit code for a constraint violation.
const CONSTRAINT: i32 = 19;
/// And for a failed simple bind.
const INVALID_CREDENTIALS: i32 = 49;

#[test]
fn a_tagged_address_is_held_to_mail_uniqueness() {
    let s = server_with_tags("");
    let user1 = mail_dn("user1@domain1.example");
    let modify = |ldif: &str| s.modify_root(&format!("dn: {}\nchangetype: modify\n{ldif}", jdn()));
    // Postfix's (mail=user1@...) would find jsmith too: refused.
    let r = modify("add: mail;x-alt\nmail;x-alt: User1@domain1.example\n");
    r.expect_code(CONSTRAINT);
    assert!(r.stderr.contains("already used by"), "{r:?}");
    assert_eq!(found(&s, "(mail=user1@domain1.example)"), vec![user1]);
    // An address first taken under a tag is no longer free for a plain mail.
    modify("add: mail;x-alt\nmail;x-alt: spare@domain1.example\n").ok();
    assert_eq!(found(&s, "(mail=spare@domain1.example)"), vec![jdn()]);
    s.modify_root(&format!(
        "dn: {}\nchangetype: modify\nadd: mail\nmail: spare@domain1.example\n",
        mail_dn("user2@domain1.example")
    ))
    .expect_code(CONSTRAINT);
}

#[test]
fn tagged_passwords_are_hashed_and_never_bind() {
    let s = server_with_tags("");
    let dn = jdn();
    s.modify_root(&format!(
        "dn: {dn}\nchangetype: modify\nadd: userPassword\nuserPassword: plain-pw\n-\n\
         add: userPassword;x-old\nuserPassword;x-old: tagged-pw\n-\n\
         add: userPassword;lang-de\nuserPassword;lang-de: {{CLEARTEXT}}other-pw\n"
    ))
    .ok();
    let r = read(&s, &["userPassword"]);
    assert_eq!(
        descriptions(&r.stdout),
        ["userpassword", "userpassword;lang-de", "userpassword;x-old"]
    );
    // Hashes are long: ldapsearch shows them base64 (`::`), never the cleartext.
    for line in r.stdout.lines().filter(|l| l.starts_with("userPassword")) {
        let (_, value) = line.split_once(':').unwrap();
        assert!(!value.contains("-pw"), "stored in clear: {line}");
    }
    // Simple bind uses userPassword itself, as slapd does.
    assert_eq!(
        s.tool("ldapwhoami", &["-x", "-D", &dn, "-w", "plain-pw"])
            .code,
        0
    );
    for pw in ["tagged-pw", "other-pw", "{CLEARTEXT}other-pw"] {
        let code = s.tool("ldapwhoami", &["-x", "-D", &dn, "-w", pw]).code;
        assert_eq!(code, INVALID_CREDENTIALS, "{pw}");
    }
    // Another account reads no tagged password (userPassword's rule covers them).
    let r = s.search_as(
        &mail_dn("user2@domain1.example"),
        "user2",
        &dn,
        "(objectClass=*)",
        &["-s", "base", "userPassword", "userPassword;x-old"],
    );
    assert!(
        !r.stdout.to_ascii_lowercase().contains("userpassword"),
        "{r:?}"
    );
}

#[test]
fn modify_and_compare_keep_options() {
    let s = server_with_tags("");
    let dn = jdn();
    let modify = |ldif: &str| s.modify_root(&format!("dn: {dn}\nchangetype: modify\n{ldif}"));
    // Options are case-insensitive: this adds to cn;lang-de.
    modify("add: cn;LANG-DE\ncn;LANG-DE: Hansi\n").ok();
    let r = read(&s, &["cn;lang-de"]);
    let mut got = values(&r.stdout, "cn;lang-de");
    got.sort();
    assert_eq!(got, vec!["Hansi", "Johann Schmidt"]);
    modify("add: cn;lang-de\ncn;lang-de: johann schmidt\n").expect_code(VALUE_EXISTS);
    // The same value may sit in plain cn and in a tagged form.
    modify("add: cn\ncn: Hansi\n").ok();
    modify("delete: cn;lang-de\ncn;lang-de: hansi\n").ok();
    assert_eq!(
        values(&read(&s, &["cn"]).stdout, "cn"),
        vec!["John Smith", "Hansi"]
    );
    // Options in any order name one attribute.
    modify("replace: cn;x-nick;lang-de\ncn;x-nick;lang-de: Hannes\n").ok();
    modify("add: cn;lang-de;x-nick\ncn;lang-de;x-nick: Hannes\n").expect_code(VALUE_EXISTS);
    let r = read(&s, &["cn;x-nick"]);
    assert_eq!(values(&r.stdout, "cn;lang-de;x-nick"), vec!["Hannes"]);
    // Deleting the tagged attribute leaves cn alone.
    modify("delete: cn;lang-en-us\n").ok();
    assert_eq!(
        descriptions(&read(&s, &["cn"]).stdout),
        vec!["cn", "cn;lang-de", "cn;lang-de;x-nick"]
    );
    // A language range or ;binary on text names nothing a value could be stored in.
    modify("add: cn;lang-en-\ncn;lang-en-: x\n").expect_code(UNDEFINED_TYPE);
    modify("add: cn;binary\ncn;binary: x\n").expect_code(UNDEFINED_TYPE);
    // userCertificate and userCertificate;binary are one attribute (RFC 4522 3).
    modify(&format!(
        "replace: userCertificate;binary\nuserCertificate;binary:: {CERT_B64}\n"
    ))
    .ok();
    modify("delete: userCertificate\n").ok();
    assert!(descriptions(&read(&s, &["userCertificate"]).stdout).is_empty());
    // Compare finds subtypes and tagged forms; a tag narrows it.
    assert_eq!(compare(&s, "name:Johann Schmidt"), COMPARE_TRUE);
    assert_eq!(compare(&s, "cn:johann schmidt"), COMPARE_TRUE);
    assert_eq!(compare(&s, "cn;lang-de:johann schmidt"), COMPARE_TRUE);
    assert_eq!(compare(&s, "cn;lang-de:John Smith"), COMPARE_FALSE);
    assert_eq!(compare(&s, "name;lang-en-:Smythe"), COMPARE_TRUE);
    assert_eq!(compare(&s, "name;lang-en-:Johann Schmidt"), COMPARE_FALSE);
    assert_eq!(compare(&s, "cn;binary:x"), UNDEFINED_TYPE);
}

#[test]
fn acl_rules_cover_tagged_forms() {
    let s = server_with_tags("");
    let user2 = mail_dn("user2@domain1.example");
    s.modify_root(&format!(
        "dn: {user2}\nchangetype: modify\nadd: userPassword;x-old\nuserPassword;x-old: {{SSHA}}old\n"
    ))
    .ok();
    // Nobody but the rootdn (and the service DN) reads a password, tagged or not.
    let anon = s.search_anon(&user2, "(objectClass=*)", &["-s", "base", "*"]);
    anon.ok();
    assert!(
        !anon.stdout.to_lowercase().contains("userpassword"),
        "{}",
        anon.stdout
    );
    let own = s.search_as(
        &user2,
        "user2",
        &user2,
        "(objectClass=*)",
        &["-s", "base", "userPassword"],
    );
    own.ok();
    assert!(
        !own.stdout.to_lowercase().contains("userpassword"),
        "{}",
        own.stdout
    );
    let root = read_dn(&s, &user2, &["userPassword"]);
    assert_eq!(values(&root, "userPassword;x-old"), vec!["{SSHA}old"]);
    // Nor may they search it: the filter finds nothing.
    let r = s.search_anon(HOSTING, "(userPassword;x-old=*)", &["1.1"]);
    r.ok();
    assert!(dns(&r.stdout).is_empty(), "{}", r.stdout);
    let r = s.search_anon(HOSTING, "(userPassword={SSHA}old)", &["1.1"]);
    assert!(dns(&r.stdout).is_empty(), "{}", r.stdout);
    assert_eq!(found(&s, "(userPassword={SSHA}old)"), vec![user2.clone()]);
    // Compare needs compare on each tagged form too.
    let c = s.tool("ldapcompare", &["-x", &user2, "userPassword:{SSHA}old"]);
    assert_eq!(c.code, INSUFFICIENT);
    // The postmaster may write it as it may write userPassword, another domain's user not.
    let pm = mail_dn("user1@domain1.example");
    let sales = mail_dn("Sales@Domain2.example");
    let change = format!("dn: {user2}\nchangetype: modify\ndelete: userPassword;x-old\n");
    let other = s.tool_stdin(
        "ldapmodify",
        &["-x", "-D", &sales, "-w", "sales"],
        Some(&change),
    );
    assert_eq!(other.code, INSUFFICIENT, "{other:?}");
    s.tool_stdin(
        "ldapmodify",
        &["-x", "-D", &pm, "-w", "user1"],
        Some(&change),
    )
    .ok();
}

fn read_dn(s: &Server, dn: &str, attrs: &[&str]) -> String {
    let mut args = vec!["-s", "base"];
    args.extend_from_slice(attrs);
    let r = s.search_as(ROOTDN, ROOTPW, dn, "(objectClass=*)", &args);
    r.ok();
    r.stdout
}

#[test]
fn subschema_attributes_match_by_name_or_oid() {
    let s = Server::demo();
    let subschema = |filter: &str| {
        let r = s.tool(
            "ldapsearch",
            &[
                "-x",
                "-LLL",
                "-s",
                "base",
                "-b",
                "cn=Subschema",
                filter,
                "1.1",
            ],
        );
        r.ok();
        dns(&r.stdout)
    };
    for filter in [
        "(objectClasses=top)",
        "(objectClasses=2.5.6.0)",
        "(objectClasses=couriermailaccount)",
        "(attributeTypes=mail)",
        "(attributeTypes=rfc822Mailbox)",
        "(attributeTypes=0.9.2342.19200300.100.1.3)",
        "(matchingRules=caseIgnoreMatch)",
        "(matchingRules=2.5.13.2)",
        "(ldapSyntaxes=1.3.6.1.4.1.1466.115.121.1.15)",
        "(&(objectClass=subschema)(objectClasses=top)(attributeTypes=2.5.4.3))",
    ] {
        assert_eq!(subschema(filter), vec!["cn=Subschema"], "{filter}");
    }
    for filter in [
        "(objectClasses=noSuchClass)",
        "(objectClasses=2.5.6.999)",
        "(attributeTypes=top)",
        "(matchingRules=2.5.6.0)",
    ] {
        assert!(subschema(filter).is_empty(), "{filter}");
    }
}

const TREE_ATTRS: &[&str] = &[
    "subschemaSubentry",
    "structuralObjectClass",
    "hasSubordinates",
    "entryDN",
    "createTimestamp",
    "modifyTimestamp",
];

#[test]
fn tree_attributes_are_readable_with_the_entry() {
    let s = Server::demo();
    let user2 = mail_dn("user2@domain1.example");
    let mut wanted: Vec<&str> = vec!["-s", "base"];
    wanted.extend_from_slice(TREE_ATTRS);
    wanted.extend(["creatorsName", "modifiersName", "entryCSN"]);
    for dn in [user2.as_str(), D1, HOSTING, "dc=myhosting,dc=example"] {
        let r = s.search_anon(dn, "(objectClass=*)", &wanted);
        r.ok();
        assert_eq!(
            values(&r.stdout, "subschemaSubentry"),
            vec!["cn=Subschema"],
            "{dn}:\n{}",
            r.stdout
        );
        for a in TREE_ATTRS {
            assert_eq!(values(&r.stdout, a).len(), 1, "{a} of {dn}:\n{}", r.stdout);
        }
        assert_eq!(values(&r.stdout, "entryDN"), vec![dn.to_string()]);
        for a in ["creatorsName", "modifiersName", "entryCSN"] {
            assert!(
                values(&r.stdout, a).is_empty(),
                "{a} of {dn}:\n{}",
                r.stdout
            );
        }
    }
    let r = s.search_anon(&user2, "(objectClass=*)", &["-s", "base", "+"]);
    assert_eq!(
        values(&r.stdout, "structuralObjectClass"),
        vec!["inetOrgPerson"]
    );
    assert_eq!(values(&r.stdout, "hasSubordinates"), vec!["FALSE"]);
    // The owner still reads the rest, as before.
    let own = s.search_as(
        &user2,
        "user2",
        &user2,
        "(objectClass=*)",
        &["-s", "base", "+"],
    );
    assert_eq!(
        values(&own.stdout, "creatorsName").len(),
        1,
        "{}",
        own.stdout
    );
    // Nobody but the server writes them.
    let pm = mail_dn("user1@domain1.example");
    let change = format!(
        "dn: {user2}\nchangetype: modify\nreplace: modifyTimestamp\nmodifyTimestamp: 20000101000000Z\n"
    );
    let r = s.tool_stdin(
        "ldapmodify",
        &["-x", "-D", &pm, "-w", "user1"],
        Some(&change),
    );
    assert_ne!(r.code, 0, "{r:?}");
}

#[test]
fn a_rule_before_the_default_one_hides_a_tree_attribute() {
    let shipped = std::fs::read_to_string(repo().join("config/mailldap.toml")).expect("policy");
    let at = shipped.find("\n[[acl]]\n").expect("a rule") + 1;
    let hide =
        "[[acl]]\nattrs = [\"createTimestamp\"]\nby = [ { who = \"self\", level = \"read\" } ]\n\n";
    let policy = format!("{}{hide}{}", &shipped[..at], &shipped[at..]);
    let s = Server::start_with(&policy, true);
    let user2 = mail_dn("user2@domain1.example");
    let attrs = ["-s", "base", "createTimestamp", "modifyTimestamp"];
    let anon = s.search_anon(&user2, "(objectClass=*)", &attrs);
    assert!(
        values(&anon.stdout, "createTimestamp").is_empty(),
        "{}",
        anon.stdout
    );
    assert_eq!(values(&anon.stdout, "modifyTimestamp").len(), 1);
    let own = s.search_as(&user2, "user2", &user2, "(objectClass=*)", &attrs);
    assert_eq!(
        values(&own.stdout, "createTimestamp").len(),
        1,
        "{}",
        own.stdout
    );
}

/// The entry at `dn` with `attrs`, read over `c`.
fn entry(c: &mut LdapConn, dn: &str, attrs: Vec<&str>) -> SearchEntry {
    let (rs, _) = c
        .search(dn, Scope::Base, "(objectClass=*)", attrs)
        .unwrap()
        .success()
        .unwrap();
    SearchEntry::construct(rs.into_iter().next().expect("the entry"))
}

fn bytes(v: &[&str]) -> HashSet<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn ldap3_tagged_forms_subtypes_and_subschema() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    c.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();
    let dn = format!("mail=crate@domain1.example,{D1}");
    c.add(
        &dn,
        vec![
            (
                b"objectClass".to_vec(),
                bytes(&["inetOrgPerson", "CourierMailAccount"]),
            ),
            (b"cn".to_vec(), bytes(&["Crate"])),
            (b"cn;lang-de".to_vec(), bytes(&["Kiste"])),
            (b"sn".to_vec(), bytes(&["Box"])),
            (b"mail".to_vec(), bytes(&["crate@domain1.example"])),
            (b"homeDirectory".to_vec(), bytes(&["/home/vmail/domains"])),
            (
                b"userCertificate;binary".to_vec(),
                [CERT.to_vec()].into_iter().collect(),
            ),
        ],
    )
    .unwrap()
    .success()
    .unwrap();
    let e = entry(&mut c, &dn, vec!["name"]);
    let mut names: Vec<&String> = e.attrs.keys().collect();
    names.sort();
    assert_eq!(names, vec!["cn", "cn;lang-de", "sn"]);
    assert_eq!(e.attrs["cn;lang-de"], vec!["Kiste"]);
    let e = entry(&mut c, &dn, vec!["name;lang-de"]);
    assert_eq!(e.attrs.keys().collect::<Vec<_>>(), vec!["cn;lang-de"]);
    let e = entry(&mut c, &dn, vec!["userCertificate"]);
    assert_eq!(e.bin_attrs["userCertificate;binary"], vec![CERT.to_vec()]);
    // Modify a tagged form, then compare through the supertype.
    c.modify(
        &dn,
        vec![Mod::Replace("cn;lang-de", HashSet::from(["Truhe"]))],
    )
    .unwrap()
    .success()
    .unwrap();
    assert!(c.compare(&dn, "name", "truhe").unwrap().equal().unwrap());
    assert!(!c
        .compare(&dn, "name;lang-de", "crate")
        .unwrap()
        .equal()
        .unwrap());
    let (rs, _) = c
        .search(D1, Scope::Subtree, "(name;lang-de=Truhe)", vec!["1.1"])
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(rs.len(), 1);
    // Subschema by OID, and subschemaSubentry from the entry, anonymously.
    c.simple_bind("", "").unwrap().success().unwrap();
    let (rs, _) = c
        .search(
            "cn=Subschema",
            Scope::Base,
            "(objectClasses=2.5.6.0)",
            vec!["1.1"],
        )
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(rs.len(), 1);
    let e = entry(&mut c, &dn, vec!["subschemaSubentry"]);
    assert_eq!(e.attrs["subschemaSubentry"], vec!["cn=Subschema"]);
}
