//! A directory that never holds invalid data (issue 9, "Data integrity"): the MUST
//! attributes of every class, DN-syntax values validated and returned in slapd's form,
//! import in any order and of legacy data only when asked, and exports that always
//! import again. Against the real binary, with ldap-utils.

mod common;
use common::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// An account LDIF with `extra` lines, and without the attributes named in `drop`.
fn account(addr: &str, drop: &[&str], extra: &str) -> String {
    let local = addr.split('@').next().unwrap();
    let lines = [
        "objectClass: inetOrgPerson".to_string(),
        "objectClass: CourierMailAccount".to_string(),
        format!("cn: {local}"),
        format!("sn: {local}"),
        "homeDirectory: /home/vmail/domains".to_string(),
        format!("mailbox: domain1.example/{local}/"),
    ];
    let kept: Vec<String> = lines
        .into_iter()
        .filter(|l| !drop.iter().any(|d| l.starts_with(&format!("{d}: "))))
        .collect();
    format!("dn: {}\n{}\n{extra}", mail_dn(addr), kept.join("\n"))
}

/// Assert a tool run failed with `code` and its message (ldapmodrdn prints it on
/// standard output) holds `text`.
fn refused(r: &ToolResult, code: i32, text: &str) {
    r.expect_code(code);
    let said = format!("{}{}", r.stderr, r.stdout);
    assert!(said.contains(text), "wanted {text:?} in:\n{said}");
}

fn must_is_enforced(s: &Server, strict: bool) {
    let r = s.add_root(&account("nohome@domain1.example", &["homeDirectory"], ""));
    refused(
        &r,
        65,
        "object class 'CourierMailAccount' requires attribute 'homeDirectory'",
    );
    // A superclass's MUST (person: sn) counts as the class's own.
    let r = s.add_root(&account("nosn@domain1.example", &["sn"], ""));
    refused(&r, 65, "object class 'person' requires attribute 'sn'");
    // An alias without maildrop, with a structural class and without one.
    let alias = format!("dn: mail=a@domain1.example,{D1}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: a\n");
    refused(
        &s.add_root(&alias),
        65,
        "object class 'CourierMailAlias' requires attribute 'maildrop'",
    );
    // Without a structural class (strict mode refuses that first).
    let bare = format!("dn: mail=b@domain1.example,{D1}\nobjectClass: CourierMailAlias\n");
    let why = if strict {
        "no structural object class provided"
    } else {
        "object class 'CourierMailAlias' requires attribute 'maildrop'"
    };
    refused(&s.add_root(&bare), 65, why);
    // Deleting a MUST attribute of an auxiliary class.
    let r = s.modify_root(&format!(
        "dn: {}\nchangetype: modify\ndelete: homeDirectory\n",
        mail_dn("user1@domain1.example")
    ));
    refused(
        &r,
        65,
        "object class 'CourierMailAccount' requires attribute 'homeDirectory'",
    );
    // Adding an auxiliary class without its MUST attributes.
    let r = s.modify_root(&format!(
        "dn: cn=Manager,dc=myhosting,dc=example\nchangetype: modify\nadd: objectClass\nobjectClass: CourierMailAlias\n"
    ));
    refused(&r, 65, "object class 'CourierMailAlias' requires attribute");
    // A rename that drops the alias's only mail value (deleteoldrdn).
    let r = s.tool(
        "ldapmodrdn",
        &[
            "-x",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-r",
            &mail_dn("info@domain1.example"),
            "cn=info",
        ],
    );
    refused(
        &r,
        65,
        "object class 'CourierMailAlias' requires attribute 'mail'",
    );
    let r = s.search_anon(
        &mail_dn("user1@domain1.example"),
        "(objectClass=*)",
        &["homeDirectory"],
    );
    assert_eq!(
        values(&r.stdout, "homeDirectory").len(),
        1,
        "nothing changed"
    );
}

#[test]
fn must_attributes_of_every_class_are_enforced_in_lenient_mode() {
    must_is_enforced(&Server::demo(), false);
}

#[test]
fn must_attributes_of_every_class_are_enforced_in_strict_mode() {
    must_is_enforced(&Server::start_with("schema_check = \"strict\"", true), true);
}

#[test]
fn lenient_mode_still_takes_an_entry_without_a_structural_class() {
    let s = Server::demo();
    s.add_root(&format!(
        "dn: mail=old@domain1.example,{D1}\nobjectClass: top\nobjectClass: CourierMailAlias\nmaildrop: user1@domain1.example\n"
    ))
    .ok();
    let strict = Server::start_with("schema_check = \"strict\"", true);
    refused(
        &strict.add_root(&format!(
            "dn: mail=old@domain1.example,{D1}\nobjectClass: top\nobjectClass: CourierMailAlias\nmaildrop: user1@domain1.example\n"
        )),
        65,
        "no structural object class provided",
    );
}

/// The postmaster of domain1 in the demo tree.
fn postmaster() -> String {
    format!("cn=postmaster,{D1}")
}

/// ldapmodify: add `attr: value` to `dn`.
fn add_value(s: &Server, dn: &str, attr: &str, value: &str) -> ToolResult {
    s.modify_root(&format!(
        "dn: {dn}\nchangetype: modify\nadd: {attr}\n{attr}: {value}\n"
    ))
}

#[test]
fn invalid_dn_values_are_refused_with_invalid_syntax() {
    let s = Server::demo();
    for bad in [
        "01.1=jsmith",
        "1.1.1=#F",
        "cn=#04",
        "foo=bar,o=x",
        "1.2=x",
        "cn=,o=x",
        "cn=a,,o=x",
        "cn=a<b",
        "uidNumber=abc,o=x",
        "OID.2.5.4.3=x",
    ] {
        let r = add_value(&s, &postmaster(), "roleOccupant", bad);
        refused(&r, 21, "roleOccupant: value #0 invalid per syntax");
    }
    for bad in ["cn=foo#'0102'B", "cn=foo,o=x#'2'B", "01.1=a#'01'B"] {
        let group =
            format!("dn: cn=g,{D1}\nobjectClass: groupOfUniqueNames\ncn: g\nuniqueMember: {bad}\n");
        refused(
            &s.add_root(&group),
            21,
            "uniqueMember: value #0 invalid per syntax",
        );
    }
    let r = s.add_root(&account(
        "mgr@domain1.example",
        &[],
        "manager: cn=x,o=y\nseeAlso: 01.1=jsmith\n",
    ));
    refused(&r, 21, "seeAlso: value #0 invalid per syntax");
}

#[test]
fn dn_values_are_returned_in_rfc4514_form_and_match_by_distinguished_name_match() {
    let s = Server::demo();
    let user1 = mail_dn("user1@domain1.example");
    // LDAPv2 separators, spaces after commas, upper-case and long type names, OIDs.
    add_value(
        &s,
        &postmaster(),
        "roleOccupant",
        "MAIL=user2@domain1.example; O=domain1.example, 2.5.4.10=hosting, DC=myhosting, domainComponent=example",
    )
    .ok();
    let group = format!(
        "dn: cn=team,{D1}\nobjectClass: groupOfUniqueNames\ncn: team\nuniqueMember: CN=Foo, O=Bar#'0101'B\nuniqueMember: SN=b+CN=a, O=x\n"
    );
    s.add_root(&group).ok();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        &postmaster(),
        "(objectClass=*)",
        &["-s", "base", "roleOccupant"],
    );
    assert!(
        values(&r.stdout, "roleOccupant").contains(
            &"mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example"
                .to_string()
        ),
        "{}",
        r.stdout
    );
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        &format!("cn=team,{D1}"),
        "(objectClass=*)",
        &["-s", "base", "uniqueMember"],
    );
    let mut got = values(&r.stdout, "uniqueMember");
    got.sort();
    assert_eq!(got, vec!["cn=Foo,o=Bar#'0101'B", "cn=a+sn=b,o=x"]);

    // Filters match by distinguishedNameMatch: OIDs for types, AVAs in any order.
    let found = |filter: &str| dns(&s.search_as(ROOTDN, ROOTPW, D1, filter, &["dn"]).stdout);
    let oid_form = user1
        .replace("mail=", "0.9.2342.19200300.100.1.3=")
        .replace("o=", "2.5.4.10=");
    assert_eq!(
        found(&format!("(roleOccupant={oid_form})")),
        vec![postmaster()]
    );
    assert_eq!(
        found(&format!(
            "(roleOccupant={})",
            user1.to_uppercase().replace(',', ", ")
        )),
        vec![postmaster()]
    );
    assert_eq!(
        found("(uniqueMember=cn=A+sn=B,o=X)"),
        vec![format!("cn=team,{D1}")]
    );
    assert_eq!(
        found("(uniqueMember=commonName=foo,o=bar#'0101'B)"),
        vec![format!("cn=team,{D1}")]
    );
    assert!(found("(uniqueMember=cn=foo,o=bar#'0100'B)").is_empty());
    assert!(found("(uniqueMember=cn=foo,o=bar)").is_empty());
    // The same DN spelled another way is a duplicate value.
    let r = add_value(&s, &postmaster(), "roleOccupant", &user1.to_uppercase());
    refused(&r, 20, "roleOccupant");
    // Compare uses the same rule.
    let r = s.tool(
        "ldapcompare",
        &[
            "-x",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            &postmaster(),
            &format!("roleOccupant:{}", user1.replace("mail=", "rfc822Mailbox=")),
        ],
    );
    r.expect_code(6);
}

#[test]
fn uuid_rdn_values_match_by_uuid_match() {
    let s = Server::demo();
    let upper = "entryUUID=597AE2F6-16A6-1027-98F4-D28B5365DC14,o=x";
    add_value(&s, &postmaster(), "seeAlso", upper).ok();
    let found = dns(&s
        .search_as(
            ROOTDN,
            ROOTPW,
            D1,
            "(seeAlso=entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14,o=x)",
            &["dn"],
        )
        .stdout);
    assert_eq!(found, vec![postmaster()]);
}
