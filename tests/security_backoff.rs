//! Failed-bind backoff over the wire: wrong passwords slow down the next wrong answer
//! for that DN (and, past a grace, every bind from that address), a burst of them does not hold up other
//! clients, and the patterns of Courier (retry once) and Dovecot (anonymous rebind after
//! a failure) keep working.

mod common;
use common::*;
use ldap3::{LdapConn, Scope};
use std::time::{Duration, Instant};

const USER: &str = "user1@domain1.example";

fn conn(s: &Server) -> LdapConn {
    LdapConn::new(&s.uri).expect("connect")
}

/// Bind and return the result code and how long the answer took.
fn timed_bind(c: &mut LdapConn, dn: &str, pw: &str) -> (u32, Duration) {
    let t = Instant::now();
    let rc = c.simple_bind(dn, pw).expect("bind reply").rc;
    (rc, t.elapsed())
}

const BACKOFF: &str =
    "[bind_backoff]\nbase_ms = 250\nmax_ms = 2000\nwindow_secs = 60\naddress_grace = 3\n";

#[test]
fn wrong_passwords_slow_down_that_dn_and_correct_logins_still_work() {
    let s = Server::start_with(BACKOFF, true);
    let dn = mail_dn(USER);
    let mut c = conn(&s);
    // First failure: answered at once; each further attempt waits twice as long.
    let (rc, first) = timed_bind(&mut c, &dn, "wrong");
    assert_eq!(rc, 49);
    assert!(first < Duration::from_millis(200), "{first:?}");
    // Dovecot rebinds anonymously after a failure: never delayed.
    let (rc, anon) = timed_bind(&mut c, "", "");
    assert_eq!(rc, 0);
    assert!(anon < Duration::from_millis(150), "{anon:?}");
    // Courier retries the wrong password at once: that one waits ~250 ms.
    let (rc, retry) = timed_bind(&mut c, &dn, "wrong");
    assert_eq!(rc, 49);
    assert!(retry >= Duration::from_millis(230), "{retry:?}");
    let (rc, third) = timed_bind(&mut c, &dn, "wrong");
    assert_eq!(rc, 49);
    assert!(third >= Duration::from_millis(480), "{third:?}");
    // Other users from the same (loopback, exempt-by-default) address are not held up.
    let other = mail_dn("user2@domain1.example");
    let (rc, t) = timed_bind(&mut conn(&s), &other, "user2");
    assert_eq!(rc, 0);
    assert!(t < Duration::from_millis(200), "{t:?}");
    // The right password is not held by the DN's failures (only wrong ones are), on a
    // new connection too, and clears the record: the next login is immediate.
    let (rc, t) = timed_bind(&mut conn(&s), &dn, "user1");
    assert_eq!(rc, 0);
    assert!(t < Duration::from_millis(200), "{t:?}");
    let (rc, t) = timed_bind(&mut c, &dn, "user1");
    assert_eq!(rc, 0);
    assert!(t < Duration::from_millis(200), "{t:?}");
    let log = s.log();
    assert!(
        log.contains(&format!("failed bind dn=\"{dn}\" from IP=127.0.0.1")),
        "{log}"
    );
    assert!(log.contains("delayed"), "{log}");
}

#[test]
fn a_burst_of_wrong_binds_does_not_hold_up_other_clients() {
    let s = Server::start_with(BACKOFF, true);
    let dn = mail_dn(USER);
    // Eight attackers in parallel, five wrong passwords each, all on one DN: the DN's
    // delay climbs to the 2 s maximum and every attacker sleeps in the server.
    let attackers: Vec<_> = (0..8)
        .map(|_| {
            let uri = s.uri.clone();
            let dn = dn.clone();
            std::thread::spawn(move || {
                let mut c = LdapConn::new(&uri).expect("connect");
                for _ in 0..5 {
                    assert_eq!(c.simple_bind(&dn, "wrong").expect("reply").rc, 49);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Meanwhile an unrelated client's searches answer promptly: the sleeping binds
    // hold no worker thread (the server has as many workers as cores).
    let mut c = conn(&s);
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let (rs, _) = c
            .search(
                HOSTING,
                Scope::Subtree,
                "(mail=user2@domain1.example)",
                vec!["mail"],
            )
            .expect("search")
            .success()
            .expect("success");
        assert_eq!(rs.len(), 1);
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        slowest < Duration::from_millis(500),
        "slowest search {slowest:?}"
    );
    let started = Instant::now();
    for a in attackers {
        a.join().expect("attacker");
    }
    // The attackers really were slowed down: 40 tries took seconds, not milliseconds.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn failures_from_one_address_slow_down_binds_for_any_dn_past_the_grace() {
    // Loopback is exempt by default (local mail servers); here it is not.
    let s = Server::start_with(&format!("{BACKOFF}address_exempt = []\n"), true);
    let mut c = conn(&s);
    // Wrong passwords for four different DNs: the fourth is past the grace of three.
    for n in 0..4 {
        let (rc, t) = timed_bind(&mut c, &mail_dn(&format!("nobody{n}@domain1.example")), "x");
        assert_eq!(rc, 49);
        assert!(t < Duration::from_millis(200), "failure {n}: {t:?}");
    }
    // A fifth DN, never seen before, waits for the address.
    let (rc, t) = timed_bind(&mut c, &mail_dn(USER), "user1");
    assert_eq!(rc, 0);
    assert!(t >= Duration::from_millis(230), "{t:?}");
    // Anonymous binds still never wait.
    let (rc, t) = timed_bind(&mut c, "", "");
    assert_eq!(rc, 0);
    assert!(t < Duration::from_millis(150), "{t:?}");
}
