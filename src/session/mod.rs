//! One client connection: framing, per-connection limits, and the state the
//! connection owns (who is bound, whether TLS is on). Each operation returns its
//! replies and an effect (bound as X, start TLS, close) that this loop applies.
//! Searches, compares and writes run concurrently (inflight.rs); bind, StartTLS and
//! unbind wait for them or refuse, as RFC 4511 asks. Replies leave through one
//! writer task (writer.rs), each tagged with its request's message ID.

mod inflight;
mod writer;

use crate::acl::Identity;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::ops::request::{Effect, ExtendedRequest, ExtendedValue, Operation, Reply, Request};
use crate::ops::{self, wire};
use crate::state::ServerState;
use futures::StreamExt;
use inflight::InFlight;
use ldap3_proto::proto::LdapMsg;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::Sender;
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
        }
    }
}

/// A stream the session can run on: TCP, TLS over TCP, or a Unix socket.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

type Conn = Framed<Box<dyn Transport>, wire::Codec>;
type Source = futures::stream::SplitStream<Conn>;

/// Serve one connection until the client unbinds, disconnects, idles out or errs.
pub fn run(
    stream: Box<dyn Transport>,
    state: Arc<ServerState>,
    session: Session,
    first_op: u64,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let limits = &state.config.limits;
        let codec = wire::Codec::new(limits.max_message_bytes, limits.max_ber_depth);
        let (sink, source) = Framed::new(stream, codec).split();
        let (out, writer) = writer::start(sink);
        let mut conn = Connection {
            inflight: InFlight::new(limits.max_operations_per_connection),
            state,
            session,
            op_no: first_op,
            source,
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
        // The writer ends once every sender is gone and what they sent is written.
        let sink = writer.await.ok().flatten();
        if let (true, Some(sink)) = (start_tls, sink) {
            if let Ok(framed) = sink.reunite(source) {
                start_tls_handshake(framed, state, session, op_no).await;
            }
        }
    })
}

/// One connection's loop state.
struct Connection {
    state: Arc<ServerState>,
    session: Session,
    op_no: u64,
    source: Source,
    out: Sender<LdapMsg>,
    inflight: InFlight,
}

impl Connection {
    /// Read and run requests until the connection ends; true when it ends for a
    /// StartTLS handshake (whose success reply has been queued).
    async fn serve(&mut self) -> bool {
        loop {
            let next = tokio::select! {
                m = next_request(&self.state, &self.session, &mut self.source, &self.out, self.inflight.is_empty()) => m,
                _ = self.inflight.finish_one() => continue,
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
                _ => {
                    let (state, session, out) = (&self.state, &self.session, self.out.clone());
                    self.inflight
                        .start(state, session, self.op_no - 1, request, out)
                        .await;
                    continue;
                }
            }
            match self.run_inline(request).await {
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

    /// Run a request that changes the connection (bind, extended, unbind, abandon)
    /// with nothing else running beside it that could see the change half made.
    async fn run_inline(&mut self, request: Request) -> Effect {
        throttle(&self.state, &self.session, &request).await;
        let id = request.id;
        let (state, session, op_no) = (&self.state, &self.session, self.op_no - 1);
        let response = tokio::task::block_in_place(|| ops::do_op(state, session, op_no, request));
        for reply in response.replies {
            if self.out.send(wire::message(id, reply)).await.is_err() {
                return Effect::Close;
            }
        }
        response.effect
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

/// The next message, or None when the connection is over (closed by the peer, idle
/// too long, or sent something the codec refused: then with a Notice of
/// Disconnection). The idle clock runs only while no operation is running.
async fn next_request(
    state: &ServerState,
    session: &Session,
    source: &mut Source,
    out: &Sender<LdapMsg>,
    idle_clock: bool,
) -> Option<wire::Incoming> {
    let idle = Duration::from_secs(state.config.limits.idle_timeout_secs.max(1));
    let next = if idle_clock {
        tokio::time::timeout(idle, source.next()).await
    } else {
        Ok(source.next().await)
    };
    match next {
        Err(_) => {
            tracing::info!("conn={} closed (idle timeout)", session.conn);
            let notice = wire::notice_of_disconnection(ResultCode::Unavailable, "idle timeout");
            let _ = out.send(notice).await;
            None
        }
        Ok(None) => {
            tracing::info!("conn={} closed", session.conn);
            None
        }
        Ok(Some(Err(e))) => {
            tracing::warn!("conn={} closed: malformed message: {e}", session.conn);
            let notice =
                wire::notice_of_disconnection(ResultCode::ProtocolError, "malformed message");
            let _ = out.send(notice).await;
            None
        }
        Ok(Some(Ok(msg))) => Some(msg),
    }
}

/// Failed-bind backoff: an async sleep before a throttled bind, so the worker thread
/// serves other connections meanwhile (see src/throttle.rs).
async fn throttle(state: &ServerState, session: &Session, request: &Request) {
    let Operation::Bind(bind) = &request.op else {
        return;
    };
    let Some(dn) = bind.throttled_dn() else {
        return;
    };
    let dn = ops::bind::throttle_key(dn);
    let wait = state.throttle.delay(&dn, session.peer_ip);
    if !wait.is_zero() {
        tracing::info!(
            "conn={} bind dn=\"{dn}\" from {} delayed {} ms after failed binds",
            session.conn,
            session.peer,
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
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
