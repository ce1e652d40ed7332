//! RFC 4533 in-process: sync searches through `stream_op` against the demo tree, as a
//! consumer sees them (src/sync serves them).

use super::request::*;
use super::tests::{demo_state, demo_state_with, search, session, USER1, USER2};
use super::{do_op, stream_op};
use crate::acl::Identity;
use crate::config::{Config, SyncProv};
use crate::entry::{ModOp, Modification};
use crate::error::ResultCode;
use crate::state::ServerState;
use crate::sync::{SyncControl, SyncInfo, SyncMode, SyncRequest, SyncState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn sync_control(mode: SyncMode, cookie: Option<&[u8]>) -> Vec<Control> {
    vec![Control {
        oid: "1.3.6.1.4.1.4203.1.9.1.1".into(),
        critical: true,
        value: ControlValue::SyncRequest(SyncRequest {
            mode,
            cookie: cookie.map(<[u8]>::to_vec),
            reload_hint: false,
        }),
    }]
}

fn root() -> Identity {
    Identity::Root(crate::dn::Dn::parse("cn=Manager,dc=myhosting,dc=example").unwrap())
}

/// A refreshOnly search of the hosting tree as the rootdn.
fn refresh(state: &ServerState, cookie: Option<&[u8]>) -> Response {
    let req = Request {
        id: 5,
        op: search("(objectClass=*)", &["*", "+"]),
        controls: sync_control(SyncMode::RefreshOnly, cookie),
    };
    do_op(state, &session(root()), 1, req)
}

/// Each entry's DN, state and whether it carries attributes.
fn states(r: &Response) -> Vec<(String, SyncState, bool)> {
    r.replies
        .iter()
        .filter_map(|m| match m {
            Reply::WithControls { reply, controls } => match (&**reply, &controls[..]) {
                (Reply::Entry(e), [ResponseControl::Sync(SyncControl::State { state, .. })]) => {
                    Some((e.dn.clone(), *state, !e.attrs.is_empty()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The SyncDone of the final reply: its cookie and refreshDeletes.
fn done(r: &Response) -> (Vec<u8>, bool) {
    match r.replies.last() {
        Some(Reply::WithControls { reply, controls }) => {
            assert!(
                matches!(**reply, Reply::Done(ResponseKind::Search, ref res) if res.code == ResultCode::Success)
            );
            match &controls[..] {
                [ResponseControl::Sync(SyncControl::Done {
                    cookie: Some(c),
                    refresh_deletes,
                })] => (c.clone(), *refresh_deletes),
                other => panic!("no sync done: {other:?}"),
            }
        }
        other => panic!("no final reply: {other:?}"),
    }
}

fn deleted_uuids(r: &Response) -> Vec<[u8; 16]> {
    r.replies
        .iter()
        .filter_map(|m| match m {
            Reply::SyncInfo(SyncInfo::IdSet {
                refresh_deletes: true,
                uuids,
                ..
            }) => Some(uuids.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn uuid_of(state: &ServerState, dn: &str) -> [u8; 16] {
    let entry = state
        .dir
        .get(&crate::dn::Dn::parse(dn).unwrap())
        .unwrap()
        .unwrap();
    crate::directory::entry_uuid(&entry)
}

fn write(state: &ServerState, op: Operation) {
    let req = Request {
        id: 9,
        op,
        controls: Vec::new(),
    };
    let r = do_op(state, &session(root()), 1, req);
    assert!(
        matches!(r.replies.last(), Some(Reply::Done(_, res)) if res.code == ResultCode::Success),
        "{r:?}"
    );
}

fn rename_cn(dn: &str, value: &str) -> Operation {
    Operation::Modify(ModifyRequest {
        dn: dn.into(),
        changes: vec![Modification {
            op: ModOp::Replace,
            attr: "cn".into(),
            values: vec![value.as_bytes().to_vec()],
        }],
    })
}

#[test]
fn a_first_refresh_sends_every_entry_as_added_and_a_cookie() {
    let state = demo_state();
    let r = refresh(&state, None);
    let found = states(&r);
    assert!(found.len() >= 10, "{found:?}");
    assert!(found
        .iter()
        .all(|(_, s, attrs)| *s == SyncState::Add && *attrs));
    let (cookie, deletes) = done(&r);
    assert!(
        !deletes,
        "a present phase: the consumer drops what it was not sent"
    );
    let text = String::from_utf8(cookie).unwrap();
    assert!(text.starts_with("csn="), "{text}");
}

#[test]
fn a_cookie_inside_the_session_log_gets_a_delta() {
    let state = demo_state();
    let (cookie, _) = done(&refresh(&state, None));
    let gone = uuid_of(&state, USER2);
    write(&state, Operation::Delete(USER2.into()));
    write(&state, rename_cn(USER1, "Changed"));
    let r = refresh(&state, Some(&cookie));
    let found = states(&r);
    assert_eq!(found, vec![(USER1.to_string(), SyncState::Add, true)]);
    assert_eq!(deleted_uuids(&r), vec![gone]);
    let (next, deletes) = done(&r);
    assert!(deletes, "a delete phase");
    // Coming back with the new cookie: nothing to tell.
    let again = refresh(&state, Some(&next));
    assert!(states(&again).is_empty());
    assert!(deleted_uuids(&again).is_empty());
}

#[test]
fn a_cookie_older_than_the_session_log_gets_a_present_phase() {
    let config = Config {
        syncprov: SyncProv {
            sessionlog: 0,
            ..SyncProv::default()
        },
        ..Config::default()
    };
    let state = demo_state_with(config);
    let (cookie, _) = done(&refresh(&state, None));
    write(&state, Operation::Delete(USER2.into()));
    write(&state, rename_cn(USER1, "Changed"));
    let r = refresh(&state, Some(&cookie));
    let found = states(&r);
    assert!(found.contains(&(USER1.to_string(), SyncState::Add, true)));
    assert!(!found.iter().any(|(dn, ..)| dn == USER2));
    let present: Vec<_> = found.iter().filter(|(dn, ..)| dn != USER1).collect();
    assert!(!present.is_empty());
    assert!(present
        .iter()
        .all(|(_, s, attrs)| *s == SyncState::Present && !attrs));
    assert!(deleted_uuids(&r).is_empty());
    let (_, deletes) = done(&r);
    assert!(!deletes, "a present phase");
}

#[test]
fn a_sync_search_is_not_quick_and_slapd_cookies_keep_their_rid() {
    let state = demo_state();
    let req = Request {
        id: 1,
        op: search("(mail=user1@domain1.example)", &[]),
        controls: sync_control(SyncMode::RefreshAndPersist, None),
    };
    assert!(!super::is_quick(&state, &req));
    let (cookie, _) = done(&refresh(&state, Some(b"rid=042,csn=0")));
    assert!(String::from_utf8(cookie)
        .unwrap()
        .starts_with("rid=042,csn="));
}

#[test]
fn persist_pushes_each_change_and_ends_when_abandoned() {
    let state = demo_state();
    let seen: Mutex<Vec<Reply>> = Mutex::new(Vec::new());
    let abandoned = std::sync::atomic::AtomicBool::new(false);
    let wait_for = |what: &dyn Fn(&[Reply]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !what(&seen.lock().unwrap()) {
            assert!(Instant::now() < deadline, "{:?}", seen.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    std::thread::scope(|scope| {
        let persist = scope.spawn(|| {
            let req = Request {
                id: 2,
                op: search("(objectClass=*)", &["cn"]),
                controls: sync_control(SyncMode::RefreshAndPersist, None),
            };
            let mut sink = |reply: Reply| {
                if abandoned.load(std::sync::atomic::Ordering::Relaxed) {
                    return false;
                }
                if reply != Reply::KeepAlive {
                    seen.lock().unwrap().push(reply);
                }
                true
            };
            stream_op(&state, &session(root()), 1, req, &mut sink);
        });
        let refreshed = |r: &[Reply]| {
            r.iter().any(|m| {
                matches!(
                    m,
                    Reply::SyncInfo(SyncInfo::RefreshPresent { done: true, .. })
                )
            })
        };
        wait_for(&refreshed);
        let before = seen.lock().unwrap().len();
        write(&state, rename_cn(USER1, "Pushed"));
        write(&state, Operation::Delete(USER2.into()));
        wait_for(&|r: &[Reply]| r.len() >= before + 2);
        let pushed = Response {
            replies: seen.lock().unwrap()[before..].to_vec(),
            effect: Effect::None,
        };
        let found = states(&pushed);
        assert_eq!(
            found,
            vec![
                (USER1.to_string(), SyncState::Modify, true),
                (USER2.to_string(), SyncState::Delete, false),
            ]
        );
        abandoned.store(true, std::sync::atomic::Ordering::Relaxed);
        let t0 = Instant::now();
        persist.join().unwrap();
        assert!(t0.elapsed() < Duration::from_secs(3), "abandon ends it");
    });
    // Abandoned: no SearchResultDone was sent.
    let ended = |m: &Reply| match m {
        Reply::WithControls { reply, .. } => matches!(**reply, Reply::Done(..)),
        other => matches!(other, Reply::Done(..)),
    };
    assert!(!seen.lock().unwrap().iter().any(ended));
}
