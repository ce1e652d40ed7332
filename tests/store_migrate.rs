//! Moving off the first engine: a data directory written by sled keeps opening (the
//! engine is read from the directory), and `mailldap migrate-store` copies it into a
//! new LMDB directory with what LDIF does not carry (retired mailboxes), so that the
//! server started on the copy answers as before and an account's mailbox stays retired.

mod common;
use common::*;

#[test]
fn a_sled_directory_keeps_working_and_migrates_to_lmdb_with_everything() {
    let mut s = Server::start_with("store_engine = \"sled\"\n", true);
    s.tool_as_root("ldapdelete", &[&mail_dn("user2@domain1.example")], None)
        .ok();
    s.add_root(&account_ldif(
        "new@domain1.example",
        "domain1.example/new/",
        "",
    ))
    .ok();
    s.kill();
    let data = s.data_dir();
    assert!(
        data.join("store/db").exists(),
        "sled writes its log file `db`"
    );
    assert!(!data.join("store/data.mdb").exists());

    // A sled directory opens on sled whatever the config says for new ones.
    let cfg = s.config_path().display().to_string();
    let before = mailldap(&["export", "--config", &cfg], None);
    assert_eq!(before.code, 0, "{before:?}");
    let retired = mailldap(&["retired-mailboxes", "--config", &cfg], None);
    assert!(
        retired.stdout.contains("domain1.example/user2/"),
        "{retired:?}"
    );

    let copy = s.dir.path().join("data.lmdb");
    let copy_arg = copy.display().to_string();
    let r = mailldap(
        &["migrate-store", "--config", &cfg, "--to", &copy_arg],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let entries = before.stdout.matches("\ndn: ").count() + 1;
    assert!(
        r.stderr.contains(&format!("copied {entries} entries")),
        "{entries} entries exported, migrate said: {}",
        r.stderr
    );
    assert!(
        copy.join("store/data.mdb").exists(),
        "the copy is an LMDB store"
    );
    // Refused from a directory that holds no store (rather than creating one there).
    let nowhere = s.dir.path().join("nowhere").display().to_string();
    let none = mailldap(
        &[
            "migrate-store",
            "--config",
            &cfg,
            "--data",
            &nowhere,
            "--to",
            &nowhere,
        ],
        None,
    );
    assert_ne!(none.code, 0, "{none:?}");
    assert!(none.stderr.contains("holds no store"), "{none:?}");
    assert!(!s.dir.path().join("nowhere/store").exists());
    // Refused into a directory that already holds a store.
    let again = mailldap(
        &["migrate-store", "--config", &cfg, "--to", &copy_arg],
        None,
    );
    assert_ne!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains("not empty"), "{again:?}");

    // The admin swaps the directories and starts the server on the copy.
    std::fs::rename(&data, s.dir.path().join("data.sled")).unwrap();
    std::fs::rename(&copy, &data).unwrap();
    let after = mailldap(&["export", "--config", &cfg], None);
    assert_eq!(
        after.stdout, before.stdout,
        "the copy exports the same LDIF"
    );
    let verify = mailldap(&["verify", "--config", &cfg], None);
    assert_eq!(verify.code, 0, "{verify:?}");
    s.restart();
    let found = s.search_anon(
        "o=hosting,dc=myhosting,dc=example",
        "(mail=new@domain1.example)",
        &["mailbox"],
    );
    assert!(found.stdout.contains("domain1.example/new/"), "{found:?}");
    // The retired mailbox came along: a new account cannot take it.
    s.add_root(&account_ldif(
        "other@domain1.example",
        "domain1.example/user2/",
        "",
    ))
    .expect_code(19);
    // And the copy takes writes: new ids do not collide with copied ones.
    s.add_root(&account_ldif(
        "later@domain1.example",
        "domain1.example/later/",
        "",
    ))
    .ok();
    let later = s.search_anon(
        "o=hosting,dc=myhosting,dc=example",
        "(mail=later@domain1.example)",
        &["mail"],
    );
    assert!(later.stdout.contains("later@domain1.example"), "{later:?}");
    let new = s.search_anon(
        "o=hosting,dc=myhosting,dc=example",
        "(mail=new@domain1.example)",
        &["mail"],
    );
    assert!(new.stdout.contains("new@domain1.example"), "{new:?}");
}
