//! Subtree renames and moves, and the rewrites that commit with a delete or rename.

use super::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U1: &str = "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// Every dn2id key names an entry stored under that very DN, parents come first, and
/// every index key names a stored entry: what export and import rely on.
fn assert_consistent(store: &Store) {
    let mut seen: Vec<Dn> = Vec::new();
    for item in store.iter_entries() {
        let (id, e) = item.unwrap();
        assert_eq!(store.get(&e.dn).unwrap().map(|(i, _)| i), Some(id));
        if let Some(parent) = e.dn.parent().filter(|p| p.depth() > 2) {
            assert!(
                seen.iter().any(|s| s.same_as(&parent)),
                "{} before its parent",
                e.dn
            );
        }
        seen.push(e.dn);
    }
    assert_eq!(seen.len(), store.len());
    for key in [
        "user1@domain1.example",
        "user2@domain1.example",
        "user3@domain2.example",
    ] {
        for id in store.index_ids(&eq("mail", key)).unwrap() {
            assert!(
                store.get_by_id(id).unwrap().is_some(),
                "index names a lost entry"
            );
        }
    }
}

#[test]
fn a_subtree_rename_moves_every_descendant_and_keeps_ids() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let d1 = dn(D1);
    let (_, old) = store.get(&d1).unwrap().unwrap();
    let mut new = old.clone();
    new.dn = dn("o=renamed.example,o=hosting,dc=myhosting,dc=example");
    store.writer().rename(&d1, &new, &[], &[], &[]).unwrap();

    assert!(!store.exists(&d1).unwrap());
    assert_eq!(
        store.scope_ids(&d1, Scope::Subtree),
        Err(StoreError::NoSuchEntry)
    );
    assert!(store.get(&dn(U1)).unwrap().is_none());
    assert_eq!(
        sorted(store.scope_ids(&new.dn, Scope::Subtree).unwrap()),
        ids_of(&ids, &["d1", "u1", "u2"])
    );
    let u1 = dn("mail=user1@domain1.example,o=renamed.example,o=hosting,dc=myhosting,dc=example");
    let (id, e) = store.get(&u1).unwrap().unwrap();
    assert_eq!(id, ids["u1"]);
    assert_eq!(
        e.dn.to_string(),
        u1.to_string(),
        "the record holds the new DN"
    );
    assert_eq!(e.first_str("mail"), Some("user1@domain1.example"));
    // The descendants' index keys still find them, under their new DN.
    let hit = store
        .index_ids(&eq("mail", "user1@domain1.example"))
        .unwrap();
    assert_eq!(hit, vec![ids["u1"]]);
    assert!(store.get_by_id(hit[0]).unwrap().unwrap().dn.same_as(&u1));
    assert_eq!(store.len(), 8);
    assert_consistent(&store);
}

#[test]
fn a_subtree_moves_under_a_new_superior_but_never_below_itself() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let d1 = dn(D1);
    let (_, old) = store.get(&d1).unwrap().unwrap();
    for inside in [
        D1.to_string(),
        format!("o=deeper,{U1}"),
        format!("o=x,{D1}"),
    ] {
        let mut below = old.clone();
        below.dn = dn(&inside);
        let expected = if dn(&inside).same_as(&d1) {
            Ok(())
        } else {
            Err(StoreError::BelowItself)
        };
        assert_eq!(
            store.writer().rename(&d1, &below, &[], &[], &[]),
            expected,
            "{inside}"
        );
    }
    let mut moved = old.clone();
    moved.dn = dn("o=domain1.example,o=hostingx,dc=myhosting,dc=example");
    store.writer().rename(&d1, &moved, &[], &[], &[]).unwrap();
    let hostingx = dn("o=hostingx,dc=myhosting,dc=example");
    assert_eq!(
        sorted(store.scope_ids(&hostingx, Scope::Subtree).unwrap()),
        ids_of(&ids, &["hostingx", "d1", "u1", "u2"])
    );
    assert_consistent(&store);
}

#[test]
fn a_case_only_rename_respells_the_descendants() {
    let store = Store::open_temporary().unwrap();
    hosting_tree(&store);
    let d1 = dn(D1);
    let (_, old) = store.get(&d1).unwrap().unwrap();
    let mut recased = old.clone();
    recased.dn = dn("o=Domain1.Example,o=hosting,dc=myhosting,dc=example");
    store.writer().rename(&d1, &recased, &[], &[], &[]).unwrap();
    let (_, u1) = store.get(&dn(U1)).unwrap().unwrap();
    assert!(
        u1.dn.to_string().contains("o=Domain1.Example,"),
        "{}",
        u1.dn
    );
    assert_consistent(&store);
}

#[test]
fn rewrites_commit_with_the_delete_or_rename_or_not_at_all() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let u3 = dn("mail=user3@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example");
    let (u3_id, u3_old) = store.get(&u3).unwrap().unwrap();
    let mut u3_new = u3_old.clone();
    u3_new.set_values("mail", vec![b"other@domain2.example".to_vec()]);
    let rewrite = Rewrite {
        id: u3_id,
        entry: u3_new.clone(),
        old_keys: keys_of(&u3_old),
        new_keys: keys_of(&u3_new),
    };
    // A rewrite of a vanished entry aborts the whole write.
    let lost = Rewrite {
        id: 999_999,
        ..rewrite.clone()
    };
    let u2 = dn("mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example");
    let (_, u2_entry) = store.get(&u2).unwrap().unwrap();
    let u2_keys = keys_of(&u2_entry);
    assert_eq!(
        store
            .writer()
            .delete(&u2, &u2_keys, &[rewrite.clone(), lost]),
        Err(StoreError::NoSuchEntry)
    );
    assert!(store.exists(&u2).unwrap());
    assert_eq!(store.get(&u3).unwrap().unwrap().1, u3_old);

    store.writer().delete(&u2, &u2_keys, &[rewrite]).unwrap();
    assert!(!store.exists(&u2).unwrap());
    assert_eq!(store.get(&u3).unwrap().unwrap().1, u3_new);
    assert!(store
        .index_ids(&eq("mail", "user3@domain2.example"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .index_ids(&eq("mail", "other@domain2.example"))
            .unwrap(),
        vec![u3_id]
    );

    // A rewritten entry inside a moved subtree is stored as given, under its new DN.
    let d1 = dn(D1);
    let (_, d1_entry) = store.get(&d1).unwrap().unwrap();
    let mut renamed = d1_entry.clone();
    renamed.dn = dn("o=renamed.example,o=hosting,dc=myhosting,dc=example");
    let (u1_id, mut u1) = store.get(&dn(U1)).unwrap().unwrap();
    u1.dn = dn(&U1.replace("o=domain1.example", "o=renamed.example"));
    u1.set_values("description", vec![b"rewritten".to_vec()]);
    let inside = Rewrite {
        id: u1_id,
        entry: u1.clone(),
        old_keys: vec![],
        new_keys: vec![],
    };
    store
        .writer()
        .rename(&d1, &renamed, &[], &[], &[inside])
        .unwrap();
    assert_eq!(store.get(&u1.dn).unwrap(), Some((ids["u1"], u1)));
    assert_consistent(&store);
}

#[test]
fn attr_index_ids_lists_every_entry_with_a_value() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    assert_eq!(
        store.attr_index_ids("MAIL", IndexKind::Equality).unwrap(),
        ids_of(&ids, &["u1", "u2", "u3"])
    );
    assert!(store
        .attr_index_ids("cn", IndexKind::Equality)
        .unwrap()
        .is_empty());
}

#[test]
fn an_interrupted_subtree_move_is_finished_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (from, to) = (
        dn(D1),
        dn("o=renamed.example,o=hosting,dc=myhosting,dc=example"),
    );
    let ids = {
        let store = Store::open(&path).unwrap();
        let ids = hosting_tree(&store);
        // What a crash midway leaves behind: the top entry and the journal at the new
        // DN, user1's record rebased but its key not yet moved, user2 untouched.
        let (top_id, mut top) = store.get(&from).unwrap().unwrap();
        top.dn = to.clone();
        store.dn2id.remove(from.tree_key()).unwrap();
        store
            .dn2id
            .insert(to.tree_key(), top_id.to_be_bytes())
            .unwrap();
        store
            .id2entry
            .insert(top_id.to_be_bytes(), codec::encode(&top))
            .unwrap();
        store
            .meta
            .insert(subtree::MOVE_FROM_KEY, subtree::journal_dn(&from))
            .unwrap();
        store
            .meta
            .insert(subtree::MOVE_TO_KEY, subtree::journal_dn(&to))
            .unwrap();
        let u1 = ids["u1"].to_be_bytes();
        let record = store.id2entry.get(u1).unwrap().unwrap();
        let rebased = codec::rebase(&record, from.depth(), &to).unwrap();
        store.id2entry.insert(u1, rebased).unwrap();
        store.flush().unwrap();
        ids
    };
    let store = Store::open(&path).unwrap();
    assert!(store.meta.get(subtree::MOVE_FROM_KEY).unwrap().is_none());
    assert_eq!(
        sorted(store.scope_ids(&to, Scope::Subtree).unwrap()),
        ids_of(&ids, &["d1", "u1", "u2"])
    );
    for id in ids_of(&ids, &["u1", "u2"]) {
        let e = store.get_by_id(id).unwrap().unwrap();
        assert!(
            e.dn.is_within(&to) && e.dn.depth() == to.depth() + 1,
            "{}",
            e.dn
        );
    }
    assert_consistent(&store);
}

#[test]
fn readers_never_see_a_subtree_half_moved() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let store = std::sync::Arc::new(Store::open_temporary().unwrap());
    hosting_tree(&store);
    for i in 0..300 {
        let mail = format!("x{i}@domain1.example");
        add(
            &store,
            &entry(&format!("mail={mail},{D1}"), &[("mail", &[&mail])]),
        );
    }
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        std::thread::spawn(move || {
            let hosting = dn("o=hosting,dc=myhosting,dc=example");
            while !done.load(Ordering::SeqCst) {
                // Every account is below exactly one of the two domains' names.
                let ids = store.scope_ids(&hosting, Scope::Subtree).unwrap();
                assert_eq!(ids.len(), 306, "a scan saw the move half done");
            }
        })
    };
    let (_, old) = store.get(&dn(D1)).unwrap().unwrap();
    let mut new = old.clone();
    new.dn = dn("o=renamed.example,o=hosting,dc=myhosting,dc=example");
    store.writer().rename(&dn(D1), &new, &[], &[], &[]).unwrap();
    let mut back = new.clone();
    back.dn = dn(D1);
    store
        .writer()
        .rename(&new.dn, &back, &[], &[], &[])
        .unwrap();
    done.store(true, Ordering::SeqCst);
    reader.join().unwrap();
    assert_consistent(&store);
}
