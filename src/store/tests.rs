//! Store tests: what the directory layer relies on, checked through the public API.

use super::*;
use crate::dn::normalize_value;
use std::collections::HashMap;

fn dn(s: &str) -> Dn {
    Dn::parse(s).expect("test DN")
}

fn entry(dn_str: &str, attrs: &[(&str, &[&str])]) -> Entry {
    let mut e = Entry::new(dn(dn_str));
    for (name, values) in attrs {
        e.add_values(name, values.iter().map(|v| v.as_bytes().to_vec()));
    }
    e
}

/// The index configuration the tests use: mail eq+pres+sub, objectClass eq.
fn keys_of(e: &Entry) -> Vec<IndexKey> {
    let norm = |name: &str| -> Vec<Vec<u8>> {
        e.values(name)
            .iter()
            .map(|v| normalize_value(&String::from_utf8_lossy(v)).into_bytes())
            .collect()
    };
    let mut keys = index_keys(
        "mail",
        &[
            IndexKind::Equality,
            IndexKind::Presence,
            IndexKind::Substring,
        ],
        &norm("mail"),
    );
    keys.extend(index_keys(
        "objectclass",
        &[IndexKind::Equality],
        &norm("objectClass"),
    ));
    keys
}

fn eq(attr: &str, value: &str) -> IndexKey {
    IndexKey {
        attr: attr.into(),
        kind: IndexKind::Equality,
        key: value.as_bytes().to_vec(),
    }
}

fn add(store: &Store, e: &Entry) -> EntryId {
    store.writer().add(e, &keys_of(e)).expect("add")
}

const SUFFIX: &str = "dc=myhosting,dc=example";

/// dc=myhosting,dc=example / o=hosting, o=hostingx / two domains / three accounts.
fn hosting_tree(store: &Store) -> HashMap<&'static str, EntryId> {
    let dns: [(&str, &str); 8] = [
        ("suffix", SUFFIX),
        ("hosting", "o=hosting,dc=myhosting,dc=example"),
        ("hostingx", "o=hostingx,dc=myhosting,dc=example"),
        ("d1", "o=domain1.example,o=hosting,dc=myhosting,dc=example"),
        ("d2", "o=domain2.example,o=hosting,dc=myhosting,dc=example"),
        (
            "u1",
            "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        ),
        (
            "u2",
            "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        ),
        (
            "u3",
            "mail=user3@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
        ),
    ];
    let mut ids = HashMap::new();
    for (name, d) in dns {
        let e = if d.starts_with("mail=") {
            let mail = d.split(',').next().unwrap().trim_start_matches("mail=");
            entry(
                d,
                &[("objectClass", &["courierMailAccount"]), ("mail", &[mail])],
            )
        } else {
            entry(d, &[("objectClass", &["organization"])])
        };
        ids.insert(name, add(store, &e));
    }
    ids
}

fn sorted(mut v: Vec<EntryId>) -> Vec<EntryId> {
    v.sort_unstable();
    v
}

fn ids_of(ids: &HashMap<&str, EntryId>, names: &[&str]) -> Vec<EntryId> {
    sorted(names.iter().map(|n| ids[n]).collect())
}

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
    assert_eq!(store.writer().delete(&d1, &[]), Err(StoreError::NotLeaf));

    let u1 = dn("mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (_, e) = store.get(&u1).unwrap().unwrap();
    store.writer().delete(&u1, &keys_of(&e)).unwrap();
    assert_eq!(store.get(&u1).unwrap(), None);
    assert_eq!(store.get_by_id(ids["u1"]).unwrap(), None);
    assert_eq!(store.len(), 7);
    assert!(store
        .index_ids(&eq("mail", "user1@domain1.example"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store.writer().delete(&u1, &[]),
        Err(StoreError::NoSuchEntry)
    );

    let u2 = dn("mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    store.writer().delete(&u2, &[]).unwrap();
    assert!(!store.has_children(&d1).unwrap());
    store.writer().delete(&d1, &[]).unwrap();
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
        .rename(&old_dn, &new, &keys_of(&old), &keys_of(&new))
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
    store.writer().rename(&new.dn, &recased, &[], &[]).unwrap();
    assert_eq!(
        store.get(&new.dn).unwrap().unwrap().1.dn.to_string(),
        recased.dn.to_string()
    );

    let u3 = dn("mail=user3@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example");
    let clash = entry(&u3.to_string(), &[]);
    assert_eq!(
        store.writer().rename(&new.dn, &clash, &[], &[]),
        Err(StoreError::AlreadyExists)
    );
    let d1 = dn("o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let moved = entry("o=domain9.example,o=hosting,dc=myhosting,dc=example", &[]);
    assert_eq!(
        store.writer().rename(&d1, &moved, &[], &[]),
        Err(StoreError::NotLeaf)
    );
    assert_eq!(
        store.writer().rename(&old_dn, &moved, &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
    let under_missing = entry("mail=z@x,o=nowhere,o=hosting,dc=myhosting,dc=example", &[]);
    assert_eq!(
        store.writer().rename(&u3, &under_missing, &[], &[]),
        Err(StoreError::NoSuchEntry)
    );
}

#[test]
fn scopes_follow_the_tree_and_not_string_prefixes() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let hosting = dn("o=hosting,dc=myhosting,dc=example");
    let scope = |base: &Dn, s| sorted(store.scope_ids(base, s).unwrap());

    assert_eq!(scope(&hosting, Scope::Base), ids_of(&ids, &["hosting"]));
    assert_eq!(
        scope(&hosting, Scope::OneLevel),
        ids_of(&ids, &["d1", "d2"])
    );
    assert_eq!(
        scope(&hosting, Scope::Subtree),
        ids_of(&ids, &["hosting", "d1", "d2", "u1", "u2", "u3"])
    );
    assert_eq!(
        scope(&hosting, Scope::Children),
        ids_of(&ids, &["d1", "d2", "u1", "u2", "u3"])
    );
    let suffix = dn(SUFFIX);
    assert_eq!(
        scope(&suffix, Scope::OneLevel),
        ids_of(&ids, &["hosting", "hostingx"])
    );
    let d1 = dn("o=domain1.example,o=hosting,dc=myhosting,dc=example");
    assert_eq!(scope(&d1, Scope::OneLevel), ids_of(&ids, &["u1", "u2"]));
    assert_eq!(scope(&Dn::root(), Scope::Subtree).len(), 8);
    // The suffix has two RDNs: it is not a child of the root, and no dc=example exists.
    assert!(scope(&Dn::root(), Scope::OneLevel).is_empty());
    assert!(scope(&Dn::root(), Scope::Base).is_empty());

    // Tree order: every entry comes after its parent.
    let order = store.scope_ids(&suffix, Scope::Subtree).unwrap();
    let pos = |n: &str| order.iter().position(|i| *i == ids[n]).unwrap();
    assert!(pos("suffix") < pos("hosting") && pos("hosting") < pos("d1") && pos("d1") < pos("u1"));

    let missing = dn("o=nowhere,dc=myhosting,dc=example");
    assert_eq!(
        store.scope_ids(&missing, Scope::Subtree),
        Err(StoreError::NoSuchEntry)
    );
    let top = store.writer().add(&entry("dc=org", &[]), &[]).unwrap();
    assert_eq!(
        store.scope_ids(&Dn::root(), Scope::OneLevel).unwrap(),
        vec![top]
    );
}

#[test]
fn index_lookups_and_substring_candidates() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    assert_eq!(
        store
            .index_ids(&eq("objectclass", "couriermailaccount"))
            .unwrap(),
        ids_of(&ids, &["u1", "u2", "u3"])
    );
    let pres = IndexKey {
        attr: "mail".into(),
        kind: IndexKind::Presence,
        key: vec![],
    };
    assert_eq!(
        store.index_ids(&pres).unwrap(),
        ids_of(&ids, &["u1", "u2", "u3"])
    );

    // (mail=*@domain1.example): intersect the substring keys.
    let keys = substring_query_keys("mail", None, &[], Some(b"@domain1.example"));
    let mut by_hand = store.index_ids(&keys[0]).unwrap();
    for k in &keys[1..] {
        by_hand = intersect(&by_hand, &store.index_ids(k).unwrap());
    }
    assert_eq!(by_hand, ids_of(&ids, &["u1", "u2"]));
    assert_eq!(store.index_intersection(&keys).unwrap(), Some(by_hand));

    // (&(mail=user3@domain2.example)(objectClass=courierMailAccount)) and a miss.
    let and = [
        eq("mail", "user3@domain2.example"),
        eq("objectclass", "couriermailaccount"),
    ];
    assert_eq!(
        store.index_intersection(&and).unwrap(),
        Some(vec![ids["u3"]])
    );
    let miss = [
        eq("objectclass", "couriermailaccount"),
        eq("mail", "nobody@x"),
    ];
    assert_eq!(store.index_intersection(&miss).unwrap(), Some(vec![]));
    assert_eq!(store.index_intersection(&[]).unwrap(), None);
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
fn iter_entries_lists_parents_first() {
    let store = Store::open_temporary().unwrap();
    hosting_tree(&store);
    let dns: Vec<Dn> = store.iter_entries().map(|r| r.unwrap().1.dn).collect();
    assert_eq!(dns.len(), 8);
    for (i, d) in dns.iter().enumerate() {
        if let Some(p) = d.parent().filter(|p| p.depth() >= 2) {
            let at = dns
                .iter()
                .position(|x| x.same_as(&p))
                .expect("parent listed");
            assert!(at < i, "{p} after {d}");
        }
    }
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
fn corrupt_records_are_errors_not_panics() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    store
        .id2entry
        .insert(ids["u1"].to_be_bytes(), &[1, 0, 0][..])
        .unwrap();
    let u1 = dn("mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    assert!(matches!(store.get(&u1), Err(StoreError::Corrupt(_))));
    assert!(store
        .iter_entries()
        .any(|r| matches!(r, Err(StoreError::Corrupt(_)))));
    store.dn2id.insert(u1.tree_key(), &[1, 2][..]).unwrap();
    assert!(matches!(store.exists(&u1), Ok(true)));
    assert!(matches!(store.get(&u1), Err(StoreError::Corrupt(_))));
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

/// Timing for the lead to turn into a benchmark: `cargo test --release --lib store::tests::bulk -- --ignored --nocapture`.
#[test]
#[ignore]
fn bulk_100k_insert_and_lookup() {
    use std::time::Instant;
    for with_sub in [false, true] {
        let store = Store::open_temporary().unwrap();
        store.writer().add(&entry(SUFFIX, &[]), &[]).unwrap();
        for d in 0..100 {
            store
                .writer()
                .add(&entry(&format!("o=domain{d}.example,{SUFFIX}"), &[]), &[])
                .unwrap();
        }
        let kinds: &[IndexKind] = if with_sub {
            &[IndexKind::Equality, IndexKind::Substring]
        } else {
            &[IndexKind::Equality]
        };
        let start = Instant::now();
        let n = 100_000;
        let mut nkeys = 0;
        for i in 0..n {
            let mail = format!("user{i}@domain{}.example", i % 100);
            let e = entry(
                &format!("mail={mail},o=domain{}.example,{SUFFIX}", i % 100),
                &[("objectClass", &["courierMailAccount"]), ("mail", &[&mail])],
            );
            let mut keys = index_keys("mail", kinds, &[mail.into_bytes()]);
            keys.extend(index_keys(
                "objectclass",
                &[IndexKind::Equality],
                &[b"couriermailaccount".to_vec()],
            ));
            nkeys += keys.len();
            store.writer().add(&e, &keys).unwrap();
        }
        let took = start.elapsed();
        let start = Instant::now();
        let found = store
            .index_ids(&eq("mail", "user77777@domain77.example"))
            .unwrap();
        let lookup = start.elapsed();
        assert_eq!(found.len(), 1);
        println!(
            "substring index {with_sub}: {n} adds in {took:?} ({:.0}/s, {:.1} keys/entry), eq lookup {lookup:?}",
            n as f64 / took.as_secs_f64(),
            nkeys as f64 / n as f64
        );
        if with_sub {
            let start = Instant::now();
            let keys = substring_query_keys("mail", None, &[], Some(b"@domain7.example"));
            let cands = store.index_intersection(&keys).unwrap().unwrap();
            assert_eq!(cands.len(), 1000);
            println!(
                "  *@domain7.example: {} keys, {} candidates, {:?}",
                keys.len(),
                cands.len(),
                start.elapsed()
            );
            let start = Instant::now();
            let and = [
                eq("objectclass", "couriermailaccount"),
                eq("mail", "user4242@domain42.example"),
            ];
            assert_eq!(store.index_intersection(&and).unwrap().unwrap().len(), 1);
            println!("  (&(objectClass=..)(mail=..)): {:?}", start.elapsed());
        }
    }
}
