//! Signals against the real binary (issue 11): SIGTERM stops accepting, lets running
//! operations finish within shutdown_grace_secs (abandoning what cannot), tells the
//! clients, and exits 0 with every acknowledged write on disk; SIGHUP puts changed
//! access rules and limits in force without a restart and logs what changed, while a
//! configuration that does not load changes nothing.

mod common;
use common::flood::*;
use common::wire::RawClient;
use common::*;
use ldap3_proto::proto::{LdapMsg, LdapOp, LdapResultCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Read a search answer slowly (a pause per entry), then whatever follows until the
/// close: the entries, the result code and the notice's message.
fn read_slowly(mut c: RawClient) -> (usize, Option<LdapResultCode>, Option<String>) {
    let (mut entries, mut done, mut notice_text) = (0, None, None);
    while let Some(msg) = c.recv() {
        if let Some(why) = notice(&msg) {
            notice_text = Some(why);
            continue;
        }
        match msg {
            LdapMsg {
                op: LdapOp::SearchResultEntry(_),
                ..
            } => {
                entries += 1;
                std::thread::sleep(Duration::from_millis(4));
            }
            LdapMsg {
                op: LdapOp::SearchResultDone(r),
                ..
            } => done = Some(r.code),
            other => panic!("unexpected {other:?}"),
        }
    }
    (entries, done, notice_text)
}

/// Add entries one ldapadd at a time until `stop`; the DNs the server acknowledged.
fn add_until(uri: String, stop: Arc<AtomicBool>) -> Vec<String> {
    let mut acknowledged = Vec::new();
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let dn = format!("cn=new{i},{BULK}");
        let ldif = format!("dn: {dn}\nobjectClass: person\ncn: new{i}\nsn: new\n");
        let r = tools::run_tool(
            "ldapadd",
            &uri,
            &["-x", "-D", ROOTDN, "-w", ROOTPW],
            Some(&ldif),
        );
        if r.code == 0 {
            acknowledged.push(dn);
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    acknowledged
}

#[test]
fn sigterm_finishes_running_work_abandons_the_rest_and_keeps_acknowledged_writes() {
    const ENTRIES: usize = 250;
    const GRACE: Duration = Duration::from_secs(3);
    // 6 MB answers, more than the socket buffers of a small-window client hold.
    let mut s = bulk_server(
        ENTRIES,
        24_000,
        &format!("[limits]\nshutdown_grace_secs = {}\n", GRACE.as_secs()),
    );
    // A search its client reads slowly (it finishes within the grace), and one whose
    // client never reads (it cannot finish: abandoned at the deadline).
    let mut slow = RawClient::from_stream(connect_from(&s, "127.0.0.1", Some(4096)));
    bind_root(&mut slow);
    slow.send(2, whole_bulk_tree());
    let slow = std::thread::spawn(move || read_slowly(slow));
    let mut stuck = RawClient::from_stream(connect_from(&s, "127.0.0.1", Some(4096)));
    bind_root(&mut stuck);
    stuck.send(2, whole_bulk_tree());
    // Writes running throughout.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (uri, stop) = (s.uri.clone(), stop.clone());
        std::thread::spawn(move || add_until(uri, stop))
    };
    s.wait_log("ADD", 3);

    let signalled = Instant::now();
    let status = s.terminate(GRACE + Duration::from_secs(5));
    let took = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    assert!(status.success(), "exit status {status}");
    assert!(
        took < GRACE + Duration::from_secs(3),
        "exited after {took:?}"
    );
    let log = s.log();
    assert!(log.contains("shutting down: "), "{log}");
    assert!(
        log.contains("operations abandoned at the close deadline"),
        "{log}"
    );
    assert!(log.contains("store flushed, exiting"), "{log}");

    // The slow reader got its whole answer, then the notice.
    let (entries, done, why) = slow.join().expect("reader");
    assert_eq!(entries, ENTRIES + 1, "the running search finished");
    assert_eq!(done, Some(LdapResultCode::Success));
    assert_eq!(why.as_deref(), Some("server shutting down"));
    drop(stuck);

    // Every acknowledged write is there after a restart.
    let acknowledged = writer.join().expect("writer");
    assert!(!acknowledged.is_empty(), "some adds were acknowledged");
    s.restart();
    for dn in &acknowledged {
        let r = s.read_as_root(dn, &["cn"]);
        assert_eq!(r.code, 0, "{dn} acknowledged before SIGTERM, gone after");
    }
}

/// Rewrite the server's config file: its start plus `tail`.
fn rewrite_config(s: &Server, original: &str, tail: &str) {
    std::fs::write(s.config_path(), format!("{original}\n{tail}")).expect("config");
}

fn user1_mailbox(s: &Server) -> Vec<String> {
    let r = s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"]);
    r.ok();
    values(&r.stdout, "mailbox")
}

#[test]
fn sighup_puts_new_rules_and_limits_in_force_and_a_broken_config_changes_nothing() {
    let s = Server::demo();
    let original = std::fs::read_to_string(s.config_path()).expect("config");
    assert_eq!(
        user1_mailbox(&s).len(),
        1,
        "the default policy lets anonymous read"
    );
    // A connection opened before the reload: its next operation is judged anew.
    let mut before = RawClient::connect(s.port);
    before.send(1, root_dse());
    assert_eq!(search_done(&mut before), Ok((LdapResultCode::Success, 1)));

    // A rule hiding domain1 from everyone but the rootdn, and a smaller size limit.
    let rules = "[limits]\nanonymous_size_limit = 2\n\n\
        [[acl]]\ndn_subtree = \"o=domain1.example,o=hosting,${suffix}\"\n\
        by = [{ who = \"*\", level = \"none\" }]\n\n\
        [[acl]]\nby = [{ who = \"*\", level = \"read\" }]\n";
    rewrite_config(&s, &original, rules);
    s.signal("HUP");
    s.wait_log("SIGHUP: access rules replaced (2 rules", 1);
    s.wait_log("SIGHUP: limits.anonymous_size_limit 500 -> 2", 1);
    assert!(user1_mailbox(&s).is_empty(), "the new rule is in force");
    let r = s.search_anon(HOSTING, "(mail=user1@domain2.example)", &["mail"]);
    assert_eq!(values(&r.ok().stdout, "mail"), ["user1@domain2.example"]);
    let r = s.search_anon(HOSTING, "(objectClass=*)", &["1.1"]);
    assert_eq!(r.code, 4, "sizeLimitExceeded under the new limit: {r:?}");
    before.send(
        2,
        common::wire::search(HOSTING, "mail", Some("user1@domain1.example"), &["mail"]),
    );
    assert_eq!(
        search_done(&mut before),
        Ok((LdapResultCode::Success, 0)),
        "an open connection gets the new rule too"
    );

    // A file that does not parse, then rules that do not compile against the schema:
    // each logged, and the rules in force stay.
    rewrite_config(&s, &original, "[limits\n");
    s.signal("HUP");
    s.wait_log("SIGHUP: configuration not reloaded, the old one stays", 1);
    let broken_acl =
        "[[acl]]\nattrs = [\"noSuchAttribute\"]\nby = [{ who = \"*\", level = \"read\" }]\n";
    rewrite_config(&s, &original, broken_acl);
    s.signal("HUP");
    s.wait_log("SIGHUP: configuration not reloaded, the old one stays", 2);
    assert!(
        user1_mailbox(&s).is_empty(),
        "the reloaded rule is still in force"
    );
    let log = s.log();
    let refusals: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("configuration not reloaded"))
        .collect();
    assert!(
        refusals[0].contains("mailldap.toml"),
        "names the file: {}",
        refusals[0]
    );
    assert!(
        refusals[1].contains("noSuchAttribute"),
        "names the attribute: {}",
        refusals[1]
    );

    // Back to the original file: the default policy again.
    rewrite_config(&s, &original, "");
    s.signal("HUP");
    s.wait_log("SIGHUP: access rules replaced", 2);
    assert_eq!(user1_mailbox(&s).len(), 1);
}
