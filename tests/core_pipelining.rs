//! Several outstanding operations on one connection (RFC 4511 4.1.1, as Dovecot's
//! LDAP driver sends them): every answer carries its request's message ID, abandon
//! stops a running search, and a bind waits for what is outstanding.

mod common;
use common::wire::{search, simple_bind as bind_op, RawClient};
use common::*;
use ldap3_proto::proto::{LdapOp, LdapResultCode};
use std::collections::HashMap;
use std::fmt::Write;

#[test]
fn fifty_pipelined_searches_each_get_their_own_answer() {
    let s = Server::demo();
    let mut c = RawClient::connect(s.port);
    // Addresses that exist, in changing case, and ones that do not.
    let asked = [
        ("user1@domain1.example", Some("domain1.example/user1/")),
        ("USER2@domain1.example", Some("domain1.example/user2/")),
        ("sales@domain2.example", Some("domain2.example/sales/")),
        ("nobody@domain1.example", None),
        ("user1@domain2.example", Some("domain2.example/user1/")),
    ];
    for i in 0..50 {
        let (addr, _) = asked[i % asked.len()];
        c.send(
            i as i32 + 1,
            search(HOSTING, "mail", Some(addr), &["mailbox"]),
        );
    }
    let mut mailboxes: HashMap<i32, Vec<String>> = HashMap::new();
    let mut done = HashMap::new();
    while done.len() < 50 {
        let msg = c.recv().expect("the server answers all 50");
        match msg.op {
            LdapOp::SearchResultEntry(e) => {
                assert!(!done.contains_key(&msg.msgid), "entry after its result");
                let vals = e.attributes.iter().flat_map(|a| a.vals.clone());
                mailboxes
                    .entry(msg.msgid)
                    .or_default()
                    .extend(vals.map(|v| String::from_utf8(v).unwrap()));
            }
            LdapOp::SearchResultDone(r) => {
                assert_eq!(r.code, LdapResultCode::Success, "{r:?}");
                assert!(
                    done.insert(msg.msgid, ()).is_none(),
                    "one result per request"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    for i in 0..50 {
        let (addr, want) = asked[i % asked.len()];
        let got = mailboxes.remove(&(i as i32 + 1)).unwrap_or_default();
        let want: Vec<String> = want.into_iter().map(String::from).collect();
        assert_eq!(got, want, "message {} asked for {addr}", i + 1);
    }
}

/// A server holding `n` accounts with large entries, so one search's answer is
/// many megabytes and cannot sit in the socket buffers at once.
fn big_tree(n: usize) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut ldif = String::from(
        "dn: dc=myhosting,dc=example\nobjectClass: dcObject\nobjectClass: organization\ndc: myhosting\no: myhosting\n\n\
         dn: o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: hosting\n\n\
         dn: o=big.example,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: big.example\n\n",
    );
    let filler = "x".repeat(8000);
    for u in 0..n {
        writeln!(
            ldif,
            "dn: mail=u{u}@big.example,o=big.example,{HOSTING}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\ncn: u{u}\nsn: u{u}\nmail: u{u}@big.example\nhomeDirectory: /home/vmail\nmailbox: big.example/u{u}/\ndescription: {filler}\n"
        )
        .unwrap();
    }
    let file = dir.path().join("big.ldif");
    std::fs::write(&file, ldif).unwrap();
    let mut s = Server::start();
    s.kill();
    let config = s.config_path().display().to_string();
    let r = mailldap(
        &["import", "--config", &config, &file.display().to_string()],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    s.restart();
    s
}

#[test]
fn abandon_stops_a_running_search() {
    let n = 2000;
    let s = big_tree(n);
    let mut c = RawClient::connect(s.port);
    // The rootdn has no size limit: the search would return every entry.
    c.send(9, bind_op(ROOTDN, ROOTPW));
    assert!(
        matches!(c.recv().unwrap().op, LdapOp::BindResponse(r) if r.res.code == LdapResultCode::Success)
    );
    c.send(1, search(HOSTING, "objectClass", None, &["*"]));
    // Not reading: the server fills the socket and its queue, then waits.
    std::thread::sleep(std::time::Duration::from_millis(500));
    c.send(2, LdapOp::AbandonRequest(1));
    c.send(
        3,
        search(HOSTING, "mail", Some("u7@big.example"), &["mailbox"]),
    );
    let mut entries_of_1 = 0;
    let mut answered_3 = false;
    while !answered_3 {
        let msg = c.recv().expect("the connection stays open");
        match (msg.msgid, msg.op) {
            (1, LdapOp::SearchResultEntry(_)) => entries_of_1 += 1,
            (1, other) => panic!("an abandoned search sends no result: {other:?}"),
            (3, LdapOp::SearchResultDone(r)) => {
                assert_eq!(r.code, LdapResultCode::Success);
                answered_3 = true;
            }
            (3, LdapOp::SearchResultEntry(e)) => assert!(e.dn.starts_with("mail=u7@")),
            (id, other) => panic!("message {id}: unexpected {other:?}"),
        }
    }
    assert!(
        entries_of_1 < n,
        "abandon came too late to stop anything ({entries_of_1} of {n} entries)"
    );
    assert!(s.log().contains("ABANDON msg=1"), "{}", s.log());
}

#[test]
fn a_bind_waits_for_outstanding_searches() {
    let s = Server::demo();
    let mut c = RawClient::connect(s.port);
    for i in 1..=10 {
        c.send(i, search(HOSTING, "objectClass", None, &["mail"]));
    }
    c.send(11, bind_op(&mail_dn("user1@domain1.example"), "user1"));
    let mut finished = Vec::new();
    loop {
        let msg = c.recv().expect("answers");
        match msg.op {
            LdapOp::SearchResultDone(_) => finished.push(msg.msgid),
            LdapOp::BindResponse(r) => {
                assert_eq!(r.res.code, LdapResultCode::Success);
                assert_eq!(
                    finished.len(),
                    10,
                    "the bind answered before the searches ended"
                );
                break;
            }
            LdapOp::SearchResultEntry(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}
