//! The bind throttle: the delay per DN and per address, the grace and exemptions
//! of addresses, the window failures age out of, and the guess budget.

use super::*;

fn throttle(grace: u32) -> Throttle {
    Throttle::new(BindBackoff {
        base_ms: 100,
        max_ms: 1000,
        window_secs: 60,
        address_grace: grace,
        address_exempt: vec!["127.0.0.0/8".into()],
        ..BindBackoff::default()
    })
}

fn attempt(dn: &str) -> Attempt<'_> {
    Attempt {
        dn,
        conn: 1,
        ip: IP,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7)));

#[test]
fn delay_doubles_per_dn_up_to_the_maximum() {
    let t = throttle(100);
    let now = Instant::now();
    assert_eq!(t.delay_at("cn=a", IP, now), Duration::ZERO);
    assert_eq!(t.failure_at("cn=a", IP, now), ms(100));
    assert_eq!(t.delay_at("cn=a", IP, now), ms(100));
    assert_eq!(t.delay_at("cn=a", IP, now + ms(40)), ms(60));
    assert_eq!(t.delay_at("cn=a", IP, now + ms(150)), Duration::ZERO);
    assert_eq!(t.failure_at("cn=a", IP, now), ms(200));
    assert_eq!(t.failure_at("cn=a", IP, now), ms(400));
    for _ in 0..10 {
        t.failure_at("cn=a", IP, now);
    }
    assert_eq!(t.delay_at("cn=a", IP, now), ms(1000));
    // Another DN from an address within its grace is not held up.
    assert_eq!(t.delay_at("cn=b", IP, now), Duration::ZERO);
}

#[test]
fn success_clears_the_dn_but_not_the_address() {
    let t = throttle(1);
    let now = Instant::now();
    t.failure_at("cn=a", IP, now);
    t.failure_at("cn=a", IP, now);
    t.failure_at("cn=a", IP, now);
    t.success(attempt("cn=a"));
    // The DN is forgiven; the address (3 failures, grace 1) still owes 2 steps.
    assert_eq!(t.delay_at("cn=a", None, now), Duration::ZERO);
    assert_eq!(t.delay_at("cn=other", IP, now), ms(200));
}

#[test]
fn address_grace_spares_a_busy_mail_server() {
    let t = throttle(3);
    let now = Instant::now();
    for dn in ["cn=1", "cn=2", "cn=3"] {
        t.failure_at(dn, IP, now);
    }
    assert_eq!(t.delay_at("cn=4", IP, now), Duration::ZERO);
    t.failure_at("cn=4", IP, now);
    assert_eq!(t.delay_at("cn=5", IP, now), ms(100));
    // Another address is unaffected.
    let other = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8)));
    assert_eq!(t.delay_at("cn=5", other, now), Duration::ZERO);
}

#[test]
fn exempt_addresses_are_only_throttled_per_dn() {
    let t = throttle(0);
    let now = Instant::now();
    let local = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    for _ in 0..3 {
        t.failure_at("cn=a", local, now);
    }
    assert_eq!(t.delay_at("cn=a", local, now), ms(400));
    assert_eq!(t.delay_at("cn=b", local, now), Duration::ZERO);
}

#[test]
fn failures_age_out_after_the_window() {
    let t = throttle(0);
    let now = Instant::now();
    for _ in 0..5 {
        t.failure_at("cn=a", IP, now);
    }
    let later = now + Duration::from_secs(61);
    assert_eq!(t.delay_at("cn=a", IP, later), Duration::ZERO);
    // The count restarts instead of continuing from 5.
    assert_eq!(t.failure_at("cn=a", IP, later), ms(100));
}

#[test]
fn zero_base_turns_it_off() {
    let t = Throttle::new(BindBackoff {
        base_ms: 0,
        ..BindBackoff::default()
    });
    let now = Instant::now();
    for _ in 0..50 {
        assert_eq!(t.failure_at("cn=a", IP, now), Duration::ZERO);
    }
}

#[test]
fn only_wrong_answers_are_held_and_the_address_waits_before() {
    let t = throttle(1);
    let a = attempt("cn=a");
    // The first failure owes nothing; the next is held for the first one's 100 ms.
    assert_eq!(t.failure(a), Duration::ZERO);
    let held = t.failure(a);
    assert!(held > ms(90) && held <= ms(100), "{held:?}");
    // The address (2 failures, grace 1) now waits before any of its binds...
    assert!(t.address_delay(IP) > ms(90));
    // ...and a refusal is held at least the base delay.
    assert!(t.refused(attempt("cn=b")) >= ms(100));
    // The right password is not held: success clears the DN.
    t.success(a);
    assert_eq!(t.failure(a), Duration::ZERO);
}

#[test]
fn the_guess_budget_refuses_past_the_burst_until_it_refills() {
    let t = Throttle::new(BindBackoff {
        guesses_per_minute: 6,
        guess_burst: 4,
        ..BindBackoff::default()
    });
    let fresh = |conn| Attempt {
        dn: "cn=a",
        conn,
        ip: IP,
    };
    assert_eq!((0..10).filter(|c| t.admit(fresh(*c))).count(), 4);
    // A check the pool could not run is given back.
    t.not_checked(fresh(0));
    assert!(t.admit(fresh(11)));
    assert!(!t.admit(fresh(12)));
}
