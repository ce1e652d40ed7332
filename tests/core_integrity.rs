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

#[test]
fn an_rdn_may_not_name_an_operational_attribute() {
    let s = Server::demo();
    let r = s.add_root(&format!(
        "dn: entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14,{D1}\nobjectClass: organizationalRole\ncn: x\n"
    ));
    refused(&r, 64, "naming attribute 'entryUUID' is operational");
    let r = s.add_root(&format!(
        "dn: createTimestamp=20200101000000Z,{D1}\nobjectClass: organizationalRole\ncn: x\n"
    ));
    refused(&r, 64, "naming attribute 'createTimestamp' is operational");
}

/// Export the store of a stopped server, import it into a fresh data directory, and
/// export that: both exports must be the same text.
fn assert_round_trip(data: &std::path::Path, dir: &std::path::Path) -> String {
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

/// The tree's top three entries, in file order.
const TOP: &str = "dn: dc=myhosting,dc=example\nobjectClass: dcObject\nobjectClass: organization\no: myhosting\n\ndn: o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: hosting\n\ndn: o=domain1.example,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: domain1.example\n";

/// The 1-based line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    1 + text.lines().position(|l| l.starts_with(prefix)).unwrap()
}

/// Write `text` as `name` in `dir`; returns the path as a string.
fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn import_takes_children_before_parents_in_one_transaction() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data").display().to_string();
    // Every record after its children: accounts, then the domain, then the top.
    let records: Vec<&str> = TOP.split("\n\n").collect();
    let mut text = account("user9@domain1.example", &[], "");
    text.push('\n');
    for r in records.iter().rev() {
        text.push_str(r.trim_end());
        text.push_str("\n\n");
    }
    let file = write(tmp.path(), "reversed.ldif", &text);
    let r = mailldap(&["import", "--data", &data, &file], None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("imported 4 records"), "{}", r.stderr);
    let out = mailldap(&["export", "--data", &data], None);
    assert_eq!(dns(&out.stdout).len(), 4, "{}", out.stdout);
    assert_round_trip(&tmp.path().join("data"), tmp.path());
}

#[test]
fn import_refuses_an_entry_whose_parent_is_nowhere_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data").display().to_string();
    let orphan = "dn: mail=x@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: x\nmaildrop: y\n";
    let file = write(tmp.path(), "orphan.ldif", &format!("{orphan}\n{TOP}"));
    let r = mailldap(&["import", "--data", &data, &file], None);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(&format!(
            "orphan.ldif:1: dn: mail=x@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example: parent o=domain2.example,o=hosting,dc=myhosting,dc=example is not in the store and appears nowhere in the input"
        )),
        "{}",
        r.stderr
    );
    let out = mailldap(&["export", "--data", &data], None);
    assert!(
        dns(&out.stdout).is_empty(),
        "all or nothing: {}",
        out.stdout
    );
}

#[test]
fn legacy_entries_without_must_attributes_load_only_with_the_flag_and_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data").display().to_string();
    let legacy = format!(
        "{TOP}\n{}\ndn: mail=alias@domain1.example,{D1}\nobjectClass: CourierMailAlias\n",
        account("nohome@domain1.example", &["homeDirectory"], "")
    );
    let file = write(tmp.path(), "legacy.ldif", &legacy);
    let account_at = format!(
        "legacy.ldif:{}: dn: mail=nohome@domain1.example,",
        line_of(&legacy, "dn: mail=nohome")
    );
    let alias_at = format!(
        "legacy.ldif:{}: dn: mail=alias@domain1.example,",
        line_of(&legacy, "dn: mail=alias")
    );
    let r = mailldap(&["import", "--data", &data, &file], None);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(&account_at)
            && r.stderr.contains(
                "object class 'CourierMailAccount' requires attribute 'homeDirectory' (add the attribute, or load legacy data with --allow-missing-must)"
            ),
        "{}",
        r.stderr
    );
    let r = mailldap(
        &["import", "--allow-missing-must", "--data", &data, &file],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{}", r.stderr);
    assert!(warnings[0].contains(&account_at), "{}", r.stderr);
    assert!(warnings[0].contains("requires attribute 'homeDirectory'"));
    assert!(warnings[1].contains(&alias_at), "{}", r.stderr);
    assert!(warnings[1].contains("object class 'CourierMailAlias' requires attribute 'maildrop'"));
    assert!(
        warnings[2].contains("2 missing MUST attribute(s) in 2 entries loaded"),
        "{}",
        r.stderr
    );
    // Served, such an entry takes no change that leaves it incomplete; the fix does.
    let s = Server::start_in(tmp, &[], "", false);
    let alias = format!("mail=alias@domain1.example,{D1}");
    let r = add_value(&s, &alias, "description", "old");
    refused(
        &r,
        65,
        "object class 'CourierMailAlias' requires attribute 'maildrop'",
    );
    add_value(&s, &alias, "maildrop", "user9@domain1.example").ok();
}
