//! The planner: which candidates each kind of filter yields from the indexes, and
//! that unindexed parts fall back (skipped inside an AND, the whole scope otherwise).

use super::*;
use crate::dn::Scope;
use crate::filter::Filter;

/// mail eq+pres+sub, objectClass eq+pres, maildrop eq; cn and sn unindexed.
fn planned_directory() -> Directory {
    let mut config = Config::default();
    config.indexes.clear();
    for (attr, kinds) in [
        ("mail", &["eq", "pres", "sub"][..]),
        ("objectClass", &["eq", "pres"]),
        ("maildrop", &["eq"]),
    ] {
        config
            .indexes
            .insert(attr.into(), kinds.iter().map(|k| k.to_string()).collect());
    }
    hosting(&config)
}

/// The planner's candidates as sorted local parts of their mail (RDN value), or None.
fn plan(dir: &Directory, filter: &str) -> Option<Vec<String>> {
    let filter = Filter::parse(filter).expect("test filter");
    let ids = dir.plan(&filter).expect("plan")?;
    let mut names: Vec<String> = ids
        .into_iter()
        .map(|id| {
            let e = dir.store.get_by_id(id).unwrap().expect("candidate stored");
            e.dn.rdn().unwrap().avas[0].value.clone()
        })
        .collect();
    names.sort();
    Some(names)
}

fn names(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn equality_uses_the_index_or_falls_back() {
    let dir = planned_directory();
    assert_eq!(
        plan(&dir, "(mail=USER1@domain1.example)"),
        names(&["user1@domain1.example"])
    );
    assert_eq!(plan(&dir, "(mail=nobody@domain1.example)"), names(&[]));
    assert_eq!(plan(&dir, "(cn=user1)"), None, "cn is not indexed");
    assert_eq!(
        plan(&dir, "(bogusAttr=x)"),
        names(&[]),
        "undefined: no entry matches"
    );
}

#[test]
fn presence_uses_the_index_except_for_object_class() {
    let dir = planned_directory();
    assert_eq!(
        plan(&dir, "(mail=*)"),
        names(&[
            "abuse@domain1.example",
            "user1@domain1.example",
            "user2@domain1.example"
        ])
    );
    assert_eq!(plan(&dir, "(objectClass=*)"), None);
    assert_eq!(
        plan(&dir, "(maildrop=*)"),
        None,
        "maildrop has no presence index"
    );
}

#[test]
fn substrings_use_the_grams() {
    let dir = planned_directory();
    assert_eq!(
        plan(&dir, "(mail=user*)"),
        names(&["user1@domain1.example", "user2@domain1.example"])
    );
    assert_eq!(
        plan(&dir, "(mail=*@DOMAIN1.example)").map(|v| v.len()),
        Some(3)
    );
    assert_eq!(
        plan(&dir, "(mail=*er2*)"),
        names(&["user2@domain1.example"])
    );
    assert_eq!(
        plan(&dir, "(mail=*r2*)"),
        None,
        "no gram in a two-byte piece"
    );
    // One-byte inner pieces narrow nothing: the scope is read instead.
    assert_eq!(plan(&dir, "(mail=*a*)"), None);
    assert_eq!(plan(&dir, "(cn=user*)"), None, "cn has no substring index");
}

#[test]
fn and_intersects_indexed_parts_and_skips_unindexed_ones() {
    let dir = planned_directory();
    assert_eq!(
        plan(
            &dir,
            "(&(objectClass=CourierMailAccount)(mail=user2@domain1.example))"
        ),
        names(&["user2@domain1.example"])
    );
    assert_eq!(
        plan(
            &dir,
            "(&(objectClass=courierMailAlias)(mail=user2@domain1.example))"
        ),
        names(&[])
    );
    assert_eq!(
        plan(&dir, "(&(cn=whatever)(mail=user1@domain1.example))"),
        names(&["user1@domain1.example"]),
        "the unindexed part is left to the filter check"
    );
    assert_eq!(plan(&dir, "(&(cn=a)(sn=b))"), None);
    // objectClass=person finds inetOrgPerson accounts: superclasses are filed too.
    assert_eq!(
        plan(&dir, "(&(objectClass=person)(mail=user*))"),
        names(&["user1@domain1.example", "user2@domain1.example"])
    );
}

#[test]
fn or_unites_its_parts_unless_one_is_unindexed() {
    let dir = planned_directory();
    assert_eq!(
        plan(
            &dir,
            "(|(mail=user1@domain1.example)(maildrop=user1@domain1.example))"
        ),
        names(&["abuse@domain1.example", "user1@domain1.example"])
    );
    assert_eq!(plan(&dir, "(|(mail=user1@domain1.example)(cn=x))"), None);
    assert_eq!(plan(&dir, "(!(mail=user1@domain1.example))"), None);
}

#[test]
fn candidates_read_the_scope_when_the_plan_cannot_narrow() {
    let dir = planned_directory();
    let base = dn(D1);
    let mut seen = Vec::new();
    let filter = Filter::parse("(cn=user1)").unwrap();
    let stats = dir
        .candidates(&base, Scope::OneLevel, &filter, &mut |e| {
            seen.push(e.dn.to_string());
            true
        })
        .unwrap();
    assert!(!stats.indexed);
    // Every child of the domain is examined; the filter, screened over the one
    // attribute it reads, lets only the match through to be decoded whole.
    assert_eq!(stats.examined, 3, "every child of the domain");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("mail=user1@domain1.example,"),
        "{seen:?}"
    );
    // A filter with NOT is not screened: every child comes back for the caller to judge.
    let filter = Filter::parse("(!(cn=user1))").unwrap();
    let mut all = 0;
    dir.candidates(&base, Scope::OneLevel, &filter, &mut |_| {
        all += 1;
        true
    })
    .unwrap();
    assert_eq!(all, 3);
    // Indexed: only the hits are read, and those outside the scope are dropped.
    let filter = Filter::parse("(mail=*)").unwrap();
    let base = dn("o=hosting,dc=myhosting,dc=example");
    let mut seen = 0;
    let stats = dir
        .candidates(&base, Scope::OneLevel, &filter, &mut |_| {
            seen += 1;
            true
        })
        .unwrap();
    assert!(stats.indexed);
    assert_eq!((stats.examined, seen), (3, 0));
    let err = dir
        .candidates(
            &dn(&format!("o=nope,{SUFFIX}")),
            Scope::Subtree,
            &filter,
            &mut |_| true,
        )
        .unwrap_err();
    assert_eq!(err.matched, SUFFIX);
}

/// A scan reads its scope a batch of ids per snapshot: matches on either side of the
/// batch boundaries all come back, in the scope's order, and a visitor that stops
/// ends the scan inside a batch.
#[test]
fn screened_scans_cross_batches_and_stop_when_told() {
    let dir = planned_directory();
    for i in 0..600 {
        dir.add(account(&format!("u{i:03}")), ACTOR, Origin::Client)
            .expect("add");
    }
    let base = dn(D1);
    // cn is unindexed; the matches lie in the first batch, across the first
    // boundary (256) and in the last batch.
    let filter = Filter::parse("(|(cn=u0*)(cn=u25*)(cn=u59*)(cn=u300))").unwrap();
    let mut seen = Vec::new();
    let stats = dir
        .candidates(&base, Scope::OneLevel, &filter, &mut |e| {
            seen.push(e.values("cn")[0].clone());
            true
        })
        .unwrap();
    assert!(!stats.indexed);
    assert_eq!(stats.examined, 603, "every child of the domain");
    let mut want: Vec<String> = (0..100)
        .chain(250..260)
        .chain(590..600)
        .chain([300])
        .map(|i| format!("u{i:03}"))
        .collect();
    want.sort();
    let got: Vec<String> = seen
        .iter()
        .map(|v| String::from_utf8_lossy(v).into())
        .collect();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted, "in the scope's (DN) order");
    assert_eq!(got, want);
    let mut taken = 0;
    dir.candidates(&base, Scope::OneLevel, &filter, &mut |_| {
        taken += 1;
        taken < 5
    })
    .unwrap();
    assert_eq!(taken, 5);
}

#[test]
fn screened_scans_judge_names_whatever_order_entries_store_them_in() {
    let dir = planned_directory();
    for i in 0..40 {
        let mut e = account(&format!("u{i:02}"));
        // Every other entry stores its attributes back to front, and every third
        // holds a description, so the scan's memo of names meets new orders and
        // new names midway.
        if i % 2 == 1 {
            e.attrs.reverse();
        }
        if i % 3 == 0 {
            e.add_values("description", [format!("d{i:02}").into_bytes()]);
        }
        dir.add(e, ACTOR, Origin::Client).expect("add");
    }
    let base = dn(D1);
    let found = |f: &str| {
        let filter = Filter::parse(f).unwrap();
        let mut seen = Vec::new();
        dir.candidates(&base, Scope::OneLevel, &filter, &mut |e| {
            seen.push(String::from_utf8_lossy(&e.values("cn")[0]).into_owned());
            true
        })
        .unwrap();
        seen.sort();
        seen
    };
    let want = |ids: &mut dyn Iterator<Item = usize>| -> Vec<String> {
        ids.map(|i| format!("u{i:02}")).collect()
    };
    assert_eq!(found("(sn=u1*)"), want(&mut (10..20)));
    assert_eq!(found("(description=*)"), want(&mut (0..40).step_by(3)));
    assert_eq!(
        found("(&(sn=u2*)(description=d2*))"),
        want(&mut [21, 24, 27].into_iter())
    );
    assert_eq!(
        found("(|(cn=u05)(homeDirectory=/nowhere))"),
        want(&mut [5].into_iter())
    );
}
