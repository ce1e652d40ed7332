//! The closed loop: C sessions, each sending its next request only when the previous
//! one is answered (as Postfix, Courier and ldclt do), all on the client's runtime.

use crate::tally::{Clock, OpError, Tally};
use crate::tree::Tree;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// What every workload needs to know about the server and the tree.
#[derive(Clone, Debug)]
pub struct Target {
    /// The server's address.
    pub addr: SocketAddr,
    /// The tree it serves (same N as the LDIF it loaded).
    pub tree: Tree,
    /// Check answers against the tree (off only for the canned server).
    pub verify: bool,
    /// The DN the write workload binds as.
    pub rootdn: String,
    /// Its password.
    pub rootpw: String,
}

/// One kind of operation, run by each session in a closed loop.
pub trait Workload: Send + Sync + 'static {
    /// One session's state (its connection, random numbers, buffers).
    type Session: Send + 'static;

    /// Opens session number `index` (before the clock starts, or after a failure).
    fn open(&self, index: usize) -> impl Future<Output = Result<Self::Session, OpError>> + Send;

    /// Runs one operation and checks its answer.
    fn op(&self, s: &mut Self::Session) -> impl Future<Output = Result<(), OpError>> + Send;

    /// Undoes what an unfinished cycle left behind (the write workload's added entry).
    fn close(&self, s: Self::Session) -> impl Future<Output = ()> + Send {
        async move { drop(s) }
    }
}

/// Opens `connections` sessions; the first failure is the run's setup error.
pub async fn open_all<W: Workload>(w: &W, connections: usize) -> Result<Vec<W::Session>, OpError> {
    let mut sessions = Vec::with_capacity(connections);
    for i in 0..connections {
        sessions.push(w.open(i).await?);
    }
    Ok(sessions)
}

/// Runs every session until the clock stops; returns the merged tally.
pub async fn closed_loop<W: Workload>(w: Arc<W>, sessions: Vec<W::Session>, clock: Clock) -> Tally {
    let tasks: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, s)| tokio::spawn(session_loop(w.clone(), i, s, clock)))
        .collect();
    let mut total = Tally::default();
    for t in tasks {
        match t.await {
            Ok(tally) => total.merge(tally),
            Err(e) => {
                total.errors += 1;
                total
                    .first_problem
                    .get_or_insert_with(|| format!("task failed: {e}"));
            }
        }
    }
    total
}

async fn session_loop<W: Workload>(
    w: Arc<W>,
    index: usize,
    mut s: W::Session,
    clock: Clock,
) -> Tally {
    let mut tally = Tally::default();
    loop {
        let t0 = Instant::now();
        if t0 >= clock.stop_at {
            break;
        }
        let r = w.op(&mut s).await;
        tally.record(&clock, t0, Instant::now(), &r);
        // A broken or confused connection is replaced; if that fails the server is
        // gone and this session ends.
        if matches!(r, Err(OpError::Io(_) | OpError::Protocol(_))) {
            match w.open(index).await {
                Ok(fresh) => s = fresh,
                Err(e) => {
                    tally.errors += 1;
                    tally
                        .first_problem
                        .get_or_insert_with(|| format!("reconnect: {e}"));
                    return tally;
                }
            }
        }
    }
    w.close(s).await;
    tally
}
