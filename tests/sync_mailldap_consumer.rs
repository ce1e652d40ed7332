//! mailldap as a syncrepl consumer (`[replication]`, src/replica/): a provider loaded
//! with the article's tree (tests/interop/data/tree.ldif) and a real `mailldap serve`
//! following it, both on free ports. After each step the two directories are compared
//! as full ldapsearch dumps (user attributes, entryUUID, entryCSN, the timestamps and
//! creatorsName/modifiersName, sorted).
//!
//! The provider is Debian's slapd with the syncprov overlay; the tests use it through
//! the [`Provider`] trait only, so the same tests run against a mailldap provider by
//! implementing the trait for it.
//!
//! A missing program (slapd, slapadd, ldap-utils, postmap) fails these tests.

mod common;
use common::slapd::Slapd;
use common::{
    account_ldif, add_record, mail_dn, modify_ldif, replace_ldif, repo, run_tool, Server,
    ToolResult, HOSTING, ROOTDN, ROOTPW,
};
use std::time::{Duration, Instant};

/// The directory both servers serve.
const SUFFIX: &str = "dc=myhosting,dc=example";
/// How long a live change may take to reach the consumer.
const LIVE: Duration = Duration::from_secs(2);
/// How long a refresh may take to converge (a debug build on a shared machine).
const CONVERGE: Duration = Duration::from_secs(60);

/// The provider side of a test: what the consumer follows.
trait Provider {
    /// Its ldap:// URI.
    fn uri(&self) -> String;
    /// Apply LDIF change records as the rootdn; panics unless they all succeed.
    fn change(&self, ldif: &str);
    /// Kill it and start it again on the same data and port.
    fn restart(&mut self);
    /// Its log, shown when a test fails.
    fn log(&self) -> String;
}

/// slapd with syncprov (session log of 100 changes) over back-mdb.
struct SlapdProvider(Slapd);

impl SlapdProvider {
    /// The article's tree.
    fn start() -> SlapdProvider {
        Self::start_with(&repo().join("tests/interop/data/tree.ldif"))
    }

    /// The tree in `ldif`.
    fn start_with(ldif: &std::path::Path) -> SlapdProvider {
        let overlays = "index entryCSN,entryUUID eq\noverlay syncprov\nsyncprov-checkpoint 10 1\nsyncprov-sessionlog 100";
        SlapdProvider(Slapd::start(
            ldif,
            &[
                ("SLAPD_MODULES", "moduleload syncprov"),
                ("SLAPD_OVERLAYS", overlays),
            ],
        ))
    }
}

impl Provider for SlapdProvider {
    fn uri(&self) -> String {
        self.0.uri.clone()
    }

    fn change(&self, ldif: &str) {
        let r = self.0.tool_as_root("ldapmodify", &[], Some(ldif));
        assert_eq!(
            r.code, 0,
            "ldapmodify on the provider: {}\n{ldif}",
            r.stderr
        );
    }

    fn restart(&mut self) {
        self.0.restart();
    }

    fn log(&self) -> String {
        self.0.log()
    }
}

/// A mailldap consumer of `provider` (extra `[replication]` keys in `more`).
fn consumer(provider: &dyn Provider, more: &str) -> Server {
    Server::start_with(
        &format!(
            "[replication]\nprovider = {:?}\nbind_dn = {ROOTDN:?}\nbind_password = {ROOTPW:?}\nretry_secs = 1\n{more}",
            provider.uri()
        ),
        false,
    )
}

/// The whole directory at `uri` as the rootdn sees it: each entry's DN, its user
/// attributes, entryUUID, and the operational attributes a replica keeps as the
/// provider sent them (entryCSN, the timestamps, creatorsName and modifiersName), as
/// sorted lines (names lower-cased), entries sorted.
fn dump(uri: &str) -> Vec<String> {
    let r = run_tool(
        "ldapsearch",
        uri,
        &[
            "-x",
            "-LLL",
            "-o",
            "ldif-wrap=no",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-b",
            SUFFIX,
            "(objectClass=*)",
            "*",
            "entryUUID",
            "entryCSN",
            "createTimestamp",
            "modifyTimestamp",
            "creatorsName",
            "modifiersName",
        ],
        None,
    );
    if r.code != 0 {
        return vec![format!("ldapsearch failed: {} {}", r.code, r.stderr)];
    }
    let mut entries: Vec<String> = r
        .stdout
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut lines: Vec<String> = e
                .lines()
                .map(|l| match l.split_once(':') {
                    Some((name, value)) => format!("{}:{value}", name.to_ascii_lowercase()),
                    None => l.to_string(),
                })
                .collect();
            lines.sort();
            lines.join("\n")
        })
        .collect();
    entries.sort();
    entries
}

/// Wait until the consumer's dump equals the provider's; panics after `within` with
/// the difference and both logs' tails.
fn converge(provider: &dyn Provider, consumer: &Server, within: Duration, step: &str) {
    let deadline = Instant::now() + within;
    loop {
        let want = dump(&provider.uri());
        let got = dump(&consumer.uri);
        if want == got && want.len() > 1 {
            return;
        }
        if Instant::now() > deadline {
            let missing: Vec<&String> = want.iter().filter(|e| !got.contains(e)).collect();
            let extra: Vec<&String> = got.iter().filter(|e| !want.contains(e)).collect();
            panic!(
                "{step}: the consumer did not converge in {within:?}\n--- only on the provider:\n{}\n--- only on the consumer:\n{}\n--- consumer log:\n{}\n--- provider log:\n{}",
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n"),
                extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n"),
                tail(&consumer.log(), 60),
                tail(&provider.log(), 40),
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Wait (`within` at most) until `probe` holds for the consumer's answer to a base
/// search of `dn`; returns how long it took.
fn visible(
    consumer: &Server,
    dn: &str,
    within: Duration,
    probe: impl Fn(&ToolResult) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let r = consumer.tool_as_root(
            "ldapsearch",
            &["-LLL", "-o", "ldif-wrap=no", "-s", "base", "-b", dn, "*"],
            None,
        );
        if probe(&r) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{dn}: change not visible on the consumer within {within:?}: {} {}\n{}",
            r.code,
            r.stdout,
            tail(&consumer.log(), 40)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An account in domain1 of the article's tree.
fn new_account(local: &str) -> String {
    let addr = format!("{local}@domain1.example");
    add_record(&account_ldif(
        &addr,
        &format!("domain1.example/{local}/"),
        &format!("mail: {addr}\n"),
    ))
}

#[test]
fn initial_refresh_then_live_add_modify_modrdn_delete_and_subtree_rename() {
    let provider = SlapdProvider::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");

    let dn = mail_dn("live@domain1.example");
    provider.change(&new_account("live"));
    visible(&consumer, &dn, LIVE, |r| r.code == 0);
    converge(&provider, &consumer, CONVERGE, "after the add");

    provider.change(&replace_ldif(&dn, "sn", "Changed"));
    visible(&consumer, &dn, LIVE, |r| r.stdout.contains("sn: Changed"));
    converge(&provider, &consumer, CONVERGE, "after the modify");

    let renamed = mail_dn("moved@domain1.example");
    provider.change(&format!(
        "dn: {dn}\nchangetype: modrdn\nnewrdn: mail=moved@domain1.example\ndeleteoldrdn: 1\n"
    ));
    visible(&consumer, &renamed, LIVE, |r| r.code == 0);
    converge(&provider, &consumer, CONVERGE, "after the modrdn");

    provider.change(&format!("dn: {renamed}\nchangetype: delete\n"));
    visible(&consumer, &renamed, LIVE, |r| r.code == 32);
    converge(&provider, &consumer, CONVERGE, "after the delete");

    // A domain renamed with its accounts: the provider sends the domain entry only.
    provider.change(&format!(
        "dn: o=domain2.example,{HOSTING}\nchangetype: modrdn\nnewrdn: o=domain3.example\ndeleteoldrdn: 0\n"
    ));
    let moved_child = format!("mail=abuse@domain2.example,o=domain3.example,{HOSTING}");
    visible(&consumer, &moved_child, LIVE, |r| r.code == 0);
    converge(&provider, &consumer, CONVERGE, "after the subtree rename");
    assert!(
        consumer.log().contains("syncrepl_entry"),
        "the consumer logs what it applies:\n{}",
        consumer.log()
    );
}

/// 20 accounts `{tag}-old{i}` the consumer will hold before it is stopped.
fn seed(provider: &dyn Provider, tag: &str) {
    for i in 0..20 {
        provider.change(&new_account(&format!("{tag}-old{i}")));
    }
}

/// The DN of test account `local` in domain1.
fn account_dn(local: &str) -> String {
    mail_dn(&format!("{local}@domain1.example"))
}

/// 100 changes after `seed(tag)`: 40 adds, 20 modifies, 10 renames and 30 deletes,
/// half of the modifies, renames and some deletes on entries the consumer holds.
fn hundred_changes(provider: &dyn Provider, tag: &str) {
    for i in 0..40 {
        provider.change(&new_account(&format!("{tag}-new{i}")));
    }
    for i in 0..10 {
        for kind in ["old", "new"] {
            let dn = account_dn(&format!("{tag}-{kind}{i}"));
            provider.change(&replace_ldif(&dn, "sn", &format!("Changed {i}")));
        }
    }
    for i in 10..15 {
        for kind in ["old", "new"] {
            provider.change(&format!(
                "dn: {}\nchangetype: modrdn\nnewrdn: mail={tag}-moved-{kind}{i}@domain1.example\ndeleteoldrdn: 1\n",
                account_dn(&format!("{tag}-{kind}{i}"))
            ));
        }
    }
    let gone = (15..20)
        .map(|i| format!("{tag}-old{i}"))
        .chain((15..40).map(|i| format!("{tag}-new{i}")));
    for local in gone {
        provider.change(&format!("dn: {}\nchangetype: delete\n", account_dn(&local)));
    }
}

#[test]
fn consumer_restarted_after_100_changes_converges() {
    let provider = SlapdProvider::start();
    let mut consumer = consumer(&provider, "");
    seed(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    consumer.kill();
    hundred_changes(&provider, "a");
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE,
        "after 100 changes while stopped",
    );
}

#[test]
fn consumer_too_far_behind_for_the_session_log_converges() {
    // 200 changes overflow syncprov's session log of 100: the provider cannot send the
    // deletes, so it refreshes with a present phase and the consumer drops the rest.
    let provider = SlapdProvider::start();
    let mut consumer = consumer(&provider, "");
    seed(&provider, "a");
    seed(&provider, "b");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    consumer.kill();
    hundred_changes(&provider, "a");
    hundred_changes(&provider, "b");
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE,
        "after 200 changes while stopped",
    );
}

#[test]
fn provider_restarted_during_persist_converges() {
    let mut provider = SlapdProvider::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    provider.change(&new_account("before"));
    provider.restart();
    provider.change(&new_account("after"));
    provider.change(&format!(
        "dn: {}\nchangetype: delete\n",
        mail_dn("before@domain1.example")
    ));
    converge(&provider, &consumer, CONVERGE, "after the provider restart");
    // Persist resumed: a live change arrives again.
    let dn = mail_dn("later@domain1.example");
    provider.change(&new_account("later"));
    visible(&consumer, &dn, CONVERGE, |r| r.code == 0);
}

#[test]
fn refresh_only_mode_converges() {
    let provider = SlapdProvider::start();
    let consumer = consumer(&provider, "mode = \"refreshOnly\"\ninterval_secs = 1\n");
    seed(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "first refresh");
    hundred_changes(&provider, "a");
    converge(&provider, &consumer, CONVERGE, "a later refresh");
}

#[test]
fn writes_to_the_consumer_get_a_referral_to_the_provider() {
    let provider = SlapdProvider::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    let user1 = mail_dn("user1@domain1.example");
    let writes = [
        new_account("refused"),
        replace_ldif(&user1, "sn", "Refused"),
        format!("dn: {user1}\nchangetype: delete\n"),
        format!(
            "dn: {user1}\nchangetype: modrdn\nnewrdn: mail=x@domain1.example\ndeleteoldrdn: 1\n"
        ),
        modify_ldif(&user1, "add: description\ndescription: refused\n"),
    ];
    for ldif in writes {
        let r = consumer.tool_as_root("ldapmodify", &[], Some(&ldif));
        assert_eq!(r.code, 10, "referral expected:\n{ldif}\n{}", r.stderr);
        assert!(
            r.stderr.contains(&provider.uri()),
            "the referral names the provider: {}",
            r.stderr
        );
    }
    // ldappasswd exits 1 on any failure and prints the result code.
    let r = consumer.tool_as_root("ldappasswd", &["-s", "new", &user1], None);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        r.code != 0 && said.contains("Referral (10)") && said.contains(&provider.uri()),
        "Password Modify gets a referral too: {} {said}",
        r.code
    );
    // Reads serve normally, and nothing was written.
    let r = consumer.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mail"]);
    assert!(
        r.stdout.contains("mail: user1@domain1.example"),
        "{}",
        r.stdout
    );
    converge(&provider, &consumer, CONVERGE, "after the refused writes");
}

#[test]
fn postmap_against_the_consumer_answers_as_against_the_provider() {
    let provider = SlapdProvider::start();
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    common::interop::run_snippet(
        "postfix.sh against a mailldap consumer of slapd",
        &format!(
            "bash tests/interop/postfix.sh {:?} \"$SUFFIX\" \"$ROOTDN\" \"$ROOTPW\"",
            consumer.uri
        ),
    );
}

#[test]
fn an_entry_moved_below_a_newer_parent_waits_for_it() {
    // The refresh sends entries in the provider's id order: user1 (old) before the
    // domain it was moved into (new).
    let provider = SlapdProvider::start();
    provider.change(&format!(
        "dn: o=domain4.example,{HOSTING}\nchangetype: add\nobjectClass: top\nobjectClass: organization\no: domain4.example\n"
    ));
    provider.change(&format!(
        "dn: {}\nchangetype: modrdn\nnewrdn: mail=user1@domain1.example\ndeleteoldrdn: 0\nnewsuperior: o=domain4.example,{HOSTING}\n",
        mail_dn("user1@domain1.example")
    ));
    let consumer = consumer(&provider, "");
    converge(&provider, &consumer, CONVERGE, "initial refresh");
    assert!(
        consumer.log().contains("waits for its parent"),
        "{}",
        consumer.log()
    );
}

#[test]
fn consumer_killed_during_its_first_refresh_converges() {
    // 3,000 accounts take the consumer seconds to store: it is killed halfway, with
    // part of the tree stored and no cookie yet, and must converge when restarted.
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif = dir.path().join("big.ldif");
    let mut text =
        std::fs::read_to_string(repo().join("tests/interop/data/tree.ldif")).expect("tree");
    for i in 0..3000 {
        let addr = format!("many{i}@domain1.example");
        text.push_str(&format!(
            "\n{}mail: {addr}\n",
            account_ldif(&addr, &format!("domain1.example/many{i}/"), "")
        ));
    }
    std::fs::write(&ldif, text).expect("write ldif");
    let provider = SlapdProvider::start_with(&ldif);
    let mut consumer = consumer(&provider, "");
    let deadline = Instant::now() + CONVERGE;
    while consumer.log().matches("syncrepl_entry: be_add").count() < 500 {
        assert!(
            Instant::now() < deadline,
            "no progress:\n{}",
            tail(&consumer.log(), 40)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    consumer.kill();
    consumer.restart();
    converge(
        &provider,
        &consumer,
        CONVERGE * 3,
        "after a kill during the first refresh",
    );
}
