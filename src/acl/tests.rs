//! Policy decisions without a server: the default rules against a small tree.

use super::*;
use crate::config::Config;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U1: &str = "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U2: &str = "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const D2U: &str = "mail=sales@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example";

fn dn(s: &str) -> Dn {
    Dn::parse(s).unwrap()
}

fn tree(d: &Dn) -> Option<Entry> {
    if d.same_as(&dn(&format!("cn=postmaster,{D1}"))) {
        let mut e = Entry::new(d.clone());
        e.add_values("roleOccupant", vec![U1.as_bytes().to_vec()]);
        return Some(e);
    }
    None
}

fn level(acl: &AccessControl, who: &Identity, target_dn: &str, target: Target<'_>) -> Decision {
    let lookup = Lookup {
        schema: None,
        get: &tree,
    };
    acl.decide(who, &dn(target_dn), None, target, &lookup)
}

/// The policy of `config`, compiled without a schema as config validation does.
pub(super) fn compiled(config: &Config) -> AccessControl {
    AccessControl::compile(&config.acl_policy(), None).unwrap()
}

fn default_acl() -> AccessControl {
    compiled(&Config::default())
}

#[test]
fn privileges_parse_and_print() {
    let w = Privileges::parse("write").unwrap();
    assert!(w.allows(AccessLevel::Read) && w.allows(AccessLevel::Disclose));
    let xw = Privileges::parse("=xw").unwrap();
    assert!(xw.allows(AccessLevel::Write) && xw.allows(AccessLevel::Auth));
    assert!(!xw.allows(AccessLevel::Read) && !xw.allows(AccessLevel::Search));
    assert!(Privileges::NONE.allows(AccessLevel::None));
    assert!(!Privileges::NONE.allows(AccessLevel::Disclose));
    assert_eq!(xw.to_string(), "=xw");
    assert_eq!(Privileges::parse("search").unwrap().to_string(), "search");
    assert!(Privileges::parse("=q").is_none());
    assert!(Privileges::parse("manage").is_none());
}

#[test]
fn default_policy_for_passwords() {
    let acl = default_acl();
    let pw = Target::Attr("userPassword");
    let anon = level(&acl, &Identity::Anonymous, U2, pw);
    assert_eq!(anon.rule, Some(1));
    assert!(anon.granted.allows(AccessLevel::Auth));
    assert!(!anon.granted.allows(AccessLevel::Compare));
    let me = level(&acl, &Identity::User(dn(U2)), U2, pw).granted;
    assert!(me.allows(AccessLevel::Write) && !me.allows(AccessLevel::Read));
    let pm = level(&acl, &Identity::User(dn(U1)), U2, pw).granted;
    assert!(pm.allows(AccessLevel::Write) && !pm.allows(AccessLevel::Read));
    let other = level(&acl, &Identity::User(dn(D2U)), U2, pw);
    assert_eq!(other.granted, Privileges::NONE);
    assert_eq!((other.rule, other.by), (Some(1), None));
    // the postmaster of domain1 has nothing on domain2's passwords
    assert_eq!(
        level(&acl, &Identity::User(dn(U1)), D2U, pw).granted,
        Privileges::NONE
    );
    let root = Identity::Root(dn("cn=Manager,dc=myhosting,dc=example"));
    assert!(level(&acl, &root, U2, pw)
        .granted
        .allows(AccessLevel::Write));
}

#[test]
fn default_policy_for_routing_and_delegation() {
    let acl = default_acl();
    let anon = level(&acl, &Identity::Anonymous, U2, Target::Attr("mailbox")).granted;
    assert!(anon.allows(AccessLevel::Read) && !anon.allows(AccessLevel::Write));
    let pm = Identity::User(dn(U1));
    assert!(level(&acl, &pm, U2, Target::Entry)
        .granted
        .allows(AccessLevel::Write));
    assert!(level(&acl, &pm, D1, Target::Children)
        .granted
        .allows(AccessLevel::Write));
    assert!(!level(&acl, &pm, D1, Target::Entry)
        .granted
        .allows(AccessLevel::Write));
    let d2 = "o=domain2.example,o=hosting,dc=myhosting,dc=example";
    assert!(!level(&acl, &pm, d2, Target::Children)
        .granted
        .allows(AccessLevel::Write));
    assert!(!level(&acl, &pm, D2U, Target::Entry)
        .granted
        .allows(AccessLevel::Write));
    let post = format!("cn=postmaster,{D1}");
    assert!(!level(&acl, &pm, &post, Target::Attr("roleOccupant"))
        .granted
        .allows(AccessLevel::Write));
    assert!(level(&acl, &pm, &post, Target::Attr("maildrop"))
        .granted
        .allows(AccessLevel::Write));
    assert!(!level(&acl, &pm, &post, Target::Entry)
        .granted
        .allows(AccessLevel::Write));
    // a plain user reads its own entry but writes nothing of it but the password
    let u2 = Identity::User(dn(U2));
    assert!(level(&acl, &u2, U2, Target::Attr("sn"))
        .granted
        .allows(AccessLevel::Read));
    assert!(!level(&acl, &u2, U2, Target::Attr("mailbox"))
        .granted
        .allows(AccessLevel::Write));
    assert!(!level(&acl, &u2, U1, Target::Attr("sn"))
        .granted
        .allows(AccessLevel::Read));
}

#[test]
fn anonymous_read_off_leaves_only_auth() {
    let config = Config {
        anonymous_read: false,
        ..Config::default()
    };
    let acl = compiled(&config);
    let d = level(&acl, &Identity::Anonymous, U2, Target::Attr("mailbox"));
    assert!(!d.granted.allows(AccessLevel::Search));
    let d = level(&acl, &Identity::Anonymous, U2, Target::Attr("userPassword"));
    assert!(d.granted.allows(AccessLevel::Auth));
}

#[test]
fn first_matching_rule_and_clause_win() {
    let text = r#"
[[acl]]
dn_base = "cn=a,${suffix}"
by = [ { who = "users", level = "read" }, { who = "*", level = "write" } ]

[[acl]]
dn_subtree = "${suffix}"
by = [ { who = "dnpattern:^cn=x\\d,${suffix}$", level = "search" }, { who = "*", level = "write" } ]
"#;
    let config = Config::from_toml(text, "t.toml").unwrap();
    let acl = compiled(&config);
    let x1 = Identity::User(dn("cn=x1,dc=myhosting,dc=example"));
    let d = level(&acl, &x1, "cn=a,dc=myhosting,dc=example", Target::Entry);
    assert_eq!(
        (d.rule, d.by, d.granted.to_string().as_str()),
        (Some(1), Some(1), "read")
    );
    let d = level(
        &acl,
        &Identity::Anonymous,
        "cn=a,dc=myhosting,dc=example",
        Target::Entry,
    );
    assert_eq!((d.rule, d.by), (Some(1), Some(2)));
    let d = level(&acl, &x1, "cn=b,dc=myhosting,dc=example", Target::Entry);
    assert_eq!(
        (d.rule, d.by, d.granted.to_string().as_str()),
        (Some(2), Some(1), "search")
    );
    let d = level(&acl, &Identity::Anonymous, "dc=other", Target::Entry);
    assert_eq!((d.rule, d.granted), (None, Privileges::NONE));
}

#[test]
fn limits_by_identity() {
    let text = "[limits]\nanonymous_size_limit = 5\n[[limits.by]]\nwho = \"dn:cn=svc,${suffix}\"\nsize = 0\ntime = 7\n";
    let config = Config::from_toml(text, "t.toml").unwrap();
    let acl = compiled(&config);
    assert_eq!(acl.limits_for(&Identity::Anonymous).size, 5);
    let svc = acl.limits_for(&Identity::User(dn("cn=svc,dc=myhosting,dc=example")));
    assert_eq!((svc.size, svc.time_secs), (0, 7));
    let other = acl.limits_for(&Identity::User(dn(U2)));
    assert_eq!(other.size, config.limits.user_size_limit);
    let root = acl.limits_for(&Identity::Root(dn("cn=Manager,dc=myhosting,dc=example")));
    assert_eq!((root.size, root.time_secs), (0, 0));
}

#[test]
fn attrs_cover_tagged_forms_and_with_a_schema_subtypes() {
    let acl = default_acl();
    // A rule protecting userPassword protects userPassword;x and any case of it.
    for pw in ["userPassword;x", "userpassword;lang-de", "USERPASSWORD"] {
        let anon = level(&acl, &Identity::Anonymous, U2, Target::Attr(pw));
        assert_eq!(anon.rule, Some(1), "{pw}");
        assert!(anon.granted.allows(AccessLevel::Auth), "{pw}");
        assert!(!anon.granted.allows(AccessLevel::Read), "{pw}");
        let me = level(&acl, &Identity::User(dn(U2)), U2, Target::Attr(pw)).granted;
        assert!(!me.allows(AccessLevel::Read), "{pw}");
    }
    // cn is routing data: its tagged forms are read like it.
    let tagged = level(&acl, &Identity::Anonymous, U2, Target::Attr("cn;lang-de"));
    assert_eq!(tagged.rule, Some(5));
    let text = r#"
[[acl]]
attrs = ["name"]
by = [ { who = "*", level = "read" } ]

[[acl]]
attrs = ["cn;lang-de"]
by = [ { who = "*", level = "search" } ]

[[acl]]
by = [ { who = "*", level = "compare" } ]
"#;
    let config = Config::from_toml(text, "t.toml").unwrap();
    let schema = crate::schema::Schema::builtin();
    let acl = AccessControl::compile(&config.acl_policy(), Some(&schema)).unwrap();
    let lookup = Lookup {
        schema: Some(&schema),
        get: &tree,
    };
    let rule_for = |attr: &str| {
        acl.decide(
            &Identity::Anonymous,
            &dn(U2),
            None,
            Target::Attr(attr),
            &lookup,
        )
        .rule
    };
    assert_eq!(rule_for("sn"), Some(1), "name covers its subtype sn");
    assert_eq!(rule_for("cn;lang-de"), Some(1));
    assert_eq!(rule_for("mail"), Some(3));
    // Without a schema only the names compare: `name` does not cover `cn`.
    let bare = compiled(&config);
    let d = level(&bare, &Identity::Anonymous, U2, Target::Attr("cn;lang-de"));
    assert_eq!(d.rule, Some(2));
    assert_eq!(
        level(&bare, &Identity::Anonymous, U2, Target::Attr("cn")).rule,
        Some(3)
    );
}

#[test]
fn tree_describing_operational_attributes_are_readable_with_the_entry() {
    let acl = default_acl();
    let post = format!("cn=postmaster,{D1}");
    let service = "cn=mailservice,dc=myhosting,dc=example";
    for attr in [
        "subschemaSubentry",
        "structuralObjectClass",
        "hasSubordinates",
        "entryDN",
        "createTimestamp",
        "modifyTimestamp",
    ] {
        for target in [U2, D1, post.as_str(), service] {
            let d = level(&acl, &Identity::Anonymous, target, Target::Attr(attr));
            assert!(d.granted.allows(AccessLevel::Read), "{attr} of {target}");
            assert!(!d.granted.allows(AccessLevel::Write), "{attr} of {target}");
        }
    }
    // The rest of the operational attributes stay private, as in the article.
    for attr in ["creatorsName", "modifiersName", "entryCSN"] {
        let d = level(&acl, &Identity::Anonymous, U2, Target::Attr(attr));
        assert!(!d.granted.allows(AccessLevel::Read), "{attr}");
        let me = level(&acl, &Identity::User(dn(U2)), U2, Target::Attr(attr));
        assert!(me.granted.allows(AccessLevel::Read), "{attr}");
    }
}
