//! One client connection: framing, per-connection limits, and the state the
//! connection owns (who is bound, whether TLS is on). Each operation returns its
//! replies and an effect (bound as X, start TLS, close) that this loop applies.
//! Searches, compares and writes run concurrently (inflight.rs); bind, StartTLS and
//! unbind wait for them or refuse, as RFC 4511 asks. Replies leave through one
//! writer task (writer.rs), each tagged with its request's message ID; close.rs closes
//! politely. The server's registry reaches a session through its `Presence`: the loop
//! stamps activity and closes, with a notice, when asked (full server, shutdown).

mod close;
pub(crate) mod framing;
mod inflight;
mod writer;

pub use close::refuse;

use crate::acl::Identity;
use crate::config::Limits;
use crate::connections::{CloseRequest, Presence};
use crate::error::{LdapError, OpResult, ResultCode};
use crate::ops::request::{Effect, ExtendedRequest, ExtendedValue, Operation, Reply, Request};
use crate::ops::{self, wire};
use crate::state::ServerState;
use framing::{Framing, PartialSince};
use futures::StreamExt;
use inflight::InFlight;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

/// Per-connection state: who is bound, and where the connection comes from.
#[derive(Debug, Clone)]
pub struct Session {
    /// Connection number, as in slapd's conn= log field.
    pub conn: u64,
    /// Peer address for logs ("IP=127.0.0.1:4711" or "PATH=/run/...").
    pub peer: String,
    /// The bound identity.
    pub identity: Identity,
    /// The peer's IP address; None for a local socket (ldapi://).
    pub peer_ip: Option<std::net::IpAddr>,
    /// Whether the connection is protected by TLS (or is a local socket).
    pub secure: bool,
    /// The paged searches the client has open (RFC 2696): the one piece of
    /// connection state operations share, since a cookie outlives its search.
    pub paged: crate::ops::paged::PagedSearches,
    /// The connection's entry in the server's registry: activity stamp, close request.
    pub presence: Presence,
}

impl Session {
    /// A fresh, anonymous session.
    pub fn new(conn: u64, peer: String, peer_ip: Option<std::net::IpAddr>, secure: bool) -> Self {
        Session {
            conn,
            peer,
            identity: Identity::Anonymous,
            peer_ip,
            secure,
            paged: Default::default(),
            presence: Presence::default(),
        }
    }
}

/// A stream the session can run on: TCP, TLS over TCP, or a Unix socket.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

type Conn = Framed<Box<dyn Transport>, Framing>;
type Source = futures::stream::SplitStream<Conn>;
/// Where a connection's replies go.
type Out = writer::Replies<Conn>;

/// Serve one connection until the client unbinds, disconnects, idles out or errs.
pub fn run(
    stream: Box<dyn Transport>,
    state: Arc<ServerState>,
    session: Session,
    first_op: u64,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let limits = state.limits();
        let codec = Framing::new(
            limits.max_message_bytes,
            limits.max_ber_depth,
            state.request_budget.clone(),
        );
        let partial = codec.partial_since();
        let (sink, source) = Framed::new(stream, codec).split();
        let write_timeout = Duration::from_secs(limits.write_timeout_secs.max(1));
        let (out, writer) = writer::start(sink, write_timeout);
        let mut conn = Connection {
            inflight: InFlight::new(limits.max_operations_per_connection),
            limits,
            state,
            session,
            op_no: first_op,
            source,
            partial,
            out,
        };
        let start_tls = conn.serve().await;
        conn.inflight.abandon_all();
        let Connection {
            state,
            session,
            op_no,
            source,
            out,
            ..
        } = conn;
        drop(out);
        // The writer ends once every sender is gone and what they sent is written;
        // asked to close, the connection waits for it only until its deadline.
        let deadline = session.presence.close_request().map(|r| r.deadline);
        let sink = writer::done(writer, deadline).await;
        let Some(framed) = sink.and_then(|sink| sink.reunite(source).ok()) else {
            return;
        };
        if start_tls {
            // Boxed: inline, the handshake's state would enlarge every session's future.
            Box::pin(start_tls_handshake(framed, state, session, op_no)).await;
        } else {
            close::linger(framed).await;
        }
    })
}

/// One connection's loop state.
struct Connection {
    state: Arc<ServerState>,
    /// The limits in force when the connection started.
    limits: Arc<Limits>,
    session: Session,
    op_no: u64,
    source: Source,
    /// When the request being received began to arrive (read_timeout_secs).
    partial: PartialSince,
    out: Out,
    inflight: InFlight,
}

impl Connection {
    /// Read and run requests until the connection ends; true when it ends for a
    /// StartTLS handshake (whose success reply has been queued).
    async fn serve(&mut self) -> bool {
        // Watched for the whole connection, not armed anew for each request: each
        // arming took locks to register and unregister a waiter and a timer.
        let ending = ending(self.out.clone(), self.session.presence.clone());
        tokio::pin!(ending);
        let mut tick = clock_tick();
        loop {
            self.session.presence.touch();
            let idle_clock = self.inflight.is_empty();
            let reader = Reader {
                limits: &self.limits,
                conn: self.session.conn,
                source: &mut self.source,
                partial: &self.partial,
                out: &self.out,
                closed: &self.state.metrics.connections,
                tick: &mut tick,
            };
            let next = tokio::select! {
                m = reader.next_request(idle_clock) => m,
                _ = self.inflight.finish_one() => continue,
                end = &mut ending => match end {
                    // The writer gave up on a client that reads nothing.
                    Ending::WriterGone => None,
                    Ending::Asked(asked) => return self.close_as_asked(asked).await,
                },
            };
            let Some(msg) = next else {
                return false;
            };
            let request = wire::request(msg);
            self.op_no += 1;
            match &request.op {
                Operation::Abandon(id) => self.inflight.abandon(*id),
                // RFC 4511 4.3: unbind ends the session; what runs is abandoned.
                Operation::Unbind => self.inflight.abandon_all(),
                // RFC 4511 4.2.1: a bind waits for what is outstanding.
                Operation::Bind(_) => self.inflight.finish_all().await,
                Operation::Extended(ExtendedRequest::StartTls) if !self.inflight.is_empty() => {
                    self.refuse_starttls(&request).await;
                    continue;
                }
                Operation::Extended(_) => {}
                // Quick and alone: answered right here, without a thread hand-off.
                _ if self.inflight.is_empty() && ops::is_quick(&self.state, &request) => {
                    let effect = self.run_inline(request, false).await;
                    debug_assert_eq!(effect, Effect::None);
                    continue;
                }
                _ => {
                    let (state, session, out) = (&self.state, &self.session, self.out.clone());
                    self.inflight
                        .start(state, session, self.op_no - 1, request, out)
                        .await;
                    continue;
                }
            }
            let blocking = !ops::is_quick(&self.state, &request);
            match self.run_inline(request, blocking).await {
                Effect::None => {}
                Effect::Bound(identity) => self.session.identity = identity,
                Effect::Close => {
                    tracing::info!("conn={} closed (unbind)", self.session.conn);
                    return false;
                }
                Effect::StartTls => return true,
            }
        }
    }

    /// Run a request in this task: one that changes the connection (bind, extended,
    /// unbind, abandon), with nothing else running beside it that could see the
    /// change half made, or a quick one. `blocking`: it may take long (a memory-hard
    /// hash, an fsync), so the worker's other connections move to another thread.
    async fn run_inline(&mut self, request: Request, blocking: bool) -> Effect {
        let id = request.id;
        let (state, session, op_no) = (&self.state, &self.session, self.op_no - 1);
        // A bind awaits its throttle and the hashing pool itself (src/ops/bind.rs).
        let response = if matches!(request.op, Operation::Bind(_)) {
            ops::bind::serve(state, session, op_no, request).await
        } else if blocking {
            tokio::task::block_in_place(|| ops::do_op(state, session, op_no, request))
        } else {
            ops::do_op(state, session, op_no, request)
        };
        let replies = response.replies.into_iter().map(|r| wire::message(id, r));
        if self.out.send_now(replies).await.is_err() {
            return Effect::Close;
        }
        response.effect
    }

    /// Closing on the server's request (full, or shutting down): no new request is
    /// read, running operations have until the deadline, then a Notice of
    /// Disconnection says why.
    async fn close_as_asked(&mut self, asked: CloseRequest) -> bool {
        let conn = self.session.conn;
        let deadline = tokio::time::Instant::from_std(asked.deadline);
        if tokio::time::timeout_at(deadline, self.inflight.finish_all())
            .await
            .is_err()
        {
            tracing::info!("conn={conn} operations abandoned at the close deadline");
        }
        tracing::info!("conn={conn} closed ({})", asked.why);
        let notice = wire::notice_of_disconnection(ResultCode::Unavailable, asked.why);
        let _ = tokio::time::timeout_at(deadline, self.out.send(notice)).await;
        false
    }

    /// RFC 4511 4.14.1: StartTLS while operations are outstanding is an operationsError.
    async fn refuse_starttls(&mut self, request: &Request) {
        let res = OpResult::from(LdapError::new(
            ResultCode::OperationsError,
            "StartTLS refused: operations are outstanding",
        ));
        tracing::info!(
            "conn={} StartTLS refused: operations outstanding",
            self.session.conn
        );
        let reply = Reply::Extended {
            result: res,
            name: Some(wire::OID_STARTTLS.into()),
            value: ExtendedValue::None,
        };
        let _ = self.out.send(wire::message(request.id, reply)).await;
    }
}

/// Why a connection ends other than by its client.
enum Ending {
    /// The writer gave up (the client read nothing for the write timeout).
    WriterGone,
    /// The server asked it to close.
    Asked(CloseRequest),
}

/// Waits for the writer to give up or the server to ask the connection to close.
async fn ending(out: Out, presence: Presence) -> Ending {
    tokio::select! {
        _ = out.closed() => Ending::WriterGone,
        asked = presence.close_requested() => Ending::Asked(asked),
    }
}

/// Once a second, the reader looks at its clocks (idle and read timeouts). Its first
/// tick a second from now: an immediate first tick would still wait for the timer
/// driver's next turn, a millisecond added to the first request.
fn clock_tick() -> tokio::time::Interval {
    let second = Duration::from_secs(1);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + second, second);
    // After a long operation, one look at the clocks, not one per second missed.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// The reading side of a connection, borrowed from it while operations run.
struct Reader<'c> {
    limits: &'c Limits,
    conn: u64,
    source: &'c mut Source,
    partial: &'c PartialSince,
    out: &'c Out,
    /// Where closes by a limit are counted.
    closed: &'c crate::metrics::ConnectionCounters,
    /// The connection's clock tick ([`clock_tick`]).
    tick: &'c mut tokio::time::Interval,
}

impl Reader<'_> {
    /// The next message, or None when the connection is over: closed by the peer,
    /// idle too long (the idle clock runs only while no operation is running), a
    /// request begun but not complete within read_timeout_secs, or something the
    /// framing refused (then with a Notice of Disconnection saying why).
    async fn next_request(self, idle_clock: bool) -> Option<wire::Incoming> {
        let limits = self.limits;
        let idle = Duration::from_secs(limits.idle_timeout_secs.max(1));
        let read = Duration::from_secs(limits.read_timeout_secs.max(1));
        let started = Instant::now();
        // A slow sender's first byte may come at any moment after the wait began, so
        // both clocks are looked at on every tick.
        let conn = self.conn;
        loop {
            tokio::select! {
                next = self.source.next() => return self.received(next).await,
                _ = self.tick.tick() => {}
            }
            let partial = *self.partial.lock().unwrap_or_else(|e| e.into_inner());
            let (code, why) = match partial {
                Some(since) if since.elapsed() >= read => (
                    ResultCode::Unavailable,
                    "request not complete within read_timeout_secs",
                ),
                None if idle_clock && started.elapsed() >= idle => {
                    (ResultCode::Unavailable, "idle timeout")
                }
                _ => continue,
            };
            match partial {
                Some(_) => self.closed.closed_read_timeout.inc(),
                None => self.closed.closed_idle.inc(),
            }
            tracing::info!("conn={conn} closed ({why})");
            let _ = self
                .out
                .send(wire::notice_of_disconnection(code, why))
                .await;
            return None;
        }
    }

    async fn received(
        &self,
        next: Option<Result<wire::Incoming, std::io::Error>>,
    ) -> Option<wire::Incoming> {
        let conn = self.conn;
        match next {
            None => {
                tracing::info!("conn={conn} closed");
                None
            }
            Some(Err(e)) => {
                self.closed.closed_protocol.inc();
                tracing::warn!("conn={conn} closed: malformed message: {e}");
                let why = if e.kind() == std::io::ErrorKind::InvalidData {
                    e.to_string()
                } else {
                    "malformed message".to_string()
                };
                let notice = wire::notice_of_disconnection(ResultCode::ProtocolError, &why);
                let _ = self.out.send(notice).await;
                None
            }
            Some(Ok(msg)) => Some(msg),
        }
    }
}

/// Take the stream out of the codec and run the TLS handshake on it, then go on
/// serving the same session over TLS.
async fn start_tls_handshake(
    framed: Conn,
    state: Arc<ServerState>,
    mut session: Session,
    op_no: u64,
) {
    let parts = framed.into_parts();
    if !parts.read_buf.is_empty() {
        // RFC 4511 4.14.1: nothing may follow StartTLS before the handshake.
        tracing::warn!("conn={} closed: data after StartTLS", session.conn);
        return;
    }
    let Some(acceptor) = state.tls.as_ref().map(|t| t.acceptor()) else {
        return;
    };
    match acceptor.accept(parts.io).await {
        Ok(tls) => {
            tracing::info!("conn={} TLS established", session.conn);
            session.secure = true;
            // RFC 4513 3.1.1: the TLS layer does not change the identity.
            run(Box::new(tls), state, session, op_no).await;
        }
        Err(e) => tracing::warn!("conn={} TLS handshake failed: {e}", session.conn),
    }
}
