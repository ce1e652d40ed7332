//! Loading existing directories: the article's 2003 LDIF (offline and over the wire),
//! a real slapcat, and an export/import round trip.

mod common;
use common::*;

fn article(name: &str) -> String {
    repo().join("ldif/article").join(name).display().to_string()
}

#[test]
fn article_ldif_loads_offline_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.display().to_string();
    let r = mailldap(
        &[
            "import",
            "--data",
            &data_s,
            &article("base.ldif"),
            &article("domain1.example.ldif"),
            &article("user1.domain1.example.ldif"),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let mut exported = mailldap(&["export", "--data", &data_s], None);
    assert_eq!(exported.code, 0, "{exported:?}");
    exported.stdout = exported.stdout.replace("\n ", "");
    assert!(exported.stdout.contains(
        "dn: mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example"
    ));
    assert!(
        exported
            .stdout
            .contains("roleOccupant: mail=user1@domain1.example,"),
        "the changetype: modify record applied"
    );
    assert!(exported.stdout.contains("entryUUID: "));
}

#[test]
fn article_ldif_loads_over_the_wire_with_ldapadd() {
    let s = Server::start();
    for f in [
        "base.ldif",
        "domain1.example.ldif",
        "user1.domain1.example.ldif",
    ] {
        s.tool_as_root("ldapadd", &["-f", &article(f)], None).ok();
    }
    let r = s.search_anon(
        HOSTING,
        "(&(mail=abuse@domain1.example)(objectClass=CourierMailAlias))",
        &["maildrop"],
    );
    assert_eq!(values(&r.stdout, "maildrop"), vec!["abuse"]);
    let r = s.search_anon(
        HOSTING,
        "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
        &["mailbox"],
    );
    assert_eq!(values(&r.stdout, "mailbox"), vec!["domain1.example/user1"]);
}

#[test]
fn real_slapcat_output_imports_unchanged_and_keeps_operational_attributes() {
    let sample = repo().join("ldif/slapcat-sample.ldif");
    let text = std::fs::read_to_string(&sample).unwrap();
    let uuid_line = text
        .lines()
        .find(|l| l.starts_with("entryUUID: "))
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let r = mailldap(
        &["import", "--data", &data, &sample.display().to_string()],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let out = mailldap(&["export", "--data", &data], None);
    assert!(out.stdout.contains(&uuid_line), "entryUUID kept as given");
    // round trip: export -> import -> export gives the same text
    let file = dir.path().join("export.ldif");
    std::fs::write(&file, &out.stdout).unwrap();
    let data2 = dir.path().join("data2").display().to_string();
    let r = mailldap(
        &["import", "--data", &data2, &file.display().to_string()],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let again = mailldap(&["export", "--data", &data2], None);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn bad_ldif_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let good = repo().join("ldif/article/base.ldif").display().to_string();
    let bad = dir.path().join("bad.ldif");
    std::fs::write(&bad, "dn: o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: hosting\n\ndn: o=x,o=hosting,dc=myhosting,dc=example\nobjectClass organization\n").unwrap();
    let r = mailldap(
        &["import", "--data", &data, &good, &bad.display().to_string()],
        None,
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("bad.ldif:6"), "{}", r.stderr);
    // A schema error in the middle leaves the store as it was: all or nothing.
    std::fs::write(&bad, "dn: o=x1,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: x1\n\ndn: o=x2,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\nbogus: 1\n").unwrap();
    let r = mailldap(
        &["import", "--data", &data, &good, &bad.display().to_string()],
        None,
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("bad.ldif:5") && r.stderr.contains("bogus"),
        "{}",
        r.stderr
    );
    let out = mailldap(&["export", "--data", &data], None);
    assert!(
        !out.stdout.contains("o=hosting"),
        "nothing half-written: {}",
        out.stdout
    );
}
