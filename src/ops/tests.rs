//! The operations in-process: `do_op` against a temporary store holding the demo
//! tree, with the default policy. No socket, no binary: each case runs in
//! milliseconds and shows what a client would see.

use super::do_op;
use super::request::*;
use crate::acl::Identity;
use crate::config::Config;
use crate::directory::{Directory, Origin};
use crate::dn::Dn;
use crate::dn::Scope;
use crate::entry::{Attribute, ModOp, Modification};
use crate::error::ResultCode;
use crate::filter::Filter;
use crate::ldif::{self, LdifRecord};
use crate::session::Session;
use crate::state::ServerState;
use crate::store::Store;

pub(super) const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";
pub(super) const USER1: &str =
    "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
pub(super) const USER2: &str =
    "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// A server state over a temporary store with the demo tree; rootpw is "secret".
pub(super) fn demo_state() -> ServerState {
    demo_state_with(Config::default())
}

/// [`demo_state`] with `config` (its rootpw replaced).
pub(super) fn demo_state_with(config: Config) -> ServerState {
    let config = Config {
        rootpw: Some("{SSHA}WE8LoMncXA+QRuquDuHIIb8UXSR+5xvI".into()),
        ..config
    };
    let store = Store::open_temporary().expect("temporary store");
    let dir = Directory::with_store(store, &config).expect("directory");
    let demo = include_str!("../../ldif/demo.ldif");
    for rec in ldif::parse_ldif(demo.as_bytes(), "demo.ldif", None).expect("demo parses") {
        if let LdifRecord::Content(e) = rec.record {
            dir.add(e, &config.rootdn, Origin::Import)
                .expect("demo entry");
        }
    }
    ServerState::new(dir, config).expect("state")
}

pub(super) fn session(identity: Identity) -> Session {
    let mut s = Session::new(
        1,
        "IP=127.0.0.1:1".into(),
        Some([127, 0, 0, 1].into()),
        false,
    );
    s.identity = identity;
    s
}

pub(super) fn user(dn: &str) -> Identity {
    Identity::User(Dn::parse(dn).unwrap())
}

fn op(state: &ServerState, who: Identity, op: Operation) -> Response {
    let req = Request {
        id: 7,
        op,
        controls: Vec::new(),
    };
    do_op(state, &session(who), 1, req)
}

pub(super) fn search(filter: &str, attrs: &[&str]) -> Operation {
    Operation::Search(SearchRequest {
        base: HOSTING.into(),
        scope: Scope::Subtree,
        deref: 0,
        size_limit: 0,
        time_limit: 0,
        types_only: false,
        filter: Filter::parse(filter).unwrap(),
        attrs: attrs.iter().map(|a| a.to_string()).collect(),
    })
}

/// The final result of a response.
pub(super) fn result(r: &Response) -> &OpResult {
    let mut last = r.replies.last();
    while let Some(Reply::WithControls { reply, .. }) = last {
        last = Some(reply);
    }
    match last {
        Some(Reply::Done(_, res)) | Some(Reply::Extended { result: res, .. }) => res,
        other => panic!("no final reply: {other:?}"),
    }
}

pub(super) fn entries(r: &Response) -> Vec<&SearchEntry> {
    r.replies
        .iter()
        .filter_map(|m| match m {
            Reply::Entry(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn bind(dn: &str, pw: &str) -> Operation {
    Operation::Bind(BindRequest {
        version: 3,
        dn: dn.into(),
        credentials: Credentials::Simple(pw.into()),
    })
}

fn alias(dn: &str, mail: &str) -> Operation {
    let attr = |n: &str, v: &[&str]| Attribute {
        name: n.into(),
        values: v.iter().map(|v| v.as_bytes().to_vec()).collect(),
    };
    Operation::Add(AddRequest {
        dn: dn.into(),
        attrs: vec![
            attr(
                "objectClass",
                &["top", "organizationalRole", "CourierMailAlias"],
            ),
            attr("cn", &["new"]),
            attr("mail", &[mail]),
            attr("maildrop", &["user2@domain1.example"]),
        ],
    })
}

#[test]
fn postfix_lookup_returns_only_the_asked_attribute() {
    let state = demo_state();
    let r = op(
        &state,
        Identity::Anonymous,
        search(
            "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount))",
            &["mailbox"],
        ),
    );
    assert_eq!(result(&r).code, ResultCode::Success);
    let found = entries(&r);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dn, USER1);
    let names: Vec<&str> = found[0].attrs.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["mailbox"]);
    assert_eq!(r.effect, Effect::None);
}

#[test]
fn anonymous_search_never_sees_or_matches_passwords() {
    let state = demo_state();
    let r = op(&state, Identity::Anonymous, search("(userPassword=*)", &[]));
    assert_eq!(result(&r).code, ResultCode::Success);
    assert!(entries(&r).is_empty());
    let r = op(
        &state,
        Identity::Anonymous,
        search("(mail=user1@domain1.example)", &["*"]),
    );
    let found = entries(&r);
    assert_eq!(found.len(), 1);
    assert!(found[0].attrs.iter().all(|a| a.name != "userPassword"));
    assert!(found[0].attrs.iter().any(|a| a.name == "mailbox"));
}

#[test]
fn bind_effects_say_who_the_connection_is() {
    let state = demo_state();
    let ok = op(&state, Identity::Anonymous, bind(USER1, "user1"));
    assert_eq!(result(&ok).code, ResultCode::Success);
    assert_eq!(ok.effect, Effect::Bound(user(USER1)));
    // A failed bind leaves the connection anonymous, whoever it was before.
    let bad = op(&state, user(USER1), bind(USER2, "wrong"));
    assert_eq!(result(&bad).code, ResultCode::InvalidCredentials);
    assert_eq!(bad.effect, Effect::Bound(Identity::Anonymous));
    let root = op(
        &state,
        Identity::Anonymous,
        bind("cn=Manager,dc=myhosting,dc=example", "secret"),
    );
    assert!(matches!(root.effect, Effect::Bound(Identity::Root(_))));
}

/// A rule giving anonymous clients `level` on `attr` of the entries `filter` matches.
fn anonymous_rule(filter: &str, attr: &str, level: &str) -> crate::acl::spec::RuleSpec {
    crate::acl::spec::RuleSpec {
        dn_subtree: None,
        dn_base: None,
        dn_regex: None,
        filter: Some(filter.into()),
        attrs: Some(vec![attr.into()]),
        by: vec![crate::acl::spec::BySpec {
            who: "anonymous".into(),
            level: level.into(),
        }],
    }
}

/// Each thread remembers the last search base it parsed: searches that alternate
/// bases, or repeat one, still search the base each names (and a bad one fails).
#[test]
fn searches_alternating_bases_each_search_their_own() {
    let state = demo_state();
    let at = |base: &str| match search("(objectClass=*)", &["1.1"]) {
        Operation::Search(req) => Operation::Search(SearchRequest {
            base: base.into(),
            scope: Scope::Base,
            ..req
        }),
        _ => unreachable!(),
    };
    for base in [USER1, USER1, USER2, USER1, HOSTING, USER2] {
        let r = op(
            &state,
            Identity::Root(Dn::parse("cn=Manager,dc=myhosting,dc=example").unwrap()),
            at(base),
        );
        assert_eq!(result(&r).code, ResultCode::Success, "{base}");
        let found = entries(&r);
        assert_eq!(found.len(), 1, "{base}");
        assert!(
            Dn::parse(&found[0].dn)
                .unwrap()
                .same_as(&Dn::parse(base).unwrap()),
            "{base}"
        );
    }
    let r = op(&state, Identity::Anonymous, at("not a dn"));
    assert_eq!(result(&r).code, ResultCode::InvalidDnSyntax);
}

/// A bind reads only some attributes of its entry; a rule whose filter names others
/// (negated, or through a supertype) must still decide on the stored values.
#[test]
fn binds_obey_rule_filters_on_attributes_a_bind_does_not_use() {
    let rule = |filter: &str, level: &str| anonymous_rule(filter, "userPassword", level);
    for (filter, refused) in [
        ("(!(sn=user2))", USER2),
        ("(!(name=user1))", USER1),
        ("(|(mailbox=domain1.example/user2/)(cn:dn:=nobody))", USER1),
    ] {
        let mut config = Config::default();
        config.acl.insert(0, rule(filter, "auth"));
        config.acl.insert(1, rule("(objectClass=*)", "none"));
        let state = demo_state_with(config);
        for (dn, pw) in [(USER1, "user1"), (USER2, "user2")] {
            let r = op(&state, Identity::Anonymous, bind(dn, pw));
            let want = if dn == refused {
                ResultCode::InvalidCredentials
            } else {
                ResultCode::Success
            };
            assert_eq!(result(&r).code, want, "{filter}: bind as {dn}");
        }
    }
}

/// A lookup decodes only some attributes of its entries; a rule whose filter names
/// others (negated, or through a supertype) must still decide on the stored values.
#[test]
fn searches_obey_rule_filters_on_attributes_they_neither_ask_for_nor_test() {
    let hide_mailbox = |filter: &str| anonymous_rule(filter, "mailbox", "none");
    for (filter, hidden) in [
        ("(sn=user2)", USER2),
        ("(!(name=user1))", USER2),
        ("(|(homeDirectory=/nowhere)(cn:dn:=user1))", USER1),
    ] {
        let mut config = Config::default();
        config.acl.insert(0, hide_mailbox(filter));
        let state = demo_state_with(config);
        for (dn, mail) in [
            (USER1, "user1@domain1.example"),
            (USER2, "user2@domain1.example"),
        ] {
            let lookup = format!("(&(mail={mail})(objectClass=CourierMailAccount))");
            let r = op(&state, Identity::Anonymous, search(&lookup, &["mailbox"]));
            let found = entries(&r);
            assert_eq!(found.len(), 1, "{filter}: {mail}");
            let shown = found[0].attrs.iter().any(|a| a.name == "mailbox");
            assert_eq!(shown, dn != hidden, "{filter}: mailbox of {dn}");
        }
    }
}

#[test]
fn whoami_unbind_abandon() {
    let state = demo_state();
    let r = op(
        &state,
        user(USER2),
        Operation::Extended(ExtendedRequest::WhoAmI),
    );
    match &r.replies[0] {
        Reply::Extended { value, .. } => {
            assert_eq!(value, &ExtendedValue::AuthzId(format!("dn:{USER2}")))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        op(&state, Identity::Anonymous, Operation::Unbind).effect,
        Effect::Close
    );
    let r = op(&state, Identity::Anonymous, Operation::Abandon(3));
    assert!(r.replies.is_empty());
    let r = op(
        &state,
        Identity::Anonymous,
        Operation::Extended(ExtendedRequest::StartTls),
    );
    assert_eq!(
        result(&r).code,
        ResultCode::Unavailable,
        "no certificate configured"
    );
    assert_eq!(r.effect, Effect::None);
}

#[test]
fn postmaster_writes_in_its_domain_only() {
    let state = demo_state();
    let mine = format!("mail=new@domain1.example,o=domain1.example,{HOSTING}");
    let r = op(&state, user(USER1), alias(&mine, "new@domain1.example"));
    assert_eq!(result(&r).code, ResultCode::Success, "{:?}", result(&r));
    let theirs = format!("mail=new@domain2.example,o=domain2.example,{HOSTING}");
    let r = op(&state, user(USER1), alias(&theirs, "new@domain2.example"));
    assert_eq!(result(&r).code, ResultCode::InsufficientAccessRights);
    // A plain user of domain1 is no postmaster.
    let other = format!("mail=other@domain1.example,o=domain1.example,{HOSTING}");
    let r = op(&state, user(USER2), alias(&other, "other@domain1.example"));
    assert_eq!(result(&r).code, ResultCode::InsufficientAccessRights);
}

#[test]
fn missing_entries_name_the_deepest_visible_ancestor() {
    let state = demo_state();
    let dn = format!("mail=nobody@domain1.example,o=domain1.example,{HOSTING}");
    let r = op(
        &state,
        user(USER1),
        Operation::Modify(ModifyRequest {
            dn,
            changes: vec![Modification {
                op: ModOp::Replace,
                attr: "maildrop".into(),
                values: vec![b"x@example.org".to_vec()],
            }],
        }),
    );
    let res = result(&r);
    assert_eq!(res.code, ResultCode::NoSuchObject);
    assert_eq!(res.matched, format!("o=domain1.example,{HOSTING}"));
}

#[test]
fn compare_answers_true_false_and_hides_passwords() {
    let state = demo_state();
    let cmp = |attr: &str, value: &str| {
        Operation::Compare(CompareRequest {
            dn: USER1.into(),
            attr: attr.into(),
            value: value.as_bytes().to_vec(),
        })
    };
    let yes = op(
        &state,
        Identity::Anonymous,
        cmp("mail", "USER1@domain1.example"),
    );
    assert_eq!(result(&yes).code, ResultCode::CompareTrue);
    let no = op(
        &state,
        Identity::Anonymous,
        cmp("mail", "user2@domain1.example"),
    );
    assert_eq!(result(&no).code, ResultCode::CompareFalse);
    let pw = op(&state, Identity::Anonymous, cmp("userPassword", "user1"));
    assert_eq!(result(&pw).code, ResultCode::InsufficientAccessRights);
}

#[test]
fn critical_controls_the_server_lacks_fail_the_operation() {
    let state = demo_state();
    let req = Request {
        id: 9,
        op: search("(mail=*)", &["1.1"]),
        controls: vec![Control {
            oid: "1.2.3.4.5".into(),
            critical: true,
            value: ControlValue::Unsupported,
        }],
    };
    let r = do_op(&state, &session(Identity::Anonymous), 1, req);
    assert_eq!(r.replies.len(), 1, "no entries before the error");
    assert_eq!(result(&r).code, ResultCode::UnavailableCriticalExtension);
    assert!(matches!(r.replies[0], Reply::Done(ResponseKind::Search, _)));
}

#[test]
fn password_modify_by_the_owner_then_bind_with_the_new_one() {
    let state = demo_state();
    let change = Operation::Extended(ExtendedRequest::PasswordModify(Some(PasswordModify {
        user: None,
        old: Some("user2".into()),
        new: Some("fresh-secret".into()),
    })));
    let r = op(&state, user(USER2), change);
    assert_eq!(result(&r).code, ResultCode::Success, "{:?}", result(&r));
    assert_eq!(
        result(&op(&state, Identity::Anonymous, bind(USER2, "user2"))).code,
        ResultCode::InvalidCredentials
    );
    assert_eq!(
        result(&op(
            &state,
            Identity::Anonymous,
            bind(USER2, "fresh-secret")
        ))
        .code,
        ResultCode::Success
    );
}

#[test]
fn a_postmaster_cannot_capture_another_domains_mail() {
    let state = demo_state();
    let dn = |local: &str| format!("mail={local},o=domain1.example,{HOSTING}");
    for stolen in ["new@domain2.example", "@domain2.example"] {
        let r = op(&state, user(USER1), alias(&dn(stolen), stolen));
        let res = result(&r);
        assert_eq!(
            res.code,
            ResultCode::ConstraintViolation,
            "{stolen}: {res:?}"
        );
        assert!(
            res.message.contains("not an address of domain1.example"),
            "{res:?}"
        );
    }
    // Its own domain's catch-all is fine.
    let r = op(
        &state,
        user(USER1),
        alias(&dn("@domain1.example"), "@domain1.example"),
    );
    assert_eq!(result(&r).code, ResultCode::Success, "{:?}", result(&r));
    // Nor may a modify slip another domain's address onto an existing entry.
    let add_mail = Operation::Modify(ModifyRequest {
        dn: USER2.into(),
        changes: vec![Modification {
            op: ModOp::Add,
            attr: "mail".into(),
            values: vec![b"boss@domain2.example".to_vec()],
        }],
    });
    let r = op(&state, user(USER1), add_mail.clone());
    assert_eq!(result(&r).code, ResultCode::ConstraintViolation);
    // The rootdn is trusted with cross-domain routing.
    let root = Identity::Root(Dn::parse("cn=Manager,dc=myhosting,dc=example").unwrap());
    assert_eq!(
        result(&op(&state, root, add_mail)).code,
        ResultCode::Success
    );
}

#[test]
fn hostile_dns_are_refused_before_they_are_parsed() {
    let state = demo_state();
    let deep = format!("{}{HOSTING}", "cn=x,".repeat(8000));
    let started = std::time::Instant::now();
    let r = op(&state, Identity::Anonymous, Operation::Delete(deep));
    assert_eq!(result(&r).code, ResultCode::AdminLimitExceeded);
    assert!(started.elapsed() < std::time::Duration::from_millis(200));
    // Escaped commas are not separators; a DN just inside the limits is looked up.
    let escaped = format!("cn={},{HOSTING}", "a\\,".repeat(200));
    let r = op(&state, Identity::Anonymous, Operation::Delete(escaped));
    assert_eq!(result(&r).code, ResultCode::NoSuchObject);
}
