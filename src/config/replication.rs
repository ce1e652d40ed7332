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

#[cfg(test)]
mod tests {
    use crate::config::{Config, SyncMode};

    fn parse(table: &str) -> Result<Config, String> {
        Config::from_toml(&format!("[replication]\n{table}"), "test").map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_parses_with_its_default() {
        let c = parse("provider = \"ldap://p:389\"").expect("minimal table");
        let r = c.replication.expect("replication");
        assert_eq!(r.mode, SyncMode::RefreshAndPersist);
        assert_eq!((r.interval_secs, r.retry_secs), (60, 10));
        assert!(r.bind_dn.is_empty() && !r.starttls && r.base.is_none());
        assert_eq!(r.password().expect("password"), "");
        let c = parse(
            "provider = \"ldaps://p:636\"\nbind_dn = \"cn=replica,dc=x\"\nbind_password = \"pw\"\n\
             base = \"dc=x\"\nmode = \"refreshOnly\"\ninterval_secs = 5\nretry_secs = 2\nstarttls = true",
        )
        .expect("every key");
        let r = c.replication.expect("replication");
        assert_eq!(r.mode, SyncMode::RefreshOnly);
        assert_eq!(r.password().expect("password"), "pw");
    }

    #[test]
    fn a_password_file_gives_its_first_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "secret\nignored\n").expect("write");
        let c = parse(&format!(
            "provider = \"ldap://p\"\nbind_password_file = {:?}",
            file.display().to_string()
        ))
        .expect("config");
        let r = c.replication.expect("replication");
        assert_eq!(r.password().expect("password"), "secret");
    }

    #[test]
    fn nonsense_is_refused_naming_the_key() {
        for (table, key) in [
            ("provider = \"http://p\"", "provider"),
            (
                "provider = \"ldap://p\"\nbind_password = \"a\"\nbind_password_file = \"/f\"",
                "bind_password",
            ),
            (
                "provider = \"ldap://p\"\nmode = \"refreshOnly\"\ninterval_secs = 0",
                "interval_secs",
            ),
            ("provider = \"ldap://p\"\nretry_secs = 0", "retry_secs"),
            ("provider = \"ldap://p\"\nbase = \"not a dn\"", "base"),
            ("provider = \"ldap://p\"\nmode = \"push\"", "mode"),
            ("provider = \"ldap://p\"\nrid = 1", "rid"),
        ] {
            let err = parse(table).expect_err(table);
            assert!(err.contains(key), "{table}: {err}");
        }
    }
}
