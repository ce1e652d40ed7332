//! The TOML configuration, with an embedded default so `mailldap serve` needs no file.

use crate::acl::spec::{AclPolicy, LimitSpec, LimitsSpec, RuleSpec};
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

/// How strictly entries must follow the schema's structural rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SchemaCheck {
    /// Entries naming no structural class (OpenLDAP 2.0-era LDIF) are accepted.
    #[default]
    Lenient,
    /// RFC 4512: every entry needs exactly one structural object class chain.
    Strict,
}

/// Limits that keep one client from exhausting the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest LDAP message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Deepest BER nesting accepted (filters nest).
    pub max_ber_depth: usize,
    /// Connections served at once (0: as many as the open-file limit allows, a tenth
    /// kept back); past it the longest-idle connections are closed to make room.
    pub max_connections: usize,
    /// Longest DN a request may name, in bytes.
    pub max_dn_bytes: usize,
    /// Most RDNs a DN in a request may have.
    pub max_dn_rdns: usize,
    /// Connections one source address may hold (0: no limit); more are refused with
    /// a Notice of Disconnection.
    pub max_connections_per_address: usize,
    /// Source networks (CIDR) the per-address limit does not apply to: the mail
    /// servers on this host hold many connections each.
    pub per_address_exempt: Vec<String>,
    /// Operations one connection may have running at once; more wait unread.
    pub max_operations_per_connection: usize,
    /// Seconds a connection may stay silent before it is closed.
    pub idle_timeout_secs: u64,
    /// Seconds a request may take to arrive complete once its first byte came.
    pub read_timeout_secs: u64,
    /// Seconds a connection may leave its replies unread before it is closed.
    pub write_timeout_secs: u64,
    /// Bytes all connections together may hold in partly received large requests
    /// (over 64 KiB each); past it the next such request is refused.
    pub max_buffered_request_bytes: usize,
    /// Entries one search may return for anonymous clients (0 = unlimited).
    pub anonymous_size_limit: usize,
    /// Entries one search may return for bound users other than the rootdn.
    pub user_size_limit: usize,
    /// Seconds a search may run for non-root clients.
    pub time_limit_secs: u64,
    /// Per-identity overrides (`[[limits.by]]`), first match wins; the rootdn is unlimited.
    pub by: Vec<LimitSpec>,
    /// Seconds SIGTERM leaves running operations to finish before they are abandoned.
    pub shutdown_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 1024 * 1024,
            max_ber_depth: 64,
            max_connections: 0,
            max_connections_per_address: 256,
            per_address_exempt: vec!["127.0.0.0/8".into(), "::1/128".into()],
            max_operations_per_connection: 32,
            max_dn_bytes: 8192,
            max_dn_rdns: 128,
            idle_timeout_secs: 900,
            read_timeout_secs: 30,
            write_timeout_secs: 60,
            max_buffered_request_bytes: 256 * 1024 * 1024,
            anonymous_size_limit: 500,
            user_size_limit: 5000,
            time_limit_secs: 60,
            by: Vec::new(),
            shutdown_grace_secs: 10,
        }
    }
}

/// How userPassword values are checked and written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordConfig {
    /// Scheme for new hashes: "ARGON2" (default), "SSHA" or "CRYPT" (sha512-crypt).
    pub scheme: String,
    /// Hash cleartext userPassword values written by add and modify.
    pub hash_cleartext: bool,
    /// Accept unhashed stored values when binding (off: they never match).
    pub allow_cleartext: bool,
    /// Argon2id memory in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id passes.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// Threads checking and making slow hashes (0: one per core).
    pub hash_threads: usize,
    /// Slow hashes that may wait for a thread; past it a bind is answered busy at once.
    pub hash_queue: usize,
    /// MiB the slow hashes running at once may need together (argon2's `m=` of each);
    /// a hash needing more runs alone.
    pub hash_memory_mib: u64,
}

impl PasswordConfig {
    /// The hashing pool these settings ask for.
    pub fn pool_settings(&self) -> crate::password::pool::PoolSettings {
        crate::password::pool::PoolSettings {
            threads: self.hash_threads,
            queue: self.hash_queue,
            memory_kib: self.hash_memory_mib.saturating_mul(1024),
        }
    }
}

impl Default for PasswordConfig {
    fn default() -> Self {
        PasswordConfig {
            scheme: "ARGON2".into(),
            hash_cleartext: true,
            allow_cleartext: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hash_threads: 0,
            hash_queue: 256,
            hash_memory_mib: 256,
        }
    }
}

/// Certificate and key for ldaps:// and StartTLS.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain (server certificate first).
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
}

/// How failed binds slow down the next attempt (see src/throttle.rs).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindBackoff {
    /// Delay after the first counted failure, in milliseconds; it doubles with each
    /// further failure. 0 turns the backoff off.
    pub base_ms: u64,
    /// Longest delay, in milliseconds.
    pub max_ms: u64,
    /// Failures older than this many seconds are forgotten.
    pub window_secs: u64,
    /// Failures one source address may have in the window before its binds are
    /// delayed: a mail server binds for all its users, so a few typos from it must not
    /// slow everyone down. Failures for one DN are delayed from the first.
    pub address_grace: u32,
    /// Source networks (CIDR) never delayed per address: the mail servers on this host
    /// bind for every user, and one user's typos must not slow the others. Binds from
    /// them are still delayed per DN.
    pub address_exempt: Vec<String>,
    /// Wrong passwords one DN may have checked per minute, from all connections and
    /// addresses together; attempts past it are answered invalidCredentials unchecked.
    /// 0 turns the budget off.
    pub guesses_per_minute: u32,
    /// Checks one DN may have at once before the per-minute rate applies; half of them
    /// are kept for connections and addresses that have not failed for that DN.
    pub guess_burst: u32,
}

impl Default for BindBackoff {
    fn default() -> Self {
        BindBackoff {
            base_ms: 200,
            max_ms: 10_000,
            window_secs: 300,
            address_grace: 10,
            address_exempt: vec!["127.0.0.0/8".into(), "::1/128".into()],
            guesses_per_minute: 30,
            guess_burst: 20,
        }
    }
}

/// Parse a list of CIDR networks; the error names the first bad one.
pub fn parse_networks(list: &[String]) -> Result<Vec<Cidr>, CidrError> {
    list.iter().map(|n| n.parse()).collect()
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listener URIs: ldap://host:port (ldaps:// and ldapi:// where supported).
    pub listen: Vec<String>,
    /// Directory holding the store.
    pub data_dir: PathBuf,
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
    /// False: anonymous clients may bind but read nothing (every rule's grant to
    /// anonymous is cut to `auth`); Postfix then needs `bind = yes`.
    pub anonymous_read: bool,
    /// The access rules (`[[acl]]`), first match wins; see docs/ACL.md. A file
    /// without any `[[acl]]` keeps the default policy of config/mailldap.toml.
    pub acl: Vec<RuleSpec>,
}

/// The shipped configuration file: the article's access policy with comments.
/// `Config::default()` takes its rules from this same text, so the documented
/// example and the built-in policy cannot drift apart.
pub const DEFAULT_CONFIG: &str = include_str!("../config/mailldap.toml");

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
            anonymous_read,
            acl,
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
        if self.listen.is_empty() {
            return Err(ConfigError::Invalid(
                "listen: at least one URI is needed".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml(
            "listen = [\"ldap://127.0.0.1:1\"]\nlisten_port = 3\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("listen_port"), "{err}");
    }

    #[test]
    fn partial_files_keep_defaults() {
        let c = Config::from_toml("suffix = \"dc=example,dc=org\"\n", "t.toml").unwrap();
        assert_eq!(c.suffix, "dc=example,dc=org");
        assert_eq!(c.listen, vec!["ldap://127.0.0.1:3389".to_string()]);
        assert!(c.indexes.contains_key("mail"));
    }

    #[test]
    fn plaintext_networks_default_to_loopback_and_bad_ones_are_named() {
        let c = Config::default();
        let nets = c.plaintext_networks().unwrap();
        let trusted = |ip: &str| nets.iter().any(|n| n.contains(ip.parse().unwrap()));
        assert!(trusted("127.0.0.1") && trusted("::1"));
        assert!(!trusted("192.0.2.1"));
        let err = Config::from_toml(
            "plaintext_bind_networks = [\"10.0.0.0/8\", \"10.0.0.0/40\"]\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("10.0.0.0/40"), "{err}");
        let old = Config::from_toml("plaintext_binds = \"allow\"\n", "t.toml").unwrap_err();
        assert!(old.to_string().contains("plaintext_binds"));
    }

    #[test]
    fn shipped_file_is_the_default() {
        let shipped = Config::from_toml(DEFAULT_CONFIG, "config/mailldap.toml").unwrap();
        let builtin = Config::default();
        assert!(builtin.acl.len() >= 5, "default policy has rules");
        assert_eq!(shipped.acl, builtin.acl);
        assert_eq!(shipped.anonymous_read, builtin.anonymous_read);
        assert_eq!(shipped.suffix, builtin.suffix);
    }

    #[test]
    fn acl_errors_name_the_rule() {
        let cases = [
            ("[[acl]]\ndn_regex = '(unclosed'\nby = [{ who = \"*\", level = \"read\" }]\n", "dn_regex"),
            ("[[acl]]\nby = [{ who = \"somebody\", level = \"read\" }]\n", "unknown who"),
            ("[[acl]]\nby = [{ who = \"*\", level = \"everything\" }]\n", "unknown level"),
            ("[[acl]]\ndn_subtree = \"dc=example\"\nby = [{ who = \"dn:cn=x,o=${domain}\", level = \"read\" }]\n", "${domain}"),
            ("[[acl]]\nfilter = \"(mail=\"\nby = [{ who = \"*\", level = \"read\" }]\n", "filter"),
        ];
        for (text, want) in cases {
            let toml = format!("[[acl]]\nby = [{{ who = \"*\", level = \"read\" }}]\n{text}");
            let err = Config::from_toml(&toml, "t.toml").unwrap_err().to_string();
            assert!(err.contains("acl rule #2"), "{err}");
            assert!(err.contains(want), "{err}");
        }
        let err = Config::from_toml("[[acl]]\nwhat = 1\nby = []\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("what"), "{err}");
        let err = Config::from_toml(
            "[limits]\n[[limits.by]]\nwho = \"self\"\nsize = 1\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("limits.by #1"), "{err}");
    }

    #[test]
    fn referential_integrity_defaults_to_role_occupant() {
        assert_eq!(
            Config::default().referential_integrity,
            vec!["roleOccupant".to_string()]
        );
        let c = Config::from_toml(
            "referential_integrity = [\"roleOccupant\", \"member\"]\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(c.referential_integrity, vec!["roleOccupant", "member"]);
        let off = Config::from_toml("referential_integrity = []\n", "t.toml").unwrap();
        assert!(off.referential_integrity.is_empty());
    }

    #[test]
    fn bad_index_kind_is_rejected() {
        let err = Config::from_toml("[indexes]\nmail = [\"approx\"]\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("approx"));
    }
}
