//! What every connection shares: the directory, the access policy and the config.

use crate::acl::AccessControl;
use crate::budget::Budget;
use crate::cidr::Cidr;
use crate::config::Config;
use crate::directory::Directory;
use crate::dn::Dn;
use crate::throttle::Throttle;
use crate::tls::TlsState;

/// Shared server state, behind an Arc in each connection.
pub struct ServerState {
    /// The directory the operations act on.
    pub dir: Directory,
    /// The access policy.
    pub acl: AccessControl,
    /// The configuration in force.
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
}

impl ServerState {
    /// Build the state from an opened directory and its configuration.
    /// Fails when the access rules do not compile against the loaded schema (an
    /// attribute in `attrs` that no schema defines), naming the rule.
    pub fn new(dir: Directory, config: Config) -> Result<ServerState, crate::acl::AclError> {
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
            hash_pool,
            request_budget,
            plaintext_networks,
            throttle,
            dir,
            acl,
            config,
            rootdn,
            tls: None,
        })
    }
}
