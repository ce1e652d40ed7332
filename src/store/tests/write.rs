//! Writes through the one writer: add, replace, delete, leaf rename, reindex.

use super::*;

#[test]
fn add_get_and_duplicate() {
    let store = Store::open_temporary().unwrap();
    assert!(store.is_empty());
    let ids = hosting_tree(&store);
    assert_eq!(store.len(), 8);

    let u1 = dn("MAIL=User1@Domain1.example, o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (id, got) = store.get(&u1).unwrap().expect("case-insensitive DN lookup");
    assert_eq!(id, ids["u1"]);
    assert_eq!(got.first_str("mail"), Some("user1@domain1.example"));
    assert_eq!(store.get_by_id(id).unwrap(), Some(got));
    assert!(store.exists(&u1).unwrap());
    assert!(!store
        .exists(&dn(
            "mail=nobody@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example"
        ))
        .unwrap());
    assert_eq!(store.get_by_id(999_999).unwrap(), None);

    let dup = entry(&u1.to_string(), &[("objectClass", &["top"])]);
    assert_eq!(
        store.writer().add(&dup, &[]),
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.len(), 8);
}

#[test]
fn add_needs_the_parent_unless_nothing_above_is_stored() {
    let store = Store::open_temporary().unwrap();
    hosting_tree(&store);
    // Parent o=domain3 missing while o=hosting exists: a lost race with a delete.
    let orphan = entry(
        "mail=x@domain3.example,o=domain3.example,o=hosting,dc=myhosting,dc=example",
        &[],
    );
    assert_eq!(
        store.writer().add(&orphan, &[]),
        Err(StoreError::NoSuchEntry)
    );
    // A second suffix with nothing stored above it is fine.
    assert!(store
        .writer()
        .add(&entry("dc=other,dc=test", &[]), &[])
        .is_ok());
}

#[test]
fn a_bulk_load_reads_back_as_adds_would_and_refuses_what_add_refuses() {
    for kind in [EngineKind::Lmdb, EngineKind::Sled] {
        let store = Store::from_engine(Engine::temporary(kind).unwrap()).unwrap();
        let mut load = store
            .bulk_loader()
            .unwrap()
            .expect("an empty store loads in bulk");
        let mut put = |d: &str, attrs: &[(&str, &[&str])]| {
            let e = entry(d, attrs);
            load.add(
                &e,
                e.dn.tree_key(),
                &keys_of(&e),
                "20261204000000.000000Z#000000#000#000000",
            )
        };
        let domain = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
        put(SUFFIX, &[("objectClass", &["domain"])]).unwrap();
        put(
            "o=hosting,dc=myhosting,dc=example",
            &[("objectClass", &["organization"])],
        )
        .unwrap();
        put(domain, &[("objectClass", &["organization"])]).unwrap();
        let mut accounts = Vec::new();
        for i in 0..300 {
            let d = format!("mail=u{i}@domain1.example,{domain}");
            let mail = format!("u{i}@domain1.example");
            accounts.push(put(&d, &[("objectClass", &["account"]), ("mail", &[&mail])]).unwrap());
        }
        let taken = put(domain, &[]);
        assert_eq!(taken, Err(StoreError::AlreadyExists), "{kind:?}");
        // The parent missing under a loaded ancestor, as the writer refuses it.
        let orphan = put(
            "mail=x@domain3.example,o=domain3.example,o=hosting,dc=myhosting,dc=example",
            &[],
        );
        assert_eq!(orphan, Err(StoreError::NoSuchEntry), "{kind:?}");
        assert_eq!(load.finish().unwrap(), 303, "{kind:?}");

        assert_eq!(store.len(), 303, "{kind:?}");
        let u7 = dn(&format!("MAIL=U7@domain1.example,{domain}"));
        let (id, got) = store.get(&u7).unwrap().expect("a loaded entry by its DN");
        assert_eq!(
            (id, got.first_str("mail")),
            (accounts[7], Some("u7@domain1.example"))
        );
        assert_eq!(
            store
                .index_ids(&eq("mail", "u299@domain1.example"))
                .unwrap(),
            vec![accounts[299]]
        );
        assert_eq!(
            store.index_ids(&eq("objectclass", "account")).unwrap(),
            sorted(accounts.clone())
        );
        let d1 = dn(domain);
        assert_eq!(
            sorted(store.scope_ids(&d1, Scope::OneLevel).unwrap()),
            sorted(accounts),
            "{kind:?}"
        );
    }
}

#[test]
fn replace_rewrites_entry_and_index() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let u1 = dn("mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (id, old) = store.get(&u1).unwrap().unwrap();
    let mut new = old.clone();
    new.set_values("objectClass", vec![b"courierMailAlias".to_vec()]);
    new.set_values("maildrop", vec![b"elsewhere@example.org".to_vec()]);
    store
        .writer()
        .replace(id, &new, &keys_of(&old), &keys_of(&new))
        .unwrap();

    assert_eq!(store.get(&u1).unwrap(), Some((id, new.clone())));
    assert_eq!(
        store
            .index_ids(&eq("objectclass", "couriermailalias"))
            .unwrap(),
        vec![id]
    );
    assert_eq!(
        store
            .index_ids(&eq("objectclass", "couriermailaccount"))
            .unwrap(),
        ids_of(&ids, &["u2", "u3"])
    );
    // Unchanged keys stay filed.
    assert_eq!(
        store
            .index_ids(&eq("mail", "user1@domain1.example"))
            .unwrap(),
        vec![id]
    );

    // Wrong id for the DN, or an id that does not exist.
    assert_eq!(
        store.writer().replace(ids["u2"], &new, &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
    assert_eq!(
        store.writer().replace(999_999, &new, &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
}

#[test]
fn delete_leaves_only() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let d1 = dn("o=domain1.example,o=hosting,dc=myhosting,dc=example");
    assert!(store.has_children(&d1).unwrap());
    assert_eq!(
        store.writer().delete(&d1, &[], &[]),
        Err(StoreError::NotLeaf)
    );

    let u1 = dn("mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (_, e) = store.get(&u1).unwrap().unwrap();
    store.writer().delete(&u1, &keys_of(&e), &[]).unwrap();
    assert_eq!(store.get(&u1).unwrap(), None);
    assert_eq!(store.get_by_id(ids["u1"]).unwrap(), None);
    assert_eq!(store.len(), 7);
    assert!(store
        .index_ids(&eq("mail", "user1@domain1.example"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store.writer().delete(&u1, &[], &[]),
        Err(StoreError::NoSuchEntry)
    );

    let u2 = dn("mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    store.writer().delete(&u2, &[], &[]).unwrap();
    assert!(!store.has_children(&d1).unwrap());
    store.writer().delete(&d1, &[], &[]).unwrap();
    assert!(!store.exists(&d1).unwrap());
}

#[test]
fn rename_moves_dn_and_keys_but_keeps_id() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let old_dn =
        dn("mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (id, old) = store.get(&old_dn).unwrap().unwrap();
    // To the other domain (newSuperior) with a new mail value.
    let new = entry(
        "mail=renamed@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
        &[
            ("objectClass", &["courierMailAccount"]),
            ("mail", &["renamed@domain2.example"]),
        ],
    );
    store
        .writer()
        .rename(&old_dn, &new, &keys_of(&old), &keys_of(&new), &[])
        .unwrap();
    assert_eq!(store.get(&old_dn).unwrap(), None);
    assert_eq!(store.get(&new.dn).unwrap(), Some((id, new.clone())));
    assert!(store
        .index_ids(&eq("mail", "user1@domain1.example"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .index_ids(&eq("mail", "renamed@domain2.example"))
            .unwrap(),
        vec![id]
    );
    let d2 = dn("o=domain2.example,o=hosting,dc=myhosting,dc=example");
    assert_eq!(
        sorted(store.scope_ids(&d2, Scope::OneLevel).unwrap()),
        ids_of(&ids, &["u1", "u3"])
    );
    assert_eq!(store.len(), 8);

    // Case-only rename of the same DN is allowed.
    let mut recased = new.clone();
    recased.dn =
        dn("MAIL=Renamed@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example");
    store
        .writer()
        .rename(&new.dn, &recased, &[], &[], &[])
        .unwrap();
    assert_eq!(
        store.get(&new.dn).unwrap().unwrap().1.dn.to_string(),
        recased.dn.to_string()
    );

    let u3 = dn("mail=user3@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example");
    let clash = entry(&u3.to_string(), &[]);
    assert_eq!(
        store.writer().rename(&new.dn, &clash, &[], &[], &[]),
        Err(StoreError::AlreadyExists)
    );
    let moved = entry("o=domain9.example,o=hosting,dc=myhosting,dc=example", &[]);
    assert_eq!(
        store.writer().rename(&old_dn, &moved, &[], &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
    let under_missing = entry("mail=z@x,o=nowhere,o=hosting,dc=myhosting,dc=example", &[]);
    assert_eq!(
        store.writer().rename(&u3, &under_missing, &[], &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
}

#[test]
fn survives_drop_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let id;
    {
        let store = Store::open(&path).unwrap();
        hosting_tree(&store);
        let e = entry(
            "mail=bin@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
            &[("mail", &["bin@domain1.example"])],
        );
        let mut e = e;
        e.add_values("jpegPhoto", vec![vec![0, 255, 0, 1]]);
        id = add(&store, &e);
        store.writer().set_index_config("mail eq,pres,sub").unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.len(), 9);
    let got = store.get_by_id(id).unwrap().unwrap();
    assert_eq!(got.values("jpegPhoto"), &[vec![0, 255, 0, 1]]);
    assert_eq!(
        store.index_ids(&eq("mail", "bin@domain1.example")).unwrap(),
        vec![id]
    );
    assert_eq!(
        store.index_config().unwrap().as_deref(),
        Some("mail eq,pres,sub")
    );
    // New ids never reuse old ones.
    let next = store.writer().add(&entry("dc=another", &[]), &[]).unwrap();
    assert!(next > id);
}

#[test]
fn reindex_rebuilds_from_entries() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    // New config: only objectClass presence.
    store
        .writer()
        .reindex(&|e: &Entry| {
            index_keys(
                "objectclass",
                &[IndexKind::Presence],
                e.values("objectClass"),
            )
        })
        .unwrap();
    assert!(store
        .index_ids(&eq("mail", "user1@domain1.example"))
        .unwrap()
        .is_empty());
    let pres = IndexKey {
        attr: "objectclass".into(),
        kind: IndexKind::Presence,
        key: vec![],
    };
    assert_eq!(store.index_ids(&pres).unwrap().len(), ids.len());
}

#[test]
fn concurrent_writers_all_land() {
    let store = std::sync::Arc::new(Store::open_temporary().unwrap());
    store.writer().add(&entry(SUFFIX, &[]), &[]).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let e = entry(&format!("cn=e{t}-{i},{SUFFIX}"), &[("mail", &["m"])]);
                    add(&store, &e);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.len(), 201);
    assert_eq!(
        store.scope_ids(&dn(SUFFIX), Scope::OneLevel).unwrap().len(),
        200
    );
    assert_eq!(store.index_ids(&eq("mail", "m")).unwrap().len(), 200);
}

#[test]
fn one_writer_at_a_time_while_reads_go_on() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let store = std::sync::Arc::new(Store::open_temporary().unwrap());
    hosting_tree(&store);
    let released = std::sync::Arc::new(AtomicBool::new(false));
    let writer = store.writer();
    let waiter = {
        let (store, released) = (store.clone(), released.clone());
        std::thread::spawn(move || {
            let _second = store.writer();
            assert!(
                released.load(Ordering::SeqCst),
                "second writer got in early"
            );
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(100));
    // Reads do not wait for the writer.
    assert!(store.exists(&dn(SUFFIX)).unwrap());
    released.store(true, Ordering::SeqCst);
    drop(writer);
    waiter.join().unwrap();
}

#[test]
fn reservations_are_kept_until_released() {
    let store = Store::open_temporary().unwrap();
    store.writer().reserve("mailbox:/a/", "gone").unwrap();
    assert_eq!(
        store.reservation("mailbox:/a/").unwrap().as_deref(),
        Some("gone")
    );
    assert_eq!(
        store.reservations().unwrap(),
        vec![("mailbox:/a/".to_string(), "gone".to_string())]
    );
    assert!(store.writer().release("mailbox:/a/").unwrap());
    assert!(!store.writer().release("mailbox:/a/").unwrap());
    assert!(store.reservation("mailbox:/a/").unwrap().is_none());
}
