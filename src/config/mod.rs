//! The TOML configuration, with an embedded default so `mailldap serve` needs no file.
//! The tables (`[limits]`, `[password]`, `[tls]`, `[bind_backoff]`) are in sections.rs,
//! `[replication]` in replication.rs.

mod metrics;
mod replication;
mod sections;
mod syncprov;

pub use metrics::MetricsConfig;
pub use replication::{ReplicationConfig, SyncMode};
pub use sections::{parse_networks, BindBackoff, Limits, PasswordConfig, SchemaCheck, TlsConfig};
pub use syncprov::SyncProv;

use crate::acl::spec::{AclPolicy, LimitsSpec, RuleSpec};
use crate::cidr::{Cidr, CidrError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a configuration could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a wrong type (toml names the key and line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What toml said.
        message: String,
    },
    /// A value that parses but makes no sense.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listener URIs: ldap://host:port (ldaps:// and ldapi:// where supported).
    pub listen: Vec<String>,
    /// Directory holding the store.
    pub data_dir: PathBuf,
    /// MiB of decoded store pages kept in memory (sled's page cache); pages beyond
    /// it are read back from the files (and the OS's page cache) when used. LMDB
    /// reads through the OS's page cache and ignores it.
    pub store_cache_mb: u64,
    /// The engine a new data directory is created with (an existing one opens with
    /// the engine that wrote it).
    pub store_engine: crate::store::EngineKind,
    /// The naming context served.
    pub suffix: String,
    /// The administrator DN, which bypasses access control.
    pub rootdn: String,
    /// The rootdn's password as a hash ({SSHA}, {ARGON2}, ...); none disables rootdn binds.
    pub rootpw: Option<String>,
    /// Accept a `{CLEARTEXT}` rootpw (refused by default: rootpw should be a hash).
    pub rootpw_cleartext: bool,
    /// Source networks (CIDR) whose simple binds with a password, and password
    /// changes, may travel without TLS; others get confidentialityRequired. ldapi://
    /// always counts as secure. `[]` requires TLS everywhere.
    pub plaintext_bind_networks: Vec<String>,
    /// Delays after failed binds.
    pub bind_backoff: BindBackoff,
    /// tracing filter, e.g. "info" or "mailldap=debug"; RUST_LOG overrides it.
    pub log_level: String,
    /// Extra OpenLDAP-format .schema files loaded after the built-in ones.
    pub schema_files: Vec<PathBuf>,
    /// Structural object class rule for entries.
    pub schema_check: SchemaCheck,
    /// Attributes whose values may name one entry only (like slapd's unique overlay).
    pub unique_attributes: Vec<String>,
    /// Refuse to give a deleted account's mailbox path to a new account.
    pub mailbox_guard: bool,
    /// Below `o=<domain>`, a `mail` value must be an address of that domain (or its
    /// catch-all `@domain`) for everyone but the rootdn, so a postmaster cannot
    /// capture another domain's mail.
    pub mail_in_own_domain: bool,
    /// DN-valued attributes kept naming live entries (like slapd's refint overlay):
    /// when an entry is deleted or renamed, the values that name it (or an entry below
    /// it) are removed or rewritten in the same transaction. Always equality-indexed.
    pub referential_integrity: Vec<String>,
    /// Attribute -> index kinds ("eq", "pres", "sub").
    pub indexes: BTreeMap<String, Vec<String>>,
    /// Resource limits.
    pub limits: Limits,
    /// Password hashing and checking.
    pub password: PasswordConfig,
    /// TLS certificate and key.
    pub tls: TlsConfig,
    /// The optional Prometheus listener.
    pub metrics: MetricsConfig,
    /// False: anonymous clients may bind but read nothing (every rule's grant to
    /// anonymous is cut to `auth`); Postfix then needs `bind = yes`.
    pub anonymous_read: bool,
    /// The access rules (`[[acl]]`), first match wins; see docs/ACL.md. A file
    /// without any `[[acl]]` keeps the default policy of config/mailldap.toml.
    pub acl: Vec<RuleSpec>,
    /// The RFC 4533 provider: session log size, persistent search queue.
    pub syncprov: SyncProv,
    /// `[replication]`: follow a provider as a read-only replica (replication.rs).
    pub replication: Option<ReplicationConfig>,
}

/// The shipped configuration file: the article's access policy with comments.
/// `Config::default()` takes its rules from this same text, so the documented
/// example and the built-in policy cannot drift apart.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/mailldap.toml");

/// Only the policy keys of a configuration file (used to read DEFAULT_CONFIG
/// without recursing into `Config::default()`).
#[derive(Deserialize)]
struct PolicyOnly {
    #[serde(default)]
    acl: Vec<RuleSpec>,
    anonymous_read: Option<bool>,
}

fn default_policy() -> (Vec<RuleSpec>, bool) {
    match toml::from_str::<PolicyOnly>(DEFAULT_CONFIG) {
        Ok(p) => (p.acl, p.anonymous_read.unwrap_or(true)),
        // A broken embedded file is caught by the tests; never panic at run time:
        // an empty rule list denies everything but the rootdn.
        Err(e) => {
            tracing::error!("embedded config/mailldap.toml does not parse: {e}");
            (Vec::new(), true)
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        let mut indexes = BTreeMap::new();
        for (attr, kinds) in [
            ("objectClass", vec!["eq", "pres"]),
            ("mail", vec!["eq"]),
            ("maildrop", vec!["eq"]),
            ("mailbox", vec!["eq"]),
            ("uid", vec!["eq"]),
            ("cn", vec!["eq"]),
        ] {
            indexes.insert(
                attr.to_string(),
                kinds.into_iter().map(String::from).collect(),
            );
        }
        let (acl, anonymous_read) = default_policy();
        Config {
            listen: vec!["ldap://127.0.0.1:3389".into()],
            data_dir: PathBuf::from("./mailldap-data"),
            store_cache_mb: crate::store::DEFAULT_CACHE_MB,
            store_engine: crate::store::EngineKind::default(),
            suffix: "dc=myhosting,dc=example".into(),
            rootdn: "cn=Manager,dc=myhosting,dc=example".into(),
            rootpw: None,
            rootpw_cleartext: false,
            plaintext_bind_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            bind_backoff: BindBackoff::default(),
            log_level: "info".into(),
            schema_files: Vec::new(),
            schema_check: SchemaCheck::default(),
            unique_attributes: vec!["mail".into()],
            mailbox_guard: true,
            mail_in_own_domain: true,
            referential_integrity: vec!["roleOccupant".into()],
            indexes,
            limits: Limits::default(),
            password: PasswordConfig::default(),
            tls: TlsConfig::default(),
            metrics: MetricsConfig::default(),
            anonymous_read,
            acl,
            syncprov: SyncProv::default(),
            replication: None,
        }
    }
}

impl Config {
    /// Parse a configuration from TOML text; unknown keys are errors that name the key.
    pub fn from_toml(text: &str, source: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: source.to_string(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Load `path`, or the embedded default when `path` is None.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            None => Ok(Config::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                Config::from_toml(&text, &p.display().to_string())
            }
        }
    }

    /// The parsed `plaintext_bind_networks` (validated when the config was loaded).
    pub fn plaintext_networks(&self) -> Result<Vec<Cidr>, CidrError> {
        parse_networks(&self.plaintext_bind_networks)
    }

    /// The access policy this configuration asks for: rules, anonymous_read and the
    /// search limits, with the suffix and rootdn they refer to.
    pub fn acl_policy(&self) -> AclPolicy {
        AclPolicy {
            rootdn: self.rootdn.clone(),
            suffix: self.suffix.clone(),
            rules: self.acl.clone(),
            anonymous_read: self.anonymous_read,
            limits: LimitsSpec {
                anonymous_size: self.limits.anonymous_size_limit,
                user_size: self.limits.user_size_limit,
                time_secs: self.limits.time_limit_secs,
                by: self.limits.by.clone(),
            },
        }
    }

    /// Whether an unhashed rootpw may be used.
    pub fn rootpw_cleartext_allowed(&self) -> bool {
        self.rootpw_cleartext
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::dn::Dn::parse(&self.suffix)
            .map_err(|e| ConfigError::Invalid(format!("suffix: {e}")))?;
        crate::dn::Dn::parse(&self.rootdn)
            .map_err(|e| ConfigError::Invalid(format!("rootdn: {e}")))?;
        for (attr, kinds) in &self.indexes {
            for k in kinds {
                if !matches!(k.as_str(), "eq" | "pres" | "sub") {
                    return Err(ConfigError::Invalid(format!(
                        "indexes.{attr}: unknown index kind {k:?} (use eq, pres, sub)"
                    )));
                }
            }
        }
        if let Some(pw) = &self.rootpw {
            if !self.rootpw_cleartext && !crate::password::is_hashed(pw.as_bytes()) {
                return Err(ConfigError::Invalid(
                    "rootpw must be a hash such as {SSHA}... or {ARGON2}... (make one with `mailldap hash`); set rootpw_cleartext = true to accept a cleartext value".into(),
                ));
            }
        }
        self.plaintext_networks()
            .map_err(|e| ConfigError::Invalid(format!("plaintext_bind_networks: {e}")))?;
        parse_networks(&self.bind_backoff.address_exempt)
            .map_err(|e| ConfigError::Invalid(format!("bind_backoff.address_exempt: {e}")))?;
        parse_networks(&self.limits.per_address_exempt)
            .map_err(|e| ConfigError::Invalid(format!("limits.per_address_exempt: {e}")))?;
        // Without a schema: attribute names are checked once the server loads one.
        crate::acl::AccessControl::compile(&self.acl_policy(), None)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        self.metrics.validate()?;
        if let Some(r) = &self.replication {
            r.validate()?;
        }
        if self.listen.is_empty() {
            return Err(ConfigError::Invalid(
                "listen: at least one URI is needed".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
