//! Accepting connections: accept first, then decide. Every client is accepted at
//! once; the registry admits it (asking the longest-idle connections to close when
//! the server is full) or refuses it with a Notice of Disconnection saying why, so
//! no client waits unanswered in a queue.

use crate::config::Limits;
use crate::connections::{Admission, Presence, Refused, Registration, Registry};
use crate::session::{self, Session, Transport};
use crate::state::ServerState;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, UnixListener};
use tokio_rustls::server::TlsStream;

/// What every accept loop shares.
#[derive(Clone)]
pub struct Acceptor {
    /// The server state sessions run on.
    pub state: Arc<ServerState>,
    /// The live connections.
    pub registry: Arc<Registry>,
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1000);

/// The admission policy `limits` ask for, with `nofile` open files to spend.
pub fn admission(limits: &Limits, nofile: u64) -> Admission {
    Admission {
        max: super::fd_limit::max_connections(limits.max_connections, nofile),
        per_address: limits.max_connections_per_address,
        // Validated when the config was loaded; a list built in code that does not
        // parse exempts nothing.
        exempt: crate::config::parse_networks(&limits.per_address_exempt).unwrap_or_default(),
    }
}

/// Wait out an accept error: running out of descriptors must not spin the loop.
async fn accept_failed(e: std::io::Error) {
    tracing::warn!("accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

impl Acceptor {
    /// Register connection `conn`; when it is refused, the reason (logged) to tell it.
    fn admit(&self, conn: u64, peer: Option<IpAddr>) -> Result<Registration, String> {
        let counted = &self.state.metrics.connections;
        counted.accepted.inc();
        match self.registry.admit(conn, peer) {
            Ok(registration) => {
                counted.evicted_idle.add(registration.evicted as u64);
                if registration.evicted > 0 {
                    tracing::info!(
                        "conn={conn} server full: {} longest-idle connections asked to close",
                        registration.evicted
                    );
                }
                Ok(registration)
            }
            Err(refused) => {
                match refused {
                    Refused::Address(_) => counted.refused_address.inc(),
                    Refused::Full => counted.refused_full.inc(),
                }
                tracing::info!("conn={conn} refused: {refused}");
                Err(refused.to_string())
            }
        }
    }

    /// Accept TCP clients (ldaps:// when `tls`) until the task is aborted.
    pub async fn tcp(self, listener: TcpListener, tls: bool) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                "conn={conn} ACCEPT from IP={peer}{}",
                if tls { " (ldaps)" } else { "" }
            );
            let admitted = self.admit(conn, Some(peer.ip()));
            tokio::spawn(self.clone().serve_tcp(stream, peer, conn, tls, admitted));
        }
    }

    /// One accepted TCP client. The rare paths (TLS handshake, refusal) are boxed: a
    /// future is as large as its largest state, and inline they made every plain
    /// connection's task tens of kilobytes to allocate and copy.
    async fn serve_tcp(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        conn: u64,
        tls: bool,
        admitted: Result<Registration, String>,
    ) {
        let stream: Box<dyn Transport> = if tls {
            let presence = admitted.as_ref().ok().map(Registration::presence);
            match Box::pin(self.handshake(stream, conn, presence)).await {
                Some(s) => Box::new(s),
                None => return,
            }
        } else {
            Box::new(stream)
        };
        match admitted {
            Ok(registration) => {
                let sess = Session::new(conn, format!("IP={peer}"), Some(peer.ip()), tls);
                self.run(stream, sess, registration).await;
            }
            Err(why) => Box::pin(session::refuse(stream, &self.state, &why)).await,
        }
    }

    /// The TLS handshake of an ldaps:// client, within read_timeout_secs, given up
    /// when the connection is asked to close meanwhile.
    async fn handshake(
        &self,
        stream: TcpStream,
        conn: u64,
        presence: Option<Presence>,
    ) -> Option<TlsStream<TcpStream>> {
        let acceptor = self.state.tls.as_ref()?.acceptor();
        let limit = Duration::from_secs(self.state.limits().read_timeout_secs.max(1));
        let asked = async {
            match presence {
                Some(p) => p.close_requested().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            done = tokio::time::timeout(limit, acceptor.accept(stream)) => match done {
                Ok(Ok(s)) => Some(s),
                Ok(Err(e)) => {
                    tracing::warn!("conn={conn} TLS handshake failed: {e}");
                    None
                }
                Err(_) => {
                    tracing::warn!("conn={conn} TLS handshake timed out");
                    None
                }
            },
            asked = asked => {
                tracing::info!("conn={conn} closed during the TLS handshake ({})", asked.why);
                None
            }
        }
    }

    /// Accept clients on a Unix socket (ldapi://) until the task is aborted.
    pub async fn unix(self, listener: UnixListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            };
            let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
            tracing::info!("conn={conn} ACCEPT from PATH=ldapi");
            let admitted = self.admit(conn, None);
            let this = self.clone();
            tokio::spawn(async move {
                match admitted {
                    Ok(registration) => {
                        // A local socket never crosses the network: it counts as secure.
                        let sess = Session::new(conn, "PATH=ldapi".into(), None, true);
                        this.run(Box::new(stream), sess, registration).await;
                    }
                    Err(why) => session::refuse(Box::new(stream), &this.state, &why).await,
                }
            });
        }
    }

    /// Serve an admitted connection; it leaves the registry when the session ends.
    async fn run(&self, stream: Box<dyn Transport>, mut sess: Session, registration: Registration) {
        sess.presence = registration.presence();
        let _served = self.state.metrics.connections.current.hold();
        session::run(stream, self.state.clone(), sess, 0).await;
        drop(registration);
    }
}
