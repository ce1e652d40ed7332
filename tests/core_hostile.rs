//! Hostile clients end their own connection, never the server; the `[limits]` section
//! does what config.rs and README.md say: messages over max_message_bytes are refused
//! without being buffered, and silent connections are closed after idle_timeout_secs.
//! (Past max_connections the longest-idle ones are closed: tests/security_floods.rs.)

mod common;
use common::*;
use ldap3_proto::proto::{LdapMsg, LdapOp, LdapResultCode};
use ldap3_proto::LdapCodec;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

/// RFC 4511 4.4.1: the responseName of the Notice of Disconnection.
const NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";
/// The longest the tests wait for the server to answer or to close.
const PATIENCE: Duration = Duration::from_secs(10);

/// A bare LDAP connection over std's TcpStream: the test writes exactly the bytes it
/// means and sees when (and whether) the server answers or closes.
struct RawClient {
    stream: TcpStream,
    codec: LdapCodec,
    /// Received bytes not decoded yet.
    pending: BytesMut,
}

impl RawClient {
    fn connect(s: &Server) -> RawClient {
        let stream = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
        RawClient {
            stream,
            codec: LdapCodec::default(),
            pending: BytesMut::new(),
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to the server");
    }

    fn send(&mut self, msg: LdapMsg) {
        let mut out = BytesMut::new();
        self.codec.encode(msg, &mut out).expect("encode");
        self.write_raw(&out);
    }

    /// The next message, or the read error: `WouldBlock`/`TimedOut` when nothing came
    /// within `timeout`, `UnexpectedEof` when the server closed.
    fn recv(&mut self, timeout: Duration) -> std::io::Result<LdapMsg> {
        self.stream.set_read_timeout(Some(timeout))?;
        loop {
            if let Some(msg) = self.codec.decode(&mut self.pending)? {
                return Ok(msg);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk)? {
                0 => return Err(ErrorKind::UnexpectedEof.into()),
                n => self.pending.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads until the server closes the connection (EOF) and returns the messages it
    /// sent first; panics if the connection is still open after `PATIENCE`.
    fn read_until_closed(&mut self) -> Vec<LdapMsg> {
        let mut got = Vec::new();
        loop {
            match self.recv(PATIENCE) {
                Ok(msg) => got.push(msg),
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return got,
                Err(e) => panic!("the server did not close the connection: {e}"),
            }
        }
    }
}

/// The result code of the Notice of Disconnection among `msgs`, if there is one.
fn notice_code(msgs: &[LdapMsg]) -> Option<LdapResultCode> {
    msgs.iter().find_map(|m| match &m.op {
        LdapOp::ExtendedResponse(r) if r.name.as_deref() == Some(NOTICE_OF_DISCONNECTION) => {
            Some(r.res.code.clone())
        }
        _ => None,
    })
}

/// The root DSE search of tests/common/flood.rs as message `id`.
fn root_dse_search(id: i32) -> LdapMsg {
    LdapMsg::new(id, common::flood::root_dse())
}

/// Reads the answer to a search up to its SearchResultDone, which must be a success;
/// panics if it does not come within `timeout`.
fn await_search_done(c: &mut RawClient, timeout: Duration, what: &str) {
    loop {
        match c.recv(timeout) {
            Ok(LdapMsg {
                op: LdapOp::SearchResultEntry(_),
                ..
            }) => {}
            Ok(LdapMsg {
                op: LdapOp::SearchResultDone(r),
                ..
            }) => {
                assert_eq!(r.code, LdapResultCode::Success, "{what}");
                return;
            }
            other => panic!("{what}: expected a search answer, got {other:?}"),
        }
    }
}

fn server_still_answers(s: &Server) {
    s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"])
        .ok();
}

#[test]
fn garbage_gets_a_notice_of_disconnection_and_the_server_lives() {
    let mut s = Server::demo();
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(PATIENCE)).unwrap();
    // A SEQUENCE holding an INTEGER then nonsense tags.
    c.write_all(&[0x30, 0x06, 0x02, 0x01, 0x01, 0xff, 0x01, 0x00])
        .unwrap();
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    let notice = NOTICE_OF_DISCONNECTION.as_bytes();
    assert!(
        buf.windows(notice.len()).any(|w| w == notice),
        "notice of disconnection: {buf:?}"
    );
    assert!(s.alive());
    server_still_answers(&s);
}

#[test]
fn oversized_message_is_refused_without_allocating_it() {
    const LIMIT: usize = 4096;
    /// The length the message claims: 1 GiB.
    const DECLARED: u32 = 1 << 30;
    /// What the server may gain meanwhile (buffers, allocator noise), in kB.
    const SLACK_KIB: u64 = 16 * 1024;
    let mut s = Server::start_with(&format!("[limits]\nmax_message_bytes = {LIMIT}\n"), true);
    server_still_answers(&s);
    let (rss, peak_rss, peak_vm) = (
        s.status_kib("VmRSS"),
        s.status_kib("VmHWM"),
        s.status_kib("VmPeak"),
    );

    let mut c = RawClient::connect(&s);
    // A SEQUENCE whose 4-byte length says 1 GiB, then three limits' worth of it: the
    // server refuses it from the header alone and drains the rest before it closes, so
    // the close is a clean EOF and the notice is not lost to a reset.
    let mut message = vec![0x30, 0x84];
    message.extend_from_slice(&DECLARED.to_be_bytes());
    message.resize(message.len() + 3 * LIMIT, 0);
    c.write_raw(&message);
    let sent = c.read_until_closed();
    assert_eq!(
        notice_code(&sent),
        Some(LdapResultCode::ProtocolError),
        "a Notice of Disconnection (protocolError) before the close: {sent:?}"
    );
    s.wait_log("closed: malformed message", 1);
    let log = s.log();
    let line = log
        .lines()
        .find(|l| l.contains("closed: malformed message"))
        .expect("the close is logged");
    assert!(line.contains("too large"), "the log says why: {line}");

    // Neither resident memory (now or at its peak) nor the address space grew by
    // anything like the declared size: the message was never allocated.
    let declared_kib = u64::from(DECLARED) / 1024;
    let grown = |before: u64, field: &str| s.status_kib(field).saturating_sub(before);
    assert!(
        grown(rss, "VmRSS") < SLACK_KIB,
        "VmRSS grew by {} kB",
        grown(rss, "VmRSS")
    );
    assert!(
        grown(peak_rss, "VmHWM") < SLACK_KIB,
        "peak RSS grew by {} kB",
        grown(peak_rss, "VmHWM")
    );
    assert!(
        grown(peak_vm, "VmPeak") < declared_kib / 2,
        "address space grew by {} kB for a {declared_kib} kB claim",
        grown(peak_vm, "VmPeak")
    );
    assert!(s.alive());
    server_still_answers(&s);
}

/// read_timeout_secs: a request must arrive complete within it once its first byte
/// came, whatever the idle timeout (a slowloris client trickling bytes is closed).
#[test]
fn partial_message_is_closed_after_read_timeout() {
    const READ_TIMEOUT: Duration = Duration::from_secs(1);
    let s = Server::start_with(
        &format!(
            "[limits]\nread_timeout_secs = {}\nidle_timeout_secs = 60\n",
            READ_TIMEOUT.as_secs()
        ),
        true,
    );
    let mut c = RawClient::connect(&s);
    // A SEQUENCE that says 100 bytes follow, then only the first few of them.
    let started = Instant::now();
    c.write_raw(&[0x30, 0x64]);
    // Trickle: each byte well inside the idle timeout, the whole far past the read one.
    for b in [0x02, 0x01, 0x01] {
        std::thread::sleep(Duration::from_millis(300));
        c.write_raw(&[b]);
    }
    c.read_until_closed();
    let waited = started.elapsed();
    assert!(waited >= READ_TIMEOUT, "closed after {waited:?}");
    assert!(
        waited < READ_TIMEOUT + Duration::from_secs(3),
        "closed only after {waited:?}"
    );
}

#[test]
fn deeply_nested_filter_is_refused() {
    let mut s = Server::start_with("[limits]\nmax_ber_depth = 32\n", true);
    let mut filter = String::from("(mail=x)");
    for _ in 0..200 {
        filter = format!("(!{filter})");
    }
    let r = s.search_anon(HOSTING, &filter, &["1.1"]);
    assert_ne!(r.code, 0);
    assert!(s.alive());
    server_still_answers(&s);
}

/// config.rs: "Seconds a connection may stay silent before it is closed" (src/session
/// sends a Notice of Disconnection, unavailable, then closes).
#[test]
fn idle_connections_time_out() {
    const HELD: usize = 4;
    const IDLE: Duration = Duration::from_secs(2);
    let mut s = Server::start_with(
        &format!("[limits]\nidle_timeout_secs = {}\n", IDLE.as_secs()),
        true,
    );
    // Connections that are served once, then say nothing.
    let mut held: Vec<(RawClient, Instant)> = (0..HELD)
        .map(|i| {
            let mut c = RawClient::connect(&s);
            let asked = Instant::now();
            c.send(root_dse_search(1));
            await_search_done(&mut c, PATIENCE, &format!("connection {i}"));
            (c, asked)
        })
        .collect();

    // The silent ones are closed after idle_timeout_secs, not before (counted from the
    // request: the server's clock starts after its answer), each with a notice.
    for (i, (c, asked)) in held.iter_mut().enumerate() {
        let sent = c.read_until_closed();
        let idle = asked.elapsed();
        assert!(
            idle >= IDLE,
            "connection {i} closed after {idle:?}, before {IDLE:?}"
        );
        assert!(
            idle < IDLE + Duration::from_secs(3),
            "connection {i} closed only after {idle:?}"
        );
        assert_eq!(
            notice_code(&sent),
            Some(LdapResultCode::Unavailable),
            "connection {i}: a Notice of Disconnection before the close: {sent:?}"
        );
    }
    s.wait_log("closed (idle timeout)", HELD);
    assert!(s.alive());
    server_still_answers(&s);
}
