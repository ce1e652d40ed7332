//! modrdn with ldapmodrdn against the real binary: a move below itself is refused
//! (unwillingToPerform), a domain with thousands of accounts is renamed in one write and
//! every client (ldapsearch, bind, Postfix's postmap, Courier's authtest) finds the
//! accounts under the new DN; export and import round-trip afterwards. Referential
//! integrity: roleOccupant follows a renamed account and loses a deleted one.

mod common;
use common::*;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const RENAMED: &str = "o=renamed.example,o=hosting,dc=myhosting,dc=example";
/// The article's tree with Courier's classes (what courier.sh and postfix.sh expect).
const MDA_TREE: &str = "tests/interop/data/tree.ldif";
/// {SSHA} of "user1" (the hash of user1 in MDA_TREE), for every generated account.
const ACCOUNT_PW_HASH: &str = "{SSHA}Z225cbUy/1z0W+v5+vQ8DbLgYu2bKtke";
const ACCOUNT_PW: &str = "user1";

/// ldapmodrdn as the rootdn with extra arguments (`-r`, `-s SUPERIOR`), then DN and RDN.
fn modrdn(s: &Server, args: &[&str]) -> ToolResult {
    let mut all = vec!["-x", "-D", ROOTDN, "-w", ROOTPW];
    all.extend_from_slice(args);
    s.tool("ldapmodrdn", &all)
}

/// `n` accounts u0..u{n-1}@domain1.example below o=domain1.example (which MDA_TREE holds).
fn accounts_ldif(n: usize) -> String {
    let mut ldif = String::with_capacity(n * 400);
    for i in 0..n {
        writeln!(
            ldif,
            "dn: mail=u{i}@domain1.example,{D1}\nobjectClass: top\nobjectClass: inetOrgPerson\n\
             objectClass: CourierMailAccount\ncn: u{i}\nsn: u{i}\nmail: u{i}@domain1.example\n\
             homeDirectory: /home/vmail/domains\nmailbox: domain1.example/u{i}/\nuidNumber: 125\n\
             gidNumber: 120\nuserPassword: {ACCOUNT_PW_HASH}\n"
        )
        .unwrap();
    }
    ldif
}

/// A stopped server's store loaded with MDA_TREE and `n` generated accounts, then
/// started; returns the server and how long the import took.
fn server_with_accounts(n: usize) -> (Server, std::time::Duration) {
    let mut s = Server::start();
    s.kill();
    let extra = s.dir.path().join("accounts.ldif");
    std::fs::write(&extra, accounts_ldif(n)).unwrap();
    let started = Instant::now();
    let tree = repo().join(MDA_TREE);
    let config = s.config_path().display().to_string();
    let r = mailldap(
        &[
            "import",
            "--config",
            &config,
            &tree.display().to_string(),
            &extra.display().to_string(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let took = started.elapsed();
    s.restart();
    (s, took)
}

/// The DNs a rootdn subtree search below `base` returns for `filter` (exit code too).
fn root_dns(s: &Server, base: &str, filter: &str) -> (i32, Vec<String>) {
    let r = s.search_as(ROOTDN, ROOTPW, base, filter, &["1.1"]);
    (r.code, dns(&r.stdout))
}

#[test]
fn a_move_below_itself_is_unwilling_to_perform() {
    let s = Server::demo();
    let user1 = mail_dn("user1@domain1.example");
    for superior in [D1, user1.as_str()] {
        let r = modrdn(&s, &["-s", superior, D1, "o=domain1.example"]);
        r.expect_code(53);
        // ldapmodrdn prints the server's diagnostic message on stdout.
        let said = format!("{}{}", r.stdout, r.stderr);
        assert!(said.contains("below itself"), "{said}");
    }
    // Nothing moved: the account is where it was, and nothing lies below it.
    assert_eq!(
        root_dns(&s, &user1, "(objectClass=*)").1,
        vec![user1.clone()]
    );
}

#[test]
fn a_domain_of_ten_thousand_accounts_is_renamed_for_every_client() {
    let n = 10_000;
    let (mut s, import_took) = server_with_accounts(n);
    let started = Instant::now();
    modrdn(&s, &["-r", D1, "o=renamed.example"]).ok();
    println!(
        "import of {n} accounts: {import_took:?}; subtree rename: {:?}",
        started.elapsed()
    );

    let (code, under_new) = root_dns(&s, RENAMED, "(objectClass=CourierMailAccount)");
    assert_eq!(code, 0);
    assert_eq!(
        under_new.len(),
        n + 2,
        "the generated accounts and user1, user2"
    );
    assert!(under_new
        .iter()
        .all(|d| d.ends_with(&format!(",{RENAMED}"))));
    assert_eq!(
        root_dns(&s, D1, "(objectClass=*)").0,
        32,
        "the old DN is gone"
    );
    let (_, everywhere) = root_dns(&s, HOSTING, "(mail=*@domain1.example)");
    assert!(everywhere
        .iter()
        .all(|d| !d.contains(",o=domain1.example,")));
    // The postmaster role moved along, its occupant rewritten (referential integrity).
    let role = format!("cn=postmaster,{RENAMED}");
    let r = s.search_as(ROOTDN, ROOTPW, &role, "(objectClass=*)", &["roleOccupant"]);
    assert_eq!(
        values(&r.stdout, "roleOccupant"),
        vec![format!("mail=user1@domain1.example,{RENAMED}")]
    );
    let moved = format!("mail=u4242@domain1.example,{RENAMED}");
    s.tool("ldapwhoami", &["-x", "-D", &moved, "-w", ACCOUNT_PW])
        .ok();
    let old = format!("mail=u4242@domain1.example,{D1}");
    s.tool("ldapwhoami", &["-x", "-D", &old, "-w", ACCOUNT_PW])
        .expect_code(49);

    postmap_finds_the_moved_accounts(&s);
    run_interop(
        "postfix.sh",
        &[&s.uri, "dc=myhosting,dc=example", ROOTDN, ROOTPW],
    );
    run_interop("courier.sh", &[&s.uri, HOSTING, "authbind"]);

    s.kill();
    export_imports_again(&s, n + 15);
}

/// Postfix's ldap: table with the renamed domain as search base finds its accounts.
fn postmap_finds_the_moved_accounts(s: &Server) {
    let conf = s.dir.path().join("postfix");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("main.cf"), "compatibility_level = 3.6\n").unwrap();
    let table = conf.join("accounts.cf");
    std::fs::write(
        &table,
        format!(
            "server_host = {}\nsearch_base = {RENAMED}\nscope = sub\nversion = 3\nbind = no\n\
             query_filter = (&(mail=%s)(objectClass=CourierMailAccount))\nresult_attribute = mailbox\n",
            s.uri
        ),
    )
    .unwrap();
    for i in [0, 4242, 9999] {
        let out = Command::new("postmap")
            .arg("-c")
            .arg(&conf)
            .arg("-q")
            .arg(format!("u{i}@domain1.example"))
            .arg(format!("ldap:{}", table.display()))
            .output()
            .expect("run postmap (install postfix-ldap)");
        let got = String::from_utf8_lossy(&out.stdout);
        assert_eq!(got.trim(), format!("domain1.example/u{i}/"), "{out:?}");
    }
}

/// Runs tests/interop/SCRIPT; every check it prints must be ok.
fn run_interop(script: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(repo().join("tests/interop").join(script))
        .args(args)
        .env("MAILLDAP_BIN", bin())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!(
        "--- {script} ---\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("not ok")),
        "{script} failed"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("ok - ")),
        "{script} ran no check"
    );
    assert!(out.status.success(), "{script}: {}", out.status);
}

/// `mailldap export` of the stopped server's store imports into an empty one, and the
/// copy exports the same LDIF.
fn export_imports_again(s: &Server, entries: usize) {
    let config = s.config_path().display().to_string();
    let first = mailldap(&["export", "--config", &config], None);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let exported = first
        .stdout
        .lines()
        .filter(|l| l.starts_with("dn: "))
        .count();
    assert_eq!(exported, entries);
    let file = s.dir.path().join("export.ldif");
    std::fs::write(&file, &first.stdout).unwrap();
    let copy = s.dir.path().join("copy");
    let data = copy.display().to_string();
    let r = mailldap(
        &[
            "import",
            "--config",
            &config,
            "--data",
            &data,
            &file.display().to_string(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let again = mailldap(&["export", "--config", &config, "--data", &data], None);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout == first.stdout,
        "the re-imported store exports the same LDIF"
    );
}

#[test]
fn role_occupants_follow_renames_and_leave_with_deletes() {
    let s = Server::demo();
    let role = format!("cn=postmaster,{D1}");
    let occupants = || {
        let r = s.search_as(ROOTDN, ROOTPW, &role, "(objectClass=*)", &["roleOccupant"]);
        values(&r.stdout, "roleOccupant")
    };
    let (user1, user2) = (
        mail_dn("user1@domain1.example"),
        mail_dn("user2@domain1.example"),
    );
    s.modify_root(&format!(
        "dn: {role}\nchangetype: modify\nadd: roleOccupant\nroleOccupant: {user2}\n"
    ))
    .ok();
    // As postmaster, user1 may redirect the domain's abuse alias.
    let redirect = format!(
        "dn: {}\nchangetype: modify\nreplace: maildrop\nmaildrop: user2@domain1.example\n",
        mail_dn("abuse@domain1.example")
    );
    let as_user = |dn: &str, pw: &str| {
        s.tool_stdin("ldapmodify", &["-x", "-D", dn, "-w", pw], Some(&redirect))
            .code
    };
    assert_eq!(as_user(&user1, "user1"), 0);

    s.tool("ldapdelete", &["-x", "-D", ROOTDN, "-w", ROOTPW, &user1])
        .ok();
    assert_eq!(occupants(), vec![user2.clone()]);
    // An account created later under the same DN is no postmaster.
    let again = format!(
        "dn: {user1}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\ncn: again\n\
         sn: again\nhomeDirectory: /home/vmail/domains\nmailbox: domain1.example/user1-again/\n\
         userPassword: again\n"
    );
    s.add_root(&again).ok();
    assert_eq!(occupants(), vec![user2.clone()]);
    assert_eq!(as_user(&user1, "again"), 50, "insufficientAccess");

    // A renamed occupant stays postmaster under its new DN.
    modrdn(&s, &["-r", &user2, "mail=boss@domain1.example"]).ok();
    let boss = mail_dn("boss@domain1.example");
    assert_eq!(occupants(), vec![boss.clone()]);
    assert_eq!(as_user(&boss, "user2"), 0);
}

/// The figure in docs/ARCHITECTURE.md: a release build renaming a domain of
/// RENAME_ACCOUNTS (default 100,000) accounts, with the server's peak memory.
/// `cargo test --release --test core_rename -- --ignored --nocapture`
#[test]
#[ignore]
fn measure_a_large_subtree_rename() {
    let n = std::env::var("RENAME_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // The test config logs at debug level; the figure is for the default level.
    std::env::set_var("RUST_LOG", "info");
    let (s, import_took) = server_with_accounts(n);
    let pid = s.pid().expect("running");
    let before = peak_rss_kib(pid);
    let started = Instant::now();
    modrdn(&s, &["-r", D1, "o=renamed.example"]).ok();
    let took = started.elapsed();
    println!(
        "{n} accounts: import {import_took:?}, subtree rename {took:?}, server peak RSS {before} KiB before, {} KiB after",
        peak_rss_kib(pid)
    );
    let (_, moved) = root_dns(&s, RENAMED, "(objectClass=CourierMailAccount)");
    assert_eq!(moved.len(), n + 2);
}

/// VmHWM of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
