//! Referential integrity: the DN-valued attributes that name a deleted or renamed
//! entry are removed or rewritten in the same write.

use super::writes::{found, user};
use super::*;
use crate::dn::Rdn;
use crate::error::ResultCode;

const RENAMED: &str = "o=renamed.example,o=hosting,dc=myhosting,dc=example";

fn postmaster_dn() -> Dn {
    dn(&format!("cn=postmaster,{D1}"))
}

/// The domain's postmaster role, held by user1 and user2.
fn with_postmaster(config: &Config) -> Directory {
    let dir = hosting(config);
    let role = entry(
        &postmaster_dn().to_string(),
        &[
            ("objectClass", &["top", "organizationalRole"]),
            ("cn", &["postmaster"]),
            (
                "roleOccupant",
                &[&user("user1").to_string(), &user("user2").to_string()],
            ),
        ],
    );
    dir.add(role, ACTOR, Origin::Client).unwrap();
    dir
}

fn occupants(dir: &Directory, role: &Dn) -> Vec<String> {
    let e = dir.get(role).unwrap().expect("role entry");
    e.values("roleOccupant")
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

#[test]
fn a_deleted_account_leaves_the_role_and_its_successor_is_no_occupant() {
    let dir = with_postmaster(&Config::default());
    dir.delete(&user("user1")).unwrap();
    assert_eq!(
        occupants(&dir, &postmaster_dn()),
        vec![user("user2").to_string()]
    );
    let role = dir.get(&postmaster_dn()).unwrap().unwrap();
    assert_eq!(
        role.first_str("modifiersName"),
        Some("cn=Referential Integrity Overlay")
    );
    assert!(found(&dir, "roleOccupant", &user("user1").to_string()).is_empty());
    // A new account under the same DN inherits nothing.
    assert!(dir
        .release_mailbox("/home/vmail/domains/domain1.example/user1/")
        .unwrap());
    dir.add(account("user1"), ACTOR, Origin::Client).unwrap();
    assert_eq!(
        occupants(&dir, &postmaster_dn()),
        vec![user("user2").to_string()]
    );
    // The last occupant leaves an empty role (roleOccupant is optional).
    dir.delete(&user("user2")).unwrap();
    assert!(occupants(&dir, &postmaster_dn()).is_empty());
}

#[test]
fn a_renamed_account_stays_in_the_role() {
    let dir = with_postmaster(&Config::default());
    let new_dn = dir
        .modrdn(
            &user("user2"),
            &Rdn::new("mail", "boss@domain1.example"),
            true,
            None,
            ACTOR,
        )
        .unwrap();
    assert_eq!(
        occupants(&dir, &postmaster_dn()),
        vec![user("user1").to_string(), new_dn.to_string()]
    );
    assert_eq!(
        found(&dir, "roleOccupant", &new_dn.to_string()),
        vec![postmaster_dn().to_string()]
    );
    assert!(found(&dir, "roleOccupant", &user("user2").to_string()).is_empty());
}

#[test]
fn a_renamed_domain_takes_its_role_and_occupants_along() {
    let dir = with_postmaster(&Config::default());
    dir.modrdn(
        &dn(D1),
        &Rdn::new("o", "renamed.example"),
        true,
        None,
        ACTOR,
    )
    .unwrap();
    let role = dn(&format!("cn=postmaster,{RENAMED}"));
    let want: Vec<String> = ["user1", "user2"]
        .iter()
        .map(|u| format!("mail={u}@domain1.example,{RENAMED}"))
        .collect();
    assert_eq!(occupants(&dir, &role), want);
    assert_eq!(
        found(&dir, "roleOccupant", &want[0]),
        vec![role.to_string()]
    );
}

#[test]
fn a_referrer_that_would_break_the_schema_stops_the_delete() {
    let config = Config {
        referential_integrity: vec!["roleOccupant".into(), "member".into()],
        ..Config::default()
    };
    let dir = with_postmaster(&config);
    let group = entry(
        &format!("cn=staff,{D1}"),
        &[
            ("objectClass", &["top", "groupOfNames"]),
            ("cn", &["staff"]),
            ("member", &[&user("user1").to_string()]),
        ],
    );
    dir.add(group, ACTOR, Origin::Client).unwrap();
    let err = dir.delete(&user("user1")).unwrap_err();
    assert!(err.message.contains("referential integrity"), "{err}");
    assert!(err.message.contains("cn=staff"), "{err}");
    assert!(
        dir.get(&user("user1")).unwrap().is_some(),
        "nothing was deleted"
    );
    assert_eq!(occupants(&dir, &postmaster_dn()).len(), 2, "nor rewritten");
}

#[test]
fn unique_member_keeps_its_uid_and_refint_can_be_turned_off() {
    let config = Config {
        referential_integrity: vec!["uniqueMember".into()],
        ..Config::default()
    };
    let dir = with_postmaster(&config);
    let group = entry(
        &format!("cn=staff,{D1}"),
        &[
            ("objectClass", &["top", "groupOfUniqueNames"]),
            ("cn", &["staff"]),
            ("uniqueMember", &[&format!("{}#'0101'B", user("user1"))]),
        ],
    );
    dir.add(group, ACTOR, Origin::Client).unwrap();
    let new_dn = dir
        .modrdn(
            &user("user1"),
            &Rdn::new("mail", "one@domain1.example"),
            true,
            None,
            ACTOR,
        )
        .unwrap();
    let staff = dir.get(&dn(&format!("cn=staff,{D1}"))).unwrap().unwrap();
    assert_eq!(
        staff.values("uniqueMember"),
        &[format!("{new_dn}#'0101'B").into_bytes()]
    );
    // roleOccupant is not configured here: the old DN stays.
    assert!(occupants(&dir, &postmaster_dn()).contains(&user("user1").to_string()));
}

#[test]
fn refint_attributes_must_hold_dns_and_are_always_indexed() {
    let mut config = Config::default();
    config.indexes.clear();
    let dir = directory_with(&config);
    assert!(dir
        .index_spec()
        .is_indexed("roleoccupant", crate::store::IndexKind::Equality));
    config.referential_integrity = vec!["mail".into()];
    let err = Directory::with_store(Store::open_temporary().unwrap(), &config)
        .err()
        .expect("mail holds no DNs");
    assert!(err.message.contains("referential_integrity: mail"), "{err}");
    config.referential_integrity = vec!["nosuchattr".into()];
    let err = Directory::with_store(Store::open_temporary().unwrap(), &config)
        .err()
        .expect("undefined");
    assert_eq!(err.code, ResultCode::UndefinedAttributeType);
}
