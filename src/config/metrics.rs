//! `[metrics]`: the optional HTTP listener serving Prometheus text at /metrics, and
//! who besides the rootdn may read the cn=Monitor tree.

use super::ConfigError;
use serde::Deserialize;
use std::net::SocketAddr;

/// Where the metrics are served; off unless `listen` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// `HOST:PORT` for `GET /metrics` (e.g. "127.0.0.1:9330"); none: no listener.
    /// The page tells anyone who can reach it how busy the server is and how many
    /// binds fail: keep it on loopback or a monitoring network.
    pub listen: Option<String>,
    /// DNs that may read cn=Monitor besides the rootdn (e.g. a monitoring account);
    /// to everyone else it does not exist (noSuchObject).
    pub monitor_readers: Vec<String>,
}

impl MetricsConfig {
    /// Check the address and the readers' DNs.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        self.readers()?;
        Ok(())
    }

    /// The parsed `monitor_readers`.
    pub fn readers(&self) -> Result<Vec<crate::dn::Dn>, ConfigError> {
        let parse = |dn: &String| {
            crate::dn::Dn::parse(dn)
                .map_err(|e| ConfigError::Invalid(format!("metrics.monitor_readers: {dn:?}: {e}")))
        };
        self.monitor_readers.iter().map(parse).collect()
    }

    /// The address to listen on, if any.
    pub fn listen_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let Some(listen) = &self.listen else {
            return Ok(None);
        };
        let with_ip = listen.replace("localhost:", "127.0.0.1:");
        with_ip.parse().map(Some).map_err(|_| {
            ConfigError::Invalid(format!(
                "metrics.listen: {listen:?} is not an IP address and port such as \"127.0.0.1:9330\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn off_by_default_and_bad_addresses_are_named() {
        assert_eq!(Config::default().metrics.listen_addr().unwrap(), None);
        let c = Config::from_toml("[metrics]\nlisten = \"127.0.0.1:9330\"\n", "t.toml").unwrap();
        assert_eq!(
            c.metrics.listen_addr().unwrap(),
            Some("127.0.0.1:9330".parse().unwrap())
        );
        let err = Config::from_toml("[metrics]\nlisten = \"nowhere\"\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("metrics.listen"), "{err}");
        let err =
            Config::from_toml("[metrics]\nmonitor_readers = [\"x\"]\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("monitor_readers"), "{err}");
        let err = Config::from_toml("[metrics]\npath = \"/m\"\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("path"), "{err}");
    }
}
