//! One sync session with the provider: connect (StartTLS when asked), bind, and run
//! the sync search (RFC 4533: the Sync Request control with the stored cookie, every
//! user and operational attribute asked for), handing out its messages one by one.

use super::message::{self, SyncMessage};
use super::ReplicaError;
use crate::config::{ReplicationConfig, SyncMode};
use ldap3::controls::{MakeCritical, RefreshMode, SyncRequest};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchStream};
use std::time::Duration;

/// How long connecting and binding may take before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The attributes asked for: all user attributes and all operational ones, so that
/// entryUUID, entryCSN, the timestamps and creatorsName/modifiersName arrive.
fn wanted_attributes() -> Vec<String> {
    vec!["*".to_string(), "+".to_string()]
}

/// A running sync search.
pub struct SyncSession {
    ldap: Ldap,
    stream: SearchStream<'static, String, Vec<String>>,
    finished: bool,
}

impl SyncSession {
    /// Connect to the provider, bind, and start the sync search of `base` from
    /// `cookie` (None: a full refresh).
    pub async fn open(
        config: &ReplicationConfig,
        base: &str,
        cookie: Option<Vec<u8>>,
    ) -> Result<SyncSession, ReplicaError> {
        let settings = LdapConnSettings::new()
            .set_conn_timeout(CONNECT_TIMEOUT)
            .set_starttls(config.starttls);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &config.provider)
            .await
            .map_err(ReplicaError::Connect)?;
        ldap3::drive!(conn);
        if !config.bind_dn.is_empty() {
            let password = config.password().map_err(ReplicaError::PasswordFile)?;
            let res = ldap
                .with_timeout(CONNECT_TIMEOUT)
                .simple_bind(&config.bind_dn, &password)
                .await
                .map_err(ReplicaError::Connect)?;
            if res.rc != 0 {
                return Err(ReplicaError::Bind(res.rc, res.text));
            }
        }
        let request = SyncRequest {
            mode: match config.mode {
                SyncMode::RefreshAndPersist => RefreshMode::RefreshAndPersist,
                SyncMode::RefreshOnly => RefreshMode::RefreshOnly,
            },
            cookie,
            reload_hint: false,
        };
        let stream = ldap
            .with_controls(request.critical())
            .streaming_search(base, Scope::Subtree, "(objectClass=*)", wanted_attributes())
            .await
            .map_err(ReplicaError::Connect)?;
        Ok(SyncSession {
            ldap,
            stream,
            finished: false,
        })
    }

    /// The next message; after [`SyncMessage::Done`] the session is over.
    pub async fn next(&mut self) -> Result<SyncMessage, ReplicaError> {
        if self.finished {
            return Err(ReplicaError::Protocol("sync search already ended".into()));
        }
        match self.stream.next().await.map_err(ReplicaError::Connect)? {
            Some(re) => message::from_result_entry(re),
            None => {
                self.finished = true;
                message::from_result(self.stream.finish().await)
            }
        }
    }

    /// Leave politely: abandon a search still running, then unbind.
    pub async fn close(mut self) {
        if !self.finished {
            let id = self.stream.ldap_handle().last_id();
            let _ = self.stream.finish().await;
            let _ = self.ldap.abandon(id).await;
        }
        let _ = self.ldap.unbind().await;
    }
}
