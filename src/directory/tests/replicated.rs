//! A replica's write path: entries kept with the provider's operational attributes,
//! found by entryUUID for renames and deletes, each committed with its cookie, and
//! nothing stored of a change the schema refuses.

use super::{account, directory_with, dn, entry, hosting_top, D1, SUFFIX};
use crate::config::Config;
use crate::directory::{Applied, Directory};
use crate::entry::Entry;
use crate::error::ResultCode;

/// A replica's configuration (the provider is never contacted here).
fn replica() -> Directory {
    let config = Config::from_toml(
        "[replication]\nprovider = \"ldap://provider.example:389\"\n",
        "test",
    )
    .expect("config");
    directory_with(&config)
}

/// `e` as a provider sends it: with entryUUID `uuid` and the provider's stamps.
fn from_provider(mut e: Entry, uuid: &str) -> Entry {
    for (name, value) in [
        ("entryUUID", uuid),
        ("entryCSN", "20240101000000.000001Z#000000#001#000000"),
        ("creatorsName", "cn=provider admin,dc=myhosting,dc=example"),
        ("createTimestamp", "20240101000000Z"),
        ("modifiersName", "cn=provider admin,dc=myhosting,dc=example"),
        ("modifyTimestamp", "20240101000000Z"),
    ] {
        e.set_values(name, vec![value.as_bytes().to_vec()]);
    }
    e
}

/// The account `local@domain1.example` as a provider has it (its mail value included).
fn provider_account(local: &str) -> Entry {
    let mut e = account(local);
    e.set_values(
        "mail",
        vec![format!("{local}@domain1.example").into_bytes()],
    );
    e
}

const UUID_A: &str = "6f1f6b8e-0000-4000-8000-00000000000a";

/// Suffix, o=hosting and domain1, replicated.
fn tree(dir: &Directory) {
    let uuids = [
        "6f1f6b8e-0000-4000-8000-000000000001",
        "6f1f6b8e-0000-4000-8000-000000000002",
        "6f1f6b8e-0000-4000-8000-000000000003",
    ];
    let entries = hosting_top().into_iter().zip(uuids);
    for (e, uuid) in entries {
        assert_eq!(
            dir.apply_replicated_entry(from_provider(e, uuid), None)
                .expect("apply"),
            Applied::Added
        );
    }
}

#[test]
fn entries_keep_the_providers_operational_attributes_and_the_cookie_goes_with_them() {
    let dir = replica();
    tree(&dir);
    assert_eq!(dir.sync_cookie().expect("cookie"), None);
    let user = from_provider(provider_account("user1"), UUID_A);
    dir.apply_replicated_entry(user.clone(), Some(b"rid=001,csn=1"))
        .expect("apply");
    let stored = dir.get(&user.dn).expect("get").expect("stored");
    for name in [
        "entryUUID",
        "entryCSN",
        "creatorsName",
        "createTimestamp",
        "modifiersName",
    ] {
        assert_eq!(stored.values(name), user.values(name), "{name}");
    }
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"rid=001,csn=1"[..])
    );
    // The same entry again, changed: replaced in place.
    let mut changed = user.clone();
    changed.set_values("sn", vec![b"Changed".to_vec()]);
    assert_eq!(
        dir.apply_replicated_entry(changed, Some(b"rid=001,csn=2"))
            .expect("apply"),
        Applied::Replaced
    );
    let stored = dir.get(&user.dn).expect("get").expect("stored");
    assert_eq!(stored.values("sn"), [b"Changed".to_vec()]);
    dir.save_sync_cookie(b"rid=001,csn=3").expect("cookie");
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"rid=001,csn=3"[..])
    );
}

#[test]
fn an_entry_found_by_its_uuid_under_another_name_is_moved() {
    let dir = replica();
    tree(&dir);
    let user = from_provider(provider_account("user1"), UUID_A);
    dir.apply_replicated_entry(user.clone(), None)
        .expect("apply");
    let moved = from_provider(provider_account("moved"), UUID_A);
    assert_eq!(
        dir.apply_replicated_entry(moved.clone(), Some(b"c2"))
            .expect("apply"),
        Applied::Renamed
    );
    assert!(dir.get(&user.dn).expect("get").is_none());
    assert!(dir.get(&moved.dn).expect("get").is_some());
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c2"[..])
    );
}

#[test]
fn a_delete_by_uuid_takes_what_is_left_below_and_commits_the_cookie() {
    let dir = replica();
    tree(&dir);
    dir.apply_replicated_entry(from_provider(provider_account("user1"), UUID_A), None)
        .expect("apply");
    let domain_uuid = "6f1f6b8e-0000-4000-8000-000000000003";
    assert_eq!(
        dir.apply_replicated_delete(domain_uuid, Some(b"c3"))
            .expect("delete"),
        Applied::Deleted
    );
    assert!(dir.get(&dn(D1)).expect("get").is_none());
    assert!(dir.get(&account("user1").dn).expect("get").is_none());
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c3"[..])
    );
    // Deleting what is not there moves the cookie only.
    assert_eq!(
        dir.apply_replicated_delete(UUID_A, Some(b"c4"))
            .expect("delete"),
        Applied::Absent
    );
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"c4"[..])
    );
}

#[test]
fn a_refused_entry_stores_nothing_and_leaves_the_cookie() {
    let dir = replica();
    tree(&dir);
    dir.save_sync_cookie(b"before").expect("cookie");
    let mut bad = from_provider(provider_account("user1"), UUID_A);
    bad.add_values("noSuchAttribute", [b"x".to_vec()]);
    assert!(dir.apply_replicated_entry(bad, Some(b"after")).is_err());
    assert!(dir.get(&account("user1").dn).expect("get").is_none());
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"before"[..])
    );
    // A missing parent is noSuchObject (the replica waits for it).
    let orphan = from_provider(
        entry(
            "mail=x@domain9.example,o=domain9.example,o=hosting,dc=myhosting,dc=example",
            &[
                (
                    "objectClass",
                    &["top", "organizationalRole", "CourierMailAlias"],
                ),
                ("cn", &["x"]),
                ("mail", &["x@domain9.example"]),
                ("maildrop", &["x@y"]),
            ],
        ),
        UUID_A,
    );
    let err = dir
        .apply_replicated_entry(orphan, Some(b"after"))
        .expect_err("no parent");
    assert_eq!(err.code, ResultCode::NoSuchObject);
    assert_eq!(
        dir.sync_cookie().expect("cookie").as_deref(),
        Some(&b"before"[..])
    );
}

#[test]
fn a_name_held_under_another_uuid_is_freed() {
    let dir = replica();
    tree(&dir);
    dir.apply_replicated_entry(from_provider(provider_account("user1"), UUID_A), None)
        .expect("apply");
    let other = "6f1f6b8e-0000-4000-8000-0000000000bb";
    assert_eq!(
        dir.apply_replicated_entry(from_provider(provider_account("user1"), other), None)
            .expect("apply"),
        Applied::Added
    );
    let stored = dir.get(&account("user1").dn).expect("get").expect("stored");
    assert_eq!(stored.first_str("entryUUID"), Some(other));
    let uuids: Vec<String> = dir
        .entry_uuids(&dn(SUFFIX))
        .expect("uuids")
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert!(uuids.contains(&other.to_string()) && !uuids.contains(&UUID_A.to_string()));
}
