//! Listen URIs (ldap://, ldaps://, ldapi://) and the sockets bound for them.

use super::ServerError;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::{TcpListener, TcpSocket, UnixListener};

/// Connections the kernel may hold completed before they are accepted (it caps this
/// at net.core.somaxconn): a burst of clients waits there, not in SYN retries.
const BACKLOG: u32 = 4096;

/// A parsed listen URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// Plain LDAP over TCP (StartTLS available when TLS is configured).
    Ldap(SocketAddr),
    /// LDAP over TLS from the first byte.
    Ldaps(SocketAddr),
    /// LDAP over a Unix socket.
    Ldapi(PathBuf),
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse `ldap://127.0.0.1:3389`, `ldaps://[::1]:636`, `ldapi://%2Frun%2Fmailldap.sock`.
pub fn parse_listen(uri: &str) -> Result<ListenAddr, ServerError> {
    let bad = |m: &str| ServerError::BadUri(uri.to_string(), m.to_string());
    let (scheme, rest) = uri.split_once("://").ok_or_else(|| bad("missing scheme"))?;
    let rest = rest.trim_end_matches('/');
    let sock = |default_port: u16| -> Result<SocketAddr, ServerError> {
        let with_port = if rest
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            && !rest.ends_with(']')
        {
            rest.to_string()
        } else {
            format!("{rest}:{default_port}")
        };
        let with_port = with_port.replace("localhost:", "127.0.0.1:");
        with_port
            .parse()
            .map_err(|_| bad("expected an IP address and port"))
    };
    match scheme.to_ascii_lowercase().as_str() {
        "ldap" => Ok(ListenAddr::Ldap(sock(389)?)),
        "ldaps" => Ok(ListenAddr::Ldaps(sock(636)?)),
        "ldapi" => {
            let path = percent_decode(rest);
            if path.is_empty() {
                return Err(bad(
                    "ldapi:// needs a socket path, e.g. ldapi://%2Frun%2Fmailldap.sock",
                ));
            }
            Ok(ListenAddr::Ldapi(PathBuf::from(path)))
        }
        _ => Err(bad("scheme must be ldap, ldaps or ldapi")),
    }
}

/// Listen on `sa` with a deep backlog (tokio's own bind asks for 1024).
pub fn bind_tcp(uri: &str, sa: SocketAddr) -> Result<TcpListener, ServerError> {
    let bind = || -> std::io::Result<TcpListener> {
        let socket = if sa.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(sa)?;
        socket.listen(BACKLOG)
    };
    bind().map_err(|e| ServerError::Bind(uri.to_string(), e))
}

/// Listen on the Unix socket `path`, replacing a stale one from an earlier run.
pub fn bind_unix(uri: &str, path: &std::path::Path) -> Result<UnixListener, ServerError> {
    let _ = std::fs::remove_file(path);
    UnixListener::bind(path).map_err(|e| ServerError::Bind(uri.to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listen_uris() {
        assert_eq!(
            parse_listen("ldap://127.0.0.1:3389").unwrap(),
            ListenAddr::Ldap("127.0.0.1:3389".parse().unwrap())
        );
        assert_eq!(
            parse_listen("ldaps://[::1]:6636").unwrap(),
            ListenAddr::Ldaps("[::1]:6636".parse().unwrap())
        );
        assert_eq!(
            parse_listen("ldapi://%2Frun%2Fmailldap.sock").unwrap(),
            ListenAddr::Ldapi(PathBuf::from("/run/mailldap.sock"))
        );
        assert!(parse_listen("http://x").is_err());
        assert!(parse_listen("ldap://nohost").is_err());
    }
}
