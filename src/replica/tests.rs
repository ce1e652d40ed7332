//! The applier in-process: sync messages fed to a [`Follower`] over a temporary store,
//! no provider, no socket.

use super::apply::{Follower, Step};
use super::cookie::Cookies;
use super::message::{Phase, SyncMessage};
use super::ReplicaError;
use crate::config::Config;
use crate::directory::Directory;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::state::ServerState;
use crate::store::Store;
use std::sync::Arc;

const SUFFIX: &str = "dc=myhosting,dc=example";
const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";

/// A replica's state over a temporary store.
fn replica() -> Arc<ServerState> {
    let config =
        Config::from_toml("[replication]\nprovider = \"ldap://p:389\"\n", "test").expect("config");
    let dir =
        Directory::with_store(Store::open_temporary().expect("store"), &config).expect("directory");
    Arc::new(ServerState::new(dir, config).expect("state"))
}

/// The entryUUID numbered `n`.
fn uuid(n: u8) -> String {
    format!("6f1f6b8e-0000-4000-8000-0000000000{n:02x}")
}

/// An organization entry `dn` as a provider sends it, with entryUUID `n`.
fn org(dn: &str, n: u8) -> SyncMessage {
    let mut e = Entry::new(Dn::parse(dn).expect("dn"));
    let o = dn.split([',', '=']).nth(1).unwrap_or("x").to_string();
    e.add_values("objectClass", [b"top".to_vec(), b"organization".to_vec()]);
    e.add_values("o", [o.into_bytes()]);
    if dn == SUFFIX {
        e.add_values("objectClass", [b"dcObject".to_vec()]);
        e.add_values("dc", [b"myhosting".to_vec()]);
    }
    e.add_values("entryUUID", [uuid(n).into_bytes()]);
    SyncMessage::Entry {
        entry: e,
        uuid: uuid(n),
        cookie: None,
    }
}

/// `msg` with `cookie`.
fn with_cookie(msg: SyncMessage, c: &[u8]) -> SyncMessage {
    match msg {
        SyncMessage::Entry { entry, uuid, .. } => SyncMessage::Entry {
            entry,
            uuid,
            cookie: Some(c.to_vec()),
        },
        other => other,
    }
}

/// Feed `msgs` to a follower starting from `cookies`.
async fn feed(
    state: &Arc<ServerState>,
    cookies: &mut Cookies,
    msgs: Vec<SyncMessage>,
) -> Result<Step, ReplicaError> {
    let mut f = Follower::new(state.clone(), Dn::parse(SUFFIX).expect("dn"), cookies);
    let mut step = Step::Continue;
    for m in msgs {
        step = f.handle(m).await?;
    }
    Ok(step)
}

fn exists(state: &ServerState, dn: &str) -> bool {
    state
        .dir
        .get(&Dn::parse(dn).expect("dn"))
        .expect("get")
        .is_some()
}

/// The suffix, o=hosting and two domains (uuids 1 to 4), stored by a full refresh.
async fn tree(state: &Arc<ServerState>) -> Cookies {
    let mut cookies = Cookies::new(None);
    let msgs = vec![
        org(SUFFIX, 1),
        org(HOSTING, 2),
        org(&format!("o=d1,{HOSTING}"), 3),
        org(&format!("o=d2,{HOSTING}"), 4),
        SyncMessage::PhaseEnd {
            phase: Phase::Delete,
            refresh_done: true,
            cookie: Some(b"c1".to_vec()),
        },
    ];
    feed(state, &mut cookies, msgs).await.expect("refresh");
    cookies
}

#[tokio::test]
async fn a_present_phase_deletes_what_it_did_not_name() {
    let state = replica();
    let mut cookies = tree(&state).await;
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c1"[..])
    );
    let msgs = vec![
        SyncMessage::IdSet {
            deletes: false,
            uuids: vec![uuid(1), uuid(2)],
            cookie: None,
        },
        SyncMessage::Present { uuid: uuid(3) },
        SyncMessage::PhaseEnd {
            phase: Phase::Present,
            refresh_done: true,
            cookie: Some(b"c2".to_vec()),
        },
    ];
    feed(&state, &mut cookies, msgs).await.expect("refresh");
    assert!(exists(&state, &format!("o=d1,{HOSTING}")));
    assert!(!exists(&state, &format!("o=d2,{HOSTING}")));
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c2"[..])
    );
    assert_eq!(cookies.current.as_deref(), Some(&b"c2"[..]));
}

#[tokio::test]
async fn deletes_by_id_set_and_a_refused_cookie_asks_for_a_full_refresh() {
    let state = replica();
    let mut cookies = tree(&state).await;
    let msgs = vec![
        SyncMessage::IdSet {
            deletes: true,
            uuids: vec![uuid(4)],
            cookie: Some(b"c3".to_vec()),
        },
        SyncMessage::Delete {
            uuid: uuid(3),
            dn: format!("o=d1,{HOSTING}"),
            cookie: Some(b"c4".to_vec()),
        },
        SyncMessage::Done {
            rc: 4096,
            text: String::new(),
            cookie: None,
            refresh_deletes: false,
        },
    ];
    let err = feed(&state, &mut cookies, msgs).await.expect_err("4096");
    assert!(matches!(err, ReplicaError::RefreshRequired), "{err}");
    assert!(!exists(&state, &format!("o=d1,{HOSTING}")));
    assert!(!exists(&state, &format!("o=d2,{HOSTING}")));
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c4"[..])
    );
}

#[tokio::test]
async fn an_entry_before_its_parent_waits_and_holds_the_cookie_back() {
    let state = replica();
    let mut cookies = tree(&state).await;
    let child = format!("o=sub,o=d3,{HOSTING}");
    let msgs = vec![
        with_cookie(org(&child, 6), b"c5"),
        SyncMessage::NewCookie(b"c6".to_vec()),
    ];
    feed(&state, &mut cookies, msgs).await.expect("persist");
    // The child waits: neither its cookie nor a later one may be stored before it.
    assert!(!exists(&state, &child));
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c1"[..])
    );

    let mut cookies = Cookies::new(Some(b"c1".to_vec()));
    let msgs = vec![
        with_cookie(org(&child, 6), b"c5"),
        with_cookie(org(&format!("o=d3,{HOSTING}"), 5), b"c7"),
    ];
    feed(&state, &mut cookies, msgs).await.expect("refresh");
    // Once the parent is in, the child follows, then the newest cookie held back.
    assert!(exists(&state, &child));
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c7"[..])
    );
}

#[tokio::test]
async fn a_refresh_without_a_cookie_drops_what_it_did_not_send() {
    let state = replica();
    tree(&state).await;
    let mut cookies = Cookies::new(None);
    let msgs = vec![
        org(SUFFIX, 1),
        org(HOSTING, 2),
        SyncMessage::Done {
            rc: 0,
            text: String::new(),
            cookie: Some(b"c8".to_vec()),
            refresh_deletes: true,
        },
    ];
    let step = feed(&state, &mut cookies, msgs).await.expect("refresh");
    assert_eq!(step, Step::Ended);
    assert!(exists(&state, HOSTING));
    assert!(!exists(&state, &format!("o=d1,{HOSTING}")));
    assert_eq!(
        state.dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c8"[..])
    );
}
