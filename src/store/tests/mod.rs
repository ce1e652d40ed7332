//! Store tests: what the directory layer relies on, checked through the public API.

mod read;
mod rename;
mod synclog;
mod verify;
mod write;

use super::*;
use crate::dn::{normalize_value, Scope};
use std::collections::HashMap;

fn dn(s: &str) -> Dn {
    Dn::parse(s).expect("test DN")
}

fn entry(dn_str: &str, attrs: &[(&str, &[&str])]) -> Entry {
    let mut e = Entry::new(dn(dn_str));
    for (name, values) in attrs {
        e.add_values(name, values.iter().map(|v| v.as_bytes().to_vec()));
    }
    e
}

/// The index configuration the tests use: mail eq+pres+sub, objectClass eq.
fn keys_of(e: &Entry) -> Vec<IndexKey> {
    let norm = |name: &str| -> Vec<Vec<u8>> {
        e.values(name)
            .iter()
            .map(|v| normalize_value(&String::from_utf8_lossy(v)).into_bytes())
            .collect()
    };
    let mut keys = index_keys(
        "mail",
        &[
            IndexKind::Equality,
            IndexKind::Presence,
            IndexKind::Substring,
        ],
        &norm("mail"),
    );
    keys.extend(index_keys(
        "objectclass",
        &[IndexKind::Equality],
        &norm("objectClass"),
    ));
    keys
}

fn eq(attr: &str, value: &str) -> IndexKey {
    IndexKey {
        attr: attr.into(),
        kind: IndexKind::Equality,
        key: value.as_bytes().to_vec(),
    }
}

fn add(store: &Store, e: &Entry) -> EntryId {
    store.writer().add(e, &keys_of(e)).expect("add")
}

const SUFFIX: &str = "dc=myhosting,dc=example";

/// dc=myhosting,dc=example / o=hosting, o=hostingx / two domains / three accounts.
fn hosting_tree(store: &Store) -> HashMap<&'static str, EntryId> {
    let dns: [(&str, &str); 8] = [
        ("suffix", SUFFIX),
        ("hosting", "o=hosting,dc=myhosting,dc=example"),
        ("hostingx", "o=hostingx,dc=myhosting,dc=example"),
        ("d1", "o=domain1.example,o=hosting,dc=myhosting,dc=example"),
        ("d2", "o=domain2.example,o=hosting,dc=myhosting,dc=example"),
        (
            "u1",
            "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        ),
        (
            "u2",
            "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        ),
        (
            "u3",
            "mail=user3@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
        ),
    ];
    let mut ids = HashMap::new();
    for (name, d) in dns {
        let e = if d.starts_with("mail=") {
            let mail = d.split(',').next().unwrap().trim_start_matches("mail=");
            entry(
                d,
                &[("objectClass", &["courierMailAccount"]), ("mail", &[mail])],
            )
        } else {
            entry(d, &[("objectClass", &["organization"])])
        };
        ids.insert(name, add(store, &e));
    }
    ids
}

fn sorted(mut v: Vec<EntryId>) -> Vec<EntryId> {
    v.sort_unstable();
    v
}

fn ids_of(ids: &HashMap<&str, EntryId>, names: &[&str]) -> Vec<EntryId> {
    sorted(names.iter().map(|n| ids[n]).collect())
}
