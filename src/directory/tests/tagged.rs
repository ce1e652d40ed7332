//! Values under tagged descriptions (`cn;lang-de`) and subtypes: filed under their
//! type's indexes, found by the planner, held to the unique-value and mailbox guards,
//! and hashed like plain userPassword values.

use super::*;
use crate::dn::Scope;
use crate::entry::{ModOp, Modification};
use crate::error::ResultCode;
use crate::filter::Filter;
use crate::store::{index_keys, IndexKind};

/// user3, whose German name only `cn;lang-de` holds.
fn tagged_account() -> Entry {
    let mut e = account("user3");
    e.add_values("cn;lang-de", [b"Johann Schmidt".to_vec()]);
    e.add_values("o;lang-fr", [b"Exemple".to_vec()]);
    e
}

/// The default directory (cn eq indexed) with user3 added.
fn tagged_directory() -> Directory {
    let dir = hosting_default();
    dir.add(tagged_account(), ACTOR, Origin::Client)
        .expect("add user3");
    dir
}

/// The RDN values of the entries `filter` matches under the suffix, and whether the
/// indexes were used.
fn search(dir: &Directory, filter: &str) -> (Vec<String>, bool) {
    let filter = Filter::parse(filter).expect("test filter");
    let mut out = Vec::new();
    let stats = dir
        .candidates(&dn(SUFFIX), Scope::Subtree, &filter, &mut |e| {
            if filter.evaluate(&e, dir.schema(), &|_| true).is_true() {
                out.push(e.dn.rdn().unwrap().avas[0].value.clone());
            }
            true
        })
        .unwrap();
    out.sort();
    (out, stats.indexed)
}

const USER3: &str = "user3@domain1.example";

#[test]
fn tagged_values_are_found_through_their_types_index() {
    let dir = tagged_directory();
    assert_eq!(
        search(&dir, "(cn=Johann Schmidt)"),
        (vec![USER3.to_string()], true)
    );
    assert_eq!(
        search(&dir, "(cn;lang-de=johann schmidt)"),
        (vec![USER3.to_string()], true)
    );
    // cn's index is a superset for a tag: the filter check applies the tag.
    assert_eq!(search(&dir, "(cn;lang-en=Johann Schmidt)"), (vec![], true));
    assert_eq!(
        search(
            &dir,
            "(&(objectClass=inetOrgPerson)(cn;lang-de=Johann Schmidt))"
        ),
        (vec![USER3.to_string()], true)
    );
    // Modify keeps the filing current: the tagged value leaves the index with it.
    let drop = Modification {
        op: ModOp::Delete,
        attr: "cn;lang-de".into(),
        values: vec![],
    };
    dir.modify(&dn(&format!("mail={USER3},{D1}")), &[drop], ACTOR)
        .unwrap();
    assert_eq!(search(&dir, "(cn=Johann Schmidt)"), (vec![], true));
}

#[test]
fn a_supertype_is_scanned_not_answered_by_a_subtypes_index() {
    let dir = tagged_directory();
    // name is unindexed; cn's index lacks o and sn, so it must not answer name.
    assert_eq!(
        search(&dir, "(name=Exemple)"),
        (vec![USER3.to_string()], false)
    );
    assert!(!dir.is_narrow(&Filter::parse("(name=Exemple)").unwrap()));
    assert!(dir.is_narrow(&Filter::parse("(cn;lang-de=x)").unwrap()));
    assert!(dir.is_narrow(&Filter::parse("(|(cn;lang-de=x)(mail=y))").unwrap()));
    // Unrecognized descriptions: no entry, without reading any.
    assert_eq!(search(&dir, "(cn;binary=Johann Schmidt)"), (vec![], true));
}

#[test]
fn a_store_filed_the_old_way_is_reindexed_once() {
    let config = Config::default();
    let store = Store::open_temporary().unwrap();
    // As earlier versions filed user3: cn's plain value only, under their fingerprint.
    let old_keys = index_keys("cn", &[IndexKind::Equality], &[b"user3".to_vec()]);
    store.writer().add(&tagged_account(), &old_keys).unwrap();
    let spec = Directory::with_store(Store::open_temporary().unwrap(), &config)
        .unwrap()
        .index_spec()
        .fingerprint();
    let earlier = spec.strip_suffix(" descriptions:1").expect("the mark");
    store.writer().set_index_config(earlier).unwrap();
    let dir = Directory::with_store(store, &config).unwrap();
    let filter = Filter::parse("(cn=Johann Schmidt)").unwrap();
    let ids = dir.plan(&filter).unwrap().expect("cn is indexed");
    assert_eq!(ids.len(), 1, "cn;lang-de filed by the reindex");
    assert_eq!(
        dir.store.index_config().unwrap().as_deref(),
        Some(spec.as_str())
    );
}

fn user(local: &str) -> Dn {
    dn(&format!("mail={local}@domain1.example,{D1}"))
}

fn add_value(attr: &str, value: &str) -> Modification {
    Modification {
        op: ModOp::Add,
        attr: attr.into(),
        values: vec![value.as_bytes().to_vec()],
    }
}

#[test]
fn a_unique_value_under_a_tag_is_held_to_uniqueness() {
    let dir = hosting_default();
    // Another account's address under a tag would answer Postfix's (mail=...).
    let err = dir
        .modify(
            &user("user2"),
            &[add_value("mail;x-alt", "user1@domain1.example")],
            ACTOR,
        )
        .unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    assert!(err.message.contains("already used by mail=user1"), "{err}");
    // And the other way round: a tagged address taken first keeps the plain one free.
    dir.modify(
        &user("user2"),
        &[add_value("mail;x-alt", "spare@domain1.example")],
        ACTOR,
    )
    .unwrap();
    let mut taker = account("user3");
    taker.add_values("mail", [b"Spare@domain1.example".to_vec()]);
    let err = dir.add(taker, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    assert!(err.message.contains("already used by mail=user2"), "{err}");
    // An entry's own tagged copy of its value is no clash with itself.
    dir.modify(
        &user("user1"),
        &[add_value("mail;lang-de", "user1@domain1.example")],
        ACTOR,
    )
    .unwrap();
}

#[test]
fn a_tagged_mailbox_is_guarded_and_retired_too() {
    let dir = hosting_default();
    // user1's live Maildir under a tag of user3's mailbox.
    let mut twin = account("user3");
    twin.add_values("mailbox;x-alt", [b"domain1.example/user1/".to_vec()]);
    let err = dir.add(twin, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    assert!(err.message.contains("already used by mail=user1"), "{err}");
    // A tagged home directory leads to a path too.
    let mut elsewhere = account("user3");
    elsewhere.set_values("mailbox", vec![b"domain1.example/user2/".to_vec()]);
    elsewhere.set_values("homeDirectory", vec![b"/elsewhere".to_vec()]);
    elsewhere.add_values("homeDirectory;x-alt", [b"/home/vmail/domains".to_vec()]);
    let err = dir.add(elsewhere, ACTOR, Origin::Client).unwrap_err();
    assert!(err.message.contains("already used by mail=user2"), "{err}");
    // Deleting an account retires every path it named.
    dir.modify(
        &user("user2"),
        &[add_value("mailbox;x-old", "domain1.example/old2/")],
        ACTOR,
    )
    .unwrap();
    dir.delete(&user("user2")).unwrap();
    let mut retired: Vec<String> = dir
        .retired_mailboxes()
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    retired.sort();
    assert_eq!(
        retired,
        vec![
            "/home/vmail/domains/domain1.example/old2/",
            "/home/vmail/domains/domain1.example/user2/"
        ]
    );
}

#[test]
fn every_userpassword_description_is_hashed() {
    let dir = hosting_default();
    let mut e = account("user3");
    e.add_values("userPassword", [b"plain".to_vec()]);
    e.add_values("userPassword;x-old", [b"tagged".to_vec()]);
    dir.add(e, ACTOR, Origin::Client).unwrap();
    let more = add_value("userPassword;lang-de", "{CLEARTEXT}other");
    dir.modify(&user("user3"), &[more], ACTOR).unwrap();
    let stored = dir.get(&user("user3")).unwrap().expect("user3");
    let passwords: Vec<(&str, &[u8])> = stored
        .attrs
        .iter()
        .filter(|a| a.name.starts_with("userPassword"))
        .flat_map(|a| {
            a.values
                .iter()
                .map(move |v| (a.name.as_str(), v.as_slice()))
        })
        .collect();
    assert_eq!(passwords.len(), 3, "{passwords:?}");
    for (name, v) in passwords {
        assert!(crate::password::is_hashed(v), "{name} stored in clear");
    }
}
