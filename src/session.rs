//! One client connection: framing, per-connection limits, and the state the
//! connection owns (who is bound, whether TLS is on). Requests are answered one at
//! a time, in order; each operation returns its replies and an effect (bound as X,
//! start TLS, close) that this loop applies.

use crate::acl::Identity;
use crate::error::ResultCode;
use crate::ops::request::{Effect, Operation, Request};
use crate::ops::{self, wire};
use crate::state::ServerState;
use futures::{SinkExt, StreamExt};
use ldap3_proto::proto::LdapMsg;
use ldap3_proto::LdapCodec;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
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
        }
    }
}

/// A stream the session can run on: TCP, TLS over TCP, or a Unix socket.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

type Conn = Framed<Box<dyn Transport>, LdapCodec>;

/// Serve one connection until the client unbinds, disconnects, idles out or errs.
pub fn run(
    stream: Box<dyn Transport>,
    state: Arc<ServerState>,
    mut session: Session,
    first_op: u64,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let limits = &state.config.limits;
        let codec = LdapCodec::new(Some(limits.max_message_bytes), Some(limits.max_ber_depth));
        let mut framed = Framed::new(stream, codec);
        let mut op_no = first_op;
        loop {
            let Some(msg) = next_request(&state, &session, &mut framed).await else {
                return;
            };
            let request = wire::request(msg);
            throttle(&state, &session, &request).await;
            let id = request.id;
            let response =
                tokio::task::block_in_place(|| ops::do_op(&state, &session, op_no, request));
            op_no += 1;
            for reply in response.replies {
                if framed.feed(wire::message(id, reply)).await.is_err() {
                    return;
                }
            }
            if framed.flush().await.is_err() {
                return;
            }
            match response.effect {
                Effect::None => {}
                Effect::Bound(identity) => session.identity = identity,
                Effect::Close => {
                    tracing::info!("conn={} closed (unbind)", session.conn);
                    return;
                }
                Effect::StartTls => {
                    return start_tls(framed, state.clone(), session, op_no).await;
                }
            }
        }
    })
}

/// The next message, or None when the connection is over (closed by the peer, idle
/// too long, or sent something the codec refused: then with a Notice of Disconnection).
async fn next_request(
    state: &ServerState,
    session: &Session,
    framed: &mut Conn,
) -> Option<LdapMsg> {
    let idle = Duration::from_secs(state.config.limits.idle_timeout_secs.max(1));
    match tokio::time::timeout(idle, framed.next()).await {
        Err(_) => {
            tracing::info!("conn={} closed (idle timeout)", session.conn);
            let notice = wire::notice_of_disconnection(ResultCode::Unavailable, "idle timeout");
            let _ = framed.send(notice).await;
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
            let _ = framed.send(notice).await;
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
async fn start_tls(framed: Conn, state: Arc<ServerState>, mut session: Session, op_no: u64) {
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
