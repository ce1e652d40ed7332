//! The index spec: what is indexed and how, parsed once from the configuration.

use super::*;
use crate::directory::{IndexSpec, Probe};
use crate::schema::Schema;
use crate::store::IndexKind;
use std::collections::BTreeMap;

fn spec(lines: &[(&str, &[&str])]) -> Result<IndexSpec, crate::error::LdapError> {
    let indexes: BTreeMap<String, Vec<String>> = lines
        .iter()
        .map(|(a, k)| (a.to_string(), k.iter().map(|s| s.to_string()).collect()))
        .collect();
    IndexSpec::from_config(&Schema::builtin(), &indexes)
}

#[test]
fn kinds_are_parsed_once_and_names_resolved() {
    assert_eq!(IndexSpec::parse_kind("eq"), Some(IndexKind::Equality));
    assert_eq!(IndexSpec::parse_kind("pres"), Some(IndexKind::Presence));
    assert_eq!(IndexSpec::parse_kind("sub"), Some(IndexKind::Substring));
    assert_eq!(IndexSpec::parse_kind("approx"), None);
    let s = spec(&[("Mail", &["eq", "sub"]), ("commonName", &["pres"])]).unwrap();
    assert!(s.is_indexed("mail", IndexKind::Equality));
    assert!(s.is_indexed("MAIL", IndexKind::Substring));
    assert!(!s.is_indexed("mail", IndexKind::Presence));
    assert_eq!(s.kinds("cn"), &[IndexKind::Presence]);
    assert!(s.kinds("uid").is_empty());
    assert!(spec(&[("mail", &["approx"])]).is_err());
    let err = spec(&[("nosuchattr", &["eq"])]).unwrap_err();
    assert!(err.message.contains("nosuchattr"), "{err}");
}

#[test]
fn the_fingerprint_is_what_earlier_versions_stored() {
    let s = spec(&[("mail", &["eq"]), ("objectClass", &["eq", "pres"])]).unwrap();
    assert_eq!(
        s.fingerprint(),
        r#"[("mail", [Equality]), ("objectclass", [Equality, Presence])]"#
    );
}

#[test]
fn probes_say_undefined_unindexed_or_which_keys() {
    let schema = Schema::builtin();
    let s = spec(&[("mail", &["eq", "sub"]), ("objectClass", &["eq", "pres"])]).unwrap();
    assert_eq!(s.equality_probe(&schema, "bogus", b"x"), Probe::NoMatch);
    assert_eq!(s.equality_probe(&schema, "cn", b"x"), Probe::Unindexed);
    assert_eq!(s.presence_probe(&schema, "mail"), Probe::Unindexed);
    // Every entry has an objectClass: its presence index narrows nothing.
    assert_eq!(s.presence_probe(&schema, "objectClass"), Probe::Unindexed);
    assert_eq!(
        s.equality_probe(&schema, "mail;lang-en", b"x"),
        Probe::Unindexed
    );
    let Probe::Keys(keys) = s.equality_probe(&schema, "MAIL", b"User1@Domain1.example") else {
        panic!("mail eq is indexed");
    };
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].attr, "mail");
    let Probe::Keys(grams) = s.substring_probe(&schema, "mail", None, &[], Some(b"@D1.example"))
    else {
        panic!("mail sub is indexed");
    };
    assert!(!grams.is_empty());
    assert!(grams.iter().all(|k| k.kind == IndexKind::Substring));
}

#[test]
fn entries_are_filed_under_normalised_values_and_superclasses() {
    let schema = Schema::builtin();
    let s = spec(&[("mail", &["eq"]), ("objectClass", &["eq"])]).unwrap();
    let keys = s.entry_keys(&schema, &account("user1"));
    let has = |attr: &str, key: &str| {
        keys.iter()
            .any(|k| k.attr == attr && k.key == key.as_bytes())
    };
    // account() leaves mail to the RDN; an entry without mail files no mail key.
    assert!(!keys.iter().any(|k| k.attr == "mail"));
    assert!(has("objectclass", "inetorgperson"));
    assert!(has("objectclass", "person"), "superclass of inetOrgPerson");
    let mut with_mail = account("user1");
    with_mail.set_values("mail", vec![b"User1@Domain1.example".to_vec()]);
    let keys = s.entry_keys(&schema, &with_mail);
    assert!(keys
        .iter()
        .any(|k| k.attr == "mail" && k.key == b"user1@domain1.example"));
}
