//! The replication notes: contextCSN and the bounded, durable session log.

use super::*;

fn note(csn: &str, gone: Option<(&str, u8)>) -> ChangeNote {
    ChangeNote {
        csn: csn.into(),
        logged: gone.map(|(dn, n)| LogRecord {
            csn: csn.into(),
            uuid: [n; 16],
            how: Departure::Delete,
            dn: dn.into(),
        }),
    }
}

#[test]
fn writes_advance_the_context_csn_and_log_departures() {
    let store = Store::open_temporary().unwrap();
    store.set_sync_log_limit(2);
    assert_eq!(store.context_csn().unwrap(), None);
    let root = entry(SUFFIX, &[("objectClass", &["top"])]);
    let mut w = store.writer();
    w.note(note("c1", None));
    w.add(&root, &[]).unwrap();
    assert_eq!(store.context_csn().unwrap().as_deref(), Some("c1"));
    for (i, csn) in ["c2", "c3", "c4"].into_iter().enumerate() {
        let name = format!("cn=x{i},{SUFFIX}");
        let e = entry(&name, &[("objectClass", &["top"])]);
        store.writer().add(&e, &[]).unwrap();
        let mut w = store.writer();
        w.note(note(csn, Some((&name, i as u8))));
        w.delete(&dn(&name), &[], &[]).unwrap();
    }
    assert_eq!(store.context_csn().unwrap().as_deref(), Some("c4"));
    // Two kept; the newest forgotten one is the floor.
    let all = store.sync_log_since("").unwrap();
    let csns: Vec<&str> = all.iter().map(|r| r.csn.as_str()).collect();
    assert_eq!(csns, ["c3", "c4"]);
    assert_eq!(store.sync_log_floor().unwrap().as_deref(), Some("c2"));
    assert_eq!(store.sync_log_since("c3").unwrap()[0].uuid, [2; 16]);
}

#[test]
fn an_older_csn_does_not_move_the_context_back() {
    let store = Store::open_temporary().unwrap();
    let a = entry(SUFFIX, &[("objectClass", &["top"])]);
    let mut w = store.writer();
    w.note(note("c9", None));
    w.add(&a, &[]).unwrap();
    let b = entry(&format!("cn=b,{SUFFIX}"), &[("objectClass", &["top"])]);
    let mut w = store.writer();
    w.note(note("c1", None));
    w.add(&b, &[]).unwrap();
    assert_eq!(store.context_csn().unwrap().as_deref(), Some("c9"));
}

#[test]
fn the_commit_hook_runs_once_the_write_is_in() {
    let store = Store::open_temporary().unwrap();
    let seen = std::cell::Cell::new(false);
    let root = entry(SUFFIX, &[("objectClass", &["top"])]);
    let mut w = store.writer();
    w.on_commit(Box::new(|| seen.set(store.exists(&dn(SUFFIX)).unwrap())));
    w.add(&root, &[]).unwrap();
    assert!(seen.get());
}

#[test]
fn the_session_log_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let e = entry(SUFFIX, &[("objectClass", &["top"])]);
        store.writer().add(&e, &[]).unwrap();
        let mut w = store.writer();
        w.note(note("c5", Some((SUFFIX, 7))));
        w.delete(&dn(SUFFIX), &[], &[]).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let log = store.sync_log_since("c4").unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].uuid, [7; 16]);
    assert_eq!(log[0].dn, SUFFIX);
    assert_eq!(store.context_csn().unwrap().as_deref(), Some("c5"));
}
