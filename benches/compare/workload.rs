//! The client side: the searches Postfix makes and the binds Courier authlib makes,
//! over persistent connections with the ldap3 crate, bounded in count and in time.

use crate::gen::HOSTING;
use ldap3::{LdapConn, LdapConnSettings, Scope};
use std::time::{Duration, Instant};

/// One run's outcome.
pub struct Stats {
    /// Operations completed (successfully or not).
    pub done: usize,
    /// Operations that did not get the expected answer.
    pub errors: usize,
    /// Lookups that found an entry (searches only).
    pub hits: usize,
    pub elapsed: Duration,
    /// Per-operation latencies, sorted.
    pub latencies: Vec<Duration>,
}

impl Stats {
    /// Operations per second of wall time.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The q-quantile latency (0.5 = median).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

fn connect(uri: &str) -> Result<LdapConn, String> {
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10));
    LdapConn::with_settings(settings, uri).map_err(|e| format!("connect {uri}: {e}"))
}

/// The Postfix filter for one address (the article's query_filter).
pub fn postfix_filter(addr: &str) -> String {
    format!("(&(mail={addr})(objectClass=CourierMailAccount))")
}

/// A search below o=hosting: (entries found, latency), or an error text.
fn one_search(
    conn: &mut LdapConn,
    filter: &str,
    attrs: &[&str],
) -> Result<(usize, Duration), String> {
    let t0 = Instant::now();
    let res = conn
        .with_timeout(Duration::from_secs(120))
        .search(HOSTING, Scope::Subtree, filter, attrs.to_vec())
        .and_then(|r| r.success())
        .map_err(|e| e.to_string())?;
    Ok((res.0.len(), t0.elapsed()))
}

/// Runs `work` split over `clients` threads, each with its own connection, stopping
/// every thread at `deadline`. `work(conn, item)` returns Ok(hit) or Err.
fn spread<T: Sync>(
    uri: &str,
    items: &[T],
    clients: usize,
    limit: Duration,
    work: impl Fn(&mut LdapConn, &T) -> Result<bool, String> + Sync,
) -> Result<Stats, String> {
    let clients = clients.max(1);
    let chunk = items.len().div_ceil(clients).max(1);
    let t0 = Instant::now();
    let deadline = t0 + limit;
    let parts: Vec<Result<Stats, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let work = &work;
                s.spawn(move || {
                    let mut conn = connect(uri)?;
                    let mut st = Stats {
                        done: 0,
                        errors: 0,
                        hits: 0,
                        elapsed: Duration::ZERO,
                        latencies: Vec::with_capacity(part.len()),
                    };
                    for item in part {
                        if Instant::now() >= deadline {
                            break;
                        }
                        let t = Instant::now();
                        match work(&mut conn, item) {
                            Ok(hit) => st.hits += usize::from(hit),
                            Err(_) => st.errors += 1,
                        }
                        st.latencies.push(t.elapsed());
                        st.done += 1;
                    }
                    let _ = conn.unbind();
                    Ok(st)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("client thread panicked".into()))
            })
            .collect()
    });
    let elapsed = t0.elapsed();
    let mut all = Stats {
        done: 0,
        errors: 0,
        hits: 0,
        elapsed,
        latencies: Vec::new(),
    };
    for p in parts {
        let p = p?;
        all.done += p.done;
        all.errors += p.errors;
        all.hits += p.hits;
        all.latencies.extend(p.latencies);
    }
    all.latencies.sort_unstable();
    Ok(all)
}

/// Postfix lookups of `(address, exists)` pairs, asking for `mailbox`, anonymous; an
/// answer that disagrees with `exists` counts as an error.
pub fn lookups(
    uri: &str,
    addrs: &[(String, bool)],
    clients: usize,
    limit: Duration,
) -> Result<Stats, String> {
    spread(uri, addrs, clients, limit, |conn, (addr, exists)| {
        let (n, _) = one_search(conn, &postfix_filter(addr), &["mailbox"])?;
        if (n > 0) != *exists {
            return Err(format!("{addr}: {n} entries"));
        }
        Ok(n > 0)
    })
}

/// Courier-style binds: simple bind as the account DN with its password; a refused
/// bind counts as an error.
pub fn binds(
    uri: &str,
    creds: &[(String, String)],
    clients: usize,
    limit: Duration,
) -> Result<Stats, String> {
    spread(uri, creds, clients, limit, |conn, (dn, pw)| {
        conn.with_timeout(Duration::from_secs(30))
            .simple_bind(dn, pw)
            .and_then(|r| r.success())
            .map(|_| true)
            .map_err(|e| e.to_string())
    })
}

/// `runs` sequential searches with `filter` on one connection: sorted latencies and
/// the entry count of the last run.
pub fn repeat_search(
    uri: &str,
    filter: &str,
    runs: usize,
) -> Result<(Vec<Duration>, usize), String> {
    let mut conn = connect(uri)?;
    let mut lat = Vec::with_capacity(runs);
    let mut n = 0;
    for _ in 0..runs {
        let (found, took) = one_search(&mut conn, filter, &["1.1"])?;
        n = found;
        lat.push(took);
    }
    let _ = conn.unbind();
    lat.sort_unstable();
    Ok((lat, n))
}
