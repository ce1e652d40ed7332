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
