//! Reads: scopes, index lookups, iteration, corrupt records.

use super::*;

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

/// Timing for the lead to turn into a benchmark: `cargo test --release --lib store::tests::read::bulk -- --ignored --nocapture`.
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

#[test]
fn intersections_are_exact_whichever_list_is_read_first() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let account = eq("objectclass", "couriermailaccount");
    let user3 = eq("mail", "user3@domain2.example");
    let nobody = eq("mail", "nobody@x");
    for keys in [
        [user3.clone(), account.clone()],
        [account.clone(), user3.clone()],
    ] {
        assert_eq!(
            store.index_intersection(&keys).unwrap(),
            Some(vec![ids["u3"]])
        );
    }
    for keys in [[nobody.clone(), account.clone()], [account, nobody]] {
        assert_eq!(store.index_intersection(&keys).unwrap(), Some(vec![]));
    }
}

/// A scope longer than one snapshot's chunk (4,096 keys) is listed whole, once each,
/// and stops at its own subtree, on both engines.
#[test]
fn a_scope_longer_than_a_snapshot_chunk_is_listed_whole() {
    for kind in [EngineKind::Lmdb, EngineKind::Sled] {
        let store = Store::from_engine(Engine::temporary(kind).unwrap()).unwrap();
        let ids = hosting_tree(&store);
        let d2 = dn("o=domain2.example,o=hosting,dc=myhosting,dc=example");
        let mut added = Vec::new();
        for i in 0..4200 {
            let d = format!("mail=bulk{i}@domain2.example,{d2}");
            added.push(add(&store, &entry(&d, &[("objectClass", &["account"])])));
        }
        let scope = |base: &Dn, s| sorted(store.scope_ids(base, s).unwrap());
        let mut children = ids_of(&ids, &["u3"]);
        children.extend(&added);
        let children = sorted(children);
        assert_eq!(scope(&d2, Scope::Children), children, "{kind:?}");
        assert_eq!(scope(&d2, Scope::OneLevel), children, "{kind:?}");
        let mut subtree = children.clone();
        subtree.push(ids["d2"]);
        assert_eq!(scope(&d2, Scope::Subtree), sorted(subtree), "{kind:?}");
        let hosting = dn("o=hosting,dc=myhosting,dc=example");
        let all = scope(&hosting, Scope::Subtree);
        assert_eq!(all.len(), 6 + 4200, "{kind:?}");
        assert!(!all.contains(&ids["hostingx"]), "{kind:?}");
    }
}
