//! The `[metrics]` listener of the real binary: the counters move by exactly what
//! clients did, the connection gauge follows them, only `GET /metrics` is served, a
//! hostile HTTP client is cut off, and there is no listener unless configured.

mod common;

use common::flood::{bind_root, search_done};
use common::metrics::{http_get, http_raw, scrape, Exposition};
use common::wire::{search, RawClient};
use common::*;
use ldap3_proto::proto::{LdapBindCred, LdapBindRequest, LdapOp, LdapResultCode};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A demo server with its metrics on a free port (plus `extra` config); the port.
/// Returned once the start-up probe's connection was accepted and has gone, so
/// the connection counters move only with what the test does.
fn server(extra: &str) -> (Server, u16) {
    // Ports chosen one at a time can collide (with the server's own LDAP port, or a
    // test starting beside this one): a server that could not listen is started again.
    for _ in 0..3 {
        let port = free_port();
        let config = format!("[metrics]\nlisten = \"127.0.0.1:{port}\"\n{extra}");
        let mut s = Server::start_with(&config, true);
        std::thread::sleep(Duration::from_millis(100));
        if !s.alive() || TcpStream::connect(("127.0.0.1", port)).is_err() {
            continue;
        }
        scrape_until(port, "the probe accepted and gone", |e| {
            e.count("mailldap_connections_accepted_total", &[]) >= 1.0
                && e.get(CURRENT, &[]) == Some(0.0)
        });
        return (s, port);
    }
    panic!("no server with a metrics listener in three attempts");
}

fn bind(dn: &str, password: &str) -> LdapOp {
    LdapOp::BindRequest(LdapBindRequest {
        version: 3,
        dn: dn.into(),
        cred: LdapBindCred::Simple(password.into()),
    })
}

fn bind_result(c: &mut RawClient) -> LdapResultCode {
    match c.recv().map(|m| m.op) {
        Some(LdapOp::BindResponse(r)) => r.res.code,
        other => panic!("expected a bind response, got {other:?}"),
    }
}

/// How much each of `series` (name, labels) moved between two scrapes.
fn moved(before: &Exposition, after: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.count(name, labels) - before.count(name, labels)
}

/// Scrape until `ok` holds for the exposition (5 s at most); the last scrape.
fn scrape_until(port: u16, what: &str, ok: impl Fn(&Exposition) -> bool) -> Exposition {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let e = scrape(port);
        if ok(&e) {
            return e;
        }
        assert!(Instant::now() < deadline, "never {what}: {e:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

const OPS: &str = "mailldap_operations_initiated_total";
const DONE: &str = "mailldap_operations_completed_total";
const RESULTS: &str = "mailldap_operation_results_total";
const LATENCY: &str = "mailldap_operation_duration_seconds_count";
const CURRENT: &str = "mailldap_connections";

#[test]
fn counters_move_by_exactly_what_clients_did() {
    let (s, port) = server("");
    let before = scrape(port);
    let mut c = RawClient::connect(s.port);
    const SEARCHES: usize = 7;
    for id in 0..SEARCHES {
        // Postfix's mailbox lookup: one entry each.
        let filter = search(HOSTING, "mail", Some("user1@domain1.example"), &["mailbox"]);
        c.send(10 + id as i32, filter);
        assert_eq!(search_done(&mut c), Ok((LdapResultCode::Success, 1)));
    }
    c.send(100, bind(ROOTDN, "wrong"));
    assert_eq!(bind_result(&mut c), LdapResultCode::InvalidCredentials);
    bind_root(&mut c);
    c.send(101, LdapOp::UnbindRequest);
    assert!(c.recv().is_none(), "unbind closes");
    let after = scrape_until(port, "the unbind counted", |e| {
        e.count(DONE, &[("op", "unbind")]) >= 1.0
    });
    let search = [("op", "search")];
    let n = SEARCHES as f64;
    assert_eq!(moved(&before, &after, OPS, &search), n);
    assert_eq!(moved(&before, &after, DONE, &search), n);
    assert_eq!(moved(&before, &after, LATENCY, &search), n);
    let ok = |op| [("op", op), ("code", "0"), ("result", "success")];
    assert_eq!(moved(&before, &after, RESULTS, &ok("search")), n);
    assert_eq!(
        moved(
            &before,
            &after,
            "mailldap_search_entries_returned_total",
            &[]
        ),
        n
    );
    assert_eq!(moved(&before, &after, OPS, &[("op", "bind")]), 2.0);
    assert_eq!(moved(&before, &after, RESULTS, &ok("bind")), 1.0);
    let wrong = [
        ("op", "bind"),
        ("code", "49"),
        ("result", "invalidCredentials"),
    ];
    assert_eq!(moved(&before, &after, RESULTS, &wrong), 1.0);
    assert_eq!(moved(&before, &after, OPS, &[("op", "unbind")]), 1.0);
    for op in [
        "add", "modify", "delete", "modrdn", "compare", "extended", "abandon",
    ] {
        assert_eq!(moved(&before, &after, OPS, &[("op", op)]), 0.0, "{op}");
    }
    assert_eq!(
        moved(&before, &after, "mailldap_connections_accepted_total", &[]),
        1.0
    );
    // The histogram is cumulative and its +Inf bucket is its count.
    let inf = [("op", "search"), ("le", "+Inf")];
    let bucket = "mailldap_operation_duration_seconds_bucket";
    assert_eq!(after.get(bucket, &inf), after.get(LATENCY, &search));
    assert!(after.count("mailldap_operation_duration_seconds_sum", &search) > 0.0);
    assert_eq!(
        after
            .types
            .get("mailldap_operation_duration_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    assert!(after.count("process_start_time_seconds", &[]) > 1.7e9);
    assert!(after.count("mailldap_uptime_seconds", &[]) > 0.0);
}

#[test]
fn the_connection_gauge_follows_clients() {
    let (s, port) = server("");
    let mut clients: Vec<RawClient> = (0..3)
        .map(|_| {
            let mut c = RawClient::connect(s.port);
            c.send(1, common::flood::root_dse());
            assert_eq!(search_done(&mut c), Ok((LdapResultCode::Success, 1)));
            c
        })
        .collect();
    assert_eq!(scrape(port).get(CURRENT, &[]), Some(3.0));
    clients.truncate(1);
    scrape_until(port, "down to one", |e| e.get(CURRENT, &[]) == Some(1.0));
    drop(clients);
    scrape_until(port, "down to none", |e| e.get(CURRENT, &[]) == Some(0.0));
}

#[test]
fn the_guess_budget_and_the_hash_pool_are_counted() {
    // Two checks a DN; a connection that failed needs one more than is left.
    let (s, port) = server("[bind_backoff]\nbase_ms = 0\nguess_burst = 2\n");
    let before = scrape(port);
    let mut c = RawClient::connect(s.port);
    for id in 1..=2 {
        c.send(id, bind(ROOTDN, "wrong"));
        assert_eq!(bind_result(&mut c), LdapResultCode::InvalidCredentials);
    }
    let after = scrape(port);
    assert_eq!(
        moved(&before, &after, "mailldap_bind_guesses_refused_total", &[]),
        1.0
    );
    let wrong = [
        ("op", "bind"),
        ("code", "49"),
        ("result", "invalidCredentials"),
    ];
    assert_eq!(moved(&before, &after, RESULTS, &wrong), 2.0);
    assert!(after.count("mailldap_hash_pool_threads", &[]) >= 1.0);
    assert_eq!(
        after.get("mailldap_hash_pool_queue_limit", &[]),
        Some(256.0)
    );
    assert_eq!(after.get("mailldap_hash_pool_busy", &[]), Some(0.0));
    assert_eq!(after.get("mailldap_hash_pool_queued", &[]), Some(0.0));
    assert_eq!(
        after.get("mailldap_hash_pool_rejected_total", &[]),
        Some(0.0)
    );
}

#[test]
fn only_get_metrics_is_served() {
    let (_s, port) = server("");
    assert_eq!(http_get(port, "/").status, 404);
    assert_eq!(http_get(port, "/metrics/extra").status, 404);
    assert_eq!(http_get(port, "/favicon.ico").status, 404);
    let post = http_raw(port, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(post.status, 405);
    let ok = http_get(port, "/metrics");
    assert_eq!(
        ok.headers.get("connection").map(String::as_str),
        Some("close")
    );
    assert_eq!(
        ok.headers.get("content-length"),
        Some(&ok.body.len().to_string())
    );
}

/// Read from `stream` until the server closes it; how long that took.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let started = Instant::now();
    let mut sink = [0u8; 4096];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("not closed within {limit:?}: {e}"),
        }
    }
}

#[test]
fn an_oversized_or_slow_request_is_closed() {
    let (s, port) = server("");
    // Oversized: a head that never ends.
    let mut big = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut head = b"GET /metrics HTTP/1.1\r\n".to_vec();
    head.extend(b"X-Padding: aaaaaaaaaaaaaaaaaaaa\r\n".repeat(400));
    let _ = big.write_all(&head);
    assert!(closed_within(&mut big, Duration::from_secs(3)) < Duration::from_secs(3));
    // Slow: a byte now, then nothing; the head must be complete within 5 s.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    slow.write_all(b"GET /met").expect("send");
    let took = closed_within(&mut slow, Duration::from_secs(10));
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(8),
        "{took:?}"
    );
    // Neither hurt the listener or the directory.
    assert_eq!(http_get(port, "/metrics").status, 200);
    s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"])
        .ok();
}

/// The TCP ports the process `pid` listens on (its socket inodes in LISTEN state).
fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.display().to_string();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (f.get(1), f.get(3), f.get(9)) else {
                continue;
            };
            if *state == "0A" && inodes.iter().any(|i| i == inode) {
                let port = local.rsplit(':').next().expect("port");
                ports.push(u16::from_str_radix(port, 16).expect("hex port"));
            }
        }
    }
    ports
}

#[test]
fn there_is_no_listener_by_default() {
    let s = Server::start();
    assert_eq!(listening_ports(s.pid().expect("running")), [s.port]);
    assert!(!s.log().contains("metrics on"), "{}", s.log());
    // And with one configured, it is the second port.
    let (s, port) = server("");
    let mut ports = listening_ports(s.pid().expect("running"));
    ports.sort();
    let mut want = vec![s.port, port];
    want.sort();
    assert_eq!(ports, want);
}

#[test]
fn cn_monitor_shows_the_counters_to_the_rootdn_and_named_readers_only() {
    let user1 = mail_dn("user1@domain1.example");
    let user2 = mail_dn("user2@domain1.example");
    let readers = format!("monitor_readers = [\"{user1}\"]\n");
    let (s, _) = server(&readers);
    let count = |dn: &str, attr: &str| -> u64 {
        let r = s.search_as(ROOTDN, ROOTPW, dn, "(objectClass=*)", &["-s", "base", attr]);
        r.ok();
        values(&r.stdout, attr)[0].parse().expect("a number")
    };
    let searches = "cn=Search,cn=Operations,cn=Monitor";
    let before = count(searches, "monitorOpCompleted");
    for _ in 0..3 {
        s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"])
            .ok();
    }
    // Each ldapsearch -x binds anonymously, searches and unbinds; so does the reading one.
    assert_eq!(count(searches, "monitorOpCompleted"), before + 4);
    assert!(count(searches, "monitorOpInitiated") >= before + 5);
    assert!(count("cn=Total,cn=Connections,cn=Monitor", "monitorCounter") >= 5);
    assert_eq!(
        count("cn=Current,cn=Connections,cn=Monitor", "monitorCounter"),
        1
    );
    // The whole tree, as slapd's back-monitor lays it out.
    let all = s.search_as(ROOTDN, ROOTPW, "cn=Monitor", "(objectClass=*)", &["1.1"]);
    let dns = dns(&all.ok().stdout);
    for dn in [
        "cn=Monitor",
        "cn=Connections,cn=Monitor",
        "cn=Operations,cn=Monitor",
        "cn=Bind,cn=Operations,cn=Monitor",
        "cn=Unbind,cn=Operations,cn=Monitor",
        "cn=Entries,cn=Statistics,cn=Monitor",
        "cn=Uptime,cn=Time,cn=Monitor",
    ] {
        assert!(dns.iter().any(|d| d == dn), "{dn} missing from {dns:?}");
    }
    let ops = s.search_as(
        ROOTDN,
        ROOTPW,
        "cn=Operations,cn=Monitor",
        "(objectClass=monitorOperation)",
        &["-s", "one", "cn"],
    );
    assert_eq!(values(&ops.ok().stdout, "cn").len(), 10);
    // A named reader sees it; another user and anonymous find nothing there.
    s.search_as(
        &user1,
        "user1",
        "cn=Monitor",
        "(objectClass=*)",
        &["-s", "base"],
    )
    .ok();
    let other = s.search_as(
        &user2,
        "user2",
        "cn=Monitor",
        "(objectClass=*)",
        &["-s", "base"],
    );
    other.expect_code(32);
    s.search_anon("cn=Monitor", "(objectClass=*)", &["-s", "base"])
        .expect_code(32);
    let missing = s.search_as(
        ROOTDN,
        ROOTPW,
        "cn=Nothing,cn=Time,cn=Monitor",
        "(objectClass=*)",
        &[],
    );
    missing.expect_code(32);
    assert!(
        missing.stdout.contains("cn=Time,cn=Monitor")
            || missing.stderr.contains("cn=Time,cn=Monitor"),
        "{missing:?}"
    );
}
