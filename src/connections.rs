//! The live connections: when each last did something, and a way to tell it to close.
//! A full server closes its longest-idle connections instead of queueing new ones, one
//! source address cannot take every slot, and shutdown reaches every session. The
//! server admits and evicts (src/server/accept.rs); a session only stamps its activity
//! and listens for its close request, through its [`Presence`].

use crate::cidr::Cidr;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long an evicted connection has to deliver its Notice of Disconnection.
pub const EVICTION_GRACE: Duration = Duration::from_secs(1);

/// Why, and by when, a connection is asked to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseRequest {
    /// Said in the Notice of Disconnection and the log.
    pub why: &'static str,
    /// When running operations are abandoned and the socket is closed regardless.
    pub deadline: Instant,
}

/// Who may connect: the limits the registry enforces at each admission.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    /// Connections served at once; past it the longest-idle ones are closed.
    pub max: usize,
    /// Connections one source address may hold (0: no limit).
    pub per_address: usize,
    /// Source networks the per-address limit does not apply to.
    pub exempt: Vec<Cidr>,
}

impl Admission {
    /// Connections counted at most, those being closed included: past it a new one
    /// is refused at once, so a flood faster than evictions finish stays bounded.
    pub fn ceiling(&self) -> usize {
        self.max + self.max / 8 + 16
    }

    fn limits_address(&self, ip: IpAddr) -> bool {
        self.per_address > 0 && !self.exempt.iter().any(|n| n.contains(ip))
    }
}

/// Why a new connection was refused (its Notice of Disconnection says this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Its source address holds max_connections_per_address already.
    #[error("too many connections from this address (max_connections_per_address is {0})")]
    Address(usize),
    /// Every slot is taken and the evicted connections have not closed yet.
    #[error("server full: too many connections are closing, try again")]
    Full,
}

/// One connection's shared slot: its activity stamp and its close request.
#[derive(Debug, Default)]
struct Slot {
    /// Milliseconds since the registry's epoch at the last request or finished operation.
    stamp: AtomicU64,
    request: Mutex<Option<CloseRequest>>,
    wake: Notify,
}

impl Slot {
    fn request(&self) -> MutexGuard<'_, Option<CloseRequest>> {
        self.request.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ask the connection to close; false when it was asked already (the earlier,
    /// sooner request stands).
    fn ask(&self, request: CloseRequest) -> bool {
        let mut current = self.request();
        if current.is_some() {
            return false;
        }
        *current = Some(request);
        drop(current);
        self.wake.notify_waiters();
        true
    }
}

/// A session's side of its registration: stamp activity, hear the close request.
#[derive(Debug, Clone)]
pub struct Presence {
    slot: Arc<Slot>,
    epoch: Instant,
}

impl Default for Presence {
    /// A presence in no registry (in-process tests): never asked to close.
    fn default() -> Self {
        Presence {
            slot: Arc::default(),
            epoch: Instant::now(),
        }
    }
}

impl Presence {
    /// The connection did something: it is the last to be evicted for a while.
    pub fn touch(&self) {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.slot.stamp.store(now, Ordering::Relaxed);
    }

    /// The close request, once there is one.
    pub fn close_request(&self) -> Option<CloseRequest> {
        *self.slot.request()
    }

    /// Wait until the connection is asked to close.
    pub async fn close_requested(&self) -> CloseRequest {
        loop {
            // Registered before the check, so a request made in between still wakes us.
            let woken = self.slot.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if let Some(request) = self.close_request() {
                return request;
            }
            woken.await;
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    conns: HashMap<u64, Arc<Slot>>,
    per_address: HashMap<IpAddr, usize>,
    /// Connections asked to close that have not gone yet.
    closing: usize,
}

/// Every live connection of the server.
#[derive(Debug)]
pub struct Registry {
    epoch: Instant,
    policy: RwLock<Arc<Admission>>,
    inner: Mutex<Inner>,
    emptied: Notify,
}

/// A new connection, admitted: dropping it takes the connection out of the registry.
#[derive(Debug)]
pub struct Registration {
    registry: Arc<Registry>,
    conn: u64,
    peer: Option<IpAddr>,
    presence: Presence,
    /// How many idle connections were asked to close to make room for this one.
    pub evicted: usize,
}

impl Registration {
    /// The handle the connection's session holds.
    pub fn presence(&self) -> Presence {
        self.presence.clone()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut inner = self.registry.inner();
        inner.conns.remove(&self.conn);
        if let Some(ip) = self.peer {
            if let Some(n) = inner.per_address.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    inner.per_address.remove(&ip);
                }
            }
        }
        if self.presence.close_request().is_some() {
            inner.closing -= 1;
        }
        if inner.conns.is_empty() {
            self.registry.emptied.notify_waiters();
        }
    }
}

impl Registry {
    /// An empty registry enforcing `policy`.
    pub fn new(policy: Admission) -> Arc<Registry> {
        Arc::new(Registry {
            epoch: Instant::now(),
            policy: RwLock::new(Arc::new(policy)),
            inner: Mutex::default(),
            emptied: Notify::new(),
        })
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The limits in force.
    pub fn policy(&self) -> Arc<Admission> {
        self.policy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Enforce `policy` from the next admission on (SIGHUP).
    pub fn set_policy(&self, policy: Admission) {
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(policy);
    }

    /// Connections registered, those being closed included.
    pub fn len(&self) -> usize {
        self.inner().conns.len()
    }

    /// Whether no connection is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Admit connection `conn` from `peer` (None: a local socket). When the server is
    /// full the longest-idle connections are asked to close (a batch of 1/64 of the
    /// slots, so the scan is paid once per batch); a new connection is refused only
    /// past its address's limit, or while the evicted ones have not gone yet.
    pub fn admit(
        self: &Arc<Self>,
        conn: u64,
        peer: Option<IpAddr>,
    ) -> Result<Registration, Refused> {
        let policy = self.policy();
        let mut inner = self.inner();
        if let Some(ip) = peer.filter(|ip| policy.limits_address(*ip)) {
            if inner.per_address.get(&ip).copied().unwrap_or(0) >= policy.per_address {
                return Err(Refused::Address(policy.per_address));
            }
        }
        if inner.conns.len() >= policy.ceiling() {
            return Err(Refused::Full);
        }
        let mut evicted = 0;
        if inner.conns.len() - inner.closing >= policy.max {
            let batch = (policy.max / 64).max(1);
            evicted = evict_longest_idle(&mut inner, batch);
        }
        let presence = Presence {
            slot: Arc::default(),
            epoch: self.epoch,
        };
        presence.touch();
        inner.conns.insert(conn, presence.slot.clone());
        if let Some(ip) = peer {
            *inner.per_address.entry(ip).or_default() += 1;
        }
        Ok(Registration {
            registry: self.clone(),
            conn,
            peer,
            presence,
            evicted,
        })
    }

    /// Ask every connection to close by `deadline` (shutdown).
    pub fn close_all(&self, why: &'static str, deadline: Instant) {
        let mut inner = self.inner();
        let request = CloseRequest { why, deadline };
        let asked = inner.conns.values().filter(|s| s.ask(request)).count();
        inner.closing += asked;
    }

    /// Wait until every connection is gone, or `deadline`; true when all are gone.
    pub async fn emptied(&self, deadline: Instant) -> bool {
        loop {
            let woken = self.emptied.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.is_empty() {
                return true;
            }
            let deadline = tokio::time::Instant::from_std(deadline);
            if tokio::time::timeout_at(deadline, woken).await.is_err() {
                return self.is_empty();
            }
        }
    }
}

/// Ask the `batch` connections idle longest (not already closing) to close; returns
/// how many were asked.
fn evict_longest_idle(inner: &mut Inner, batch: usize) -> usize {
    let mut idle: Vec<(u64, &Arc<Slot>)> = inner
        .conns
        .values()
        .filter(|s| s.request().is_none())
        .map(|s| (s.stamp.load(Ordering::Relaxed), s))
        .collect();
    let batch = batch.min(idle.len());
    if batch == 0 {
        return 0;
    }
    if batch < idle.len() {
        idle.select_nth_unstable_by_key(batch - 1, |(stamp, _)| *stamp);
    }
    let request = CloseRequest {
        why: "server full: closing the longest-idle connections",
        deadline: Instant::now() + EVICTION_GRACE,
    };
    let asked = idle[..batch].iter().filter(|(_, s)| s.ask(request)).count();
    inner.closing += asked;
    asked
}

#[cfg(test)]
#[path = "connections_tests.rs"]
mod tests;
