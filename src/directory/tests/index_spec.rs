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
fn the_fingerprint_is_earlier_versions_marked_by_the_filing_of_tagged_forms() {
    let s = spec(&[("mail", &["eq"]), ("objectClass", &["eq", "pres"])]).unwrap();
    // What earlier versions stored, plus the mark that makes their stores reindex
    // once: they filed no tagged forms (cn;lang-de) under the type.
    assert_eq!(
        s.fingerprint(),
        r#"[("mail", [Equality]), ("objectclass", [Equality, Presence])] descriptions:1"#
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
    // A tagged description is looked up in its type's index (which files the
    // tagged forms too); the filter check applies the tags.
    assert_eq!(
        s.equality_probe(&schema, "mail;lang-en", b"X"),
        s.equality_probe(&schema, "mail", b"x")
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

/// An inetOrgPerson with names under tags and subtypes: cn, cn;lang-de, sn, o;lang-fr.
fn tagged_person() -> crate::entry::Entry {
    entry(
        &format!("mail=jsmith@domain1.example,{D1}"),
        &[
            ("objectClass", &["inetOrgPerson"]),
            ("cn", &["John Smith"]),
            ("cn;lang-de", &["Johann Schmidt"]),
            ("cn;lang-en-us;x-nick", &["Johnny"]),
            ("sn", &["Smith"]),
            ("o;lang-fr", &["Exemple"]),
        ],
    )
}

#[test]
fn an_indexed_type_files_its_tagged_forms_and_subtypes_under_its_rules() {
    let schema = Schema::builtin();
    let s = spec(&[("cn", &["eq", "pres", "sub"]), ("name", &["eq"])]).unwrap();
    let keys = s.entry_keys(&schema, &tagged_person());
    let eq = |attr: &str, key: &str| {
        keys.iter()
            .any(|k| k.attr == attr && k.kind == IndexKind::Equality && k.key == key.as_bytes())
    };
    assert!(eq("cn", "john smith"));
    assert!(eq("cn", "johann schmidt"), "cn;lang-de under cn's rule");
    assert!(eq("cn", "johnny"));
    assert!(!eq("cn", "smith"), "sn is not cn");
    assert!(keys
        .iter()
        .any(|k| k.attr == "cn" && k.kind == IndexKind::Presence));
    let Probe::Keys(grams) = s.substring_probe(&schema, "cn", Some(b"Johann"), &[], None) else {
        panic!("cn sub is indexed");
    };
    assert!(grams.iter().all(|g| keys.contains(g)), "cn;lang-de's grams");
    // A supertype's index holds every subtype: cn, sn and o, tagged or not.
    for v in ["john smith", "johann schmidt", "smith", "exemple"] {
        assert!(eq("name", v), "name files {v}");
    }
    // Nothing else: an entry without any cn files no cn key.
    let mut bare = tagged_person();
    bare.attrs.retain(|a| !a.name.starts_with("cn"));
    let bare_keys = s.entry_keys(&schema, &bare);
    assert!(!bare_keys.iter().any(|k| k.attr == "cn"));
}

#[test]
fn an_assertion_uses_its_own_types_index_only() {
    let schema = Schema::builtin();
    let cn_only = spec(&[("cn", &["eq", "pres", "sub"])]).unwrap();
    // Tagged: cn's index, a superset the filter check narrows by the tags.
    let Probe::Keys(keys) = cn_only.equality_probe(&schema, "cn;lang-de", b"Johann Schmidt") else {
        panic!("cn;lang-de uses cn's index");
    };
    assert_eq!((keys[0].attr.as_str(), keys.len()), ("cn", 1));
    assert_eq!(
        cn_only.presence_probe(&schema, "CommonName;Lang-DE"),
        cn_only.presence_probe(&schema, "cn")
    );
    assert!(matches!(
        cn_only.substring_probe(&schema, "cn;lang-en-", Some(b"Joh"), &[], None),
        Probe::Keys(k) if !k.is_empty()
    ));
    // A supertype is never answered from a subtype's index: cn's lacks sn and o.
    assert_eq!(
        cn_only.equality_probe(&schema, "name", b"Smith"),
        Probe::Unindexed
    );
    assert_eq!(
        cn_only.equality_probe(&schema, "name;lang-de", b"x"),
        Probe::Unindexed
    );
    // Unrecognized descriptions match nothing: unknown type, bad option, ;binary
    // on a syntax without a BER form.
    for bad in ["bogus", "cn;a_b", "cn;", "cn;binary"] {
        assert_eq!(
            cn_only.equality_probe(&schema, bad, b"x"),
            Probe::NoMatch,
            "{bad}"
        );
        assert_eq!(
            cn_only.presence_probe(&schema, bad),
            Probe::NoMatch,
            "{bad}"
        );
    }
}

#[test]
fn narrows_agrees_with_the_probes() {
    let schema = Schema::builtin();
    let s = spec(&[("cn", &["eq"]), ("objectClass", &["eq"])]).unwrap();
    let eq = IndexKind::Equality;
    assert!(s.narrows(&schema, "cn", eq));
    assert!(
        s.narrows(&schema, "cn;lang-de", eq),
        "cn's index answers it"
    );
    assert!(!s.narrows(&schema, "name", eq), "a supertype is scanned");
    assert!(!s.narrows(&schema, "cn", IndexKind::Substring));
    assert!(
        !s.narrows(&schema, "objectClass", eq),
        "every account has one"
    );
    assert!(
        s.narrows(&schema, "cn;a_b", eq),
        "unrecognized: nothing to read"
    );
}
