//! What every connection shares: the directory, the access policy and the config.

use crate::acl::AccessControl;
use crate::config::Config;
use crate::directory::Directory;
use crate::dn::Dn;
use crate::entry::Entry;

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
    /// Fails when the access rules do not compile against the loaded schema (an
    /// attribute in `attrs` that no schema defines), naming the rule.
    pub fn new(dir: Directory, config: Config) -> Result<ServerState, crate::acl::AclError> {
        let acl = AccessControl::compile(&config.acl_policy(), Some(dir.schema()))?;
        let rootdn = acl.rootdn().clone();
        // Validated when the config was loaded; an unparsable list here (a config built
        // in code) falls back to the strictest policy: TLS everywhere.
        let plaintext_networks = config.plaintext_networks().unwrap_or_default();
        let throttle = crate::throttle::Throttle::new(config.bind_backoff.clone());
        Ok(ServerState {
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
        self.with_lookup(|l| self.acl.can(who, dn, None, target, level, l))
    }

    /// Same as `allowed` for an entry the caller holds (a search candidate, an entry
    /// being added), so rules with a filter test that entry without a fetch.
    pub fn allowed_entry(
        &self,
        who: &crate::acl::Identity,
        entry: &Entry,
        target: crate::acl::Target<'_>,
        level: crate::acl::AccessLevel,
    ) -> bool {
        self.with_lookup(|l| self.acl.can(who, &entry.dn, Some(entry), target, level, l))
    }

    /// The policy's view of the directory: entries fetched without access checks
    /// (a read error counts as "no such entry", which never grants anything).
    fn with_lookup<R>(&self, f: impl FnOnce(&crate::acl::Lookup<'_>) -> R) -> R {
        let get = |dn: &Dn| self.dir.get(dn).ok().flatten();
        f(&crate::acl::Lookup {
            schema: Some(self.dir.schema()),
            get: &get,
        })
    }

    /// noSuchObject for `dn` as `who` may learn it: the matchedDN is the deepest
    /// existing ancestor `who` may see (disclose); invisible ancestors are skipped as
    /// if missing, so the error reveals nothing a search would not.
    pub fn no_such_object(&self, who: &crate::acl::Identity, dn: &Dn) -> crate::error::LdapError {
        let mut cur = dn.parent();
        while let Some(d) = cur {
            if d.is_root() || !d.is_within(self.dir.suffix()) {
                break;
            }
            // An invisible ancestor answers as if it did not exist either.
            if matches!(self.dir.get(&d), Ok(Some(_)))
                && self.allowed(
                    who,
                    &d,
                    crate::acl::Target::Entry,
                    crate::acl::AccessLevel::Disclose,
                )
            {
                return crate::error::LdapError::no_such_object(d.to_string());
            }
            cur = d.parent();
        }
        crate::error::LdapError::no_such_object("")
    }

    /// Size and time limits for `who`'s searches.
    pub fn limits_for(&self, who: &crate::acl::Identity) -> crate::acl::IdentityLimits {
        self.acl.limits_for(who)
    }
}
