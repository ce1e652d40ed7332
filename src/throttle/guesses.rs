//! The guess budget: how many passwords one DN may have checked, whatever the number
//! of connections and addresses they come from.
//!
//! Each DN has a bucket of `burst` checks that refills at `per_minute`. A check takes
//! one; a right password gives it back, so an account's own logins never use it up,
//! however often they come. An attempt that finds the bucket empty is refused without
//! being checked. Half the bucket is kept for attempts from a connection and an
//! address that have not failed for this DN lately: an attacker reusing connections
//! spends only the other half, and the owner, binding from elsewhere, still finds a
//! check free. The server cannot know a password is right before checking it, so this
//! is the only fairness it can offer; see docs/RELIABILITY.md for what it cannot do.

use super::Ledger;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before full ones are dropped (a full bucket is the same as none).
const SWEEP_AT: usize = 10_000;

/// Where failures for a DN (the `String`) came from: a connection, or a (non-exempt)
/// source address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Source {
    /// A connection, by its number.
    Conn(u64, String),
    /// A source address.
    Addr(IpAddr, String),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    checks: f64,
    at: Instant,
}

/// The per-DN budgets.
pub(super) struct GuessBudget {
    per_minute: f64,
    burst: f64,
    /// Checks only attempts from clean sources may take.
    reserve: f64,
    window: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
    failed: Ledger<Source>,
}

impl GuessBudget {
    /// `per_minute` 0: no budget.
    pub(super) fn new(per_minute: u32, burst: u32, window: Duration) -> GuessBudget {
        let burst = burst.max(1);
        GuessBudget {
            per_minute: f64::from(per_minute),
            burst: f64::from(burst),
            reserve: f64::from(burst / 2),
            window,
            buckets: Mutex::new(HashMap::new()),
            failed: Ledger::new(),
        }
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bucket>> {
        // Plain numbers behind the lock: still usable after a panic elsewhere.
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refilled(&self, b: Bucket, now: Instant) -> f64 {
        let minutes = now.saturating_duration_since(b.at).as_secs_f64() / 60.0;
        (b.checks + minutes * self.per_minute).min(self.burst)
    }

    fn sources(dn: &str, conn: u64, ip: Option<IpAddr>) -> impl Iterator<Item = Source> {
        std::iter::once(Source::Conn(conn, dn.to_string()))
            .chain(ip.map(|ip| Source::Addr(ip, dn.to_string())))
    }

    /// Whether an attempt for `dn` from connection `conn` and (counted) address `ip`
    /// may be checked now; if so it takes a check from the DN's bucket.
    pub(super) fn admit(&self, dn: &str, conn: u64, ip: Option<IpAddr>, now: Instant) -> bool {
        if self.per_minute == 0.0 {
            return true;
        }
        // Building the sources' keys costs allocations; most of the time none failed.
        let suspect = !self.failed.is_empty()
            && Self::sources(dn, conn, ip)
                .any(|s| self.failed.current(&s, self.window, now).is_some());
        let need = if suspect { 1.0 + self.reserve } else { 1.0 };
        let mut map = self.buckets();
        if map.len() >= SWEEP_AT {
            map.retain(|_, b| self.refilled(*b, now) < self.burst);
        }
        let fresh = Bucket {
            checks: self.burst,
            at: now,
        };
        // Most binds find no bucket (a success gives its check back and removes it),
        // so the key is built once and hashed once, not looked up first.
        let bucket = map.entry(dn.to_string()).or_insert(fresh);
        let checks = self.refilled(*bucket, now);
        let admitted = checks >= need;
        *bucket = Bucket {
            checks: if admitted { checks - 1.0 } else { checks },
            at: now,
        };
        admitted
    }

    /// A check taken for `dn` was not spent on a guess (the password was right, or
    /// the check never ran): it goes back.
    pub(super) fn give_back(&self, dn: &str) {
        let mut map = self.buckets();
        // Taken out, and put back only when still short: a full bucket is the same as
        // none (an account's logins leave no record), and that is the usual case, so
        // the usual give-back hashes the DN once.
        let Some((key, mut b)) = map.remove_entry(dn) else {
            return;
        };
        b.checks = (b.checks + 1.0).min(self.burst);
        if b.checks < self.burst {
            map.insert(key, b);
        }
    }

    /// An attempt from these sources failed or was refused: they count as suspect
    /// for `dn` until the window passes.
    pub(super) fn failed_from(&self, dn: &str, conn: u64, ip: Option<IpAddr>, now: Instant) {
        for s in Self::sources(dn, conn, ip) {
            self.failed.add(&s, self.window, now);
        }
    }

    /// The right password came from these sources: they are clean again for `dn`.
    pub(super) fn succeeded_from(&self, dn: &str, conn: u64, ip: Option<IpAddr>) {
        if self.failed.is_empty() {
            return;
        }
        for s in Self::sources(dn, conn, ip) {
            self.failed.clear(&s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(300);

    fn checks_admitted(b: &GuessBudget, dn: &str, conn: u64, now: Instant, n: usize) -> usize {
        (0..n).filter(|_| b.admit(dn, conn, None, now)).count()
    }

    #[test]
    fn a_burst_then_the_rate() {
        let b = GuessBudget::new(30, 20, WINDOW);
        let now = Instant::now();
        // Fresh connections take the whole bucket at once, and no more.
        let admitted = (0..50).filter(|i| b.admit("cn=a", *i, None, now)).count();
        assert_eq!(admitted, 20);
        // 30 a minute: one every two seconds.
        assert_eq!(
            checks_admitted(&b, "cn=a", 99, now + Duration::from_secs(2), 5),
            1
        );
        assert_eq!(
            checks_admitted(&b, "cn=a", 99, now + Duration::from_secs(12), 50),
            5
        );
        // It refills no further than the burst.
        assert_eq!(
            checks_admitted(&b, "cn=a", 99, now + Duration::from_secs(600), 50),
            20
        );
        // Another DN has its own bucket.
        assert_eq!(checks_admitted(&b, "cn=b", 1, now, 50), 20);
    }

    #[test]
    fn half_the_bucket_is_kept_for_sources_that_did_not_fail() {
        let b = GuessBudget::new(30, 20, WINDOW);
        let now = Instant::now();
        b.failed_from("cn=a", 7, None, now);
        // The suspect connection gets the first half only.
        assert_eq!(checks_admitted(&b, "cn=a", 7, now, 50), 10);
        // A clean connection still finds the other half.
        assert_eq!(checks_admitted(&b, "cn=a", 8, now, 50), 10);
        // Once the suspect succeeds, it is clean again.
        b.succeeded_from("cn=a", 7, None);
        let later = now + Duration::from_secs(2);
        assert!(b.admit("cn=a", 7, None, later));
        // An address that failed makes its fresh connections suspect too.
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        b.failed_from("cn=c", 1, Some(ip), now);
        assert_eq!(
            (2..40)
                .filter(|c| b.admit("cn=c", *c, Some(ip), now))
                .count(),
            10
        );
    }

    #[test]
    fn right_passwords_give_their_check_back() {
        let b = GuessBudget::new(30, 20, WINDOW);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(b.admit("cn=a", 1, None, now));
            b.give_back("cn=a");
        }
        // Logins leave no bucket behind; a check still out keeps its bucket.
        assert!(b.buckets().is_empty());
        assert!(b.admit("cn=a", 1, None, now));
        assert_eq!(b.buckets().len(), 1);
    }

    #[test]
    fn zero_per_minute_turns_it_off() {
        let b = GuessBudget::new(0, 20, WINDOW);
        assert_eq!(checks_admitted(&b, "cn=a", 1, Instant::now(), 500), 500);
    }
}
