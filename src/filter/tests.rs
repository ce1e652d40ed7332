//! Filter tests: parsing and printing RFC 4515 strings, and evaluation of every
//! filter type against mail-directory entries.

use super::*;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::schema::Schema;

fn entry(dn: &str, attrs: &[(&str, &str)]) -> Entry {
    let mut e = Entry::new(Dn::parse(dn).expect("test DN"));
    for (name, value) in attrs {
        e.add_values(name, [value.as_bytes().to_vec()]);
    }
    e
}

fn account() -> Entry {
    entry(
        "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
        &[
            ("objectClass", "top"),
            ("objectClass", "inetOrgPerson"),
            ("objectClass", "CourierMailAccount"),
            ("cn", "John Smith"),
            ("commonName", "Johnny"),
            ("cn;lang-de", "Johann Schmidt"),
            ("sn", "Smith"),
            ("mail", "User1@Domain1.example"),
            ("homeDirectory", "/home/vmail/domains"),
            ("mailbox", "domain1.example/user1/"),
            ("uidNumber", "101"),
            ("gidNumber", "101"),
            ("userPassword", "{SSHA}secret"),
            ("telephoneNumber", "+1 555-0100"),
            ("createTimestamp", "20240115093000Z"),
        ],
    )
}

fn alias() -> Entry {
    entry(
        "mail=sales@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
        &[
            ("objectClass", "top"),
            ("objectClass", "CourierMailAlias"),
            ("mail", "Sales@Domain2.example"),
            ("maildrop", "user1@domain1.example"),
        ],
    )
}

fn eval(filter: &str, e: &Entry) -> Tri {
    let schema = Schema::builtin();
    Filter::parse(filter)
        .unwrap_or_else(|err| panic!("{filter}: {err}"))
        .evaluate(e, &schema, &|_| true)
}

#[test]
fn parses_and_prints_rfc4515_strings() {
    for s in [
        "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
        "(|(cn=a)(!(sn=b)))",
        "(mail=*@domain1.example)",
        "(cn=jo*n*sm*th)",
        "(cn=john*)",
        "(uidNumber>=100)",
        "(uidNumber<=200)",
        "(cn~=jon smyth)",
        "(mail=*)",
        "(cn:caseExactMatch:=John Smith)",
        "(cn:dn:2.5.13.2:=x)",
        "(:dn:caseIgnoreMatch:=hosting)",
        "(cn;lang-de=Johann Schmidt)",
        "(&)",
        "(description=a\\2ab\\28c\\29d\\5ce)",
    ] {
        assert_eq!(Filter::parse(s).unwrap().to_string(), s);
    }
}

#[test]
fn escapes_become_bytes() {
    assert_eq!(
        Filter::parse("(cn=\\2a\\28x\\29)").unwrap(),
        Filter::Equality("cn".into(), b"*(x)".to_vec())
    );
    // An escaped star is not a substring wildcard.
    assert_eq!(
        Filter::parse("(cn=a\\2A*)").unwrap(),
        Filter::Substring {
            attr: "cn".into(),
            initial: Some(b"a*".to_vec()),
            any: vec![],
            final_: None
        }
    );
    assert_eq!(
        Filter::parse("(cn=\\c3\\a9)").unwrap(),
        Filter::Equality("cn".into(), "é".as_bytes().to_vec())
    );
    assert_eq!(
        Filter::parse("(userPassword=\\ff\\00)")
            .unwrap()
            .to_string(),
        "(userPassword=\\ff\\00)"
    );
    assert_eq!(Filter::parse("(cn=é)").unwrap().to_string(), "(cn=é)");
}

#[test]
fn parse_shapes() {
    assert_eq!(
        Filter::parse("objectClass=*").unwrap(),
        Filter::Present("objectClass".into())
    );
    assert_eq!(
        Filter::parse("(cn=*a*b*)").unwrap(),
        Filter::Substring {
            attr: "cn".into(),
            initial: None,
            any: vec![b"a".to_vec(), b"b".to_vec()],
            final_: None
        }
    );
    assert_eq!(
        Filter::parse("(:1.2.840.113556.1.4.803:=2)").unwrap(),
        Filter::Extensible {
            rule: Some("1.2.840.113556.1.4.803".into()),
            attr: None,
            value: b"2".to_vec(),
            dn_attributes: false
        }
    );
    assert_eq!(
        Filter::parse(" ( & (cn=a) (sn=b) ) ").unwrap(),
        Filter::And(vec![
            Filter::Equality("cn".into(), b"a".to_vec()),
            Filter::Equality("sn".into(), b"b".to_vec())
        ])
    );
}

#[test]
fn rejects_bad_strings() {
    for bad in [
        "",
        "(",
        "(cn=a",
        "(cn=a))",
        "cn",
        "(=a)",
        "(cn=a\\zz)",
        "(cn=a\\2)",
        "(c n=a)",
        "(cn=a**b)",
        "(cn:=)x",
        "(:=a)",
        "(cn>a)",
        "(cn=a(b)",
        "(1cn=a)",
        "(cn;=a)",
    ] {
        assert!(Filter::parse(bad).is_err(), "{bad:?} should not parse");
    }
    let deep = format!("{}(cn=a){}", "(!".repeat(200), ")".repeat(200));
    assert!(Filter::parse(&deep).unwrap_err().msg.contains("too deeply"));
}

#[test]
fn equality_uses_the_attributes_rule() {
    let a = alias();
    assert_eq!(eval("(mail=sales@domain2.example)", &a), Tri::True);
    assert_eq!(eval("(MAIL=SALES@DOMAIN2.EXAMPLE)", &a), Tri::True);
    assert_eq!(eval("(rfc822Mailbox=sales@domain2.example)", &a), Tri::True);
    assert_eq!(eval("(maildrop=USER1@domain1.example)", &a), Tri::True);
    assert_eq!(eval("(mail=other@domain2.example)", &a), Tri::False);
    let u = account();
    assert_eq!(eval("(mailbox=DOMAIN1.example/user1/)", &u), Tri::False);
    assert_eq!(eval("(mailbox=domain1.example/user1/)", &u), Tri::True);
    // RFC 4517 INTEGER has no leading zeros: such an assertion is Undefined.
    assert_eq!(eval("(uidNumber=0101)", &u), Tri::Undefined);
    assert_eq!(eval("(uidNumber=101)", &u), Tri::True);
    assert_eq!(eval("(uidNumber=abc)", &u), Tri::Undefined);
    assert_eq!(eval("(telephoneNumber=+15550100)", &u), Tri::True);
    assert_eq!(eval("(createTimestamp=20240115103000+0100)", &u), Tri::True);
    assert_eq!(
        eval(
            "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
            &u
        ),
        Tri::True
    );
}

#[test]
fn object_class_matches_superclasses() {
    let u = account();
    assert_eq!(eval("(objectClass=person)", &u), Tri::True);
    assert_eq!(eval("(objectClass=organizationalPerson)", &u), Tri::True);
    assert_eq!(eval("(objectClass=2.5.6.6)", &u), Tri::True);
    assert_eq!(eval("(objectClass=top)", &alias()), Tri::True);
    assert_eq!(eval("(objectClass=couriermailalias)", &alias()), Tri::True);
    assert_eq!(eval("(objectClass=CourierMailAlias)", &u), Tri::False);
    assert_eq!(eval("(objectClass=noSuchClass)", &u), Tri::False);
}

#[test]
fn aliases_subtypes_and_options() {
    let u = account();
    assert_eq!(eval("(commonName=john smith)", &u), Tri::True);
    assert_eq!(eval("(cn=johnny)", &u), Tri::True);
    // `name` is the supertype of cn and sn.
    assert_eq!(eval("(name=smith)", &u), Tri::True);
    assert_eq!(eval("(cn=johann schmidt)", &u), Tri::True);
    assert_eq!(eval("(cn;lang-de=johann schmidt)", &u), Tri::True);
    assert_eq!(eval("(cn;lang-de=john smith)", &u), Tri::False);
}

#[test]
fn unknown_attributes_are_undefined_and_logic_is_three_valued() {
    let u = account();
    assert_eq!(eval("(noSuchAttr=x)", &u), Tri::Undefined);
    assert_eq!(eval("(noSuchAttr=*)", &u), Tri::Undefined);
    assert_eq!(eval("(!(noSuchAttr=x))", &u), Tri::Undefined);
    assert_eq!(eval("(|(noSuchAttr=x)(cn=johnny))", &u), Tri::True);
    assert_eq!(eval("(|(noSuchAttr=x)(cn=nobody))", &u), Tri::Undefined);
    assert_eq!(eval("(&(noSuchAttr=x)(cn=nobody))", &u), Tri::False);
    assert_eq!(eval("(&(noSuchAttr=x)(cn=johnny))", &u), Tri::Undefined);
    assert_eq!(eval("(&)", &u), Tri::True);
    assert_eq!(eval("(|)", &u), Tri::False);
    assert_eq!(eval("(!(cn=nobody))", &u), Tri::True);
    assert_eq!(eval("(description=*)", &u), Tri::False);
    assert_eq!(eval("(!(description=*))", &u), Tri::True);
}

#[test]
fn substrings() {
    let u = account();
    assert_eq!(eval("(mail=*@domain1.example)", &u), Tri::True);
    assert_eq!(eval("(mail=USER*)", &u), Tri::True);
    assert_eq!(eval("(mail=*@domain2.example)", &u), Tri::False);
    assert_eq!(eval("(cn=j*n s*h)", &u), Tri::True);
    assert_eq!(eval("(cn=*oh*mi*)", &u), Tri::True);
    assert_eq!(eval("(cn=*mi*oh*)", &u), Tri::False);
    // Fragments may not overlap.
    assert_eq!(eval("(sn=smi*ith)", &u), Tri::False);
    assert_eq!(eval("(telephoneNumber=*555 01*)", &u), Tri::True);
    // homeDirectory has no SUBSTR rule.
    assert_eq!(eval("(homeDirectory=/home*)", &u), Tri::Undefined);
}

#[test]
fn ordering() {
    let u = account();
    assert_eq!(eval("(uidNumber>=100)", &u), Tri::True);
    assert_eq!(eval("(uidNumber>=1000)", &u), Tri::False);
    assert_eq!(eval("(uidNumber<=101)", &u), Tri::True);
    assert_eq!(eval("(uidNumber<=99)", &u), Tri::False);
    assert_eq!(eval("(uidNumber>=abc)", &u), Tri::Undefined);
    assert_eq!(eval("(createTimestamp>=20240101000000Z)", &u), Tri::True);
    assert_eq!(eval("(createTimestamp<=20240101000000Z)", &u), Tri::False);
    assert_eq!(eval("(sn>=s)", &u), Tri::True);
    assert_eq!(eval("(sn<=a)", &u), Tri::False);
    // DNs have no ordering.
    assert_eq!(eval("(seeAlso>=cn=a)", &u), Tri::Undefined);
}

#[test]
fn approx() {
    let u = account();
    assert_eq!(eval("(cn~=Jon Smyth)", &u), Tri::True);
    assert_eq!(eval("(sn~=smithe)", &u), Tri::True);
    assert_eq!(eval("(sn~=jones)", &u), Tri::False);
    assert_eq!(eval("(uidNumber~=101)", &u), Tri::True);
    assert_eq!(eval("(uidNumber~=x)", &u), Tri::Undefined);
}

#[test]
fn extensible_match() {
    let u = account();
    assert_eq!(eval("(cn:caseExactMatch:=John Smith)", &u), Tri::True);
    assert_eq!(eval("(cn:caseExactMatch:=john smith)", &u), Tri::False);
    assert_eq!(eval("(cn:2.5.13.2:=john smith)", &u), Tri::True);
    assert_eq!(eval("(cn:=JOHN SMITH)", &u), Tri::True);
    assert_eq!(eval("(cn:noSuchRule:=x)", &u), Tri::Undefined);
    assert_eq!(eval("(noSuchAttr:=x)", &u), Tri::Undefined);
    // Without an attribute the rule applies to every attribute.
    assert_eq!(eval("(:caseIgnoreMatch:=smith)", &u), Tri::True);
    // :dn: also looks at the DN's values.
    assert_eq!(eval("(o=hosting)", &u), Tri::False);
    assert_eq!(eval("(o:dn:=hosting)", &u), Tri::True);
    assert_eq!(
        eval("(:dn:caseIgnoreMatch:=domain1.example)", &u),
        Tri::True
    );
    assert_eq!(eval("(ou:dn:=hosting)", &u), Tri::False);
    // Bitwise rules on integers: 101 = 0b1100101.
    assert_eq!(eval("(uidNumber:1.2.840.113556.1.4.803:=5)", &u), Tri::True);
    assert_eq!(
        eval("(uidNumber:1.2.840.113556.1.4.803:=2)", &u),
        Tri::False
    );
    assert_eq!(eval("(uidNumber:integerBitOrMatch:=3)", &u), Tri::True);
}

#[test]
fn hidden_attributes_are_absent_to_filters() {
    let schema = Schema::builtin();
    let u = account();
    let hide = |name: &str| name != "userPassword";
    let f = Filter::parse("(userPassword=*)").unwrap();
    assert_eq!(f.evaluate(&u, &schema, &|_| true), Tri::True);
    assert_eq!(f.evaluate(&u, &schema, &hide), Tri::False);
    let g = Filter::parse("(userPassword={SSHA}secret)").unwrap();
    assert_eq!(g.evaluate(&u, &schema, &hide), Tri::False);
    let h = Filter::parse("(:octetStringMatch:={SSHA}secret)").unwrap();
    assert_eq!(h.evaluate(&u, &schema, &|_| true), Tri::True);
    assert_eq!(h.evaluate(&u, &schema, &hide), Tri::False);
    // may_use gets the schema spelling, whatever the entry or filter wrote.
    let seen = std::cell::RefCell::new(Vec::new());
    let record = |n: &str| {
        seen.borrow_mut().push(n.to_string());
        true
    };
    Filter::parse("(commonName=x)")
        .unwrap()
        .evaluate(&u, &schema, &record);
    assert!(seen.borrow().iter().all(|n| n != "commonName"));
    assert!(seen.borrow().iter().any(|n| n == "cn"));
}

#[test]
fn language_tags_and_ranges() {
    let mut u = account();
    u.add_values("sn;lang-en-us", [b"Smithy".to_vec()]);
    u.add_values("o;lang-en", [b"Example Org".to_vec()]);
    assert_eq!(eval("(cn;LANG-DE=johann schmidt)", &u), Tri::True);
    assert_eq!(eval("(name;lang-de=johann schmidt)", &u), Tri::True);
    assert_eq!(eval("(name=smithy)", &u), Tri::True);
    assert_eq!(eval("(name;lang-en-us=smithy)", &u), Tri::True);
    assert_eq!(eval("(name;lang-en=smithy)", &u), Tri::False);
    assert_eq!(eval("(name;lang-en-=smithy)", &u), Tri::True);
    assert_eq!(eval("(name;lang-en-=example org)", &u), Tri::True);
    assert_eq!(eval("(name;lang-=johann schmidt)", &u), Tri::True);
    assert_eq!(eval("(name;lang-en-=johann schmidt)", &u), Tri::False);
    assert_eq!(eval("(sn;lang-en-=*)", &u), Tri::True);
    assert_eq!(eval("(cn;lang-fr=*)", &u), Tri::False);
    assert_eq!(eval("(name;lang-en-=smi*)", &u), Tri::True);
    // ;binary on a syntax without a BER form is an unrecognized description.
    assert_eq!(eval("(cn;binary=john smith)", &u), Tri::Undefined);
}

#[test]
fn hidden_tagged_forms_are_asked_for_with_their_options() {
    let schema = Schema::builtin();
    let u = account();
    let hide_de = |name: &str| name != "cn;lang-de";
    let f = Filter::parse("(cn=johann schmidt)").unwrap();
    assert_eq!(f.evaluate(&u, &schema, &|_| true), Tri::True);
    assert_eq!(f.evaluate(&u, &schema, &hide_de), Tri::False);
    let any = Filter::parse("(:caseIgnoreMatch:=johann schmidt)").unwrap();
    assert_eq!(any.evaluate(&u, &schema, &hide_de), Tri::False);
}

#[test]
fn subschema_descriptions_match_by_name_or_oid() {
    let schema = Schema::builtin();
    let mut sub = entry("cn=Subschema", &[("objectClass", "subschema")]);
    for (attr, values) in schema.subschema_values() {
        sub.add_values(attr, values);
    }
    for f in [
        "(objectClasses=top)",
        "(objectClasses=2.5.6.0)",
        "(objectClasses=CourierMailAccount)",
        "(attributeTypes=commonName)",
        "(attributeTypes=cn)",
        "(attributeTypes=2.5.4.3)",
        "(matchingRules=caseIgnoreMatch)",
        "(matchingRules=2.5.13.2)",
        "(ldapSyntaxes=1.3.6.1.4.1.1466.115.121.1.15)",
        "(objectClasses:objectIdentifierFirstComponentMatch:=person)",
    ] {
        assert_eq!(eval(f, &sub), Tri::True, "{f}");
    }
    assert_eq!(eval("(objectClasses=noSuchClass)", &sub), Tri::False);
    assert_eq!(eval("(objectClasses=2.5.6.999)", &sub), Tri::False);
    // The assertion is an OID or a descriptor; anything else is Undefined.
    assert_eq!(eval("(objectClasses=not a name)", &sub), Tri::Undefined);
}

#[test]
fn only_filters_without_not_or_extensible_matches_are_screened() {
    let attrs = |f: &str| {
        let parsed = Filter::parse(f).unwrap();
        let read = parsed.screening_attributes();
        read.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    };
    assert_eq!(
        attrs("(&(mail=*@d.example)(|(objectClass=a)(cn>=b)))"),
        Some(vec!["mail".into(), "objectClass".into(), "cn".into()])
    );
    assert_eq!(attrs("(description=x)"), Some(vec!["description".into()]));
    // Hiding userPassword makes (!(userPassword=x)) true: it cannot be screened
    // over all attributes without telling who holds that value.
    assert_eq!(attrs("(&(cn=a)(!(userPassword=x)))"), None);
    assert_eq!(attrs("(cn:dn:=a)"), None);
}

#[test]
fn attributes_read_cover_negations_but_not_typeless_extensible_matches() {
    let attrs = |f: &str| {
        let parsed = Filter::parse(f).unwrap();
        let read = parsed.attributes_read();
        read.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    };
    assert_eq!(
        attrs("(&(cn=a)(!(|(mail=*)(sn~=b))))"),
        Some(vec!["cn".into(), "mail".into(), "sn".into()])
    );
    assert_eq!(attrs("(cn:dn:=a)"), Some(vec!["cn".into()]));
    assert_eq!(attrs("(&(cn=a)(:caseExactMatch:=x))"), None);
}
