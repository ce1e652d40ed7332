//! A raw LDAP client over a TCP socket, encoding with the same codec the server uses:
//! for tests that need what ldap-utils cannot do (pipelining, abandon mid-stream,
//! reading replies out of order).

use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapDerefAliases, LdapFilter, LdapMsg, LdapOp,
    LdapSearchRequest, LdapSearchScope,
};
use ldap3_proto::LdapCodec;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

/// One connection speaking LDAP messages.
pub struct RawClient {
    stream: TcpStream,
    codec: LdapCodec,
    buf: BytesMut,
}

impl RawClient {
    /// Connect to a server on 127.0.0.1:`port`.
    pub fn connect(port: u16) -> RawClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        RawClient::from_stream(stream)
    }

    /// A client over an already connected `stream` (one bound to another source
    /// address, or with small socket buffers).
    pub fn from_stream(stream: TcpStream) -> RawClient {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        RawClient {
            stream,
            codec: LdapCodec::new(Some(64 * 1024 * 1024), None),
            buf: BytesMut::new(),
        }
    }

    /// Wait at most `timeout` for each read from now on (a read that times out panics).
    pub fn set_timeout(&self, timeout: Duration) {
        self.stream
            .set_read_timeout(Some(timeout))
            .expect("timeout");
    }

    /// Send one message without waiting for anything.
    pub fn send(&mut self, msgid: i32, op: LdapOp) {
        self.send_with_controls(msgid, op, Vec::new());
    }

    /// Send one message with request controls, without waiting for anything.
    pub fn send_with_controls(&mut self, msgid: i32, op: LdapOp, controls: Vec<LdapControl>) {
        let mut out = BytesMut::new();
        self.codec
            .encode(LdapMsg::new_with_ctrls(msgid, op, controls), &mut out)
            .expect("encode");
        self.stream.write_all(&out).expect("send");
    }

    /// The next message from the server; None when it closed the connection.
    pub fn recv(&mut self) -> Option<LdapMsg> {
        loop {
            if let Some(msg) = self.codec.decode(&mut self.buf).expect("decode") {
                return Some(msg);
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read: {e}"),
            }
        }
    }
}

/// A simple bind as `dn` with `password`.
pub fn simple_bind(dn: &str, password: &str) -> LdapOp {
    LdapOp::BindRequest(LdapBindRequest {
        version: 3,
        dn: dn.into(),
        cred: LdapBindCred::Simple(password.into()),
    })
}

/// A subtree search under `base` for `filter` (an equality or presence test written
/// as attr=value or attr=*), asking for `attrs`.
pub fn search(base: &str, attr: &str, value: Option<&str>, attrs: &[&str]) -> LdapOp {
    let filter = match value {
        Some(v) => LdapFilter::Equality(attr.into(), v.into()),
        None => LdapFilter::Present(attr.into()),
    };
    LdapOp::SearchRequest(LdapSearchRequest {
        base: base.into(),
        scope: LdapSearchScope::Subtree,
        aliases: LdapDerefAliases::Never,
        sizelimit: 0,
        timelimit: 0,
        typesonly: false,
        filter,
        attrs: attrs.iter().map(|a| a.to_string()).collect(),
    })
}
