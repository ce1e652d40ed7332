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
mod tests;
