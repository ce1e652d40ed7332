//! The search controls directory tools send, through ldap-utils: paged results
//! (-E pr=), server-side sorting (-E sss=), values return (-E mv=), ManageDsaIT (-M),
//! and the result codes of the bad cases. The write controls are in
//! core_controls_writes.rs.

mod common;
use common::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const ACCOUNTS: &str = "(objectClass=CourierMailAccount)";

/// An account in domain1 with the given surname (readable only by its owner, its
/// postmaster and the rootdn under the default policy).
fn account(local: &str, sn: &str) -> String {
    format!(
        "dn: {}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\ncn: {local}\nsn: {sn}\nhomeDirectory: /home/vmail/domains\nmailbox: domain1.example/{local}/\n\n",
        mail_dn(&format!("{local}@domain1.example"))
    )
}

/// `ldapsearch -LLL` of all hosted domains with extra arguments, as `who` (None:
/// anonymous), asking for mail.
fn search(s: &Server, who: Option<(&str, &str)>, extra: &[&str], filter: &str) -> ToolResult {
    let mut args = vec!["-x", "-LLL", "-o", "ldif-wrap=no", "-b", HOSTING];
    if let Some((dn, pw)) = who {
        args.extend(["-D", dn, "-w", pw]);
    }
    args.extend_from_slice(extra);
    args.extend([filter, "mail"]);
    s.tool("ldapsearch", &args)
}

const ROOT: Option<(&str, &str)> = Some((ROOTDN, ROOTPW));

#[test]
fn the_root_dse_lists_every_control() {
    let s = Server::demo();
    let r = s.search_anon("", "(objectClass=*)", &["-s", "base", "supportedControl"]);
    r.ok();
    let listed = values(&r.stdout, "supportedControl");
    for oid in [
        "2.16.840.1.113730.3.4.2",
        "1.2.840.113556.1.4.319",
        "1.2.840.113556.1.4.473",
        "1.2.826.0.1.3344810.2.3",
        "1.3.6.1.1.12",
        "1.3.6.1.1.13.1",
        "1.3.6.1.1.13.2",
    ] {
        assert!(listed.iter().any(|v| v == oid), "{oid} in {listed:?}");
    }
}

#[test]
fn paged_results_walk_the_whole_result_set() {
    let s = Server::demo();
    let more: String = (0..7).map(|i| account(&format!("p{i}"), "x")).collect();
    s.add_root(&more).ok();
    let all = search(&s, ROOT, &[], ACCOUNTS);
    all.ok();
    let mut want = dns(&all.stdout);
    assert_eq!(want.len(), 11);
    let paged = search(&s, ROOT, &["-E", "pr=2/noprompt"], ACCOUNTS);
    paged.ok();
    let mut got = dns(&paged.stdout);
    assert_eq!(got.len(), 11, "{}", paged.stdout);
    got.sort();
    want.sort();
    assert_eq!(got, want, "every entry once");
    // Six pages: five with a cookie, the last with an empty one.
    let pages: Vec<&str> = paged
        .stdout
        .lines()
        .filter(|l| l.starts_with("# pagedresults:"))
        .collect();
    assert_eq!(pages.len(), 6, "{}", paged.stdout);
    assert!(pages[..5].iter().all(|l| !l.ends_with("cookie=")));
    assert!(pages[5].ends_with("cookie="), "{}", pages[5]);
    // Critical paging is honoured the same way; a page larger than the set is one page.
    let one = search(&s, ROOT, &["-E", "!pr=50/noprompt"], ACCOUNTS);
    one.ok();
    assert_eq!(dns(&one.stdout).len(), 11);
}

#[test]
fn paged_results_keep_the_size_limits() {
    let s = Server::start_with("[limits]\nanonymous_size_limit = 3\n", true);
    let more: String = (0..4).map(|i| account(&format!("q{i}"), "x")).collect();
    s.add_root(&more).ok();
    // Paging never returns more than one search may: the limit is for the whole set.
    for page in ["pr=2/noprompt", "pr=1/noprompt", "pr=10/noprompt"] {
        let r = search(&s, None, &["-E", page], ACCOUNTS);
        assert_eq!(r.code, 4, "{page}: {}{}", r.stdout, r.stderr);
        assert_eq!(dns(&r.stdout).len(), 3, "{page}: {}", r.stdout);
    }
    // The client's own limit counts the same way.
    let r = search(&s, ROOT, &["-z", "5", "-E", "pr=2/noprompt"], ACCOUNTS);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(dns(&r.stdout).len(), 5);
    // The rootdn is unlimited.
    let r = search(&s, ROOT, &["-E", "pr=2/noprompt"], ACCOUNTS);
    r.ok();
    assert_eq!(dns(&r.stdout).len(), 8);
}

#[test]
fn sorting_follows_the_ordering_rules_within_the_size_limit() {
    let s = Server::demo();
    let r = search(&s, ROOT, &["-E", "sss=-mail"], ACCOUNTS);
    r.ok();
    let mails = values(&r.stdout, "mail");
    let mut by_rule = mails.clone();
    by_rule.sort_by_key(|m| std::cmp::Reverse(m.to_lowercase()));
    assert_eq!(mails, by_rule, "caseIgnore order, largest first");
    let full = search(&s, ROOT, &["-L", "-E", "sss=mail"], ACCOUNTS);
    assert!(
        full.stdout.contains("sortResult: (0) Success"),
        "{}",
        full.stdout
    );
    // A size limit returns the first entries of the sorted order, then code 4.
    let r = search(&s, ROOT, &["-z", "2", "-E", "sss=-mail"], ACCOUNTS);
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(values(&r.stdout, "mail"), mails[..2].to_vec());
    // Sorting and paging together: the pages follow the sorted order.
    let r = search(
        &s,
        ROOT,
        &["-E", "sss=-mail", "-E", "pr=3/noprompt"],
        ACCOUNTS,
    );
    r.ok();
    assert_eq!(values(&r.stdout, "mail"), mails);
}

#[test]
fn sorting_by_an_unreadable_attribute_reveals_no_order() {
    let s = Server::demo();
    // Surnames in an order unlike the order the entries were added in.
    let mut ldif = String::new();
    for (local, sn) in [
        ("s1", "delta"),
        ("s2", "bravo"),
        ("s3", "alpha"),
        ("s4", "charlie"),
    ] {
        ldif.push_str(&account(local, sn));
    }
    s.add_root(&ldif).ok();
    let only_s = "(&(objectClass=CourierMailAccount)(mail=s*@domain1.example))";
    let order = |who, sort: &str| {
        let extra: Vec<&str> = if sort.is_empty() {
            vec![]
        } else {
            vec!["-E", sort]
        };
        let r = search(&s, who, &extra, only_s);
        r.ok();
        values(&r.stdout, "mail")
    };
    let unsorted = order(None, "");
    assert_eq!(unsorted.len(), 4);
    // The rootdn may read sn: the order is the surnames'.
    assert_eq!(
        order(ROOT, "sss=sn"),
        [
            "s3@domain1.example",
            "s2@domain1.example",
            "s4@domain1.example",
            "s1@domain1.example"
        ]
    );
    // Anonymous may not: sn is absent for it, either way round, and the order stays
    // the directory's.
    assert_eq!(order(None, "sss=sn"), unsorted);
    assert_eq!(order(None, "sss=-sn"), unsorted);
    // A later key still sorts what the unreadable one leaves tied.
    assert_eq!(order(None, "sss=sn/-mail"), {
        let mut m = unsorted.clone();
        m.sort_by(|a, b| b.cmp(a));
        m
    });
}

#[test]
fn sort_requests_the_server_cannot_do() {
    let s = Server::demo();
    // Critical: the search fails with unavailableCriticalExtension and no entries.
    for (key, code) in [
        ("!sss=noSuchType", "(16)"),
        ("!sss=cn:caseIgnoreMatch", "(18)"),
    ] {
        let r = search(&s, ROOT, &["-L", "-E", key], ACCOUNTS);
        assert_eq!(r.code, 12, "{key}: {}{}", r.stdout, r.stderr);
        assert!(dns(&r.stdout).is_empty());
        assert!(
            r.stdout.contains(&format!("sortResult: {code}")),
            "{}",
            r.stdout
        );
    }
    // Not critical: the entries come unsorted, and the sortResult says why.
    let r = search(&s, ROOT, &["-L", "-E", "sss=noSuchType"], ACCOUNTS);
    r.ok();
    assert_eq!(dns(&r.stdout).len(), 4);
    assert!(r.stdout.contains("sortResult: (16)"), "{}", r.stdout);
}

#[test]
fn values_return_filter_keeps_only_matching_values() {
    let s = Server::demo();
    s.add_root(&format!(
        "dn: mail=list@domain1.example,{D1}\nobjectClass: top\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: list\nmail: list@domain1.example\nmaildrop: a@x.example\nmaildrop: b@y.example\nmaildrop: c@y.example\n"
    ))
    .ok();
    let r = s.search_anon(
        D1,
        "(mail=list@domain1.example)",
        &["-E", "!mv=(maildrop=*@y.example)"],
    );
    r.ok();
    assert_eq!(
        values(&r.stdout, "maildrop"),
        ["b@y.example", "c@y.example"]
    );
    assert!(values(&r.stdout, "mail").is_empty(), "{}", r.stdout);
    assert!(values(&r.stdout, "cn").is_empty());
    let r = s.search_anon(D1, "(mail=list@domain1.example)", &["-E", "!mv=(mail=*)"]);
    r.ok();
    assert_eq!(values(&r.stdout, "mail"), ["list@domain1.example"]);
    assert!(values(&r.stdout, "maildrop").is_empty());
}

#[test]
fn unknown_critical_controls_fail_and_manage_dsa_it_is_accepted() {
    let s = Server::demo();
    let r = search(&s, None, &["-E", "!1.2.3.4"], ACCOUNTS);
    assert_eq!(r.code, 12, "{}", r.stderr);
    search(&s, None, &["-E", "1.2.3.4"], ACCOUNTS).ok();
    let change = format!(
        "dn: {}\nchangetype: modify\nreplace: cn\ncn: x\n",
        mail_dn("user2@domain1.example")
    );
    s.tool_stdin(
        "ldapmodify",
        &["-x", "-D", ROOTDN, "-w", ROOTPW, "-e", "!noop"],
        Some(&change),
    )
    .expect_code(12);
    // ManageDsaIT, even critical, changes nothing: there are no referrals.
    let r = search(&s, None, &["-MM"], ACCOUNTS);
    r.ok();
    assert_eq!(dns(&r.stdout).len(), 4);
}
