//! A lookup by address reads only the entries the index names, however big the tree.

mod common;
use common::*;
use std::fmt::Write;

#[test]
fn indexed_lookup_reads_one_entry_among_thousands() {
    let dir = tempfile::tempdir().unwrap();
    let mut ldif = String::from(
        "dn: dc=myhosting,dc=example\nobjectClass: dcObject\nobjectClass: organization\ndc: myhosting\no: myhosting\n\n\
         dn: o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: hosting\n\n",
    );
    let domains = 20;
    let per_domain = 150;
    for d in 0..domains {
        writeln!(
            ldif,
            "dn: o=d{d}.example,{HOSTING}\nobjectClass: organization\no: d{d}.example\n"
        )
        .unwrap();
        for u in 0..per_domain {
            let addr = format!("u{u}@d{d}.example");
            let mailbox = format!("d{d}.example/u{u}/");
            writeln!(
                ldif,
                "{}",
                account_ldif(&addr, &mailbox, &format!("mail: {addr}\n"))
            )
            .unwrap();
        }
    }
    let file = dir.path().join("big.ldif");
    std::fs::write(&file, ldif).unwrap();
    let mut s = Server::start();
    s.kill();
    let r = mailldap(
        &[
            "import",
            "--config",
            &s.config_path().display().to_string(),
            &file.display().to_string(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    s.restart();
    let r = s.search_anon(
        HOSTING,
        "(&(mail=u77@d13.example)(objectClass=CourierMailAccount))",
        &["mailbox"],
    );
    assert_eq!(values(&r.stdout, "mailbox"), vec!["d13.example/u77/"]);
    let log = s.log();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("SRCH candidates"))
        .expect("candidates logged");
    assert!(line.contains("indexed=true examined=1"), "{line}");
    // An unindexed attribute has to read the scope: the log says so.
    s.search_anon(HOSTING, "(description=nothing)", &["1.1"])
        .ok();
    let log = s.log();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("SRCH candidates"))
        .unwrap();
    let examined: usize = line
        .rsplit("examined=")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(examined > domains * per_domain, "{line}");
}
