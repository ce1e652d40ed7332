//! TLS: the rustls acceptor for ldaps:// and StartTLS, built from PEM files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::TlsAcceptor;

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The PEM held nothing usable.
    #[error("{0}: {1}")]
    Pem(PathBuf, String),
    /// rustls refused the pair.
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// The certificate and key in use; SIGHUP swaps in freshly read files.
pub struct TlsState {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<rustls::ServerConfig>>,
}

fn build(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let cert_pem = std::fs::read(cert).map_err(|e| TlsError::Read(cert.to_path_buf(), e))?;
    let key_pem = std::fs::read(key).map_err(|e| TlsError::Read(key.to_path_buf(), e))?;
    let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(cert.to_path_buf(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(
            cert.to_path_buf(),
            "no certificate found".into(),
        ));
    }
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| TlsError::Pem(key.to_path_buf(), e.to_string()))?
        .ok_or_else(|| TlsError::Pem(key.to_path_buf(), "no private key found".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    Ok(Arc::new(config))
}

impl TlsState {
    /// Read the PEM certificate chain and private key.
    pub fn load(cert: &Path, key: &Path) -> Result<TlsState, TlsError> {
        Ok(TlsState {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: RwLock::new(build(cert, key)?),
        })
    }

    /// Re-read the files; on error the old certificate stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = build(&self.cert, &self.key)?;
        if let Ok(mut cur) = self.current.write() {
            *cur = fresh;
        }
        Ok(())
    }

    /// An acceptor for the certificate currently in force.
    pub fn acceptor(&self) -> TlsAcceptor {
        let cfg = match self.current.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        };
        TlsAcceptor::from(cfg)
    }
}
