//! EntryAccess against the per-decision algorithm it replaced: the same decisions for
//! every identity and target, with the rules' filters and groups read once per entry.

use super::tests::compiled;
use super::who::Groups;
use super::*;
use crate::config::Config;
use std::cell::{Cell, OnceCell};

const SUFFIX: &str = "dc=myhosting,dc=example";
const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const D2: &str = "o=domain2.example,o=hosting,dc=myhosting,dc=example";
const PM1: &str = "cn=postmaster,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U1: &str = "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const U2: &str = "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const A1: &str = "mail=@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const D2U: &str = "mail=sales@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example";
const SVC: &str = "cn=mailservice,dc=myhosting,dc=example";
const ROOT: &str = "cn=Manager,dc=myhosting,dc=example";

fn dn(s: &str) -> Dn {
    Dn::parse(s).unwrap()
}

/// A small hosting tree: domain1 with a postmaster (user1), an account, a catch-all
/// alias; domain2 with one alias; a service DN.
fn tree(d: &Dn) -> Option<Entry> {
    let attrs: &[(&str, &str)] = match d.to_string().as_str() {
        PM1 => &[
            ("objectClass", "organizationalRole"),
            ("objectClass", "courierMailAlias"),
            ("cn", "postmaster"),
            ("roleOccupant", U1),
            ("maildrop", "user1@domain1.example"),
        ],
        U1 | U2 => &[
            ("objectClass", "courierMailAccount"),
            ("mail", "user@domain1.example"),
            ("mailbox", "domain1.example/user/"),
        ],
        A1 | D2U => &[
            ("objectClass", "courierMailAlias"),
            ("mail", "alias@example"),
            ("maildrop", "user1@domain1.example"),
        ],
        D1 | D2 => &[("objectClass", "organization"), ("o", "domain")],
        SVC => &[("objectClass", "organizationalRole"), ("cn", "mailservice")],
        _ => return None,
    };
    let mut e = Entry::new(d.clone());
    for (a, v) in attrs {
        e.add_values(a, vec![v.as_bytes().to_vec()]);
    }
    Some(e)
}

/// The algorithm before EntryAccess, kept as the reference: each decision walks every
/// rule, matching its DN and filter and reading groups anew.
fn reference_decide(
    acl: &AccessControl,
    who: &Identity,
    dn: &Dn,
    entry: Option<&Entry>,
    target: Target<'_>,
    lookup: &Lookup<'_>,
) -> Decision {
    let decision = |granted, rule, by| Decision { granted, rule, by };
    if who.is_root() {
        return decision(Privileges::up_to(AccessLevel::Write), None, None);
    }
    let fetched = OnceCell::new();
    let get_entry = || entry.or_else(|| fetched.get_or_init(|| (lookup.get)(dn)).as_ref());
    for rule in &acl.rules {
        if !rule.covers_target(target, lookup.schema) {
            continue;
        }
        let text = dn.normalized();
        let normalized = || text.as_str();
        let Some(captures) = rule.matches_entry(dn, &normalized, &get_entry, lookup.schema, true)
        else {
            continue;
        };
        for (i, by) in rule.by.iter().enumerate() {
            if by.who.matches(who, dn, &captures, &Groups::new(lookup.get)) {
                let mut granted = by.level;
                if !acl.anonymous_read && matches!(who, Identity::Anonymous) {
                    granted = granted.intersect(Privileges::only(AccessLevel::Auth));
                }
                return decision(granted, Some(rule.number), Some(i + 1));
            }
        }
        return decision(Privileges::NONE, Some(rule.number), None);
    }
    decision(Privileges::NONE, None, None)
}

fn identities() -> Vec<Identity> {
    let mut out = vec![Identity::Anonymous, Identity::Root(dn(ROOT))];
    out.extend([U1, U2, D2U, SVC, PM1].map(|d| Identity::User(dn(d))));
    out
}

const TARGETS: [Target<'static>; 16] = [
    Target::Entry,
    Target::Children,
    Target::Attr("userPassword"),
    // Other spellings: case, OID, an alias, a subtype of `name`.
    Target::Attr("USERPASSWORD"),
    Target::Attr("2.5.4.35"),
    Target::Attr("commonName"),
    Target::Attr("cn;lang-de"),
    Target::Attr("userPassword;x-hash"),
    Target::Attr("roleOccupant"),
    Target::Attr("maildrop"),
    Target::Attr("mailbox"),
    Target::Attr("mail"),
    Target::Attr("objectClass"),
    Target::Attr("entryUUID"),
    Target::Attr("sn"),
    Target::Attr("description"),
];

const LEVELS: [AccessLevel; 7] = [
    AccessLevel::None,
    AccessLevel::Disclose,
    AccessLevel::Auth,
    AccessLevel::Compare,
    AccessLevel::Search,
    AccessLevel::Read,
    AccessLevel::Write,
];

/// Every identity x entry x target, with the entry given and fetched: one
/// EntryAccess per (identity, entry) answers all targets as the reference does.
fn assert_same_as_reference(acl: &AccessControl, schema: Option<&Schema>) {
    let get = tree;
    let lookup = Lookup { schema, get: &get };
    let dns = [
        SUFFIX,
        "o=hosting,dc=myhosting,dc=example",
        D1,
        PM1,
        U1,
        U2,
        A1,
    ];
    let dns = dns.iter().chain(&[D2, D2U, SVC, "cn=nobody,dc=other"]);
    let mut checked = 0;
    for who in identities() {
        for target_dn in dns.clone().map(|d| dn(d)) {
            let held = tree(&target_dn);
            for entry in [held.as_ref(), None] {
                let access = acl.for_entry(&who, &target_dn, entry, &lookup);
                for target in TARGETS {
                    let want = reference_decide(acl, &who, &target_dn, entry, target, &lookup);
                    let case = format!("{who:?} on {target} of {target_dn}");
                    assert_eq!(access.decide(target), want, "{case}");
                    assert_eq!(acl.decide(&who, &target_dn, entry, target, &lookup), want);
                    for level in LEVELS {
                        let allowed = want.granted.allows(level);
                        assert_eq!(access.allows(target, level), allowed, "{case} {level:?}");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, identities().len() * 11 * 2 * TARGETS.len());
}

#[test]
fn default_policy_decides_as_the_reference() {
    assert_same_as_reference(&compiled(&Config::default()), None);
    let schema = Schema::builtin();
    let acl = AccessControl::compile(&Config::default().acl_policy(), Some(&schema)).unwrap();
    assert_same_as_reference(&acl, Some(&schema));
}

#[test]
fn anonymous_read_off_decides_as_the_reference() {
    let config = Config {
        anonymous_read: false,
        ..Config::default()
    };
    assert_same_as_reference(&compiled(&config), None);
}

/// A policy whose rules have filters, so the entry matters (and must be fetched
/// when not given).
const FILTERED: &str = r#"
[[acl]]
dn_regex = '^(?:[^,]+,)+o=(?P<domain>[^,]+),o=hosting,${suffix}$'
filter = "(objectClass=courierMailAlias)"
attrs = ["maildrop", "entry"]
by = [
  { who = "group:cn=postmaster,o=${domain},o=hosting,${suffix}@roleOccupant", level = "write" },
  { who = "users", level = "read" },
]

[[acl]]
filter = "(mail=*)"
by = [ { who = "self", level = "write" }, { who = "anonymous", level = "search" } ]

[[acl]]
by = [ { who = "*", level = "=cs" } ]
"#;

fn filtered_acl(schema: &Schema) -> AccessControl {
    let config = Config::from_toml(FILTERED, "t.toml").unwrap();
    AccessControl::compile(&config.acl_policy(), Some(schema)).unwrap()
}

/// Rules naming a supertype, an alias and an option-tagged form: the per-name table
/// the policy compiles must decide every spelling as a walk of every rule does.
const SPELLED: &str = r#"
[[acl]]
attrs = ["name", "entry"]
by = [ { who = "users", level = "read" }, { who = "anonymous", level = "none" } ]

[[acl]]
attrs = ["rfc822Mailbox", "userPassword;x-hash"]
by = [ { who = "self", level = "write" }, { who = "anonymous", level = "auth" } ]

[[acl]]
by = [ { who = "*", level = "=cs" } ]
"#;

#[test]
fn supertypes_aliases_and_tags_decide_as_the_reference() {
    let schema = Schema::builtin();
    let config = Config::from_toml(SPELLED, "t.toml").unwrap();
    let acl = AccessControl::compile(&config.acl_policy(), Some(&schema)).unwrap();
    assert_same_as_reference(&acl, Some(&schema));
}

#[test]
fn filtered_policy_decides_as_the_reference() {
    let schema = Schema::builtin();
    assert_same_as_reference(&filtered_acl(&schema), Some(&schema));
}

/// A lookup over `tree` that counts the fetches of each DN.
fn counting<'a>(calls: &'a Cell<Vec<String>>) -> impl Fn(&Dn) -> Option<Entry> + 'a {
    move |d: &Dn| {
        let mut seen = calls.take();
        seen.push(d.to_string());
        calls.set(seen);
        tree(d)
    }
}

#[test]
fn rule_filters_read_the_entry_once_per_entry() {
    let schema = Schema::builtin();
    let acl = filtered_acl(&schema);
    let calls = Cell::new(Vec::new());
    let get = counting(&calls);
    let lookup = Lookup {
        schema: Some(&schema),
        get: &get,
    };
    let who = Identity::User(dn(U2));
    let alias = dn(A1);
    let access = acl.for_entry(&who, &alias, None, &lookup);
    for target in TARGETS {
        access.allows(target, AccessLevel::Read);
    }
    // The entry for the filters and domain1's postmaster group (rule 1), once each.
    assert_eq!(calls.take(), vec![A1.to_string(), PM1.to_string()]);
    // The per-decision algorithm fetched the entry for every target.
    for target in TARGETS {
        reference_decide(&acl, &who, &alias, None, target, &lookup);
    }
    let fetches = calls.take().iter().filter(|d| *d == A1).count();
    assert_eq!(fetches, TARGETS.len());
    // A held entry is never fetched (the group still is, once).
    let held = tree(&alias).unwrap();
    let access = acl.for_entry(&who, &alias, Some(&held), &lookup);
    assert!(access.allows(Target::Attr("maildrop"), AccessLevel::Read));
    assert!(!access.allows(Target::Attr("maildrop"), AccessLevel::Write));
    assert!(access.allows(Target::Entry, AccessLevel::Read));
    assert_eq!(calls.take(), vec![PM1.to_string()]);
}

#[test]
fn postmaster_group_is_read_once_per_entry() {
    let acl = compiled(&Config::default());
    let calls = Cell::new(Vec::new());
    let get = counting(&calls);
    let lookup = Lookup {
        schema: None,
        get: &get,
    };
    let postmaster = Identity::User(dn(U1));
    let account = dn(U2);
    let access = acl.for_entry(&postmaster, &account, None, &lookup);
    // Rules 1, 5 and 6 each name the group; the entry holds for all of them.
    assert!(access.allows(Target::Attr("userPassword"), AccessLevel::Write));
    assert!(access.allows(Target::Attr("mailbox"), AccessLevel::Write));
    assert!(access.allows(Target::Attr("sn"), AccessLevel::Write));
    assert!(access.allows(Target::Entry, AccessLevel::Write));
    assert_eq!(calls.take(), vec![PM1.to_string()]);
    // Anonymous is in no group: nothing is read.
    let access = acl.for_entry(&Identity::Anonymous, &account, None, &lookup);
    assert!(access.allows(Target::Attr("mailbox"), AccessLevel::Read));
    assert!(calls.take().is_empty());
}

#[test]
fn anonymous_read_off_caps_every_grant_at_auth() {
    let config = Config {
        anonymous_read: false,
        ..Config::default()
    };
    let acl = compiled(&config);
    let get = tree;
    let lookup = Lookup {
        schema: None,
        get: &get,
    };
    let account = dn(U2);
    let anon = acl.for_entry(&Identity::Anonymous, &account, None, &lookup);
    let mailbox = anon.decide(Target::Attr("mailbox"));
    assert_eq!((mailbox.rule, mailbox.by), (Some(5), Some(2)));
    assert_eq!(mailbox.granted, Privileges::only(AccessLevel::Auth));
    assert!(!anon.allows(Target::Attr("mailbox"), AccessLevel::Search));
    // Not even disclose: whether an entry exists stays hidden.
    assert!(!anon.allows(Target::Entry, AccessLevel::Disclose));
    assert!(!anon.allows(Target::Entry, AccessLevel::Read));
    assert!(anon.allows(Target::Attr("userPassword"), AccessLevel::Auth));
    assert!(!anon.allows(Target::Attr("userPassword"), AccessLevel::Compare));
    // Bound users keep what the rules give.
    let me = Identity::User(dn(U2));
    let mine = acl.for_entry(&me, &account, None, &lookup);
    assert!(mine.allows(Target::Attr("mailbox"), AccessLevel::Read));
    assert!(mine.allows(Target::Attr("sn"), AccessLevel::Read));
}
