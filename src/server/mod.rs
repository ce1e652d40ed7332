//! Listeners (ldap://, ldaps://, ldapi://), admission of connections, and the
//! signals: SIGHUP reloads, SIGTERM and SIGINT shut down gracefully.

mod accept;
mod fd_limit;
mod listen;
mod reload;

pub use listen::{parse_listen, ListenAddr};
pub use reload::LoadConfig;

use crate::connections::{Registry, EVICTION_GRACE};
use crate::state::ServerState;
use accept::Acceptor;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

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

/// Bind every listener, then serve until SIGTERM or SIGINT; `load` reads the
/// configuration again on SIGHUP. Shutdown stops accepting, gives running operations
/// shutdown_grace_secs, tells every client with a Notice of Disconnection and makes
/// the store durable before it returns.
pub async fn serve(
    state: Arc<ServerState>,
    uris: &[String],
    load: LoadConfig,
) -> Result<(), ServerError> {
    let nofile = fd_limit::raise();
    let admission = accept::admission(&state.limits(), nofile);
    tracing::info!(
        "serving up to {} connections ({} per address)",
        admission.max,
        admission.per_address
    );
    let acceptor = Acceptor {
        state: state.clone(),
        registry: Registry::new(admission),
    };
    let mut tasks = Vec::new();
    tasks.extend(metrics_listener(&state)?);
    let mut sockets: Vec<PathBuf> = Vec::new();
    for uri in uris {
        let task = match parse_listen(uri)? {
            ListenAddr::Ldap(sa) => {
                let listener = listen::bind_tcp(uri, sa)?;
                tokio::spawn(acceptor.clone().tcp(listener, false))
            }
            ListenAddr::Ldaps(sa) => {
                if state.tls.is_none() {
                    return Err(ServerError::NoTls(uri.to_string()));
                }
                let listener = listen::bind_tcp(uri, sa)?;
                tokio::spawn(acceptor.clone().tcp(listener, true))
            }
            ListenAddr::Ldapi(path) => {
                let listener = listen::bind_unix(uri, &path)?;
                sockets.push(path);
                tokio::spawn(acceptor.clone().unix(listener))
            }
        };
        tracing::info!("listening on {uri}");
        tasks.push(task);
    }
    // A replica follows its provider beside the listeners (src/replica/).
    if let Some(replication) = state.config.replication.clone() {
        tasks.push(tokio::spawn(crate::replica::run(
            state.clone(),
            replication,
        )));
    }
    let reloader = reload::Reloader {
        state: &state,
        registry: &acceptor.registry,
        load: &load,
        nofile,
    };
    wait_for_shutdown(&reloader).await;
    for t in tasks {
        t.abort();
    }
    for path in sockets {
        let _ = std::fs::remove_file(path);
    }
    drain(&state, &acceptor.registry).await;
    Ok(())
}

/// Start the `[metrics]` listener, when one is configured.
fn metrics_listener(
    state: &Arc<ServerState>,
) -> Result<Option<tokio::task::JoinHandle<()>>, ServerError> {
    let listen = state.config.metrics.listen.clone().unwrap_or_default();
    let addr = match state.config.metrics.listen_addr() {
        Ok(Some(addr)) => addr,
        Ok(None) => return Ok(None),
        Err(e) => return Err(ServerError::BadUri(listen, e.to_string())),
    };
    let listener = listen::bind_tcp(&listen, addr)?;
    let exporter = crate::metrics::http::Exporter {
        metrics: state.metrics.clone(),
        pool: state.hash_pool.clone(),
    };
    tracing::info!("metrics on http://{addr}/metrics");
    Ok(Some(tokio::spawn(crate::metrics::http::serve(
        listener, exporter,
    ))))
}

/// Ask every connection to close within shutdown_grace_secs, wait for them (and
/// their polite close), then make the store durable.
async fn drain(state: &ServerState, registry: &Registry) {
    let grace = Duration::from_secs(state.limits().shutdown_grace_secs);
    let deadline = Instant::now() + grace;
    tracing::info!(
        "shutting down: {} connections get {} s to finish",
        registry.len(),
        grace.as_secs()
    );
    registry.close_all("server shutting down", deadline);
    // A closed session still lingers a moment reading what its client sends.
    let gone = registry.emptied(deadline + EVICTION_GRACE * 2).await;
    if !gone {
        tracing::warn!(
            "shutting down with {} connections still open",
            registry.len()
        );
    }
    match state.dir.flush() {
        Ok(()) => tracing::info!("store flushed, exiting"),
        Err(e) => tracing::error!("flushing the store at shutdown failed: {e}"),
    }
}

/// Handle signals until SIGTERM or SIGINT: SIGHUP reloads.
async fn wait_for_shutdown(reloader: &reload::Reloader<'_>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers; serving until killed");
        futures::future::pending::<()>().await;
        return;
    };
    // What the file says now, which is what is in force (the config in the state may
    // carry what `serve` added, such as --demo's generated rootpw).
    let mut current = (reloader.load)().unwrap_or_else(|_| reloader.state.config.clone());
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => reloader.reload(&mut current),
        }
    }
}
