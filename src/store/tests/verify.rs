//! `Store::verify` and `Writer::rebuild_dn2id` in process: sound after every kind of
//! write (a subtree rename included), and each kind of damage named.

use super::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U1: &str = "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";

fn check(store: &Store) -> Vec<Problem> {
    let keys: KeysOf<'_> = &keys_of;
    store.verify(&dn(SUFFIX), Some(keys)).unwrap().problems
}

#[test]
fn every_write_leaves_the_store_sound() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    assert_eq!(check(&store), vec![]);
    let report = store.verify(&dn(SUFFIX), Some(&keys_of)).unwrap();
    assert_eq!((report.entries, report.dn_keys), (8, 8));
    assert!(report.index_keys > 8);

    let renamed = entry(
        "o=renamed.example,o=hosting,dc=myhosting,dc=example",
        &[("objectClass", &["organization"])],
    );
    store
        .writer()
        .rename(&dn(D1), &renamed, &[], &[], &[])
        .unwrap();
    let u3 = store.get_by_id(ids["u3"]).unwrap().unwrap();
    store.writer().delete(&u3.dn, &keys_of(&u3), &[]).unwrap();
    assert_eq!(check(&store), vec![]);
}

#[test]
fn damage_is_named_and_rebuild_mends_what_the_entries_say() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    // d1's DN key lost: d1 has no key, and its children are cut off from the suffix.
    store.dn2id.remove(dn(D1).tree_key()).unwrap();
    // A key naming u2 under another DN, and a wrong count.
    store
        .dn2id
        .insert(b"dc=elsewhere\0", ids["u2"].to_be_bytes())
        .unwrap();
    store.meta.insert(COUNT_KEY, 3u64.to_be_bytes()).unwrap();
    let problems = check(&store);
    let d1 = dn(D1).to_string();
    assert!(problems.contains(&Problem::MissingDnKey {
        dn: d1.clone(),
        id: ids["d1"],
        found: None
    }));
    assert!(problems.contains(&Problem::MissingParent {
        dn: U1.into(),
        parent: d1
    }));
    assert!(problems.contains(&Problem::WrongDnKey {
        key: "dc=elsewhere".into(),
        id: ids["u2"],
        dn: "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example".into()
    }));
    assert!(problems.contains(&Problem::WrongCount {
        kept: Some(3),
        actual: 8
    }));

    let rebuilt = store.writer().rebuild_dn2id().unwrap();
    assert_eq!((rebuilt.removed, rebuilt.added), (1, 1));
    assert_eq!(rebuilt.count_was, Some(Some(3)));
    assert_eq!(check(&store), vec![]);
    assert_eq!(store.len(), 8);
}

#[test]
fn an_orphans_descendants_are_unreachable() {
    let store = Store::open_temporary().unwrap();
    let ids = hosting_tree(&store);
    let hosting = dn("o=hosting,dc=myhosting,dc=example");
    store.dn2id.remove(hosting.tree_key()).unwrap();
    store.id2entry.remove(ids["hosting"].to_be_bytes()).unwrap();
    let problems = check(&store);
    assert!(problems.contains(&Problem::MissingParent {
        dn: D1.into(),
        parent: hosting.to_string()
    }));
    assert!(problems.contains(&Problem::Unreachable {
        dn: U1.into(),
        why: format!("its ancestor {D1} is not")
    }));
    // Its index keys now name nothing.
    assert!(problems
        .iter()
        .any(|p| matches!(p, Problem::DanglingIndexKey { id, .. } if *id == ids["hosting"])));
}
