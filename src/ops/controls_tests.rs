//! Controls in-process: `do_op` with decoded controls against the demo tree, showing
//! the response controls a client would receive.

use super::do_op;
use super::request::*;
use super::tests::{demo_state, entries, result, search, session, user, HOSTING, USER1, USER2};
use crate::acl::Identity;
use crate::dn::Dn;
use crate::entry::{ModOp, Modification};
use crate::error::ResultCode;
use crate::filter::Filter;
use crate::session::Session;
use crate::state::ServerState;

fn control(oid: &str, critical: bool, value: ControlValue) -> Control {
    Control {
        oid: oid.into(),
        critical,
        value,
    }
}

fn run(state: &ServerState, session: &Session, op: Operation, controls: Vec<Control>) -> Response {
    let req = Request {
        id: 3,
        op,
        controls,
    };
    do_op(state, session, 1, req)
}

/// The response controls of the final reply.
fn response_controls(r: &Response) -> Vec<ResponseControl> {
    match r.replies.last() {
        Some(Reply::WithControls { controls, .. }) => controls.clone(),
        _ => Vec::new(),
    }
}

fn paged(size: i64, cookie: Vec<u8>) -> Control {
    let value = ControlValue::PagedResults(PagedResults { size, cookie });
    control("1.2.840.113556.1.4.319", false, value)
}

fn sort_by(attr: &str, reverse: bool, critical: bool) -> Control {
    let key = SortKey {
        attr: attr.into(),
        ordering_rule: None,
        reverse,
    };
    control(
        "1.2.840.113556.1.4.473",
        critical,
        ControlValue::Sort(vec![key]),
    )
}

fn mails(r: &Response) -> Vec<String> {
    entries(r)
        .iter()
        .flat_map(|e| e.attrs.iter().filter(|a| a.name == "mail"))
        .flat_map(|a| {
            a.values
                .iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
        })
        .collect()
}

#[test]
fn sorted_pages_share_one_connection_state() {
    let state = demo_state();
    let conn = session(Identity::Anonymous);
    let accounts = || search("(objectClass=CourierMailAccount)", &["mail"]);
    let first = run(
        &state,
        &conn,
        accounts(),
        vec![paged(3, Vec::new()), sort_by("mail", true, true)],
    );
    assert_eq!(result(&first).code, ResultCode::Success);
    assert_eq!(
        mails(&first),
        [
            "user2@domain1.example",
            "user1@domain2.example",
            "user1@domain1.example"
        ]
    );
    let controls = response_controls(&first);
    let Some(ResponseControl::PagedResults { size: 4, cookie }) = controls.first() else {
        panic!("{controls:?}");
    };
    assert!(controls.contains(&ResponseControl::SortResult {
        code: ResultCode::Success,
        attr: None
    }));
    // The next page on the same connection; another connection does not know the cookie.
    let elsewhere = run(
        &state,
        &session(Identity::Anonymous),
        accounts(),
        vec![paged(3, cookie.clone()), sort_by("mail", true, true)],
    );
    assert_eq!(result(&elsewhere).code, ResultCode::UnwillingToPerform);
    let rest = run(
        &state,
        &conn,
        accounts(),
        vec![paged(3, cookie.clone()), sort_by("mail", true, true)],
    );
    assert_eq!(mails(&rest), ["Sales@Domain2.example"]);
    assert!(matches!(
        response_controls(&rest).first(),
        Some(ResponseControl::PagedResults { cookie, .. }) if cookie.is_empty()
    ));
}

#[test]
fn a_critical_sort_the_server_cannot_do_fails_the_search() {
    let state = demo_state();
    let conn = session(Identity::Anonymous);
    let r = run(
        &state,
        &conn,
        search("(objectClass=*)", &["1.1"]),
        vec![sort_by("noSuchType", false, true)],
    );
    assert_eq!(result(&r).code, ResultCode::UnavailableCriticalExtension);
    assert!(entries(&r).is_empty());
    assert_eq!(
        response_controls(&r),
        [ResponseControl::SortResult {
            code: ResultCode::NoSuchAttribute,
            attr: Some("noSuchType".into())
        }]
    );
}

#[test]
fn assertion_and_read_back_around_a_modify() {
    let state = demo_state();
    let root = Identity::Root(Dn::parse("cn=Manager,dc=myhosting,dc=example").unwrap());
    let conn = session(root);
    let modify = || {
        Operation::Modify(ModifyRequest {
            dn: USER2.into(),
            changes: vec![Modification {
                op: ModOp::Replace,
                attr: "cn".into(),
                values: vec![b"second".to_vec()],
            }],
        })
    };
    let assert = |f: &str| {
        let filter = ControlValue::Assertion(Filter::parse(f).unwrap());
        control("1.3.6.1.1.12", true, filter)
    };
    let read = |post: bool| match post {
        false => control(
            "1.3.6.1.1.13.1",
            false,
            ControlValue::PreRead(vec!["cn".into()]),
        ),
        true => control(
            "1.3.6.1.1.13.2",
            false,
            ControlValue::PostRead(vec!["cn".into()]),
        ),
    };
    let refused = run(
        &state,
        &conn,
        modify(),
        vec![assert("(cn=nobody)"), read(true)],
    );
    assert_eq!(result(&refused).code, ResultCode::AssertionFailed);
    assert!(response_controls(&refused).is_empty());
    let done = run(
        &state,
        &conn,
        modify(),
        vec![assert("(cn=user2)"), read(false), read(true)],
    );
    assert_eq!(
        result(&done).code,
        ResultCode::Success,
        "{:?}",
        result(&done)
    );
    let cn = |e: &SearchEntry| e.attrs[0].values[0].clone();
    match response_controls(&done).as_slice() {
        [ResponseControl::PreRead(pre), ResponseControl::PostRead(post)] => {
            assert_eq!((cn(pre), cn(post)), (b"user2".to_vec(), b"second".to_vec()));
            assert_eq!(post.dn, USER2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn post_read_returns_only_what_the_identity_may_read() {
    let state = demo_state();
    // user1 is postmaster of domain1: it may replace user2's password, not read it.
    let conn = session(user(USER1));
    let change = Operation::Modify(ModifyRequest {
        dn: USER2.into(),
        changes: vec![Modification {
            op: ModOp::Replace,
            attr: "userPassword".into(),
            values: vec![b"{SSHA}WE8LoMncXA+QRuquDuHIIb8UXSR+5xvI".to_vec()],
        }],
    });
    let post = ControlValue::PostRead(vec!["*".into()]);
    let r = run(
        &state,
        &conn,
        change,
        vec![control("1.3.6.1.1.13.2", true, post)],
    );
    assert_eq!(result(&r).code, ResultCode::Success, "{:?}", result(&r));
    let controls = response_controls(&r);
    let [ResponseControl::PostRead(entry)] = controls.as_slice() else {
        panic!("one post-read");
    };
    let names: Vec<&str> = entry.attrs.iter().map(|a| a.name.as_str()).collect();
    assert!(names.contains(&"mail"), "{names:?}");
    assert!(!names.contains(&"userPassword"), "{names:?}");
    assert!(entry.dn.ends_with(HOSTING));
}
