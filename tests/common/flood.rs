//! What the flood and signal tests share: raw connections from a chosen loopback
//! address or with small socket buffers, a tree of large entries whose full search
//! outgrows every buffer, and reading answers and Notices of Disconnection.

use super::wire::RawClient;
use super::{Server, ROOTDN, ROOTPW};
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapDerefAliases, LdapFilter, LdapMsg, LdapOp, LdapResultCode,
    LdapSearchRequest, LdapSearchScope,
};
use std::net::TcpStream;

/// RFC 4511 4.4.1: the responseName of the Notice of Disconnection.
pub const NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";
/// Where the large entries live.
pub const BULK: &str = "ou=bulk,dc=myhosting,dc=example";

/// The soft open-file limit of this test process (what `ulimit -n` says).
pub fn open_file_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    lim.rlim_cur
}

/// A TCP connection to the server from `source` (any 127.x.y.z address is this
/// host), with a receive buffer of `recv_buffer` bytes when given: a client that
/// does not read then stops the server's writes within a few kilobytes.
pub fn connect_from(s: &Server, source: &str, recv_buffer: Option<u32>) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        if let Some(bytes) = recv_buffer {
            socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        }
        socket
            .bind(format!("{source}:0").parse().expect("source"))
            .expect("bind the source address");
        let server = format!("127.0.0.1:{}", s.port).parse().expect("addr");
        socket.connect(server).await.expect("connect")
    });
    let stream = stream.into_std().expect("std stream");
    stream.set_nonblocking(false).expect("blocking");
    stream
}

/// An anonymous root DSE search asking for no attributes: the cheapest request.
pub fn root_dse() -> LdapOp {
    LdapOp::SearchRequest(LdapSearchRequest {
        base: String::new(),
        scope: LdapSearchScope::Base,
        aliases: LdapDerefAliases::Never,
        sizelimit: 0,
        timelimit: 0,
        typesonly: false,
        filter: LdapFilter::Present("objectClass".into()),
        attrs: vec!["1.1".into()],
    })
}

/// Every entry under `BULK`, all attributes: megabytes of answer.
pub fn whole_bulk_tree() -> LdapOp {
    every_attribute(BULK.into(), LdapSearchScope::Subtree)
}

/// Bulk entry `i` alone (a base-scope read), all attributes.
pub fn one_bulk_entry(i: usize) -> LdapOp {
    every_attribute(format!("cn=bulk{i},{BULK}"), LdapSearchScope::Base)
}

/// A search of `scope` at `base` for every entry, all attributes.
fn every_attribute(base: String, scope: LdapSearchScope) -> LdapOp {
    LdapOp::SearchRequest(LdapSearchRequest {
        base,
        scope,
        aliases: LdapDerefAliases::Never,
        sizelimit: 0,
        timelimit: 0,
        typesonly: false,
        filter: LdapFilter::Present("objectClass".into()),
        attrs: vec![],
    })
}

/// Bind `c` as the rootdn (unlimited searches) and wait for the answer.
pub fn bind_root(c: &mut RawClient) {
    c.send(
        1,
        LdapOp::BindRequest(LdapBindRequest {
            version: 3,
            dn: ROOTDN.into(),
            cred: LdapBindCred::Simple(ROOTPW.into()),
        }),
    );
    match c.recv().map(|m| m.op) {
        Some(LdapOp::BindResponse(r)) => assert_eq!(r.res.code, LdapResultCode::Success),
        other => panic!("bind as the rootdn: {other:?}"),
    }
}

/// The message of `msg` if it is a Notice of Disconnection.
pub fn notice(msg: &LdapMsg) -> Option<String> {
    match &msg.op {
        LdapOp::ExtendedResponse(r) if r.name.as_deref() == Some(NOTICE_OF_DISCONNECTION) => {
            Some(r.res.message.clone())
        }
        _ => None,
    }
}

/// How a search ended: its result code and the entries before it, or what the
/// server said instead (a Notice of Disconnection, or "closed").
pub fn search_done(c: &mut RawClient) -> Result<(LdapResultCode, usize), String> {
    let mut entries = 0;
    loop {
        let Some(msg) = c.recv() else {
            return Err("closed".into());
        };
        if let Some(why) = notice(&msg) {
            return Err(why);
        }
        match msg.op {
            LdapOp::SearchResultEntry(_) => entries += 1,
            LdapOp::SearchResultDone(r) => return Ok((r.code, entries)),
            other => panic!("expected a search answer, got {other:?}"),
        }
    }
}

/// A new connection from `source` whose root DSE search succeeds.
pub fn served_from(s: &Server, source: &str) -> RawClient {
    let mut c = RawClient::from_stream(connect_from(s, source, None));
    c.send(1, root_dse());
    assert_eq!(search_done(&mut c), Ok((LdapResultCode::Success, 1)));
    c
}

/// The Notice of Disconnection the server sends next, then the close; its message.
pub fn notice_then_close(c: &mut RawClient) -> String {
    let msg = c
        .recv()
        .expect("a Notice of Disconnection before the close");
    let why = notice(&msg).unwrap_or_else(|| panic!("not a notice: {msg:?}"));
    assert!(c.recv().is_none(), "the server closes after its notice");
    why
}

/// A server over `entries` entries of `value_bytes` each under `BULK`, loaded with
/// `mailldap import`, with `extra` config.
pub fn bulk_server(entries: usize, value_bytes: usize, extra: &str) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ldif = String::from(
        "dn: dc=myhosting,dc=example\nobjectClass: dcObject\nobjectClass: organization\n\
         dc: myhosting\no: myhosting\n\n\
         dn: ou=bulk,dc=myhosting,dc=example\nobjectClass: organizationalUnit\nou: bulk\n\n",
    );
    let value = "x".repeat(value_bytes);
    for i in 0..entries {
        ldif.push_str(&format!(
            "dn: cn=bulk{i},{BULK}\nobjectClass: person\ncn: bulk{i}\nsn: bulk\n\
             description: {value}\n\n"
        ));
    }
    let path = dir.path().join("bulk.ldif");
    std::fs::write(&path, ldif).expect("write LDIF");
    Server::imported(&path, extra)
}

/// Open descriptors of the server process.
pub fn open_files(s: &Server) -> usize {
    let pid = s.pid().expect("server running");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/PID/fd")
        .count()
}
