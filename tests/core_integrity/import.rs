//! `mailldap import`: any order in one transaction, orphans and legacy data refused
//! with file:line, legacy data loaded and listed only with --allow-missing-must.

use super::*;

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
        r.stderr.contains(
            "orphan.ldif:1: dn: mail=x@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example: parent o=domain2.example,o=hosting,dc=myhosting,dc=example is not in the store and appears nowhere in the input"
        ),
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

#[test]
fn import_keeps_what_it_is_given_only_when_the_server_would_have_written_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data").display().to_string();
    // A structuralObjectClass that is not the entry's would refuse every later modify.
    let wrong = TOP.replacen(
        "o: myhosting\n",
        "o: myhosting\nstructuralObjectClass: person\n",
        1,
    );
    let file = write(tmp.path(), "wrong.ldif", &wrong);
    let r = mailldap(&["import", "--data", &data, &file], None);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("wrong.ldif:1: dn: dc=myhosting,dc=example:")
            && r.stderr.contains(
                "structural object class modification from 'person' to 'organization' not allowed"
            ),
        "{}",
        r.stderr
    );
    // ldapsearch's `+` output: the attributes computed on read are not stored.
    let plus = TOP.replacen(
        "o: myhosting\n",
        "o: myhosting\nstructuralObjectClass: organization\nhasSubordinates: TRUE\nentryDN: cn=bogus\nsubschemaSubentry: cn=elsewhere\n",
        1,
    );
    let file = write(tmp.path(), "plus.ldif", &plus);
    let r = mailldap(&["import", "--data", &data, &file], None);
    assert_eq!(r.code, 0, "{r:?}");
    let out = mailldap(&["export", "--data", &data], None);
    for computed in ["hasSubordinates:", "entryDN:", "subschemaSubentry:"] {
        assert!(
            !out.stdout.contains(computed),
            "{computed} stored: {}",
            out.stdout
        );
    }
    assert_round_trip(&tmp.path().join("data"), tmp.path());
}
