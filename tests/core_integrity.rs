//! A directory that never holds invalid data (issue 9, "Data integrity"): the MUST
//! attributes of every class, DN-syntax values validated and returned in slapd's form,
//! import in any order and of legacy data only when asked, and exports that always
//! import again. Against the real binary, with ldap-utils.

mod common;
use common::*;

#[path = "core_integrity/dn_values.rs"]
mod dn_values;
#[path = "core_integrity/import.rs"]
mod import;

pub(crate) const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// An account LDIF with `extra` lines, and without the attributes named in `drop`.
pub(crate) fn account(addr: &str, drop: &[&str], extra: &str) -> String {
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
pub(crate) fn refused(r: &ToolResult, code: i32, text: &str) {
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
    let r = s.modify_root(
        "dn: cn=Manager,dc=myhosting,dc=example\nchangetype: modify\nadd: objectClass\nobjectClass: CourierMailAlias\n",
    );
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
pub(crate) fn postmaster() -> String {
    format!("cn=postmaster,{D1}")
}

/// ldapmodify: add `attr: value` to `dn`.
pub(crate) fn add_value(s: &Server, dn: &str, attr: &str, value: &str) -> ToolResult {
    s.modify_root(&format!(
        "dn: {dn}\nchangetype: modify\nadd: {attr}\n{attr}: {value}\n"
    ))
}

/// Export the store of a stopped server, import it into a fresh data directory, and
/// export that: both exports must be the same text.
pub(crate) fn assert_round_trip(data: &std::path::Path, dir: &std::path::Path) -> String {
    let data = data.display().to_string();
    let first = mailldap(&["export", "--data", &data], None);
    assert_eq!(first.code, 0, "{first:?}");
    let file = dir.join("export.ldif");
    std::fs::write(&file, &first.stdout).unwrap();
    let again_data = dir.join("again").display().to_string();
    let r = mailldap(
        &["import", "--data", &again_data, &file.display().to_string()],
        None,
    );
    assert_eq!(r.code, 0, "the export imports again: {r:?}");
    let second = mailldap(&["export", "--data", &again_data], None);
    assert_eq!(first.stdout, second.stdout);
    first.stdout
}

#[test]
fn what_clients_may_write_always_exports_and_imports_again() {
    let mut s = Server::demo();
    let tricky = [
        // Escapes and a multi-valued RDN in the entry's own DN.
        format!("dn: cn=Smith\\, John+uid=js,{D1}\nobjectClass: inetOrgPerson\nsn: Smith\n"),
        format!("dn: cn=\\#hash,{D1}\nobjectClass: organizationalRole\n"),
        format!("dn: cn=trail\\ ,{D1}\nobjectClass: organizationalRole\n"),
        // A hex value (BER OCTET STRING "Joe") in the DN.
        format!("dn: cn=#04034A6F65,{D1}\nobjectClass: organizationalRole\n"),
        // Values LDIF must base64, an empty IA5 value, binary data, DN values in
        // LDAPv2 spelling.
        format!(
            "dn: cn=odd,{D1}\nobjectClass: inetOrgPerson\nsn: odd\ndescription: :colon\ndescription:: IGxlYWRpbmcgc3BhY2U=\ndescription:: dHJhaWxpbmcgc3BhY2Ug\ndescription: Jürgen\ndescription:: bGluZQpicmVhaw==\nmail:\njpegPhoto:: /9j/AAEC/w==\nmanager: CN=Smith\\, John+UID=js; O=domain1.example, O=hosting, DC=myhosting, DC=example\nseeAlso: 2.5.4.3=Foo, 2.5.4.10=Bar\n"
        ),
    ];
    for ldif in &tricky {
        s.add_root(ldif).ok();
    }
    // Modifications that would leave what an export cannot load are refused.
    let odd = format!("cn=odd,{D1}");
    let r = s.modify_root(&format!("dn: {odd}\nchangetype: modify\ndelete: cn\n"));
    r.expect_code(67);
    let r = s.modify_root(&format!(
        "dn: {odd}\nchangetype: modify\nadd: description\ndescription: JÜRGEN\n"
    ));
    r.expect_code(20);
    let r = s.modify_root(&format!(
        "dn: {odd}\nchangetype: modify\nreplace: seeAlso\nseeAlso: cn=a\nseeAlso: CN=A\n"
    ));
    r.expect_code(20);
    let r = s.modify_root(&format!(
        "dn: {odd}\nchangetype: modify\nreplace: objectClass\nobjectClass: organizationalRole\n"
    ));
    refused(&r, 65, "attribute 'sn' not allowed");
    let r = s.modify_root(&format!(
        "dn: {odd}\nchangetype: modify\nadd: manager\nmanager: 01.1=x\n"
    ));
    refused(&r, 21, "manager: value #0 invalid per syntax");
    s.kill();
    let exported = assert_round_trip(&s.data_dir(), s.dir.path());
    let unfolded = exported.replace("\n ", "");
    assert!(
        unfolded.contains(&format!("dn: cn=Joe,{D1}")),
        "the hex value is stored as its text"
    );
    assert!(unfolded.contains("seeAlso: cn=Foo,o=Bar"), "{unfolded}");
    assert!(
        unfolded.contains(&format!("manager: cn=Smith\\2C John+uid=js,{D1}")),
        "{unfolded}"
    );
}
