//! The operations a connection has running: each on a blocking thread of its own,
//! with an abandon flag its reply sink checks, so a client may pipeline requests
//! (Dovecot does) and abandon a running search (RFC 4511 4.11).

use crate::ops::request::{Reply, Request};
use crate::ops::{self, wire};
use crate::session::Session;
use crate::state::ServerState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::task::JoinSet;

/// The running operations of one connection, by message ID.
pub struct InFlight {
    tasks: JoinSet<i32>,
    abandoned: HashMap<i32, Arc<AtomicBool>>,
    max: usize,
}

impl InFlight {
    /// No operations yet; at most `max` at once.
    pub fn new(max: usize) -> Self {
        InFlight {
            tasks: JoinSet::new(),
            abandoned: HashMap::new(),
            max: max.max(1),
        }
    }

    /// Whether no operation is running.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Start `request`; its replies go to `out` as they are made. Waits first while
    /// the connection is at its limit, so a flood stays unread in the socket.
    pub async fn start(
        &mut self,
        state: &Arc<ServerState>,
        session: &Session,
        op_no: u64,
        request: Request,
        out: super::Out,
    ) {
        while self.tasks.len() >= self.max {
            self.finish_one().await;
        }
        let id = request.id;
        let flag = Arc::new(AtomicBool::new(false));
        self.abandoned.insert(id, flag.clone());
        let (state, session) = (state.clone(), session.clone());
        self.tasks.spawn_blocking(move || {
            let mut sink = |reply| {
                // After an abandon, or once the connection is gone, nothing more is sent.
                if flag.load(Ordering::Relaxed) {
                    return false;
                }
                // A persistent search asking whether it is still wanted.
                if reply == Reply::KeepAlive {
                    return !out.is_closed();
                }
                out.blocking_send(wire::message(id, reply)).is_ok()
            };
            ops::stream_op(&state, &session, op_no, request, &mut sink);
            id
        });
    }

    /// Mark the operation `id` abandoned: it sends nothing more, not even a result.
    pub fn abandon(&mut self, id: i32) {
        if let Some(flag) = self.abandoned.get(&id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Abandon everything (the connection is closing).
    pub fn abandon_all(&mut self) {
        for flag in self.abandoned.values() {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Wait until one operation has finished (forever when none is running, so it
    /// can sit in a select beside the next read).
    pub async fn finish_one(&mut self) {
        match self.tasks.join_next().await {
            Some(Ok(id)) => {
                self.abandoned.remove(&id);
            }
            Some(Err(e)) => tracing::error!("operation task failed: {e}"),
            None => std::future::pending::<()>().await,
        }
    }

    /// Wait until every running operation has finished (before a bind, RFC 4511 4.2.1).
    pub async fn finish_all(&mut self) {
        while !self.tasks.is_empty() {
            self.finish_one().await;
        }
    }
}
