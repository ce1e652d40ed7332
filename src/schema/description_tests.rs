//! Tests of attribute descriptions: options, tags and ranges, canonical names, and
//! which stored attributes a description covers.

use super::*;
use crate::dn::Dn;

#[test]
fn options_are_case_insensitive_sorted_and_binary_is_apart() {
    let o = Options::parse("cn;Lang-DE;X-Foo;lang-de").unwrap();
    assert_eq!(o.tags, vec!["lang-de", "x-foo"]);
    assert!(!o.binary);
    let b = Options::parse("userCertificate;BINARY").unwrap();
    assert!(b.tags.is_empty() && b.binary);
    assert_eq!(Options::parse("cn;"), None);
    assert_eq!(Options::parse("cn;a_b"), None);
    assert!(Options::parse("name;lang-en-").unwrap().has_range());
    assert!(!Options::parse("cn;x-").unwrap().has_range());
}

#[test]
fn language_ranges_cover_the_tags_they_begin() {
    assert!(tag_covers("lang-en-", "lang-en"));
    assert!(tag_covers("lang-en-", "lang-en-us"));
    assert!(tag_covers("lang-", "lang-de"));
    assert!(!tag_covers("lang-en-", "lang-eng"));
    assert!(!tag_covers("lang-en-", "lang-de"));
    assert!(!tag_covers("lang-en", "lang-en-us"));
    assert!(!tag_covers("x-", "x-y"));
}

#[test]
fn canonical_names_keep_options_and_know_binary() {
    let s = Schema::builtin();
    let canon = |d: &str| s.canonical_attr_name(d);
    assert_eq!(canon("commonName;Lang-DE").as_deref(), Some("cn;lang-de"));
    assert_eq!(canon("CN;x;LANG-de").as_deref(), Some("cn;lang-de;x"));
    assert_eq!(canon("cn;lang-de;x"), canon("cn;x;lang-de"));
    // RFC 4522: certificates are stored and shown with ;binary, given or not.
    assert_eq!(
        canon("userCertificate").as_deref(),
        Some("userCertificate;binary")
    );
    assert_eq!(
        canon("usercertificate;Binary").as_deref(),
        Some("userCertificate;binary")
    );
    // ;binary on a syntax without a BER form is unrecognized.
    assert_eq!(canon("cn;binary"), None);
    assert_eq!(canon("jpegPhoto;binary"), None);
    // a language range is a request's form, kept as given
    assert_eq!(canon("Name;Lang-EN-").as_deref(), Some("name;lang-en-"));
}

#[test]
fn entries_keep_tagged_forms_but_no_ranges() {
    use crate::schema::{SchemaMode, SchemaViolation};
    let s = Schema::builtin();
    let mut e = Entry::new(Dn::parse("cn=x,o=y").unwrap());
    e.add_values("objectClass", [b"person".to_vec()]);
    e.add_values("cn", [b"x".to_vec()]);
    e.add_values("sn", [b"y".to_vec()]);
    e.add_values("cn;lang-de", [b"x".to_vec()]);
    e.add_values("sn;x-nick;lang-de", [b"why".to_vec()]);
    assert!(s.check_entry(&e, SchemaMode::Strict).is_ok());
    e.add_values("cn;lang-en-", [b"z".to_vec()]);
    assert!(matches!(
        s.check_entry(&e, SchemaMode::Strict),
        Err(SchemaViolation::UndefinedAttributeType(_))
    ));
}

#[test]
fn descriptions_cover_tagged_forms_and_subtypes() {
    let s = Schema::builtin();
    assert!(s.describes("cn", "cn;lang-de"));
    assert!(s.describes("commonName", "cn"));
    assert!(s.describes("name", "sn"));
    assert!(s.describes("name", "cn;lang-de"));
    assert!(s.describes("name;lang-de", "cn;lang-de"));
    assert!(!s.describes("name;lang-de", "cn"));
    assert!(!s.describes("cn;lang-de", "cn;lang-en"));
    assert!(s.describes("cn;lang-de", "cn;lang-de;x"));
    assert!(s.describes("name;lang-en-", "sn;lang-en-us"));
    assert!(!s.describes("cn", "name"));
    assert!(!s.describes("cn", "sn"));
    assert!(s.describes("userCertificate", "userCertificate;binary"));
    assert!(s.describes("userCertificate;binary", "userCertificate"));
    assert!(!s.describes("noSuchAttr", "cn"));
}

#[test]
fn names_alone_compare_type_and_tags() {
    assert!(same_description("cn;lang-de;x", "CN;X;Lang-DE"));
    assert!(same_description(
        "userCertificate;binary",
        "userCertificate"
    ));
    assert!(!same_description("cn", "cn;lang-de"));
    assert!(!same_description("cn", "sn"));
    assert!(name_covers("userPassword", "userPassword;x"));
    assert!(name_covers("userPassword", "USERPASSWORD"));
    assert!(!name_covers("userPassword;x", "userPassword"));
    assert!(!name_covers("user", "userPassword"));
}

#[test]
fn described_values_gather_subtypes_through_the_hook() {
    let s = Schema::builtin();
    let mut e = Entry::new(Dn::parse("cn=x,o=y").unwrap());
    e.add_values("cn", [b"x".to_vec()]);
    e.add_values("cn;lang-de", [b"ix".to_vec()]);
    e.add_values("sn", [b"why".to_vec()]);
    e.add_values("mail", [b"m@x".to_vec()]);
    let name = s.attr_desc("name").unwrap();
    let all = s.described_values(&e, &name, &|_| true);
    assert_eq!(all, vec![&b"x"[..], b"ix", b"why"]);
    let seen = std::cell::RefCell::new(Vec::new());
    let no_tags = |a: &str| {
        seen.borrow_mut().push(a.to_string());
        !a.contains(';')
    };
    assert_eq!(
        s.described_values(&e, &name, &no_tags),
        vec![&b"x"[..], b"why"]
    );
    assert_eq!(*seen.borrow(), vec!["cn", "cn;lang-de", "sn"]);
    let de = s.attr_desc("name;lang-de").unwrap();
    assert_eq!(s.described_values(&e, &de, &|_| true), vec![&b"ix"[..]]);
}

#[test]
fn a_type_nothing_derives_from_finds_every_spelling_of_itself() {
    let s = Schema::builtin();
    assert!(s.attribute("name").unwrap().derived_from);
    assert!(!s.attribute("cn").unwrap().derived_from);
    let mut e = Entry::new(Dn::parse("cn=x,o=y").unwrap());
    e.add_values("cn", [b"a".to_vec()]);
    e.add_values("commonName", [b"b".to_vec()]);
    e.add_values("2.5.4.3", [b"c".to_vec()]);
    e.add_values("CN;lang-de", [b"d".to_vec()]);
    e.add_values("sn", [b"other".to_vec()]);
    e.add_values("mail", [b"m@x".to_vec()]);
    let cn = s.attr_desc("commonName").unwrap();
    let found = s.described_values(&e, &cn, &|_| true);
    assert_eq!(found, vec![&b"a"[..], b"b", b"c", b"d"]);
    let mail = s.attr_desc("MAIL").unwrap();
    assert_eq!(s.described_values(&e, &mail, &|_| true), vec![&b"m@x"[..]]);
}
