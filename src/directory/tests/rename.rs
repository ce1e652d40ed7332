//! modrdn of entries with subordinates: the subtree moves in one write, never below
//! itself, and what is exported afterwards imports again.

use super::writes::{found, user};
use super::*;
use crate::dn::{Rdn, Scope};
use crate::error::ResultCode;
use crate::filter::Filter;

const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";
const RENAMED: &str = "o=renamed.example,o=hosting,dc=myhosting,dc=example";

/// Every entry under the suffix, in tree order.
fn all_dns(dir: &Directory) -> Vec<String> {
    let mut out = Vec::new();
    dir.export(&mut |e| out.push(e.dn.to_string())).unwrap();
    out
}

#[test]
fn a_domain_is_renamed_with_its_accounts() {
    let dir = hosting_default();
    let new_dn = dir
        .modrdn(
            &dn(D1),
            &Rdn::new("o", "renamed.example"),
            true,
            None,
            ACTOR,
        )
        .unwrap();
    assert_eq!(new_dn.to_string(), RENAMED);
    let top = dir.get(&new_dn).unwrap().unwrap();
    assert_eq!(top.values("o"), &[b"renamed.example".to_vec()]);
    assert!(dir.get(&dn(D1)).unwrap().is_none());
    assert!(dir.get(&user("user1")).unwrap().is_none());
    for local in ["user1", "user2", "abuse"] {
        let moved = format!("mail={local}@domain1.example,{RENAMED}");
        assert_eq!(
            found(&dir, "mail", &format!("{local}@domain1.example")),
            vec![moved.clone()]
        );
        assert!(dir.get(&dn(&moved)).unwrap().is_some(), "{moved}");
    }
    let mut below = Vec::new();
    let any = Filter::Present("objectClass".into());
    dir.candidates(&new_dn, Scope::OneLevel, &any, &mut |e| {
        below.push(e.dn.to_string());
        true
    })
    .unwrap();
    assert_eq!(below.len(), 3);
    assert!(all_dns(&dir)
        .iter()
        .all(|d| !d.contains("o=domain1.example,")));
}

#[test]
fn a_domain_moves_under_a_new_superior() {
    let dir = hosting_default();
    let org = entry(
        &format!("o=resellers,{HOSTING}"),
        &[
            ("objectClass", &["top", "organization"]),
            ("o", &["resellers"]),
        ],
    );
    dir.add(org, ACTOR, Origin::Client).unwrap();
    let superior = dn(&format!("o=resellers,{HOSTING}"));
    let new_dn = dir
        .modrdn(
            &dn(D1),
            &Rdn::new("o", "domain1.example"),
            false,
            Some(&superior),
            ACTOR,
        )
        .unwrap();
    assert_eq!(new_dn.parent().unwrap(), superior);
    assert_eq!(
        found(&dir, "mail", "user2@domain1.example"),
        vec![format!(
            "mail=user2@domain1.example,o=domain1.example,o=resellers,{HOSTING}"
        )]
    );
}

#[test]
fn never_below_itself_nor_outside_the_naming_context() {
    let dir = hosting_default();
    let before = all_dns(&dir);
    let rdn = Rdn::new("o", "domain1.example");
    for superior in [
        dn(D1),
        user("user1"),
        dn(&format!("o=missing,{}", user("user1"))),
    ] {
        let err = dir
            .modrdn(&dn(D1), &rdn, false, Some(&superior), ACTOR)
            .unwrap_err();
        assert_eq!(
            err.code,
            ResultCode::UnwillingToPerform,
            "{superior}: {err}"
        );
        assert!(err.message.contains("below itself"), "{err}");
    }
    let err = dir
        .modrdn(
            &dn(SUFFIX),
            &Rdn::new("dc", "elsewhere"),
            false,
            None,
            ACTOR,
        )
        .unwrap_err();
    assert_eq!(err.code, ResultCode::UnwillingToPerform, "{err}");
    assert_eq!(all_dns(&dir), before, "a refused rename changes nothing");
}

#[test]
fn what_is_exported_after_a_subtree_move_imports_again() {
    let dir = hosting_default();
    dir.modrdn(
        &dn(D1),
        &Rdn::new("o", "renamed.example"),
        true,
        None,
        ACTOR,
    )
    .unwrap();
    let mut entries = Vec::new();
    dir.export(&mut |e| entries.push(e.clone())).unwrap();
    let copy = directory_with(&Config::default());
    for e in entries {
        let name = e.dn.to_string();
        copy.add(e, ACTOR, Origin::Import)
            .unwrap_or_else(|err| panic!("{name}: {err}"));
    }
    assert_eq!(all_dns(&copy), all_dns(&dir));
}

#[test]
fn a_move_and_a_delete_of_the_new_parent_never_leave_an_orphan() {
    let dir = std::sync::Arc::new(hosting_default());
    let parent = dn(&format!("o=shelter,{HOSTING}"));
    let org = entry(
        &parent.to_string(),
        &[
            ("objectClass", &["top", "organization"]),
            ("o", &["shelter"]),
        ],
    );
    let mover = {
        let (dir, parent) = (dir.clone(), parent.clone());
        std::thread::spawn(move || {
            let rdn = Rdn::new("mail", "abuse@domain1.example");
            for _ in 0..40 {
                let _ = dir.modrdn(&user("abuse"), &rdn, false, Some(&parent), ACTOR);
                let _ = dir.modrdn(
                    &parent.child(rdn.clone()),
                    &rdn,
                    false,
                    Some(&dn(D1)),
                    ACTOR,
                );
            }
        })
    };
    for _ in 0..40 {
        let _ = dir.add(org.clone(), ACTOR, Origin::Client);
        let _ = dir.delete(&parent);
    }
    mover.join().unwrap();
    let dns = all_dns(&dir);
    for d in &dns {
        let d = dn(d);
        if d.depth() > dn(SUFFIX).depth() {
            let p = d.parent().unwrap();
            assert!(dir.get(&p).unwrap().is_some(), "{d} lost its parent");
        }
    }
}
