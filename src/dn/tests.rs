//! DN tests: parsing what RFC 4514 and the article's LDIF hold, refusing the rest,
//! and the string forms.

use super::*;

#[test]
fn parses_the_articles_spaced_dns() {
    let dn = Dn::parse(
        "mail=user1@domain1.example, o=domain1.example,\n o=hosting, dc=myhosting, dc=example",
    )
    .unwrap();
    assert_eq!(
        dn.to_string(),
        "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example"
    );
    assert_eq!(dn.depth(), 5);
}

#[test]
fn compares_case_insensitively_and_by_alias() {
    let a = Dn::parse("CN=Post  Master,O=Hosting").unwrap();
    let b = Dn::parse("commonName=post master,o=hosting").unwrap();
    assert!(a.same_as(&b));
    assert_eq!(a.tree_key(), b.tree_key());
}

#[test]
fn escapes_round_trip() {
    let dn = Dn::parse(r"cn=Smith\, John+uid=js,o=a\2Cb").unwrap();
    assert_eq!(dn.rdns[0].avas[0].value, "Smith, John");
    assert_eq!(dn.rdns[1].avas[0].value, "a,b");
    let again = Dn::parse(&dn.to_string()).unwrap();
    assert!(again.same_as(&dn));
}

#[test]
fn subtree_keys_are_prefixes() {
    let base = Dn::parse("o=hosting,dc=example").unwrap();
    let child = Dn::parse("o=d1,o=hosting,dc=example").unwrap();
    let sibling = Dn::parse("o=hostingx,dc=example").unwrap();
    assert!(child.tree_key().starts_with(&base.tree_key()));
    assert!(!sibling.tree_key().starts_with(&base.tree_key()));
    assert!(child.is_within(&base));
}

#[test]
fn a_parents_tree_key_is_cut_from_its_childs() {
    // A NUL inside a value is escaped, so it cannot pass for a separator.
    for text in [
        "cn=a\\00b,o=d1\\,x,o=hosting,dc=example",
        "uid=x+cn=y,dc=example",
    ] {
        let dn = Dn::parse(text).unwrap();
        let mut key = dn.tree_key();
        let mut ancestor = dn.parent();
        while let Some(parent) = Dn::parent_tree_key(&key) {
            let a = ancestor.take().unwrap();
            assert_eq!(parent, a.tree_key(), "{text}: parent of {a}");
            key = parent.to_vec();
            ancestor = a.parent();
        }
        assert_eq!(
            ancestor.map(|a| a.rdns.len()),
            Some(0),
            "{text}: one RDN left"
        );
    }
    assert_eq!(Dn::parent_tree_key(b""), None);
    assert_eq!(
        Dn::parent_tree_key(&Dn::parse("dc=example").unwrap().tree_key()),
        None
    );
}

#[test]
fn rejects_garbage() {
    assert!(Dn::parse("nodn").is_err());
    assert!(Dn::parse("=x").is_err());
    assert!(Dn::parse("cn=a\\").is_err());
    assert!(Dn::parse("cn=a<b").is_err());
}

#[test]
fn attribute_types_are_descrs_or_numericoids_without_leading_zeros() {
    for good in [
        "cn=x",
        "2.5.4.3=x",
        "0.9.2342.19200300.100.1.25=x",
        "x-y1=1",
        "c=DE",
    ] {
        assert!(Dn::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "01.1=jsmith",
        "1=x",
        "1.=x",
        "1..2=x",
        "2.05.4.3=x",
        "1a=x",
        "-cn=x",
        "OID.2.5.4.3=x",
        "cn;lang-en=x",
        "c n=x",
    ] {
        assert!(Dn::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn hex_values_must_be_one_ber_string_element() {
    let dn = Dn::parse("cn=#04034A6F65,o=x").unwrap();
    assert_eq!(dn.rdns[0].avas[0].value, "Joe");
    assert!(dn.same_as(&Dn::parse("cn=joe,o=x").unwrap()));
    for bad in [
        "1.1.1=#F",
        "cn=#",
        "cn=#04",
        "cn=#0403",
        "cn=#0403616263ff",
        "cn=#04zz",
    ] {
        assert!(Dn::parse(bad).is_err(), "{bad}");
    }
    assert!(Dn::parse("cn=a\0b").is_err(), "NUL must be escaped");
    assert_eq!(
        Dn::parse("cn=a\\00b").unwrap().rdns[0].avas[0].value,
        "a\0b"
    );
}

#[test]
fn the_pretty_form_is_slapds() {
    let pretty = |s: &str| Dn::parse(s).unwrap().pretty();
    assert_eq!(pretty("cn=Foo, o=Bar"), "cn=Foo,o=Bar");
    assert_eq!(pretty("cn=Foo;o=Bar"), "cn=Foo,o=Bar");
    assert_eq!(pretty("sn=b+cn=a,o=x"), "cn=a+sn=b,o=x");
    assert_eq!(pretty("cn=\"quoted, v\",o=x"), "cn=quoted\\2C v,o=x");
    assert_eq!(pretty("cn=a\\,b"), "cn=a\\2Cb");
    assert_eq!(pretty("cn=x=y"), "cn=x\\3Dy");
    assert_eq!(pretty("cn=\\#x"), "cn=\\23x");
    assert_eq!(pretty("cn=\\ lead,o=x"), "cn=\\20lead,o=x");
    assert_eq!(pretty("cn=trail\\ ,o=x"), "cn=trail\\20,o=x");
    assert_eq!(pretty("cn= spaced ,o=x"), "cn=spaced,o=x");
    assert_eq!(
        pretty("cn=a\\+b\\;c\\<d\\>e\\\\f\\\"g"),
        "cn=a\\2Bb\\3Bc\\3Cd\\3Ee\\5Cf\\22g"
    );
    assert_eq!(pretty("cn=é"), "cn=é");
    assert_eq!(pretty(""), "");
    // The pretty form parses back to the same DN.
    let dn = Dn::parse("cn=Smith\\, John+uid=js,o=a\\2Cb").unwrap();
    assert!(Dn::parse(&dn.pretty()).unwrap().same_as(&dn));
}

/// The normal form as it was first written (format, collect, join): store keys made
/// by earlier versions must come out byte for byte the same from the one-pass code.
fn reference_normalized(dn: &Dn) -> String {
    dn.rdns
        .iter()
        .map(|rdn| {
            let mut parts: Vec<String> = rdn
                .avas
                .iter()
                .map(|a| {
                    format!(
                        "{}={}",
                        canonical_type(&a.attr),
                        escape_value(&normalize_value(&a.value))
                    )
                })
                .collect();
            parts.sort();
            parts.join("+")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn one_pass_normal_form_matches_the_reference() {
    for text in [
        "mail=User1@Domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        "CN=  Foo   Bar ,2.5.4.10=Baz",
        "commonName=x+sn=y,surName=Z",
        r"cn=a\,b\+c\;d\<e\>f\=g\\h\22,dc=x",
        r"cn=\#hash,o=İstanbul ŞEHİR",
        "rfc822Mailbox=a@b,0.9.2342.19200300.100.1.25=com",
        "uid=a+cn=b+mail=c",
    ] {
        let dn = Dn::parse(text).unwrap();
        assert_eq!(dn.normalized(), reference_normalized(&dn), "{text}");
        assert_eq!(dn.to_ldap_string(), dn.to_string(), "{text}");
        let again = Dn::parse(&dn.to_string()).unwrap();
        assert!(dn.same_as(&again), "{text}");
        let mut key = Vec::new();
        for rdn in dn.rdns.iter().rev() {
            let one = Dn {
                rdns: vec![rdn.clone()],
            };
            key.extend_from_slice(reference_normalized(&one).as_bytes());
            key.push(0);
        }
        assert_eq!(dn.tree_key(), key, "{text}");
        assert_eq!(Dn::tree_key_of_normalized(&dn.normalized()), key, "{text}");
    }
    assert_eq!(Dn::tree_key_of_normalized(""), Dn::default().tree_key());
    let a = Dn::parse("CN=Foo  Bar,O=X").unwrap();
    let b = Dn::parse("commonname=foo bar,organizationName=x").unwrap();
    assert!(a.same_as(&b));
    assert!(!a.same_as(&Dn::parse("cn=foo baz,o=x").unwrap()));
    assert!(!a.same_as(&Dn::parse("sn=foo bar,o=x").unwrap()));
}

#[test]
fn the_ascii_fast_path_normalises_as_the_general_one() {
    let values = [
        "",
        " ",
        "  A  ",
        "Domain1.Example",
        "a  B   c",
        "#x",
        " #x",
        "a#b",
        "a,b+c\"d",
        "x\\y<z>;w=v",
        "nul\0here",
        "Trailing ",
        "UPPER lower 09",
    ];
    for v in values {
        let fast: String = AsciiFolded::new(v.as_bytes()).collect();
        let general: String = unicode_folded(v).collect();
        assert_eq!(fast, general, "value {v:?}");
        assert_eq!(fast, normalize_value(v), "value {v:?}");
    }
}

#[test]
fn plain_values_normalise_as_escaped_folded_ones() {
    for v in [
        "",
        " ",
        "x",
        "X y",
        "x  y",
        " x",
        "x ",
        "#x",
        "x#",
        "a,b",
        "a+b",
        "a\"b",
        "a\\b",
        "a<b",
        "a>b",
        "a;b",
        "a=b",
        "a\0b",
        "\tx",
        "x\ty",
        "\nx",
        "a\x7fb",
        "UsEr.1@Dom-1.EXAMPLE",
        "~!$%&'()*",
        "ÄÖ x",
    ] {
        let mut out = String::from("prefix");
        push_normalized_value(v, &mut out);
        assert_eq!(
            out,
            format!("prefix{}", escape_value(&normalize_value(v))),
            "{v:?}"
        );
    }
}

/// A value starting with a line break or a tab keeps it through the string and the
/// normal forms, which escape it: the parser skips such whitespace before a value
/// (found by fuzzing: `cdn=\ \n@` normalised to `cdn=\n@`, which parses as `cdn=@`).
#[test]
fn leading_line_breaks_survive_the_string_forms() {
    for text in [
        r"cn=\0ax,dc=example",
        "cdn=\\ \n@,cn=x",
        r"cn=\09tab",
        r"cn=\0d",
    ] {
        let dn = Dn::parse(text).unwrap();
        assert_eq!(Dn::parse(&dn.to_string()).unwrap(), dn, "{text:?}");
        let normalized = dn.normalized();
        assert_eq!(
            Dn::parse(&normalized).unwrap().normalized(),
            normalized,
            "{text:?}"
        );
    }
    assert_eq!(Dn::parse(r"cn=\0ax").unwrap().to_string(), r"cn=\0ax");
}

#[test]
fn values_needing_no_escape_are_written_as_the_escaper_would() {
    let mut rng = crate::test_rng::Rng(0x5eed_0fd1_5c0d);
    let alphabet: Vec<char> = "aZ09 #,+\"\\<>;=\0.-_@\u{e9}\u{3000}\n".chars().collect();
    for _ in 0..20_000 {
        let len = rng.below(6) as usize;
        let value: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        assert_eq!(escaped(&value), escape_each(&value), "{value:?}");
    }
}
