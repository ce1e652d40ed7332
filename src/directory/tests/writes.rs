//! add, modify, modrdn and delete, and the matchedDN walker.

use super::*;
use crate::dn::{Rdn, Scope};
use crate::entry::{ModOp, Modification};
use crate::error::ResultCode;
use crate::filter::Filter;

pub(super) fn user(local: &str) -> Dn {
    dn(&format!("mail={local}@domain1.example,{D1}"))
}

fn change(op: ModOp, attr: &str, values: &[&str]) -> Modification {
    Modification {
        op,
        attr: attr.into(),
        values: values.iter().map(|v| v.as_bytes().to_vec()).collect(),
    }
}

/// The DNs an indexed equality search under the suffix finds.
pub(super) fn found(dir: &Directory, attr: &str, value: &str) -> Vec<String> {
    let filter = Filter::Equality(attr.into(), value.as_bytes().to_vec());
    let mut out = Vec::new();
    let stats = dir
        .candidates(&dn(SUFFIX), Scope::Subtree, &filter, &mut |e| {
            out.push(e.dn.to_string());
            true
        })
        .unwrap();
    assert!(stats.indexed, "{attr} is indexed by default");
    out
}

#[test]
fn add_stamps_operational_attributes_and_rdn_values() {
    let dir = hosting_default();
    let e = dir.get(&user("user1")).unwrap().expect("stored");
    assert_eq!(e.first_str("mail"), Some("user1@domain1.example"));
    assert_eq!(e.first_str("creatorsName"), Some(ACTOR));
    assert_eq!(e.first_str("structuralObjectClass"), Some("inetOrgPerson"));
    for op in [
        "entryUUID",
        "entryCSN",
        "createTimestamp",
        "modifyTimestamp",
    ] {
        assert!(e.get(op).is_some(), "{op}");
    }
    assert_eq!(found(&dir, "mail", "USER1@domain1.example").len(), 1);
    assert_eq!(dir.len(), 6);
}

#[test]
fn add_refusals() {
    let dir = hosting_default();
    let err = dir
        .add(account("user1"), ACTOR, Origin::Client)
        .unwrap_err();
    assert_eq!(err.code, ResultCode::EntryAlreadyExists);
    let outside = entry("o=x,dc=other", &[("objectClass", &["organization"])]);
    let err = dir.add(outside, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::NoSuchObject);
    let orphan = entry(
        &format!("cn=x,o=missing,{D1}"),
        &[("objectClass", &["organizationalRole"])],
    );
    let err = dir.add(orphan, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::NoSuchObject);
    assert_eq!(err.matched, D1);
    let mut forged = account("user3");
    forged.set_values("entryUUID", vec![b"forged".to_vec()]);
    let err = dir.add(forged, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    // mail is unique by default: an alias may not take an account's address.
    let mut clash = alias("other", "x@y");
    clash.set_values("mail", vec![b"other@domain1.example".to_vec()]);
    clash.add_values("mail", [b"User2@domain1.example".to_vec()]);
    let err = dir.add(clash, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation, "{err}");
    assert_eq!(dir.len(), 6);
}

#[test]
fn import_keeps_the_operational_attributes_it_is_given() {
    let dir = hosting_default();
    let mut e = account("user3");
    e.set_values(
        "entryUUID",
        vec![b"1b4e28ba-2fa1-11d2-883f-0016d3cca427".to_vec()],
    );
    dir.add(e, ACTOR, Origin::Import).unwrap();
    let stored = dir.get(&user("user3")).unwrap().unwrap();
    assert_eq!(
        stored.first_str("entryUUID"),
        Some("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    );
}

#[test]
fn modify_applies_all_or_nothing_and_keeps_indexes_current() {
    let dir = hosting_default();
    let abuse = user("abuse");
    let mods = [
        change(ModOp::Replace, "maildrop", &["user2@domain1.example"]),
        change(ModOp::Add, "description", &["forwarded"]),
    ];
    dir.modify(&abuse, &mods, "cn=admin").unwrap();
    let e = dir.get(&abuse).unwrap().unwrap();
    assert_eq!(e.first_str("maildrop"), Some("user2@domain1.example"));
    assert_eq!(e.first_str("modifiersName"), Some("cn=admin"));
    assert_eq!(found(&dir, "maildrop", "user2@domain1.example").len(), 1);
    assert!(found(&dir, "maildrop", "user1@domain1.example").is_empty());
    // The second change fails: the first is not applied either.
    let mods = [
        change(ModOp::Delete, "description", &[]),
        change(ModOp::Delete, "maildrop", &["nobody@x"]),
    ];
    let err = dir.modify(&abuse, &mods, ACTOR).unwrap_err();
    assert_eq!(err.code, ResultCode::NoSuchAttribute);
    assert!(dir
        .get(&abuse)
        .unwrap()
        .unwrap()
        .get("description")
        .is_some());
}

#[test]
fn modify_refusals() {
    let dir = hosting_default();
    let u1 = user("user1");
    let cases: [(Modification, ResultCode); 6] = [
        (
            change(ModOp::Delete, "mail", &["user1@domain1.example"]),
            ResultCode::NotAllowedOnRdn,
        ),
        (
            change(ModOp::Add, "cn", &["USER1"]),
            ResultCode::AttributeOrValueExists,
        ),
        (
            change(ModOp::Replace, "entryCSN", &["x"]),
            ResultCode::ConstraintViolation,
        ),
        (
            change(ModOp::Replace, "hasSubordinates", &["TRUE"]),
            ResultCode::ConstraintViolation,
        ),
        (
            change(
                ModOp::Replace,
                "objectClass",
                &["top", "organizationalPerson", "CourierMailAccount"],
            ),
            ResultCode::ObjectClassModsProhibited,
        ),
        (
            change(ModOp::Add, "noSuchAttr", &["x"]),
            ResultCode::UndefinedAttributeType,
        ),
    ];
    for (m, code) in cases {
        let err = dir
            .modify(&u1, std::slice::from_ref(&m), ACTOR)
            .unwrap_err();
        assert_eq!(err.code, code, "{m:?}: {err}");
    }
    let err = dir.modify(&user("nobody"), &[], ACTOR).unwrap_err();
    assert_eq!(
        (err.code, err.matched.as_str()),
        (ResultCode::NoSuchObject, D1)
    );
}

#[test]
fn modify_increments_integers() {
    let dir = hosting_default();
    let u1 = user("user1");
    dir.modify(&u1, &[change(ModOp::Add, "uidNumber", &["125"])], ACTOR)
        .unwrap();
    dir.modify(&u1, &[change(ModOp::Increment, "uidNumber", &["5"])], ACTOR)
        .unwrap();
    let e = dir.get(&u1).unwrap().unwrap();
    assert_eq!(e.first_str("uidNumber"), Some("130"));
    let err = dir
        .modify(&u1, &[change(ModOp::Increment, "uidNumber", &["x"])], ACTOR)
        .unwrap_err();
    assert_eq!(err.code, ResultCode::InvalidAttributeSyntax);
}

#[test]
fn modrdn_renames_moves_and_refuses() {
    let dir = hosting_default();
    let new_rdn = Rdn::new("mail", "postmaster@domain1.example");
    let new_dn = dir
        .modrdn(&user("abuse"), &new_rdn, true, None, ACTOR)
        .unwrap();
    assert!(new_dn.same_as(&user("postmaster")));
    assert!(dir.get(&user("abuse")).unwrap().is_none());
    let moved = dir.get(&new_dn).unwrap().unwrap();
    assert_eq!(
        moved.values("mail").len(),
        1,
        "deleteoldrdn dropped the old mail"
    );
    assert_eq!(found(&dir, "mail", "postmaster@domain1.example").len(), 1);
    assert!(found(&dir, "mail", "abuse@domain1.example").is_empty());
    // Move under o=hosting.
    let hosting = dn("o=hosting,dc=myhosting,dc=example");
    let moved = dir
        .modrdn(&new_dn, &new_rdn, false, Some(&hosting), ACTOR)
        .unwrap();
    assert_eq!(moved.parent().unwrap(), hosting);
    // A non-leaf moves with its subtree (tests/rename.rs), but never below itself.
    let d1 = dn(D1);
    let err = dir
        .modrdn(&d1, &Rdn::new("o", "d1"), true, Some(&user("user1")), ACTOR)
        .unwrap_err();
    assert_eq!(err.code, ResultCode::UnwillingToPerform);
    let err = dir
        .modrdn(
            &user("user1"),
            &Rdn::new("mail", "user2@domain1.example"),
            true,
            None,
            ACTOR,
        )
        .unwrap_err();
    assert_eq!(err.code, ResultCode::EntryAlreadyExists, "{err}");
    let missing = dn(&format!("o=missing,{D1}"));
    let err = dir
        .modrdn(
            &user("user1"),
            &Rdn::new("mail", "x@y"),
            true,
            Some(&missing),
            ACTOR,
        )
        .unwrap_err();
    assert_eq!(
        (err.code, err.matched.as_str()),
        (ResultCode::NoSuchObject, D1)
    );
}

#[test]
fn delete_leaves_only_and_retires_the_mailbox() {
    let dir = hosting_default();
    let err = dir.delete(&dn(D1)).unwrap_err();
    assert_eq!(err.code, ResultCode::NotAllowedOnNonLeaf);
    assert!(
        dir.retired_mailboxes().unwrap().is_empty(),
        "refused delete retires nothing"
    );
    dir.delete(&user("user2")).unwrap();
    assert!(dir.get(&user("user2")).unwrap().is_none());
    assert!(found(&dir, "mail", "user2@domain1.example").is_empty());
    let retired = dir.retired_mailboxes().unwrap();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].0, "/home/vmail/domains/domain1.example/user2/");
    // A new account on the old Maildir is refused until the path is released.
    let err = dir
        .add(account("user2"), ACTOR, Origin::Client)
        .unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    assert!(dir.release_mailbox(&retired[0].0).unwrap());
    dir.add(account("user2"), ACTOR, Origin::Client).unwrap();
    let err = dir.delete(&user("user2x")).unwrap_err();
    assert_eq!(
        (err.code, err.matched.as_str()),
        (ResultCode::NoSuchObject, D1)
    );
}

#[test]
fn a_second_account_may_not_share_a_live_mailbox() {
    let dir = hosting_default();
    let mut twin = account("user3");
    twin.set_values("mailbox", vec![b"domain1.example/user1/".to_vec()]);
    let err = dir.add(twin, ACTOR, Origin::Client).unwrap_err();
    assert_eq!(err.code, ResultCode::ConstraintViolation);
    assert!(err.message.contains("already used by mail=user1"), "{err}");
    // Rewriting an account's own mailbox is no clash with itself.
    let same = change(ModOp::Replace, "mailbox", &["domain1.example/user1/"]);
    dir.modify(&user("user1"), &[same], ACTOR).unwrap();
}

#[test]
fn deepest_existing_ancestor_walks_down_from_the_suffix() {
    let dir = hosting_default();
    let below = dn(&format!("cn=a,cn=b,mail=user1@domain1.example,{D1}"));
    assert_eq!(
        dir.deepest_existing_ancestor(&below).unwrap(),
        Some(user("user1"))
    );
    assert_eq!(
        dir.deepest_existing_ancestor(&user("user1")).unwrap(),
        Some(dn(D1))
    );
    assert_eq!(dir.deepest_existing_ancestor(&dn(SUFFIX)).unwrap(), None);
    assert_eq!(
        dir.deepest_existing_ancestor(&dn("o=x,dc=other")).unwrap(),
        None
    );
    assert_eq!(
        dir.deepest_existing_ancestor(&dn(&format!("o=x,{SUFFIX}")))
            .unwrap(),
        Some(dn(SUFFIX))
    );
    let empty = directory_with(&Config::default());
    assert_eq!(
        empty.deepest_existing_ancestor(&user("user1")).unwrap(),
        None
    );
}

#[test]
fn a_hostile_deep_dn_costs_little() {
    let dir = hosting_default();
    let mut deep = dn(D1);
    let hostile: Vec<Rdn> = (0..8_000)
        .map(|i| Rdn::new("cn", &format!("x{i}")))
        .collect();
    deep.rdns.splice(0..0, hostile);
    let start = std::time::Instant::now();
    assert_eq!(dir.deepest_existing_ancestor(&deep).unwrap(), Some(dn(D1)));
    assert_eq!(dir.no_such_object(&deep).matched, D1);
    // Walking up from the DN probes every RDN: minutes here. Top-down is four probes.
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}
