//! Failed-bind backoff, per DN and per source address, and the guess budget per DN.
//!
//! After `n` failures in the window, a further failure for that DN is answered only
//! `base * 2^(n-1)` (at most `max`) after the last one: the hold comes after the
//! password was checked and only when it was wrong, so the owner of an account under
//! attack is not kept waiting by the attacker's failures. A source address past its
//! grace instead waits before its bind is checked, for any DN. Both waits are the
//! session's tokio sleeps: a burst of wrong passwords costs the server timers, not
//! threads, and other clients' operations are not held up.
//!
//! Holding answers only slows clients that wait for them. What caps the guesses an
//! account receives is the guess budget (guesses.rs): checks per DN per minute, past
//! which attempts are refused unchecked, from any number of connections and addresses.
//!
//! Mail clients shape the rules: Courier retries a wrong password once more at once and
//! Dovecot rebinds anonymously after a failure on the same connection. Anonymous binds
//! are therefore never delayed, and a successful bind clears the DN's record, so the
//! user who mistyped is not kept waiting once he gets it right. Addresses are not
//! cleared by a success (an attacker holding one valid account could otherwise reset
//! his address between guesses); they only age out.

mod guesses;

use crate::cidr::Cidr;
use crate::config::BindBackoff;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Records kept per map before aged-out ones are swept, so a stream of made-up DNs
/// cannot grow memory without bound.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
}

/// Failure records for one kind of key.
struct Ledger<K> {
    records: Mutex<HashMap<K, Record>>,
}

impl<K: Hash + Eq + Clone> Ledger<K> {
    fn new() -> Self {
        Ledger {
            records: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Record>> {
        // A panic elsewhere while holding the lock leaves plain counters: still usable.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether no failure is on record: the common case, decided without hashing a key.
    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Failures within the window and the time of the last one.
    fn current<Q>(&self, key: &Q, window: Duration, now: Instant) -> Option<Record>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let map = self.lock();
        if map.is_empty() {
            return None;
        }
        map.get(key)
            .copied()
            .filter(|r| now.saturating_duration_since(r.last) < window)
    }

    fn add(&self, key: &K, window: Duration, now: Instant) -> u32 {
        self.add_answered(key, window, now, now)
    }

    /// Count a failure checked at `now` whose answer leaves at `answered` (after its
    /// hold): the next attempt's backoff runs from the answer, as the client sees it.
    fn add_answered(&self, key: &K, window: Duration, now: Instant, answered: Instant) -> u32 {
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            map.retain(|_, r| now.saturating_duration_since(r.last) < window);
        }
        let rec = map.entry(key.clone()).or_insert(Record {
            failures: 0,
            last: answered,
        });
        if now.saturating_duration_since(rec.last) >= window {
            rec.failures = 0;
        }
        rec.failures = rec.failures.saturating_add(1);
        rec.last = rec.last.max(answered);
        rec.failures
    }

    fn clear<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut map = self.lock();
        if !map.is_empty() {
            map.remove(key);
        }
    }
}

/// One bind attempt as the throttle sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The normalised DN (see `ops::bind::throttle_key`).
    pub dn: &'a str,
    /// The connection number.
    pub conn: u64,
    /// The source address; None for a local socket.
    pub ip: Option<IpAddr>,
}

/// The server-wide backoff state, shared by every session.
pub struct Throttle {
    cfg: BindBackoff,
    exempt: Vec<Cidr>,
    dns: Ledger<String>,
    addrs: Ledger<IpAddr>,
    guesses: guesses::GuessBudget,
}

impl Throttle {
    /// A throttle with no failures recorded.
    /// `address_exempt` was validated with the config; an unparsable list here (a
    /// config built in code) exempts nobody.
    pub fn new(cfg: BindBackoff) -> Throttle {
        let window = Duration::from_secs(cfg.window_secs);
        Throttle {
            exempt: crate::config::parse_networks(&cfg.address_exempt).unwrap_or_default(),
            guesses: guesses::GuessBudget::new(cfg.guesses_per_minute, cfg.guess_burst, window),
            cfg,
            dns: Ledger::new(),
            addrs: Ledger::new(),
        }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.cfg.window_secs)
    }

    /// The delay owed after `failures` counted failures.
    fn backoff(&self, failures: u32) -> Duration {
        if failures == 0 || self.cfg.base_ms == 0 {
            return Duration::ZERO;
        }
        let doublings = (failures - 1).min(32);
        let ms = self
            .cfg
            .base_ms
            .saturating_mul(1u64 << doublings)
            .min(self.cfg.max_ms);
        Duration::from_millis(ms)
    }

    fn owed(&self, rec: Option<Record>, grace: u32, now: Instant) -> Duration {
        let Some(r) = rec else {
            return Duration::ZERO;
        };
        let until = r.last + self.backoff(r.failures.saturating_sub(grace));
        until.saturating_duration_since(now)
    }

    /// How long a bind from `ip` waits before its password is checked: what the
    /// address owes once past its grace (never for exempt addresses).
    pub fn address_delay(&self, ip: Option<IpAddr>) -> Duration {
        let now = Instant::now();
        self.counted(ip)
            .map(|ip| {
                self.owed(
                    self.addrs.current(&ip, self.window(), now),
                    self.cfg.address_grace,
                    now,
                )
            })
            .unwrap_or_default()
    }

    /// Whether the attempt's password may be checked now (it takes a check from the
    /// DN's guess budget), or must be refused unchecked.
    pub fn admit(&self, a: Attempt<'_>) -> bool {
        self.guesses
            .admit(a.dn, a.conn, self.counted(a.ip), Instant::now())
    }

    /// A checked password was wrong: counted for the DN and the address; returns how
    /// long its answer is held (what the DN's earlier failures owe).
    pub fn failure(&self, a: Attempt<'_>) -> Duration {
        let now = Instant::now();
        let hold = self.owed_by_dn(a.dn, now);
        let ip = self.counted(a.ip);
        let w = self.window();
        self.dns.add_answered(&a.dn.to_string(), w, now, now + hold);
        if let Some(ip) = ip {
            self.addrs.add_answered(&ip, w, now, now + hold);
        }
        self.guesses.failed_from(a.dn, a.conn, ip, now);
        hold
    }

    /// An attempt refused unchecked by the guess budget: its sources count as suspect;
    /// returns how long its answer is held (as a failure's, and never nothing, so a
    /// client retrying at once does not spin).
    pub fn refused(&self, a: Attempt<'_>) -> Duration {
        let now = Instant::now();
        self.guesses
            .failed_from(a.dn, a.conn, self.counted(a.ip), now);
        self.owed_by_dn(a.dn, now).max(self.backoff(1))
    }

    /// The check could not run (the hashing pool was full): the budget is given back.
    pub fn not_checked(&self, a: Attempt<'_>) {
        self.guesses.give_back(a.dn);
    }

    /// The password was right: the check goes back to the budget, the DN's failures
    /// are forgiven and the connection and address are clean for it again.
    pub fn success(&self, a: Attempt<'_>) {
        self.guesses.give_back(a.dn);
        self.guesses
            .succeeded_from(a.dn, a.conn, self.counted(a.ip));
        self.dns.clear(a.dn);
    }

    /// The address to count failures under, unless it is exempt (or a local socket).
    fn counted(&self, ip: Option<IpAddr>) -> Option<IpAddr> {
        ip.filter(|ip| !self.exempt.iter().any(|n| n.contains(*ip)))
    }

    /// What the DN's failures owe at `now`, at most one backoff step: failures checked
    /// together are each held that long, not one after the other.
    fn owed_by_dn(&self, dn: &str, now: Instant) -> Duration {
        let rec = self.dns.current(dn, self.window(), now);
        let step = rec.map_or(Duration::ZERO, |r| self.backoff(r.failures));
        self.owed(rec, 0, now).min(step)
    }

    /// What a bind for `dn` from `ip` owes at `now`: the larger of the two waits.
    #[cfg(test)]
    fn delay_at(&self, dn: &str, ip: Option<IpAddr>, now: Instant) -> Duration {
        let ip = self.counted(ip);
        let w = self.window();
        let by_addr = ip
            .map(|ip| self.owed(self.addrs.current(&ip, w, now), self.cfg.address_grace, now))
            .unwrap_or_default();
        self.owed_by_dn(dn, now).max(by_addr)
    }

    /// Record a failure at `now`; the wait the next attempt for this DN will see.
    #[cfg(test)]
    fn failure_at(&self, dn: &str, ip: Option<IpAddr>, now: Instant) -> Duration {
        let w = self.window();
        let n = self.dns.add(&dn.to_string(), w, now);
        if let Some(ip) = self.counted(ip) {
            self.addrs.add(&ip, w, now);
        }
        self.backoff(n).max(self.delay_at(dn, ip, now))
    }
}

#[cfg(test)]
mod tests {
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
}
