//! The configuration's tables: schema checking, resource limits, password hashing,
//! TLS files and the failed-bind backoff, each with its defaults.

use crate::acl::spec::LimitSpec;
use crate::cidr::{Cidr, CidrError};
use serde::Deserialize;
use std::path::PathBuf;

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
