//! One client connection: framing, per-connection limits, the bound identity, and
//! the StartTLS upgrade. Requests are answered one at a time, in order.

use crate::acl::Identity;
use crate::ops::{self, Outcome};
use crate::state::{ServerState, Session};
use futures::{SinkExt, StreamExt};
use ldap3_proto::proto::{LdapExtendedResponse, LdapMsg, LdapOp, LdapResult, LdapResultCode};
use ldap3_proto::LdapCodec;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;

/// RFC 4511 4.4.1 Notice of Disconnection.
const OID_NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";

fn notice_of_disconnection(code: LdapResultCode, message: &str) -> LdapMsg {
    LdapMsg::new(
        0,
        LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: LdapResult {
                code,
                matcheddn: String::new(),
                message: message.to_string(),
                referral: Vec::new(),
            },
            name: Some(OID_NOTICE_OF_DISCONNECTION.to_string()),
            value: None,
        }),
    )
}

/// A stream the session can run on: TCP, TLS over TCP, or a Unix socket.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

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
        let idle = Duration::from_secs(limits.idle_timeout_secs.max(1));
        let mut op_no = first_op;
        loop {
            let next = match tokio::time::timeout(idle, framed.next()).await {
                Err(_) => {
                    tracing::info!("conn={} closed (idle timeout)", session.conn);
                    let _ = framed
                        .send(notice_of_disconnection(
                            LdapResultCode::Unavailable,
                            "idle timeout",
                        ))
                        .await;
                    return;
                }
                Ok(None) => {
                    tracing::info!("conn={} closed", session.conn);
                    return;
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!("conn={} closed: malformed message: {e}", session.conn);
                    let _ = framed
                        .send(notice_of_disconnection(
                            LdapResultCode::ProtocolError,
                            "malformed message",
                        ))
                        .await;
                    return;
                }
                Ok(Some(Ok(msg))) => msg,
            };
            if let Some(dn) = ops::bind::throttled_dn(&next.op) {
                // Failed-bind backoff: an async sleep, so the worker thread serves
                // other connections meanwhile (see src/throttle.rs).
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
            let outcome =
                tokio::task::block_in_place(|| ops::dispatch(&state, &mut session, op_no, next));
            op_no += 1;
            match outcome {
                Outcome::Reply(msgs) => {
                    for m in msgs {
                        if framed.feed(m).await.is_err() {
                            return;
                        }
                    }
                    if framed.flush().await.is_err() {
                        return;
                    }
                }
                Outcome::Silent => {}
                Outcome::Close => {
                    tracing::info!("conn={} closed (unbind)", session.conn);
                    return;
                }
                Outcome::StartTls(reply) => {
                    if framed.send(reply).await.is_err() {
                        return;
                    }
                    let parts = framed.into_parts();
                    if !parts.read_buf.is_empty() {
                        // RFC 4511 4.14.1: nothing may follow StartTLS before the handshake.
                        tracing::warn!("conn={} closed: data after StartTLS", session.conn);
                        return;
                    }
                    let Some(acceptor) = crate::tls::acceptor(&state) else {
                        return;
                    };
                    match acceptor.accept(parts.io).await {
                        Ok(tls) => {
                            tracing::info!("conn={} TLS established", session.conn);
                            session.secure = true;
                            // RFC 4513 3.1.1: the TLS layer does not change the identity.
                            return run(Box::new(tls), state.clone(), session, op_no).await;
                        }
                        Err(e) => {
                            tracing::warn!("conn={} TLS handshake failed: {e}", session.conn);
                            return;
                        }
                    }
                }
            }
        }
    })
}

/// A fresh, anonymous session.
pub fn new_session(
    conn: u64,
    peer: String,
    peer_ip: Option<std::net::IpAddr>,
    secure: bool,
) -> Session {
    Session {
        conn,
        peer,
        identity: Identity::Anonymous,
        peer_ip,
        secure,
    }
}
