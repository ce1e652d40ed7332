//! Tests of the schema: the embedded files, the parser on real-world shapes, and
//! entry checking on the article's entries and slapcat output.

use super::*;
use crate::dn::Dn;
use crate::entry::Entry;

fn entry(dn: &str, attrs: &[(&str, &str)]) -> Entry {
    let mut e = Entry::new(Dn::parse(dn).expect("test DN"));
    for (name, value) in attrs {
        e.add_values(name, [value.as_bytes().to_vec()]);
    }
    e
}

#[test]
fn builtin_schema_loads_every_file_without_conflicts() {
    let s = Schema::builtin();
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    for name in [
        "entryUUID",
        "createTimestamp",
        "modifyTimestamp",
        "creatorsName",
        "modifiersName",
        "structuralObjectClass",
        "subschemaSubentry",
        "hasSubordinates",
        "entryDN",
        "entryCSN",
        "namingContexts",
        "supportedLDAPVersion",
        "supportedExtension",
        "supportedControl",
        "supportedSASLMechanisms",
        "supportedFeatures",
        "vendorName",
        "vendorVersion",
        "attributeTypes",
        "objectClasses",
        "ldapSyntaxes",
        "matchingRules",
        "mail",
        "userPassword",
        "roleOccupant",
        "uidNumber",
        "homeDirectory",
        "mailbox",
        "maildrop",
        "quota",
        "clearPassword",
        "displayName",
        "telephoneNumber",
        "seeAlso",
    ] {
        assert!(s.attribute(name).is_some(), "{name} missing");
    }
    for name in [
        "top",
        "extensibleObject",
        "subschema",
        "alias",
        "person",
        "organizationalPerson",
        "organization",
        "organizationalUnit",
        "organizationalRole",
        "groupOfNames",
        "dcObject",
        "domain",
        "uidObject",
        "country",
        "locality",
        "posixAccount",
        "shadowAccount",
        "posixGroup",
        "inetOrgPerson",
        "CourierMailAccount",
        "CourierMailAlias",
        "CourierDomainAlias",
    ] {
        assert!(s.object_class(name).is_some(), "{name} missing");
    }
    let uuid = s.attribute("entryUUID").unwrap();
    assert_eq!(uuid.oid, "1.3.6.1.1.16.4");
    assert_eq!(uuid.equality.as_deref(), Some("uuidMatch"));
    assert!(uuid.is_operational() && uuid.no_user_modification && uuid.single_value);
}

#[test]
fn names_and_oids_are_aliases_case_insensitively() {
    let s = Schema::builtin();
    let cn = s.attribute("cn").unwrap();
    assert_eq!(s.attribute("commonName").unwrap().oid, cn.oid);
    assert_eq!(s.attribute("COMMONNAME").unwrap().oid, "2.5.4.3");
    assert_eq!(s.attribute("2.5.4.3").unwrap().name(), "cn");
    assert_eq!(s.attribute("OID.2.5.4.3").unwrap().name(), "cn");
    assert_eq!(
        s.canonical_attr_name("commonName;Lang-DE").as_deref(),
        Some("cn;lang-de")
    );
    assert_eq!(
        s.canonical_attr_name("RFC822MAILBOX").as_deref(),
        Some("mail")
    );
    assert_eq!(s.canonical_attr_name("noSuchThing"), None);
    assert_eq!(
        s.object_class("couriermailaccount").unwrap().name(),
        "CourierMailAccount"
    );
}

#[test]
fn courier_classes_are_auxiliary_with_their_musts() {
    let s = Schema::builtin();
    let acct = s.object_class("CourierMailAccount").unwrap();
    assert_eq!(acct.kind, ClassKind::Auxiliary);
    assert_eq!(acct.oid, "1.3.6.1.4.1.10018.1.2.1");
    assert_eq!(acct.must, vec!["mail", "homeDirectory"]);
    let alias = s.object_class("CourierMailAlias").unwrap();
    assert_eq!(alias.kind, ClassKind::Auxiliary);
    assert_eq!(alias.must, vec!["mail", "maildrop"]);
    assert_eq!(
        s.object_class("CourierDomainAlias").unwrap().kind,
        ClassKind::Auxiliary
    );
}

#[test]
fn sup_inheritance_fills_in_rules_and_syntax() {
    let s = Schema::builtin();
    let cn = s.attribute("cn").unwrap();
    assert_eq!(cn.equality.as_deref(), Some("caseIgnoreMatch"));
    assert_eq!(cn.substr.as_deref(), Some("caseIgnoreSubstringsMatch"));
    assert_eq!(cn.syntax.as_deref(), Some("1.3.6.1.4.1.1466.115.121.1.15"));
    let ro = s.attribute("roleOccupant").unwrap();
    assert_eq!(ro.equality.as_deref(), Some("distinguishedNameMatch"));
    // cn=Subschema shows what the definition states, not what it inherits.
    assert_eq!(
        cn.description(),
        "( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'RFC 4519: common name(s) for which the entity is known by' SUP name )"
    );
}

#[test]
fn matching_follows_each_attributes_rules() {
    let s = Schema::builtin();
    let mail = s.attribute("mail").unwrap();
    assert!(mail.values_equal(b"Sales@Domain2.example", b"sales@domain2.example"));
    assert!(s
        .attribute("maildrop")
        .unwrap()
        .values_equal(b"Postmaster", b"postmaster"));
    let mailbox = s.attribute("mailbox").unwrap();
    assert!(!mailbox.values_equal(b"domain1.example/User1/", b"domain1.example/user1/"));
    assert!(!s
        .attribute("userPassword")
        .unwrap()
        .values_equal(b"Secret", b"secret"));
    assert!(s
        .attribute("uidNumber")
        .unwrap()
        .values_equal(b"0101", b"101"));
    assert!(s
        .attribute("telephoneNumber")
        .unwrap()
        .values_equal(b"+1 555-0100", b"+15550100"));
    assert!(s
        .attribute("member")
        .unwrap()
        .values_equal(b"CN=A, O=B", b"cn=a,o=b"));
    assert!(s
        .attribute("hasSubordinates")
        .unwrap()
        .values_equal(b"true", b"TRUE"));
    assert!(s.attribute("entryUUID").unwrap().values_equal(
        b"9E1A9C4E-8B3F-4C3C-9A47-0C6A1B2C3D4E",
        b"9e1a9c4e-8b3f-4c3c-9a47-0c6a1b2c3d4e"
    ));
    let ts = s.attribute("createTimestamp").unwrap();
    assert!(ts.values_equal(b"20240101010000+0100", b"20240101000000Z"));
    assert_eq!(
        ts.ordering_cmp(b"20231231235959Z", b"20240101000000Z"),
        Some(std::cmp::Ordering::Less)
    );
    let uid_number = s.attribute("uidNumber").unwrap();
    assert_eq!(
        uid_number.ordering_cmp(b"99", b"101"),
        Some(std::cmp::Ordering::Less)
    );
    assert_eq!(
        mail.substr_normalize(b"User1@Domain1.example").as_deref(),
        Some("user1@domain1.example")
    );
    assert_eq!(
        s.attribute("homeDirectory")
            .unwrap()
            .substr_normalize(b"/home"),
        None
    );
    assert_eq!(
        mail.ordering_cmp(b"a", b"b"),
        Some(std::cmp::Ordering::Less)
    );
    assert_eq!(
        s.attribute("member")
            .unwrap()
            .ordering_cmp(b"cn=a", b"cn=b"),
        None
    );
}

#[test]
fn parser_handles_macros_escapes_continuations_and_extensions() {
    let mut s = Schema::builtin();
    let text = "\
# a comment
objectIdentifier testRoot 1.3.6.1.4.1.99999
ObjectIdentifier testAttrs testRoot:1
objectidentifier testClasses testRoot:2

AttributeType ( testAttrs:1 NAME ( 'fooBar' 'fb' )
\tDESC 'it\\27s a \\5C test'
    # comment inside a definition
\tequality caseIgnoreMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64}
\tSINGLE-VALUE X-ORIGIN 'test' X-EXTRA ( 'a' 'b' ) )
attributetype ( testAttrs:2 NAME 'fooOld' OBSOLETE SUP fooBar USAGE userApplications )
objectclass ( testClasses:1 NAME 'fooThing' SUP top AUXILIARY MUST fooBar MAY ( fooOld $ cn$sn ) )
";
    s.load_file_text(text, "test.schema").unwrap();
    let fb = s.attribute("FB").unwrap();
    assert_eq!(fb.oid, "1.3.6.1.4.1.99999.1.1");
    assert_eq!(fb.desc.as_deref(), Some("it's a \\ test"));
    assert_eq!(fb.syntax_len, Some(64));
    assert!(fb.single_value);
    let old = s.attribute("fooOld").unwrap();
    assert!(old.obsolete);
    assert_eq!(old.equality.as_deref(), Some("caseIgnoreMatch"));
    let thing = s.object_class("fooThing").unwrap();
    assert_eq!(thing.oid, "1.3.6.1.4.1.99999.2.1");
    assert_eq!(thing.may, vec!["fooOld", "cn", "sn"]);
    assert!(fb.description().contains("DESC 'it\\27s a \\5C test'"));
    assert!(fb
        .description()
        .contains("SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64}"));
}

fn load_err(text: &str) -> SchemaError {
    let mut s = Schema::builtin();
    let before = s.attribute_types().count();
    let err = s.load_file_text(text, "bad.schema").unwrap_err();
    assert_eq!(
        s.attribute_types().count(),
        before,
        "a failed load must add nothing"
    );
    err
}

#[test]
fn parse_errors_name_the_file_and_line() {
    let e = load_err(
        "\n\nattributetype ( 1.2.3.4 NAME 'x' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 BOGUS )",
    );
    assert!(matches!(&e, SchemaError::Syntax { line: 3, .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("bad.schema:3: unknown keyword \"BOGUS\""),
        "{e}"
    );

    let e = load_err("attributetype ( 1.2.3.4 NAME 'x'\n  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15");
    assert!(e.to_string().contains("missing closing parenthesis"), "{e}");
    let e = load_err("attributetype ( 1.2.3.4 NAME 'x DESC )");
    assert!(e.to_string().contains("unterminated quoted string"), "{e}");
    let e = load_err("  attributetype ( 1.2.3.4 )");
    assert!(matches!(e, SchemaError::Syntax { line: 1, .. }));
    let e = load_err("attributetype ( someMacro:1 NAME 'x' SUP name )");
    assert!(e.to_string().contains("someMacro:1"), "{e}");
    let e = load_err("ditstructurerule ( 1 )");
    assert!(e.to_string().contains("unknown statement"), "{e}");
}

#[test]
fn reference_and_duplicate_errors_are_typed() {
    let e = load_err("\nattributetype ( 1.2.3.4 NAME 'x' SUP noSuchAttr )");
    assert!(
        matches!(&e, SchemaError::UnknownReference { line: 2, .. }),
        "{e:?}"
    );
    let e = load_err("attributetype ( 1.2.3.4 NAME 'x' )");
    assert!(e.to_string().contains("neither SYNTAX nor SUP"), "{e}");
    let e = load_err("objectclass ( 1.2.3.5 NAME 'y' SUP top MUST noSuchAttr )");
    assert!(matches!(e, SchemaError::UnknownReference { .. }));
    let e = load_err("objectclass ( 1.2.3.5 NAME 'y' SUP noSuchClass )");
    assert!(e.to_string().contains("unknown SUP"), "{e}");
    let e = load_err(
        "attributetype ( 1.2.3.4 NAME 'x' SUP name )\nattributetype ( 1.2.3.5 NAME 'X' SUP name )",
    );
    assert!(
        matches!(&e, SchemaError::Duplicate { line: 2, .. }),
        "{e:?}"
    );
}

/// Shapes of qmail-LDAP's qmail.schema: a macro-free file whose `mailHost`
/// collides with Courier's `mailhost`, SYNTAX with bounds, and a STRUCTURAL
/// class next to AUXILIARY ones.
#[test]
fn loads_a_qmail_ldap_style_schema() {
    let mut s = Schema::builtin();
    let text = "\
attributetype ( 1.3.6.1.4.1.7914.1.2.1.6 NAME 'mailHost'
\tDESC 'server holding the message store'
\tEQUALITY caseIgnoreIA5Match
\tSUBSTR caseIgnoreIA5SubstringsMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} SINGLE-VALUE)

attributetype ( 1.3.6.1.4.1.7914.1.2.1.7 NAME 'mailForwardingAddress'
\tEQUALITY caseIgnoreIA5Match
\tSUBSTR caseIgnoreIA5SubstringsMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )

attributetype ( 1.3.6.1.4.1.7914.1.2.1.14 NAME 'accountStatus'
\tEQUALITY caseIgnoreIA5Match
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )

objectclass ( 1.3.6.1.4.1.7914.1.2.2.1 NAME 'qmailUser'
\tDESC 'qmail-LDAP user'
\tSUP top AUXILIARY
\tMUST ( mail )
\tMAY ( mailHost $ mailForwardingAddress $ accountStatus ) )
";
    s.load_file_text(text, "qmail.schema").unwrap();
    assert_eq!(
        s.attribute("mailhost").unwrap().oid,
        "1.3.6.1.4.1.7914.1.2.1.6"
    );
    assert!(
        s.warnings().iter().any(|w| w.contains("mailhost")),
        "{:?}",
        s.warnings()
    );
    let e = entry(
        "uid=u1,o=hosting",
        &[
            ("objectClass", "inetOrgPerson"),
            ("objectClass", "qmailUser"),
            ("uid", "u1"),
            ("cn", "U One"),
            ("sn", "One"),
            ("mail", "u1@domain1.example"),
            ("mailHost", "mx1.domain1.example"),
            ("accountStatus", "active"),
        ],
    );
    assert!(s.check_entry(&e, SchemaMode::Strict).is_ok());
}

/// Shapes of postfix-book.schema: OIDs under a private arc, an AUXILIARY class
/// with many MAY attributes, and integer quotas.
#[test]
fn loads_a_postfix_book_style_schema() {
    let mut s = Schema::builtin();
    let text = "\
# postfix-book style
attributetype ( 1.3.6.1.4.1.29426.1.10.1 NAME 'mailHomeDirectory'
    DESC 'home directory of the mail user'
    EQUALITY caseExactIA5Match
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.29426.1.10.4 NAME 'mailAlias'
    EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
attributetype ( 1.3.6.1.4.1.29426.1.10.8 NAME 'mailQuota'
    EQUALITY integerMatch ORDERING integerOrderingMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.29426.1.2.2.1 NAME 'PostfixBookMailAccount'
    SUP top AUXILIARY
    MUST mail
    MAY ( mailHomeDirectory $ mailAlias $ mailQuota $ uidNumber $ gidNumber ) )
";
    s.load_file_text(text, "postfix-book.schema").unwrap();
    assert!(s.warnings().is_empty());
    let quota = s.attribute("mailquota").unwrap();
    assert!(quota.validate(b"1048576").is_ok());
    assert!(quota.validate(b"1 GB").is_err());
}

/// Shapes of Jamm's jamm.schema: objectidentifier macros, a booleanMatch
/// attribute, and classes that reuse Courier's attributes.
#[test]
fn loads_a_jamm_style_schema() {
    let mut s = Schema::builtin();
    let text = "\
objectidentifier jammBase 1.3.6.1.4.1.9925.1
objectidentifier jammAttr jammBase:1
objectidentifier jammClass jammBase:2
attributetype ( jammAttr:1 NAME 'jvd' SUP name SINGLE-VALUE )
attributetype ( jammAttr:2 NAME 'accountActive'
\tEQUALITY booleanMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )
attributetype ( jammAttr:3 NAME 'lastChange'
\tEQUALITY integerMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( jammClass:1 NAME 'JammVirtualDomain' SUP top STRUCTURAL
\tMUST jvd MAY ( accountActive $ lastChange $ description ) )
objectclass ( jammClass:2 NAME 'JammMailAccount' SUP top AUXILIARY
\tMUST ( mail $ homeDirectory $ mailbox )
\tMAY ( accountActive $ lastChange $ userPassword $ uidNumber $ gidNumber ) )
";
    s.load_file_text(text, "jamm.schema").unwrap();
    let jvd = s.attribute("jvd").unwrap();
    assert_eq!(jvd.oid, "1.3.6.1.4.1.9925.1.1.1");
    let e = entry(
        "jvd=domain1.example,o=hosting",
        &[
            ("objectClass", "top"),
            ("objectClass", "JammVirtualDomain"),
            ("jvd", "domain1.example"),
            ("accountActive", "TRUE"),
        ],
    );
    assert_eq!(
        s.check_entry(&e, SchemaMode::Strict).unwrap().structural,
        "JammVirtualDomain"
    );
    let mut bad = e.clone();
    bad.set_values("accountActive", vec![b"yes".to_vec()]);
    assert!(matches!(
        s.check_entry(&bad, SchemaMode::Strict),
        Err(SchemaViolation::InvalidAttributeSyntax(_))
    ));
}

#[test]
fn subschema_values_are_rfc4512_descriptions() {
    let s = Schema::builtin();
    let values = s.subschema_values();
    let get = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| {
                v.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap()
    };
    let ats = get("attributeTypes");
    assert!(ats
        .iter()
        .any(|v| v.starts_with("( 0.9.2342.19200300.100.1.3 NAME ( 'mail' 'rfc822Mailbox' )")));
    assert!(ats
        .iter()
        .any(|v| v.contains("NAME 'entryUUID'") && v.contains("USAGE directoryOperation")));
    let ocs = get("objectClasses");
    assert!(ocs.iter().any(|v| v
        .starts_with("( 1.3.6.1.4.1.10018.1.2.1 NAME 'CourierMailAccount'")
        && v.contains("SUP top AUXILIARY MUST ( mail $ homeDirectory )")));
    assert!(get("ldapSyntaxes")
        .iter()
        .any(|v| v == "( 1.3.6.1.4.1.1466.115.121.1.26 DESC 'IA5 String' )"));
    assert!(get("matchingRules")
        .iter()
        .any(|v| v == "( 1.3.6.1.4.1.1466.109.114.2 NAME 'caseIgnoreIA5Match' SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )"));
}

// --- entry checking ---

const DOMAIN1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";

fn article_entries() -> Vec<Entry> {
    vec![
        entry(
            "dc=myhosting,dc=example",
            &[("objectClass", "top"), ("dc", "myhosting")],
        ),
        entry(
            &format!("mail=abuse@domain1.example,{DOMAIN1}"),
            &[
                ("objectClass", "top"),
                ("objectClass", "CourierMailAlias"),
                ("maildrop", "abuse"),
                ("mail", "abuse@domain1.example"),
            ],
        ),
        entry(
            &format!("mail=user1@domain1.example,{DOMAIN1}"),
            &[
                ("objectClass", "top"),
                ("objectClass", "CourierMailAccount"),
                ("homeDirectory", "/home/vmail/domains"),
                ("uidNumber", "101"),
                ("gidNumber", "101"),
                ("mailbox", "domain1.example/user1"),
                ("mail", "user1@domain1.example"),
            ],
        ),
    ]
}

#[test]
fn article_entries_pass_lenient_and_fail_strict() {
    let s = Schema::builtin();
    let expected = ["top", "CourierMailAlias", "CourierMailAccount"];
    for (e, want) in article_entries().iter().zip(expected) {
        let checked = s.check_entry(e, SchemaMode::Lenient).unwrap();
        assert_eq!(checked.structural, want, "{}", e.dn);
        assert_eq!(
            s.check_entry(e, SchemaMode::Strict),
            Err(SchemaViolation::ObjectClassViolation(
                "no structural object class provided".into()
            ))
        );
    }
}

#[test]
fn article_postmaster_without_mail_is_an_error_in_every_mode_unless_reported() {
    let s = Schema::builtin();
    let e = entry(
        &format!("cn=postmaster,{DOMAIN1}"),
        &[
            ("objectClass", "top"),
            ("objectClass", "organizationalRole"),
            ("objectClass", "CourierMailAlias"),
            ("cn", "postmaster"),
            ("maildrop", "postmaster"),
        ],
    );
    for mode in [SchemaMode::Lenient, SchemaMode::Strict] {
        assert_eq!(
            s.check_entry(&e, mode),
            Err(SchemaViolation::ObjectClassViolation(
                "object class 'CourierMailAlias' requires attribute 'mail'".into()
            ))
        );
    }
    // Only a legacy import asks for the gap to be reported instead.
    let checked = s
        .check_entry_with(&e, SchemaMode::Strict, MissingMust::Report)
        .unwrap();
    assert_eq!(checked.structural, "organizationalRole");
    assert!(checked.warnings.is_empty());
    assert_eq!(
        checked.missing,
        vec![MissingAttribute {
            class: "CourierMailAlias".into(),
            attribute: "mail".into()
        }]
    );
}

#[test]
fn slapcat_style_account_passes_strict() {
    let s = Schema::builtin();
    let e = entry(
        &format!("mail=user1@domain1.example,{DOMAIN1}"),
        &[
            ("objectClass", "top"),
            ("objectClass", "inetOrgPerson"),
            ("objectClass", "CourierMailAccount"),
            ("cn", "User One"),
            ("sn", "One"),
            ("mail", "user1@domain1.example"),
            ("homeDirectory", "/home/vmail/domains"),
            ("uidNumber", "101"),
            ("gidNumber", "101"),
            ("mailbox", "domain1.example/user1/"),
            ("userPassword", "{SSHA}ra0sD47QP32ASAlaAhF8kgi+8Aflbgr7"),
            ("structuralObjectClass", "inetOrgPerson"),
            ("entryUUID", "0a4f3c1e-5b7d-4e2f-8a9b-1c2d3e4f5a6b"),
            ("creatorsName", "cn=Manager,dc=myhosting,dc=example"),
            ("createTimestamp", "20240101000000Z"),
            ("entryCSN", "20240101000000.000000Z#000000#000#000000"),
            ("modifiersName", "cn=Manager,dc=myhosting,dc=example"),
            ("modifyTimestamp", "20240101000000Z"),
        ],
    );
    let checked = s.check_entry(&e, SchemaMode::Strict).unwrap();
    assert_eq!(checked.structural, "inetOrgPerson");
    for c in [
        "inetOrgPerson",
        "organizationalPerson",
        "person",
        "top",
        "CourierMailAccount",
    ] {
        assert!(checked.classes.iter().any(|x| x == c), "{c}");
    }
    assert!(checked.warnings.is_empty());
}

fn postmaster(extra: &[(&str, &str)]) -> Entry {
    let mut attrs = vec![
        ("objectClass", "organizationalRole"),
        ("objectClass", "CourierMailAlias"),
        ("cn", "postmaster"),
        ("mail", "postmaster@domain1.example"),
        ("maildrop", "postmaster"),
    ];
    attrs.extend_from_slice(extra);
    entry(&format!("cn=postmaster,{DOMAIN1}"), &attrs)
}

#[test]
fn violations_are_typed() {
    use SchemaViolation::*;
    let s = Schema::builtin();
    let strict = |e: &Entry| s.check_entry(e, SchemaMode::Strict);
    assert!(strict(&postmaster(&[])).is_ok());
    assert!(strict(&postmaster(&[(
        "roleOccupant",
        &format!("mail=user1@domain1.example,{DOMAIN1}")
    )]))
    .is_ok());

    let mut missing = postmaster(&[]);
    missing.remove("maildrop");
    assert_eq!(
        strict(&missing),
        Err(ObjectClassViolation(
            "object class 'CourierMailAlias' requires attribute 'maildrop'".into()
        ))
    );

    let unknown = postmaster(&[("favouriteColour", "blue")]);
    assert!(
        matches!(strict(&unknown), Err(UndefinedAttributeType(m)) if m.contains("favouriteColour"))
    );
    // Lenient mode still refuses attributes the schema does not define.
    assert!(matches!(
        s.check_entry(&unknown, SchemaMode::Lenient),
        Err(UndefinedAttributeType(_))
    ));

    let not_allowed = postmaster(&[("uidNumber", "5")]);
    assert_eq!(
        strict(&not_allowed),
        Err(ObjectClassViolation(
            "attribute 'uidNumber' not allowed".into()
        ))
    );

    let mut acct = article_entries().remove(2);
    acct.add_values("objectClass", [b"account".to_vec()]);
    acct.add_values("uid", [b"user1".to_vec()]);
    assert!(strict(&acct).is_ok());
    acct.add_values("homeDirectory", [b"/elsewhere".to_vec()]);
    assert!(matches!(strict(&acct), Err(ConstraintViolation(m)) if m.contains("homeDirectory")));

    let mut bad_syntax = article_entries().remove(2);
    bad_syntax.set_values("uidNumber", vec![b"one hundred".to_vec()]);
    assert!(
        matches!(s.check_entry(&bad_syntax, SchemaMode::Lenient), Err(InvalidAttributeSyntax(m)) if m.contains("uidNumber"))
    );
    let mut bad_mail = postmaster(&[]);
    bad_mail.set_values(
        "mail",
        vec!["pöstmaster@domain1.example".as_bytes().to_vec()],
    );
    assert!(matches!(strict(&bad_mail), Err(InvalidAttributeSyntax(_))));

    let dup = postmaster(&[("maildrop", "POSTMASTER")]);
    assert!(matches!(strict(&dup), Err(AttributeOrValueExists(m)) if m.contains("maildrop")));

    let mut misnamed = postmaster(&[]);
    misnamed.set_values("cn", vec![b"hostmaster".to_vec()]);
    assert!(matches!(strict(&misnamed), Err(NamingViolation(_))));
}

#[test]
fn object_class_rules() {
    use SchemaViolation::*;
    let s = Schema::builtin();
    let strict = |e: &Entry| s.check_entry(e, SchemaMode::Strict);
    let two = postmaster(&[("objectClass", "organization"), ("o", "x")]);
    assert!(
        matches!(strict(&two), Err(ObjectClassViolation(m)) if m.contains("structural object class chain"))
    );
    let unknown = postmaster(&[("objectClass", "CourierMailBox")]);
    assert_eq!(
        strict(&unknown),
        Err(ObjectClassViolation(
            "unrecognized objectClass 'CourierMailBox'".into()
        ))
    );
    let mut none = postmaster(&[]);
    none.remove("objectClass");
    assert!(matches!(
        s.check_entry(&none, SchemaMode::Lenient),
        Err(ObjectClassViolation(_))
    ));
    // A subclass with its superclass named too is one chain.
    let chain = entry(
        "cn=a,o=x",
        &[
            ("objectClass", "person"),
            ("objectClass", "inetOrgPerson"),
            ("cn", "a"),
            ("sn", "b"),
        ],
    );
    assert_eq!(strict(&chain).unwrap().structural, "inetOrgPerson");
    // extensibleObject allows any defined attribute.
    let ext = postmaster(&[("objectClass", "extensibleObject"), ("uidNumber", "5")]);
    assert!(strict(&ext).is_ok());
    // Operational attributes are outside MUST/MAY but still syntax-checked.
    let op = postmaster(&[("createTimestamp", "yesterday")]);
    assert!(matches!(strict(&op), Err(InvalidAttributeSyntax(_))));
}

#[test]
fn a_name_taken_by_a_later_file_is_found_there_in_any_spelling() {
    let mut s = Schema::empty();
    s.load_file_text(
        "attributetype ( 1.1.1 NAME ( 'fooBar' 'fb' ) SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n\
         attributetype ( 1.1.2 NAME 'other' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
        "one.schema",
    )
    .unwrap();
    // Looked up once before the next file: what was found then must not stick.
    assert_eq!(s.attribute("fooBar").unwrap().oid, "1.1.1");
    s.load_file_text(
        "attributetype ( 1.1.2 NAME ( 'other' 'fooBar' ) SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n\
         attributetype ( 1.1.1 NAME 'fb' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
        "two.schema",
    )
    .unwrap();
    for spelling in ["fooBar", "FOOBAR", "foobar", "other", "1.1.2"] {
        assert_eq!(s.attribute(spelling).unwrap().oid, "1.1.2", "{spelling}");
    }
    for spelling in ["fb", "FB", "1.1.1"] {
        assert_eq!(s.attribute(spelling).unwrap().oid, "1.1.1", "{spelling}");
    }
}
