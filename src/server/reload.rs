//! SIGHUP: reload what can change without a restart (the TLS certificate, the
//! access rules, the limits) and log what changed. A configuration that does not
//! load, or whose rules do not compile, changes nothing and the log says why.

use super::accept::admission;
use crate::config::{Config, ConfigError, Limits};
use crate::connections::Registry;
use crate::state::ServerState;
use std::fmt::Debug;

/// Reads the configuration again (the file `serve` was started with, with the same
/// command-line overrides).
pub type LoadConfig = Box<dyn Fn() -> Result<Config, ConfigError> + Send + Sync>;

/// What the server reloads into, and what it is told.
pub struct Reloader<'a> {
    /// The state whose policy and limits are swapped.
    pub state: &'a ServerState,
    /// The registry whose admission policy follows the limits.
    pub registry: &'a Registry,
    /// How to read the configuration again.
    pub load: &'a LoadConfig,
    /// Open files the process may have (the connection limit's ceiling).
    pub nofile: u64,
}

impl Reloader<'_> {
    /// Reload; `current` is the configuration in force and becomes the new one when
    /// it loads.
    pub fn reload(&self, current: &mut Config) {
        if let Some(tls) = &self.state.tls {
            match tls.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                Err(e) => {
                    tracing::error!("SIGHUP: TLS reload failed, keeping the old certificate: {e}")
                }
            }
        }
        let fresh = match (self.load)() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("SIGHUP: configuration not reloaded, the old one stays: {e}");
                return;
            }
        };
        let acl = match self.state.compile_acl(&fresh) {
            Ok(acl) => acl,
            Err(e) => {
                tracing::error!("SIGHUP: configuration not reloaded, the old one stays: {e}");
                return;
            }
        };
        let mut changes = policy_changes(current, &fresh);
        changes.extend(limits_changes(&current.limits, &fresh.limits));
        if changes.is_empty() {
            tracing::info!("SIGHUP: configuration reloaded, nothing changed");
        }
        for change in &changes {
            tracing::info!("SIGHUP: {change}");
        }
        let restart = restart_only_changes(current, &fresh);
        if !restart.is_empty() {
            tracing::warn!(
                "SIGHUP: changed, but in force only after a restart: {}",
                restart.join(", ")
            );
        }
        self.state.set_acl(acl);
        self.state.set_limits(fresh.limits.clone());
        self.registry
            .set_policy(admission(&fresh.limits, self.nofile));
        *current = fresh;
    }
}

/// One line per changed value, `name old -> new`.
#[derive(Default)]
struct Changes(Vec<String>);

impl Changes {
    fn note(&mut self, name: &str, old: &dyn Debug, new: &dyn Debug) {
        let (old, new) = (format!("{old:?}"), format!("{new:?}"));
        if old != new {
            self.0.push(format!("{name} {old} -> {new}"));
        }
    }
}

fn policy_changes(old: &Config, new: &Config) -> Vec<String> {
    let mut c = Changes::default();
    if old.acl != new.acl {
        c.0.push(format!(
            "access rules replaced ({} rules, were {})",
            new.acl.len(),
            old.acl.len()
        ));
    }
    c.note("anonymous_read", &old.anonymous_read, &new.anonymous_read);
    c.0
}

fn limits_changes(old: &Limits, new: &Limits) -> Vec<String> {
    let mut c = Changes::default();
    macro_rules! note {
        ($($field:ident),*) => {
            $(c.note(concat!("limits.", stringify!($field)), &old.$field, &new.$field);)*
        };
    }
    note!(
        max_message_bytes,
        max_ber_depth,
        max_connections,
        max_connections_per_address,
        per_address_exempt,
        max_operations_per_connection,
        idle_timeout_secs,
        read_timeout_secs,
        write_timeout_secs,
        anonymous_size_limit,
        user_size_limit,
        time_limit_secs,
        by,
        shutdown_grace_secs
    );
    if c.0.is_empty() && format!("{old:?}") != format!("{new:?}") {
        c.0.push("other [limits] keys changed".into());
    }
    c.0
}

/// The keys that changed but are read only at start.
fn restart_only_changes(old: &Config, new: &Config) -> Vec<&'static str> {
    let mut names = Vec::new();
    macro_rules! restart {
        ($($field:ident).+) => {
            if format!("{:?}", old.$($field).+) != format!("{:?}", new.$($field).+) {
                names.push(stringify!($($field).+));
            }
        };
    }
    restart!(listen);
    restart!(data_dir);
    restart!(suffix);
    restart!(rootdn);
    restart!(rootpw);
    restart!(rootpw_cleartext);
    restart!(plaintext_bind_networks);
    restart!(bind_backoff);
    restart!(log_level);
    restart!(schema_files);
    restart!(schema_check);
    restart!(unique_attributes);
    restart!(mailbox_guard);
    restart!(mail_in_own_domain);
    restart!(indexes);
    restart!(password);
    restart!(tls);
    restart!(metrics);
    restart!(replication);
    restart!(limits.max_buffered_request_bytes);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_named() {
        let old = Config::default();
        let mut new = old.clone();
        new.limits.idle_timeout_secs = 60;
        new.limits.max_connections_per_address = 8;
        new.anonymous_read = false;
        new.acl.pop();
        new.suffix = "dc=other".into();
        let policy = policy_changes(&old, &new);
        assert_eq!(policy.len(), 2, "{policy:?}");
        assert!(policy[0].starts_with("access rules replaced"), "{policy:?}");
        assert_eq!(policy[1], "anonymous_read true -> false");
        assert_eq!(
            limits_changes(&old.limits, &new.limits),
            [
                "limits.max_connections_per_address 256 -> 8",
                "limits.idle_timeout_secs 900 -> 60"
            ]
        );
        assert_eq!(restart_only_changes(&old, &new), ["suffix"]);
        assert!(restart_only_changes(&old, &old).is_empty());
    }
}
