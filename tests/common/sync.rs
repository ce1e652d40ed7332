//! The two sides of a replication test (tests/sync_*.rs): a [`Provider`] (slapd with
//! syncprov, or mailldap itself, src/sync) and a mailldap consumer of it, the full
//! dumps they are compared by, and the changes the tests make.

use super::slapd::Slapd;
use super::{account_ldif, add_record, mail_dn, replace_ldif, repo, run_tool, Server, ToolResult};
use super::{ROOTDN, ROOTPW};
use std::time::{Duration, Instant};

/// The directory both servers serve.
pub const SUFFIX: &str = "dc=myhosting,dc=example";
/// How long a live change may take to reach the consumer.
pub const LIVE: Duration = Duration::from_secs(2);
/// How long a refresh may take to converge (a debug build on a shared machine).
pub const CONVERGE: Duration = Duration::from_secs(60);

/// The provider side of a test: what the consumer follows.
pub trait Provider {
    /// Start one serving the tree in `ldif` (rootdn ROOTDN/ROOTPW, sync provider on).
    fn start_with(ldif: &std::path::Path) -> Self
    where
        Self: Sized;
    /// Start one serving the article's tree (tests/interop/data/tree.ldif).
    fn start() -> Self
    where
        Self: Sized,
    {
        Self::start_with(&repo().join("tests/interop/data/tree.ldif"))
    }
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
pub struct SlapdProvider(pub Slapd);

impl Provider for SlapdProvider {
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

    fn uri(&self) -> String {
        self.0.uri.clone()
    }

    fn change(&self, ldif: &str) {
        applied(self.0.tool_as_root("ldapmodify", &[], Some(ldif)), ldif);
    }

    fn restart(&mut self) {
        self.0.restart();
    }

    fn log(&self) -> String {
        self.0.log()
    }
}

/// mailldap as the provider (src/sync, docs/REPLICATION.md), its session log as small
/// as the slapd provider's (100 departures), the tree loaded with `mailldap import`.
pub struct MailldapProvider(pub Server);

impl Provider for MailldapProvider {
    fn start_with(ldif: &std::path::Path) -> MailldapProvider {
        MailldapProvider(Server::imported(ldif, "[syncprov]\nsessionlog = 100\n"))
    }

    fn uri(&self) -> String {
        self.0.uri.clone()
    }

    fn change(&self, ldif: &str) {
        applied(self.0.modify_root(ldif), ldif);
    }

    fn restart(&mut self) {
        self.0.restart();
    }

    fn log(&self) -> String {
        self.0.log()
    }
}

/// Panics unless the provider's ldapmodify of `ldif` succeeded.
fn applied(r: ToolResult, ldif: &str) {
    assert_eq!(
        r.code, 0,
        "ldapmodify on the provider: {}\n{ldif}",
        r.stderr
    );
}

/// A mailldap consumer of `provider` (extra `[replication]` keys in `more`).
pub fn consumer(provider: &dyn Provider, more: &str) -> Server {
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
pub fn dump(uri: &str) -> Vec<String> {
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
pub fn converge(provider: &dyn Provider, consumer: &Server, within: Duration, step: &str) {
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
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Wait (`within` at most) until `probe` holds for the consumer's answer to a base
/// search of `dn`; returns how long it took.
pub fn visible(
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
pub fn new_account(local: &str) -> String {
    let addr = format!("{local}@domain1.example");
    add_record(&account_ldif(
        &addr,
        &format!("domain1.example/{local}/"),
        &format!("mail: {addr}\n"),
    ))
}

/// 20 accounts `{tag}-old{i}` the consumer will hold before it is stopped.
pub fn seed(provider: &dyn Provider, tag: &str) {
    for i in 0..20 {
        provider.change(&new_account(&format!("{tag}-old{i}")));
    }
}

/// The DN of test account `local` in domain1.
pub fn account_dn(local: &str) -> String {
    mail_dn(&format!("{local}@domain1.example"))
}

/// 100 changes after `seed(tag)`: 40 adds, 20 modifies, 10 renames and 30 deletes,
/// half of the modifies, renames and some deletes on entries the consumer holds.
pub fn hundred_changes(provider: &dyn Provider, tag: &str) {
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
