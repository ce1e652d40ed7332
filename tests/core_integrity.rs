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
