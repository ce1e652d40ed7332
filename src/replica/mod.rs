//! mailldap as a read-only replica of an RFC 4533 provider (slapd's syncprov, or
//! another mailldap): a task of `mailldap serve` when `[replication]` is configured.
//!
//! - `session`: the connection, the bind and the sync search;
//! - `message`: what the provider sends, in the project's types;
//! - `apply`: the refresh and persist stages applied to the directory;
//! - `cookie`: which cookie to resume from, and when one may be stored.
//!
//! Each change is committed with its cookie in one store transaction, so a crash
//! leaves the cookie behind the data, never ahead. After a provider restart or a
//! network error the task reconnects after `retry_secs` with the stored cookie; in
//! refreshOnly mode it refreshes every `interval_secs`. Client writes are refused with
//! a referral to the provider (src/ops/mod.rs).

mod apply;
mod cookie;
mod message;
mod session;
#[cfg(test)]
mod tests;

use crate::config::{ReplicationConfig, SyncMode};
use crate::dn::Dn;
use crate::error::LdapError;
use crate::state::ServerState;
use apply::{Follower, Step};
use cookie::{printable, Cookies};
use session::SyncSession;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// Why a sync session ended early.
#[derive(Debug, Error)]
pub enum ReplicaError {
    /// Connecting, a network error, or the provider gone.
    #[error("connection to the provider: {0}")]
    Connect(ldap3::LdapError),
    /// The bind password file could not be read.
    #[error("bind_password_file: {0}")]
    PasswordFile(std::io::Error),
    /// The provider refused the bind.
    #[error("bind refused: err={0} text={1}")]
    Bind(u32, String),
    /// The provider ended the sync search with an error.
    #[error("sync search ended: err={0} text={1}")]
    Provider(u32, String),
    /// e-syncRefreshRequired: the cookie is too old; a full refresh follows.
    #[error("the provider requires a full refresh (e-syncRefreshRequired)")]
    RefreshRequired,
    /// A message the replica could not understand.
    #[error("protocol: {0}")]
    Protocol(String),
    /// A change the local store refused (schema, store I/O): nothing of it is stored.
    #[error("applying a change: {0}")]
    Apply(LdapError),
}

/// Follow the provider until the server stops (the task is aborted at shutdown).
pub async fn run(state: Arc<ServerState>, config: ReplicationConfig) {
    let base_text = config
        .base
        .clone()
        .unwrap_or_else(|| state.config.suffix.clone());
    let Ok(base) = Dn::parse(&base_text) else {
        tracing::error!("syncrepl: replication.base {base_text:?} is not a DN; not replicating");
        return;
    };
    let stored = match state.dir.sync_cookie() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("syncrepl: cannot read the stored cookie: {e}; not replicating");
            return;
        }
    };
    let mut cookies = Cookies::new(stored);
    let retry = Duration::from_secs(config.retry_secs);
    loop {
        let outcome = sync_once(&state, &config, &base_text, &base, &mut cookies).await;
        let wait = match outcome {
            Ok(()) if config.mode == SyncMode::RefreshOnly => {
                Duration::from_secs(config.interval_secs)
            }
            Ok(()) => {
                tracing::info!(
                    "do_syncrepl: the provider ended the persist stage; reconnecting in {} s",
                    retry.as_secs()
                );
                retry
            }
            Err(ReplicaError::RefreshRequired) => {
                tracing::warn!(
                    "do_syncrepl: cookie {} too old for the provider: full refresh",
                    printable(cookies.current.as_deref())
                );
                cookies.forget();
                Duration::ZERO
            }
            Err(e) => {
                tracing::warn!("do_syncrepl: {e}; retrying in {} s", retry.as_secs());
                retry
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// One session: connect, refresh from the cookie, then (refreshAndPersist) follow
/// the changes until the provider or the network ends it.
async fn sync_once(
    state: &Arc<ServerState>,
    config: &ReplicationConfig,
    base_text: &str,
    base: &Dn,
    cookies: &mut Cookies,
) -> Result<(), ReplicaError> {
    tracing::info!(
        "do_syncrepl: provider={} base=\"{base_text}\" mode={:?} cookie={}",
        config.provider,
        config.mode,
        printable(cookies.current.as_deref())
    );
    let mut session = SyncSession::open(config, base_text, cookies.current.clone()).await?;
    tracing::info!(
        "do_syncrepl: connected to {}, sync search started",
        config.provider
    );
    let mut follower = Follower::new(state.clone(), base.clone(), cookies);
    follower.durable(false).await?;
    let outcome = loop {
        let step = match session.next().await {
            Ok(msg) => follower.handle(msg).await,
            Err(e) => Err(e),
        };
        match step {
            Ok(Step::Continue) => continue,
            Ok(Step::Ended) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    tracing::info!(
        "do_syncrepl: session over, {} changes applied",
        follower.applied()
    );
    // A refresh cut short: what it stored is made durable (its cookie was not stored).
    let outcome = match (outcome, follower.durable(true).await) {
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => Ok(()),
    };
    // A provider that vanished mid-session must not hold the retry up.
    let _ = tokio::time::timeout(Duration::from_secs(2), session.close()).await;
    outcome
}
