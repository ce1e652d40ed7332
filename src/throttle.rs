//! Failed-bind backoff, per DN and per source address.
//!
//! After `n` failures in the window, the next bind for that DN (or from that address,
//! once it is past its grace) waits until `base * 2^(n-1)` (at most `max`) after the
//! last failure. The wait is the session's: it sleeps with tokio before dispatching the
//! bind, so a burst of wrong passwords costs the server timers, not worker threads, and
//! other clients' operations are not held up.
//!
//! Mail clients shape the rules: Courier retries a wrong password once more at once and
//! Dovecot rebinds anonymously after a failure on the same connection. Anonymous binds
//! are therefore never delayed, and a successful bind clears the DN's record, so the
//! user who mistyped is not kept waiting once he gets it right. Addresses are not
//! cleared by a success (an attacker holding one valid account could otherwise reset
//! his address between guesses); they only age out.

use crate::cidr::Cidr;
use crate::config::BindBackoff;
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

    /// Failures within the window and the time of the last one.
    fn current(&self, key: &K, window: Duration, now: Instant) -> Option<Record> {
        self.lock()
            .get(key)
            .copied()
            .filter(|r| now.saturating_duration_since(r.last) < window)
    }

    fn add(&self, key: &K, window: Duration, now: Instant) -> u32 {
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            map.retain(|_, r| now.saturating_duration_since(r.last) < window);
        }
        let rec = map.entry(key.clone()).or_insert(Record {
            failures: 0,
            last: now,
        });
        if now.saturating_duration_since(rec.last) >= window {
            rec.failures = 0;
        }
        rec.failures = rec.failures.saturating_add(1);
        rec.last = now;
        rec.failures
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }
}

/// The server-wide backoff state, shared by every session.
pub struct Throttle {
    cfg: BindBackoff,
    exempt: Vec<Cidr>,
    dns: Ledger<String>,
    addrs: Ledger<IpAddr>,
}

impl Throttle {
    /// A throttle with no failures recorded.
    /// `address_exempt` was validated with the config; an unparsable list here (a
    /// config built in code) exempts nobody.
    pub fn new(cfg: BindBackoff) -> Throttle {
        Throttle {
            exempt: crate::config::parse_networks(&cfg.address_exempt).unwrap_or_default(),
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

    /// How long a bind for `dn` (normalised) from `ip` must wait now.
    pub fn delay(&self, dn: &str, ip: Option<IpAddr>) -> Duration {
        self.delay_at(dn, ip, Instant::now())
    }

    /// The address to count failures under, unless it is exempt (or a local socket).
    fn counted(&self, ip: Option<IpAddr>) -> Option<IpAddr> {
        ip.filter(|ip| !self.exempt.iter().any(|n| n.contains(*ip)))
    }

    fn delay_at(&self, dn: &str, ip: Option<IpAddr>, now: Instant) -> Duration {
        let ip = self.counted(ip);
        let w = self.window();
        let by_dn = self.owed(self.dns.current(&dn.to_string(), w, now), 0, now);
        let by_addr = ip
            .map(|ip| self.owed(self.addrs.current(&ip, w, now), self.cfg.address_grace, now))
            .unwrap_or_default();
        by_dn.max(by_addr)
    }

    /// Record a failed bind; returns the delay the next attempt for this DN will see.
    pub fn failure(&self, dn: &str, ip: Option<IpAddr>) -> Duration {
        self.failure_at(dn, ip, Instant::now())
    }

    fn failure_at(&self, dn: &str, ip: Option<IpAddr>, now: Instant) -> Duration {
        let w = self.window();
        let n = self.dns.add(&dn.to_string(), w, now);
        if let Some(ip) = self.counted(ip) {
            self.addrs.add(&ip, w, now);
        }
        self.backoff(n).max(self.delay_at(dn, ip, now))
    }

    /// Record a successful bind: the DN's failures are forgiven.
    pub fn success(&self, dn: &str) {
        self.dns.clear(&dn.to_string());
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
        })
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
        t.success("cn=a");
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
}
