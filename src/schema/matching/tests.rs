//! Tests of the matching rules: each family's canonical forms and orderings, and
//! rule lookup by name or OID.

use super::*;

#[test]
fn case_ignore_folds_and_squashes_spaces() {
    assert_eq!(
        normalize(Norm::CaseIgnore, b"  Post   Master "),
        b"post master"
    );
    assert_eq!(normalize(Norm::CaseExact, b" Post  Master"), b"Post Master");
}

#[test]
fn integers_and_telephone_numbers_have_canonical_forms() {
    assert_eq!(normalize(Norm::Integer, b"00101"), b"101");
    assert_eq!(normalize(Norm::Integer, b"-0"), b"0");
    assert_eq!(normalize(Norm::Telephone, b"+1 555-0100"), b"+15550100");
    assert_eq!(normalize(Norm::Numeric, b"12 34"), b"1234");
    assert_eq!(compare(Norm::Integer, b"9", b"10"), Some(Ordering::Less));
    assert_eq!(
        compare(Norm::Integer, b"-9", b"-10"),
        Some(Ordering::Greater)
    );
    assert_eq!(compare(Norm::Integer, b"x", b"10"), None);
}

#[test]
fn generalized_time_compares_instants_across_zones() {
    assert_eq!(
        normalize(Norm::Time, b"20240131130000+0100"),
        normalize(Norm::Time, b"20240131120000Z")
    );
    assert_eq!(normalize(Norm::Time, b"202401311200Z"), b"20240131120000Z");
    assert_eq!(
        normalize(Norm::Time, b"20240131120000.500Z"),
        b"20240131120000.5Z"
    );
    assert_eq!(
        compare(Norm::Time, b"20240131120000Z", b"20240131120000.5Z"),
        Some(Ordering::Less)
    );
    assert!(parse_generalized_time("20241331120000Z").is_none());
    assert!(parse_generalized_time("20240131120000").is_none());
    assert!(parse_generalized_time("2024013112.5Z").is_some());
}

#[test]
fn dns_compare_in_normalised_form() {
    assert_eq!(
        normalize(Norm::Dn, b"MAIL=User1@Domain1.example, o=hosting"),
        normalize(Norm::Dn, b"mail=user1@domain1.example,O=Hosting")
    );
}

#[test]
fn approx_keys_sound_alike() {
    assert_eq!(approx_key(b"John Smyth"), approx_key(b"jon smith"));
    assert_ne!(approx_key(b"John Smith"), approx_key(b"Jane Doe"));
}

#[test]
fn rules_are_found_by_name_or_oid() {
    assert_eq!(
        lookup("CASEIGNOREIA5MATCH").map(|r| r.oid),
        Some("1.3.6.1.4.1.1466.109.114.2")
    );
    assert_eq!(lookup("2.5.13.14").map(|r| r.name), Some("integerMatch"));
    assert!(lookup("noSuchMatch").is_none());
}

#[test]
fn distinguished_name_match_compares_types_by_oid_and_values_by_their_rule() {
    let same =
        |a: &str, b: &str| normalize(Norm::Dn, a.as_bytes()) == normalize(Norm::Dn, b.as_bytes());
    assert!(same("CN=Foo, O=Bar", "cn=foo,o=bar"));
    assert!(same("commonName=Foo;o=Bar", "2.5.4.3=FOO,2.5.4.10=bar"));
    assert!(same("sn=b+cn=a,o=x", "cn=a+sn=b,o=x"));
    assert!(same("cn=#04034A6F65", "cn=joe"));
    assert!(same(
        "entryUUID=597AE2F6-16A6-1027-98F4-D28B5365DC14,o=x",
        "entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14,o=x"
    ));
    assert!(same("uidNumber=0101,o=x", "uidNumber=101,o=x"));
    assert!(same("cn=a\\,b,o=x", "cn=a\\2Cb,o=x"));
    assert!(!same("cn=a\\,b,o=x", "cn=a,b=,o=x"));
    assert!(!same("cn=a,o=x", "sn=a,o=x"));
    assert!(!same("cn=a,o=x", "cn=a,o=x,dc=y"));
    // caseExactIA5Match: mailbox values keep their case inside a DN too.
    assert!(!same("mailbox=A,o=x", "mailbox=a,o=x"));
}

#[test]
fn unique_member_match_needs_the_same_bit_string_or_none() {
    let key = |v: &str| normalize(Norm::UniqueMember, v.as_bytes());
    assert_eq!(key("CN=Foo, O=Bar#'0101'B"), key("cn=foo,o=bar#'0101'B"));
    assert_ne!(key("cn=foo,o=bar#'0101'B"), key("cn=foo,o=bar#'0100'B"));
    assert_ne!(key("cn=foo,o=bar#'0101'B"), key("cn=foo,o=bar"));
    assert_eq!(key("CN=Foo, O=Bar"), key("cn=foo,o=bar"));
}
