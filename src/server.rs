//! Listeners (ldap://, ldaps://, ldapi://), the connection limit, and shutdown.

use crate::session;
use crate::state::ServerState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use thiserror::Error;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    /// A listen URI that is not ldap://host:port, ldaps://host:port or ldapi://path.
    #[error("bad listen URI {0:?}: {1}")]
    BadUri(String, String),
    /// Binding the socket failed.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// ldaps:// without `[tls]` cert and key.
    #[error("{0} needs [tls] cert and key in the configuration")]
    NoTls(String),
}

/// A parsed listen URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// Plain LDAP over TCP (StartTLS available when TLS is configured).
    Ldap(SocketAddr),
    /// LDAP over TLS from the first byte.
    Ldaps(SocketAddr),
    /// LDAP over a Unix socket.
    Ldapi(PathBuf),
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse `ldap://127.0.0.1:3389`, `ldaps://[::1]:636`, `ldapi://%2Frun%2Fmailldap.sock`.
pub fn parse_listen(uri: &str) -> Result<ListenAddr, ServerError> {
    let bad = |m: &str| ServerError::BadUri(uri.to_string(), m.to_string());
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| bad("missing scheme"))?;
    let rest = rest.trim_end_matches('/');
    let sock = |default_port: u16| -> Result<SocketAddr, ServerError> {
        let with_port = if rest
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            && !rest.ends_with(']')
        {
            rest.to_string()
        } else {
            format!("{rest}:{default_port}")
        };
        let with_port = with_port.replace("localhost:", "127.0.0.1:");
        with_port
            .parse()
            .map_err(|_| bad("expected an IP address and port"))
    };
    match scheme.to_ascii_lowercase().as_str() {
        "ldap" => Ok(ListenAddr::Ldap(sock(389)?)),
        "ldaps" => Ok(ListenAddr::Ldaps(sock(636)?)),
        "ldapi" => {
            let path = percent_decode(rest);
            if path.is_empty() {
                return Err(bad(
                    "ldapi:// needs a socket path, e.g. ldapi://%2Frun%2Fmailldap.sock",
                ));
            }
            Ok(ListenAddr::Ldapi(PathBuf::from(path)))
        }
        _ => Err(bad("scheme must be ldap, ldaps or ldapi")),
    }
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1000);

/// Bind every listener, then serve until the process is told to stop.
pub async fn serve(state: Arc<ServerState>, uris: &[String]) -> Result<(), ServerError> {
    let limit = Arc::new(Semaphore::new(state.config.limits.max_connections.max(1)));
    let mut tasks = Vec::new();
    for uri in uris {
        match parse_listen(uri)? {
            ListenAddr::Ldap(sa) => {
                tasks.push(start_tcp(&state, &limit, uri, sa, false).await?);
            }
            ListenAddr::Ldaps(sa) => {
                tasks.push(start_tcp(&state, &limit, uri, sa, true).await?);
            }
            ListenAddr::Ldapi(path) => {
                // A stale socket from an earlier run would make bind fail.
                let _ = std::fs::remove_file(&path);
                let listener =
                    UnixListener::bind(&path).map_err(|e| ServerError::Bind(uri.clone(), e))?;
                tracing::info!("listening on {uri}");
                tasks.push(tokio::spawn(accept_unix(
                    listener,
                    state.clone(),
                    limit.clone(),
                )));
            }
        }
    }
    wait_for_shutdown(&state).await;
    for t in tasks {
        t.abort();
    }
    Ok(())
}

async fn start_tcp(
    state: &Arc<ServerState>,
    limit: &Arc<Semaphore>,
    uri: &str,
    sa: SocketAddr,
    tls: bool,
) -> Result<tokio::task::JoinHandle<()>, ServerError> {
    if tls && state.tls.is_none() {
        return Err(ServerError::NoTls(uri.to_string()));
    }
    let listener = TcpListener::bind(sa)
        .await
        .map_err(|e| ServerError::Bind(uri.to_string(), e))?;
    tracing::info!("listening on {uri}");
    Ok(tokio::spawn(accept_tcp(
        listener,
        state.clone(),
        limit.clone(),
        tls,
    )))
}

async fn accept_tcp(
    listener: TcpListener,
    state: Arc<ServerState>,
    limit: Arc<Semaphore>,
    tls: bool,
) {
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            "conn={conn} ACCEPT from IP={peer}{}",
            if tls { " (ldaps)" } else { "" }
        );
        let state = state.clone();
        tokio::spawn(async move {
            let peer_ip = Some(peer.ip());
            if tls {
                let Some(acceptor) = state.tls.as_ref().map(|t| t.acceptor()) else {
                    return;
                };
                let handshake = tokio::time::timeout(
                    std::time::Duration::from_secs(state.config.limits.read_timeout_secs.max(1)),
                    acceptor.accept(stream),
                )
                .await;
                match handshake {
                    Ok(Ok(s)) => {
                        let sess = session::Session::new(conn, format!("IP={peer}"), peer_ip, true);
                        session::run(Box::new(s), state, sess, 0).await;
                    }
                    Ok(Err(e)) => tracing::warn!("conn={conn} TLS handshake failed: {e}"),
                    Err(_) => tracing::warn!("conn={conn} TLS handshake timed out"),
                }
            } else {
                let sess = session::Session::new(conn, format!("IP={peer}"), peer_ip, false);
                session::run(Box::new(stream), state, sess, 0).await;
            }
            drop(permit);
        });
    }
}

async fn accept_unix(listener: UnixListener, state: Arc<ServerState>, limit: Arc<Semaphore>) {
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        tracing::info!("conn={conn} ACCEPT from PATH=ldapi");
        let state = state.clone();
        tokio::spawn(async move {
            // A local socket never crosses the network: it counts as secure.
            let sess = session::Session::new(conn, "PATH=ldapi".into(), None, true);
            session::run(Box::new(stream), state, sess, 0).await;
            drop(permit);
        });
    }
}

async fn wait_for_shutdown(state: &ServerState) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        futures::future::pending::<()>().await;
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                if let Some(tls) = &state.tls {
                    match tls.reload() {
                        Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                        Err(e) => tracing::error!("SIGHUP: TLS reload failed, keeping the old certificate: {e}"),
                    }
                }
            }
        }
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listen_uris() {
        assert_eq!(
            parse_listen("ldap://127.0.0.1:3389").unwrap(),
            ListenAddr::Ldap("127.0.0.1:3389".parse().unwrap())
        );
        assert_eq!(
            parse_listen("ldaps://[::1]:6636").unwrap(),
            ListenAddr::Ldaps("[::1]:6636".parse().unwrap())
        );
        assert_eq!(
            parse_listen("ldapi://%2Frun%2Fmailldap.sock").unwrap(),
            ListenAddr::Ldapi(PathBuf::from("/run/mailldap.sock"))
        );
        assert!(parse_listen("http://x").is_err());
        assert!(parse_listen("ldap://nohost").is_err());
    }
}
