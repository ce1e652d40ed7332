//! `[replication]`: mailldap as a read-only replica following an RFC 4533 provider
//! (slapd with syncprov, or another mailldap). Without the table the server is a
//! writable master, as before.

use super::ConfigError;
use serde::Deserialize;
use std::path::PathBuf;

/// How the replica follows its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum SyncMode {
    /// One long search: the refresh, then every change as it happens.
    #[default]
    #[serde(rename = "refreshAndPersist")]
    RefreshAndPersist,
    /// A refresh every `interval_secs`, the connection closed in between.
    #[serde(rename = "refreshOnly")]
    RefreshOnly,
}

/// The `[replication]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationConfig {
    /// The provider's URI: ldap://host:port or ldaps://host:port. Client writes are
    /// refused with a referral to it.
    pub provider: String,
    /// The DN the replica binds as (empty: anonymous). It must read every entry and
    /// attribute, userPassword included, and the operational ones.
    #[serde(default)]
    pub bind_dn: String,
    /// Its password.
    #[serde(default)]
    pub bind_password: Option<String>,
    /// A file holding the password (its first line), read at every connection.
    #[serde(default)]
    pub bind_password_file: Option<PathBuf>,
    /// The subtree replicated (default: the server's `suffix`).
    #[serde(default)]
    pub base: Option<String>,
    /// `refreshAndPersist` (the default) or `refreshOnly`.
    #[serde(default)]
    pub mode: SyncMode,
    /// refreshOnly: seconds between the end of one refresh and the next.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// Seconds to wait before reconnecting after an error or a provider restart.
    #[serde(default = "default_retry")]
    pub retry_secs: u64,
    /// Upgrade an ldap:// connection with StartTLS (the certificate is checked
    /// against the system's trust store, as for ldaps://).
    #[serde(default)]
    pub starttls: bool,
}

fn default_interval() -> u64 {
    60
}

fn default_retry() -> u64 {
    10
}

impl ReplicationConfig {
    /// Check what serde cannot: the URI scheme, one password source, the intervals.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(format!("replication.{m}")));
        if !(self.provider.starts_with("ldap://") || self.provider.starts_with("ldaps://")) {
            return invalid("provider: use ldap://host:port or ldaps://host:port");
        }
        if self.bind_password.is_some() && self.bind_password_file.is_some() {
            return invalid("bind_password and bind_password_file: set one of them");
        }
        if let Some(base) = &self.base {
            if let Err(e) = crate::dn::Dn::parse(base) {
                return invalid(&format!("base: {e}"));
            }
        }
        if self.mode == SyncMode::RefreshOnly && self.interval_secs == 0 {
            return invalid("interval_secs: at least 1 in refreshOnly mode");
        }
        if self.retry_secs == 0 {
            return invalid("retry_secs: at least 1");
        }
        Ok(())
    }

    /// The bind password: `bind_password`, the first line of `bind_password_file`,
    /// or empty (anonymous).
    pub fn password(&self) -> std::io::Result<String> {
        match (&self.bind_password, &self.bind_password_file) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(path)) => Ok(std::fs::read_to_string(path)?
                .lines()
                .next()
                .unwrap_or("")
                .to_string()),
            (None, None) => Ok(String::new()),
        }
    }
}
