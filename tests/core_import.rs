//! Loading existing directories: the article's 2003 LDIF (offline and over the wire),
//! a real slapcat, and an export/import round trip.

mod common;
use common::*;

fn article(name: &str) -> String {
    repo().join("ldif/article").join(name).display().to_string()
}

/// The line of the first `dn: cn=postmaster` record in an article file.
fn postmaster_line(name: &str) -> usize {
    let text = std::fs::read_to_string(article(name)).unwrap();
    1 + text
        .lines()
        .position(|l| l.starts_with("dn: cn=postmaster"))
        .unwrap()
}

#[test]
fn article_ldif_loads_offline_only_when_asked_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.display().to_string();
    let files = [
        article("base.ldif"),
        article("domain1.example.ldif"),
        article("user1.domain1.example.ldif"),
    ];
    let mut args = vec!["import", "--data", &data_s];
    args.extend(files.iter().map(String::as_str));
    // The postmaster is a CourierMailAlias without mail: refused unless asked for.
    let refused = mailldap(&args, None);
    assert_ne!(refused.code, 0, "{refused:?}");
    let at = format!(
        "domain1.example.ldif:{}: dn: cn=postmaster,",
        postmaster_line("domain1.example.ldif")
    );
    assert!(refused.stderr.contains(&at), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("object class 'CourierMailAlias' requires attribute 'mail'")
            && refused.stderr.contains("--allow-missing-must"),
        "{}",
        refused.stderr
    );
    let empty = mailldap(&["export", "--data", &data_s], None);
    assert!(!empty.stdout.contains("dn: "), "all or nothing: {empty:?}");

    args.insert(1, "--allow-missing-must");
    let r = mailldap(&args, None);
    assert_eq!(r.code, 0, "{r:?}");
    // One line per record that left the entry without mail (its add, then the
    // article's modify of it), each with file:line, and the summary.
    let warned: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("requires attribute 'mail'"))
        .collect();
    assert_eq!(warned.len(), 2, "{}", r.stderr);
    assert!(warned[0].contains(&at), "{}", r.stderr);
    assert!(
        warned[1].contains(&format!(
            "user1.domain1.example.ldif:{}: dn: cn=postmaster,",
            postmaster_line("user1.domain1.example.ldif")
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("2 missing MUST attribute(s) in 1 entries loaded"),
        "{}",
        r.stderr
    );
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
fn article_ldif_over_the_wire_needs_the_postmasters_mail() {
    let s = Server::start();
    let add = |f: &str| {
        s.tool(
            "ldapadd",
            &["-c", "-x", "-D", ROOTDN, "-w", ROOTPW, "-f", &article(f)],
        )
    };
    add("base.ldif").ok();
    // ldapadd -c goes on after the refused postmaster; the abuse alias loads.
    let r = add("domain1.example.ldif");
    r.expect_code(65);
    assert!(
        r.stderr
            .contains("object class 'CourierMailAlias' requires attribute 'mail'"),
        "{r:?}"
    );
    // The fix the README gives: the postmaster's address as its mail value.
    s.add_root(&format!(
        "dn: cn=postmaster,o=domain1.example,{HOSTING}\nobjectClass: top\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: postmaster\nmail: postmaster@domain1.example\nmaildrop: postmaster\n"
    ))
    .ok();
    add("user1.domain1.example.ldif").ok();
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
