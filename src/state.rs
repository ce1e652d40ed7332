//! What every connection shares: the directory, the access policy and the config.
//! The access policy and the limits are swapped whole on SIGHUP: an operation reads
//! the policy once and keeps that one to its end.

use crate::acl::{AccessControl, AclError};
use crate::budget::Budget;
use crate::cidr::Cidr;
use crate::config::{Config, Limits};
use crate::directory::Directory;
use crate::dn::Dn;
use crate::throttle::Throttle;
use crate::tls::TlsState;
use std::sync::{Arc, PoisonError, RwLock};

/// Shared server state, behind an Arc in each connection.
pub struct ServerState {
    /// The directory the operations act on.
    pub dir: Directory,
    /// The access policy in force (see [`ServerState::acl`]).
    acl: RwLock<Arc<AccessControl>>,
    /// The limits in force (see [`ServerState::limits`]).
    limits: RwLock<Arc<Limits>>,
    /// The configuration the server started with. Its access rules and limits may
    /// have been reloaded since: read those through `acl()` and `limits()`.
    pub config: Config,
    /// The parsed rootdn.
    pub rootdn: Dn,
    /// TLS certificate and key, when configured.
    pub tls: Option<TlsState>,
    /// Networks whose password binds may arrive without TLS.
    pub plaintext_networks: Vec<Cidr>,
    /// Failed-bind backoff.
    pub throttle: Throttle,
    /// Memory all connections may hold in partly received large requests.
    pub request_budget: std::sync::Arc<Budget>,
    /// The threads slow password hashes run on (binds, Password Modify, cleartext writes).
    pub hash_pool: std::sync::Arc<crate::password::pool::HashPool>,
    /// The server's counters (operations, connections, throttling).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl ServerState {
    /// Build the state from an opened directory and its configuration.
    /// Fails when the access rules do not compile against the loaded schema (an
    /// attribute in `attrs` that no schema defines), naming the rule.
    pub fn new(dir: Directory, config: Config) -> Result<ServerState, AclError> {
        let acl = AccessControl::compile(&config.acl_policy(), Some(dir.schema()))?;
        let rootdn = acl.rootdn().clone();
        // Validated when the config was loaded; an unparsable list here (a config built
        // in code) falls back to the strictest policy: TLS everywhere.
        let plaintext_networks = config.plaintext_networks().unwrap_or_default();
        let throttle = Throttle::new(config.bind_backoff.clone());
        let request_budget = Budget::new(config.limits.max_buffered_request_bytes);
        let hash_pool = std::sync::Arc::new(crate::password::pool::HashPool::new(
            config.password.pool_settings(),
        ));
        crate::password::pool::install(&hash_pool);
        Ok(ServerState {
            metrics: Arc::default(),
            hash_pool,
            request_budget,
            plaintext_networks,
            throttle,
            dir,
            acl: RwLock::new(Arc::new(acl)),
            limits: RwLock::new(Arc::new(config.limits.clone())),
            config,
            rootdn,
            tls: None,
        })
    }

    /// The access policy in force; hold it for a whole operation, so one operation
    /// is judged by one policy even when SIGHUP swaps it meanwhile.
    pub fn acl(&self) -> Arc<AccessControl> {
        self.acl
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The limits in force; a connection reads them when it starts.
    pub fn limits(&self) -> Arc<Limits> {
        self.limits
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Compile the access policy of `config` against the loaded schema, for the
    /// suffix and rootdn the server started with (those need a restart).
    pub fn compile_acl(&self, config: &Config) -> Result<AccessControl, AclError> {
        let mut policy = config.acl_policy();
        policy.rootdn = self.config.rootdn.clone();
        policy.suffix = self.config.suffix.clone();
        AccessControl::compile(&policy, Some(self.dir.schema()))
    }

    /// Put `acl` in force for the operations that start from now on.
    pub fn set_acl(&self, acl: AccessControl) {
        *self.acl.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(acl);
    }

    /// Put `limits` in force for the connections that start from now on.
    pub fn set_limits(&self, limits: Limits) {
        *self.limits.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(limits);
    }
}
