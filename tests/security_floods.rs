//! Connection floods against the real binary (issue 11): thousands of idle
//! connections are all accepted and a fresh client is answered at once; a full server
//! closes its longest-idle connections (with a Notice of Disconnection) instead of
//! queueing new ones; one source address cannot take every slot; and clients that
//! never read their answers hold bounded memory and lose their slot after
//! write_timeout_secs while others are served (answers queued for the writer task and
//! answers the reader writes itself alike); large requests parked half-sent are
//! bounded by one server-wide budget.

mod common;
use common::flood::*;
use common::wire::RawClient;
use common::*;
use ldap3_proto::proto::LdapResultCode;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a fresh client may wait for its answer while floods are held.
const FRESH_CLIENT_PATIENCE: Duration = Duration::from_secs(1);

/// Entries of the tree the stalled-reader tests read, and each one's value size.
const ENTRIES: usize = 1000;
const VALUE_BYTES: usize = 6_000;
/// How long a connection may stall the server's writes before it is closed.
const WRITE_TIMEOUT_SECS: u64 = 2;

/// A server holding megabytes of answer that gives up on a client its writes have
/// waited on for [`WRITE_TIMEOUT_SECS`].
fn stalling_server() -> Server {
    bulk_server(
        ENTRIES,
        VALUE_BYTES,
        &format!("[limits]\nwrite_timeout_secs = {WRITE_TIMEOUT_SECS}\n"),
    )
}

/// A new client answered within `FRESH_CLIENT_PATIENCE`, still connected, and how
/// long its answer took.
fn fresh_client(s: &Server) -> (RawClient, Duration) {
    let asked = Instant::now();
    let mut c = RawClient::connect(s.port);
    c.set_timeout(FRESH_CLIENT_PATIENCE);
    c.send(1, root_dse());
    assert_eq!(search_done(&mut c), Ok((LdapResultCode::Success, 1)));
    let took = asked.elapsed();
    assert!(
        took < FRESH_CLIENT_PATIENCE,
        "a fresh client waited {took:?}"
    );
    c.set_timeout(Duration::from_secs(30));
    (c, took)
}

/// slapd accepts 10,000 idle connections from one host and answers a fresh client in
/// under a millisecond; mailldap used to accept 1,024 and queue the rest (a fresh
/// client waited 10 s or more). As many as this process's descriptors allow, up to
/// 10,000, leaving half for the other tests running beside this one.
#[test]
fn thousands_of_idle_connections_are_held_and_a_fresh_client_is_served_at_once() {
    let held_count = (open_file_limit() / 2).saturating_sub(100).min(10_000) as usize;
    assert!(held_count >= 500, "ulimit -n is too small for this test");
    let s = Server::start();
    let rss_before = s.status_kib("VmRSS");
    let opened = Instant::now();
    let held: Vec<TcpStream> = (0..held_count)
        .map(|i| {
            TcpStream::connect(("127.0.0.1", s.port))
                .unwrap_or_else(|e| panic!("connection {i}: {e}"))
        })
        .collect();
    let took = opened.elapsed();
    // Every one accepted at once: none waits in a queue for a slot.
    s.wait_log(" ACCEPT from ", held_count);
    let accepted = opened.elapsed();
    let slowest = (0..20).map(|_| fresh_client(&s).1).max();
    let log = s.log();
    assert!(!log.contains("refused"), "nobody refused");
    assert!(!log.contains("longest-idle"), "nobody evicted");
    eprintln!(
        "{held_count} idle connections opened in {took:?}, all accepted after {accepted:?}; \
         slowest of 20 fresh clients {slowest:?}; server RSS {} -> {} kB",
        rss_before,
        s.status_kib("VmRSS")
    );
    drop(held);
}

/// max_connections is a number of slots, not a queue: past it the longest-idle
/// connection is told why (a Notice of Disconnection) and closed, and the newcomer is
/// served at once. "Longest idle" counts from the last request, not from the connect.
#[test]
fn a_full_server_closes_its_longest_idle_connections_for_new_clients() {
    const MAX: usize = 8;
    let s = Server::start_with(&format!("[limits]\nmax_connections = {MAX}\n"), false);
    let step = || std::thread::sleep(Duration::from_millis(30));
    let mut held: Vec<RawClient> = (0..MAX)
        .map(|_| {
            let c = served_from(&s, "127.0.0.1");
            step();
            c
        })
        .collect();
    // Connection 0, the oldest, asks again: connection 1 is now the longest idle.
    held[0].send(2, root_dse());
    assert_eq!(search_done(&mut held[0]), Ok((LdapResultCode::Success, 1)));
    step();

    let (first, _) = fresh_client(&s);
    let why = notice_then_close(&mut held[1]);
    assert!(why.contains("longest-idle"), "{why}");
    step();
    // The next newcomer closes the next longest idle, connection 2.
    let (second, _) = fresh_client(&s);
    let why = notice_then_close(&mut held[2]);
    assert!(why.contains("longest-idle"), "{why}");
    s.wait_log("longest-idle connections asked to close", 2);

    // The others were left alone and are still served.
    held.push(first);
    held.push(second);
    for (i, c) in held
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| *i != 1 && *i != 2)
    {
        c.send(3, root_dse());
        assert_eq!(
            search_done(c),
            Ok((LdapResultCode::Success, 1)),
            "connection {i}"
        );
    }
}

/// max_connections_per_address: one host cannot take every slot. Past its limit a
/// connection is refused at once with a Notice of Disconnection saying why; other
/// addresses are served, exempt networks (the local mail servers) are not limited,
/// and a slot given back can be taken again.
#[test]
fn one_address_cannot_take_every_slot() {
    const PER_ADDRESS: usize = 3;
    let s = Server::start_with(
        &format!(
            "[limits]\nmax_connections_per_address = {PER_ADDRESS}\n\
             per_address_exempt = [\"127.0.0.3/32\"]\n"
        ),
        false,
    );
    let mut mine: Vec<RawClient> = (0..PER_ADDRESS)
        .map(|_| served_from(&s, "127.0.0.1"))
        .collect();
    let mut over = RawClient::from_stream(connect_from(&s, "127.0.0.1", None));
    let why = notice_then_close(&mut over);
    assert!(why.contains("max_connections_per_address is 3"), "{why}");
    s.wait_log("refused: too many connections from this address", 1);

    let _other = served_from(&s, "127.0.0.2");
    let exempt: Vec<RawClient> = (0..2 * PER_ADDRESS)
        .map(|_| served_from(&s, "127.0.0.3"))
        .collect();
    assert_eq!(exempt.len(), 2 * PER_ADDRESS);

    // The held ones still work; once one goes, its address may connect again.
    for c in &mut mine {
        c.send(2, root_dse());
        assert_eq!(search_done(c), Ok((LdapResultCode::Success, 1)));
    }
    drop(mine.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = RawClient::from_stream(connect_from(&s, "127.0.0.1", None));
        c.send(1, root_dse());
        if search_done(&mut c) == Ok((LdapResultCode::Success, 1)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the freed slot was never given back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// 50 clients searching the whole tree without reading pushed the server to 870 MB
/// and held their slots forever. Each connection's output is a bounded queue: the
/// server holds a few dozen entries per stalled client, not its whole answer; a
/// fresh client is served meanwhile; after write_timeout_secs each stalled connection
/// is closed and its descriptor freed.
#[test]
fn clients_that_never_read_hold_bounded_memory_and_lose_their_slot() {
    const CLIENTS: usize = 50;
    let s = stalling_server();
    // One full read first (ou=bulk and its entries), so the store's cache is as warm
    // as it will get.
    let mut reader = RawClient::connect(s.port);
    bind_root(&mut reader);
    reader.send(2, whole_bulk_tree());
    assert_eq!(
        search_done(&mut reader),
        Ok((LdapResultCode::Success, ENTRIES + 1))
    );
    drop(reader);
    std::thread::sleep(Duration::from_millis(200));
    let (rss_before, files_before) = (s.status_kib("VmRSS"), open_files(&s));

    let stalled: Vec<RawClient> = (0..CLIENTS)
        .map(|_| {
            let mut c = RawClient::from_stream(connect_from(&s, "127.0.0.1", Some(4096)));
            bind_root(&mut c);
            c.send(2, whole_bulk_tree());
            c
        })
        .collect();
    // While they stall: memory stays bounded and a fresh client is served.
    let mut rss_peak = 0;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        rss_peak = rss_peak.max(s.status_kib("VmRSS"));
    }
    fresh_client(&s);
    let answer_kib = (ENTRIES * VALUE_BYTES / 1024) as u64;
    let grown = rss_peak.saturating_sub(rss_before);
    eprintln!(
        "{CLIENTS} clients not reading {answer_kib} kB answers: server RSS {rss_before} kB, \
         peak +{grown} kB"
    );
    // Unbounded, every client's whole answer would be held: CLIENTS * answer_kib.
    assert!(
        grown < CLIENTS as u64 * answer_kib / 4,
        "RSS grew by {grown} kB for {CLIENTS} stalled clients of {answer_kib} kB answers"
    );

    // After the write timeout each is given up on and its slot freed.
    let stalled_at = Instant::now();
    s.wait_log("closing a connection whose client read no replies", CLIENTS);
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_files(&s) > files_before + 2 {
        assert!(
            Instant::now() < deadline,
            "descriptors not freed: {} open, {files_before} before",
            open_files(&s)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let freed = stalled_at.elapsed();
    assert!(
        freed < Duration::from_secs(WRITE_TIMEOUT_SECS + 5),
        "{freed:?}"
    );
    fresh_client(&s);
    drop(stalled);
}

/// Base-scope reads are answered by the connection's reader itself, written at once
/// rather than queued for the writer task: a client that pipelines them and never
/// reads must still be given up on after write_timeout_secs, its descriptor freed,
/// while others are served.
#[test]
fn a_client_that_pipelines_quick_reads_and_never_reads_loses_its_slot() {
    let s = stalling_server();
    let files_before = open_files(&s);
    let mut c = RawClient::from_stream(connect_from(&s, "127.0.0.1", Some(4096)));
    bind_root(&mut c);
    // 6 MB of answers to 80 kB of requests: more than the sockets buffer.
    for i in 0..ENTRIES {
        c.send(i as i32 + 2, one_bulk_entry(i));
    }
    fresh_client(&s);
    let stalled_at = Instant::now();
    s.wait_log("closing a connection whose client read no replies", 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_files(&s) > files_before {
        assert!(
            Instant::now() < deadline,
            "descriptor not freed: {} open, {files_before} before",
            open_files(&s)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        stalled_at.elapsed() < Duration::from_secs(WRITE_TIMEOUT_SECS + 5),
        "{:?}",
        stalled_at.elapsed()
    );
    fresh_client(&s);
    drop(c);
}

/// 1,000 connections each parking a 1.9 MB partial message used to take 1.87 GB. Now
/// partly received large requests share one budget (max_buffered_request_bytes): once
/// it is spent the next such request is refused with a notice and its connection
/// closed, so memory stays near the budget, and fresh clients are still served.
#[test]
fn parked_partial_messages_are_bounded_by_the_request_budget() {
    const BUDGET: usize = 32 << 20;
    const CLIENTS: usize = 100;
    const DECLARED: usize = 1_900_000;
    let s = Server::start_with(
        &format!(
            "[limits]\nmax_message_bytes = 4194304\nmax_buffered_request_bytes = {BUDGET}\n\
             read_timeout_secs = 120\n"
        ),
        true,
    );
    fresh_client(&s);
    let rss_before = s.status_kib("VmRSS");
    // A SEQUENCE whose length says DECLARED bytes, and all of it but the last byte.
    let mut partial = vec![0x30, 0x84];
    partial.extend_from_slice(&(DECLARED as u32).to_be_bytes());
    partial.resize(partial.len() + DECLARED - 1, 0);
    let mut parked = Vec::new();
    for _ in 0..CLIENTS {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
        c.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        // A refused client is closed while it writes: that error is the point.
        let _ = c.write_all(&partial);
        parked.push(c);
    }
    let fits = BUDGET / (DECLARED + 6);
    let refused_line = "the server's buffer for large requests is full";
    s.wait_log(refused_line, CLIENTS - fits);
    let refused = s.log().matches(refused_line).count();
    let peak_kib = s.status_kib("VmHWM");
    let (_c, took) = fresh_client(&s);
    let sent_kib = (CLIENTS * DECLARED / 1024) as u64;
    let grown = peak_kib.saturating_sub(rss_before);
    eprintln!(
        "{CLIENTS} clients parking {} kB partial requests ({sent_kib} kB in all), budget {} kB: \
         {refused} refused, server RSS {rss_before} kB, peak +{grown} kB; fresh client {took:?}",
        DECLARED / 1024,
        BUDGET / 1024
    );
    assert_eq!(
        refused,
        CLIENTS - fits,
        "all but the {fits} that fit are refused"
    );
    // Unbounded, the server would hold every parked request: sent_kib and more.
    let bound = 2 * (BUDGET / 1024) as u64 + 16 * 1024;
    assert!(
        grown < bound,
        "RSS grew by {grown} kB with a {} kB budget",
        BUDGET / 1024
    );
    drop(parked);
}
