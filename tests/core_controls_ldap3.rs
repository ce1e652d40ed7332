//! Controls through the ldap3 crate, whose BER is its own: paged results cookies
//! (abandon with size 0, used, forged, foreign and other identities' cookies),
//! malformed control values, and assertion with post-read on a modify.

mod common;
use common::*;
use ldap3::controls::{
    Assertion, Control, ControlType, PagedResults, PostRead, PostReadResp, RawControl,
};
use ldap3::{LdapConn, Mod, Scope, SearchResult};
use std::collections::HashSet;

const ACCOUNTS: &str = "(objectClass=CourierMailAccount)";

/// One page: entries received, result code, and the paged results response control.
fn page(
    c: &mut LdapConn,
    size: i32,
    cookie: &[u8],
    filter: &str,
) -> (usize, u32, Option<PagedResults>) {
    let control = PagedResults {
        size,
        cookie: cookie.to_vec(),
    };
    let SearchResult(entries, result) = c
        .with_controls(control)
        .search(HOSTING, Scope::Subtree, filter, vec!["1.1"])
        .unwrap();
    let paged = result
        .ctrls
        .iter()
        .find_map(|Control(kind, raw)| match kind {
            Some(ControlType::PagedResults) => Some(raw.parse::<PagedResults>()),
            _ => None,
        });
    (entries.len(), result.rc, paged)
}

#[test]
fn paged_results_cookies_are_the_servers_own() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    let (n, rc, first) = page(&mut c, 2, &[], ACCOUNTS);
    assert_eq!((n, rc), (2, 0));
    let first = first.expect("paged results response");
    assert_eq!(first.size, 4, "the estimate is the whole set");
    assert!(!first.cookie.is_empty());
    // Size 0 abandons the paged search: no entries, an empty cookie...
    let (n, rc, ended) = page(&mut c, 0, &first.cookie, ACCOUNTS);
    assert_eq!((n, rc), (0, 0));
    assert!(ended.unwrap().cookie.is_empty());
    // ...and its cookie is gone.
    assert_eq!(page(&mut c, 2, &first.cookie, ACCOUNTS).1, 53);
    // A forged cookie names nothing.
    assert_eq!(page(&mut c, 2, b"0123456789abcdef", ACCOUNTS).1, 53);
    // A cookie belongs to its search: another filter may not continue it, and the
    // attempt leaves the search where it was.
    let (_, _, second) = page(&mut c, 2, &[], ACCOUNTS);
    let cookie = second.unwrap().cookie;
    assert_eq!(page(&mut c, 2, &cookie, "(mail=*)").1, 53);
    let (n, rc, last) = page(&mut c, 2, &cookie, ACCOUNTS);
    assert_eq!((n, rc), (2, 0));
    assert!(last.unwrap().cookie.is_empty(), "four entries, two pages");
    // A cookie belongs to its connection and its identity.
    let (_, _, third) = page(&mut c, 1, &[], ACCOUNTS);
    let cookie = third.unwrap().cookie;
    let mut other = LdapConn::new(&s.uri).unwrap();
    assert_eq!(page(&mut other, 1, &cookie, ACCOUNTS).1, 53);
    c.simple_bind(&mail_dn("user1@domain1.example"), "user1")
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(page(&mut c, 1, &cookie, ACCOUNTS).1, 53);
}

#[test]
fn malformed_control_values_fail_the_operation_not_the_connection() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    for (oid, crit) in [
        ("1.2.840.113556.1.4.319", true),
        ("1.2.840.113556.1.4.473", false),
        ("1.3.6.1.1.12", false),
        ("1.2.826.0.1.3344810.2.3", true),
    ] {
        let junk = RawControl {
            ctype: oid.into(),
            crit,
            val: Some(b"\x04\x01x".to_vec()),
        };
        let SearchResult(entries, result) = c
            .with_controls(junk)
            .search(HOSTING, Scope::Subtree, ACCOUNTS, vec!["1.1"])
            .unwrap();
        assert_eq!(result.rc, 2, "{oid}: {}", result.text);
        assert!(entries.is_empty());
    }
    let SearchResult(entries, result) = c
        .search(HOSTING, Scope::Subtree, ACCOUNTS, vec!["1.1"])
        .unwrap();
    assert_eq!((entries.len(), result.rc), (4, 0), "the connection is fine");
}

#[test]
fn assertion_and_post_read_on_modify() {
    let s = Server::demo();
    let mut c = LdapConn::new(&s.uri).unwrap();
    c.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();
    let user2 = mail_dn("user2@domain1.example");
    let change = || vec![Mod::Replace("cn", HashSet::from(["renamed"]))];
    let refused = c
        .with_controls(vec![
            Assertion::new("(cn=nomatch)"),
            PostRead::new(vec!["cn"]),
        ])
        .modify(&user2, change())
        .unwrap();
    assert_eq!(refused.rc, 122, "{}", refused.text);
    assert!(
        refused.ctrls.is_empty(),
        "no read-back when the write fails"
    );
    let done = c
        .with_controls(vec![
            Assertion::new("(cn=user2)"),
            PostRead::new(vec!["cn"]),
        ])
        .modify(&user2, change())
        .unwrap();
    assert_eq!(done.rc, 0, "{}", done.text);
    let post: PostReadResp = done
        .ctrls
        .iter()
        .find_map(|Control(kind, raw)| match kind {
            Some(ControlType::PostReadResp) => Some(raw.parse()),
            _ => None,
        })
        .expect("post-read response");
    assert_eq!(post.attrs["cn"], vec!["renamed".to_string()]);
    assert_eq!(post.attrs.len(), 1, "only the attributes asked for");
}
