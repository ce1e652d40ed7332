//! What every connection shares: the directory, the access policy and the config.

use crate::acl::AccessControl;
use crate::config::Config;
use crate::directory::Directory;
use crate::dn::Dn;

/// Shared server state, behind an Arc in each session.
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
    pub tls: Option<crate::tls::TlsState>,
    /// Networks whose password binds may arrive without TLS.
    pub plaintext_networks: Vec<crate::cidr::Cidr>,
    /// Failed-bind backoff.
    pub throttle: crate::throttle::Throttle,
}

impl ServerState {
    /// Build the state from an opened directory and its configuration.
    pub fn new(dir: Directory, config: Config) -> Result<ServerState, crate::dn::DnError> {
        let rootdn = Dn::parse(&config.rootdn)?;
        // Validated when the config was loaded; an unparsable list here (a config built
        // in code) falls back to the strictest policy: TLS everywhere.
        let plaintext_networks = config.plaintext_networks().unwrap_or_default();
        let throttle = crate::throttle::Throttle::new(config.bind_backoff.clone());
        Ok(ServerState {
            plaintext_networks,
            throttle,
            dir,
            acl: AccessControl::new(rootdn.clone()),
            config,
            rootdn,
            tls: None,
        })
    }
}

/// Per-connection state: who is bound, and where the connection comes from.
#[derive(Debug, Clone)]
pub struct Session {
    /// Connection number, as in slapd's conn= log field.
    pub conn: u64,
    /// Peer address for logs ("IP=127.0.0.1:4711" or "PATH=/run/...").
    pub peer: String,
    /// The bound identity.
    pub identity: crate::acl::Identity,
    /// The peer's IP address; None for a local socket (ldapi://).
    pub peer_ip: Option<std::net::IpAddr>,
    /// Whether the connection is protected by TLS (or is a local socket).
    pub secure: bool,
}

impl ServerState {
    /// May a password (bind or Password Modify) travel on this connection? Yes over
    /// TLS or ldapi://, or from a network listed in `plaintext_bind_networks`.
    pub fn password_transport_ok(&self, session: &Session) -> bool {
        session.secure
            || session
                .peer_ip
                .is_some_and(|ip| self.plaintext_networks.iter().any(|n| n.contains(ip)))
    }

    /// May `who` have `level` access to `target` of the entry `dn`? The one place
    /// operations ask, so the policy can consult the directory (postmaster groups).
    pub fn allowed(
        &self,
        who: &crate::acl::Identity,
        dn: &Dn,
        target: crate::acl::Target<'_>,
        level: crate::acl::AccessLevel,
    ) -> bool {
        self.acl.can(who, dn, target, level)
    }
}
