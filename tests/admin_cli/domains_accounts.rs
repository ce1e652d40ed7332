//! Domains and accounts as the rootdn: what is created, each rule and its error, the listings.

use super::*;

#[test]
fn rootdn_adds_a_domain_with_postmaster_and_abuse_once() {
    let s = Server::demo();
    let r = root(&s, &["domain", "add", "Example.ORG"]);
    r.ok();
    assert!(
        r.stdout
            .starts_with("added domain example.org (o=example.org,"),
        "{}",
        r.stdout
    );
    let org = format!("o=example.org,{HOSTING}");
    let pm = look(
        &s,
        &org,
        "(cn=postmaster)",
        &["mail", "maildrop", "objectClass"],
    );
    assert_eq!(values(&pm, "mail"), ["postmaster@example.org"]);
    assert_eq!(values(&pm, "maildrop"), ["postmaster"]);
    assert!(values(&pm, "objectClass").contains(&"organizationalRole".to_string()));
    let abuse = look(&s, &org, "(mail=abuse@example.org)", &["maildrop"]);
    assert_eq!(values(&abuse, "maildrop"), ["abuse"]);
    refused(
        &root(&s, &["domain", "add", "example.org"]),
        1,
        "the domain example.org exists already",
    );
    refused(
        &root(&s, &["domain", "add", "no_such"]),
        1,
        "needs at least two labels",
    );
}

#[test]
fn domain_list_and_show_describe_the_demo_tree() {
    let s = Server::demo();
    let r = root(&s, &["domain", "list"]);
    r.ok();
    assert_eq!(
        r.stdout,
        "DOMAIN           ACCOUNTS  ALIASES  POSTMASTERS\n\
         domain1.example  2         3        user1@domain1.example\n\
         domain2.example  2         1        user1@domain2.example\n"
    );
    let r = root(&s, &["domain", "show", "domain2.example"]);
    r.ok();
    for line in [
        "accounts:      2",
        "postmaster to: postmaster",
        "abuse to:      abuse",
        "catch-all to:  sales@domain2.example",
        "postmasters:   user1@domain2.example",
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "{line:?} in:\n{}",
            r.stdout
        );
    }
    refused(
        &root(&s, &["domain", "show", "nowhere.example"]),
        1,
        "not a hosted domain",
    );
}

#[test]
fn account_add_derives_the_mailbox_and_the_server_hashes_the_password() {
    let s = Server::demo();
    let r = root_stdin(
        &s,
        &[
            "account",
            "add",
            "New.User@domain2.example",
            "--name",
            "New User",
            "--new-password-file",
            "-",
        ],
        "pw-of-new\n",
    );
    r.ok();
    assert!(
        r.stdout
            .contains("maildir: /home/vmail/domains/domain2.example/new.user/ (uid 125, gid 120)"),
        "{}",
        r.stdout
    );
    let dn = mail_dn("New.User@domain2.example");
    let e = look(
        &s,
        &dn,
        "(objectClass=*)",
        &[
            "homeDirectory",
            "mailbox",
            "uidNumber",
            "gidNumber",
            "cn",
            "sn",
            "userPassword",
        ],
    );
    assert_eq!(values(&e, "homeDirectory"), ["/home/vmail/domains"]);
    assert_eq!(values(&e, "mailbox"), ["domain2.example/new.user/"]);
    assert_eq!(values(&e, "uidNumber"), ["125"]);
    assert_eq!(values(&e, "gidNumber"), ["120"]);
    assert_eq!(values(&e, "cn"), ["New User"]);
    assert_eq!(values(&e, "sn"), ["User"]);
    // Hashed by the server in its configured scheme (ARGON2 by default), not by the CLI.
    let stored: Vec<String> = values(&e, "userPassword:")
        .iter()
        .filter_map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect();
    assert!(
        stored.len() == 1 && stored[0].starts_with("{ARGON2}$argon2id$"),
        "{e}"
    );
    assert!(binds(&s, &dn, "pw-of-new"));

    let r = root(
        &s,
        &[
            "account",
            "add",
            "gen@domain2.example",
            "--generate-password",
        ],
    );
    r.ok();
    let generated = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap_or("");
    assert_eq!(generated.len(), 16, "{}", r.stdout);
    assert!(binds(&s, &mail_dn("gen@domain2.example"), generated));
}

#[test]
fn account_add_refuses_bad_addresses_unknown_domains_and_taken_or_retired_names() {
    let s = Server::demo();
    let add = |addr: &str| {
        root_stdin(
            &s,
            &["account", "add", addr, "--new-password-file", "-"],
            "x-pw\n",
        )
    };
    refused(
        &add("a..b@domain1.example"),
        1,
        "twice in a row (RFC 5321 Dot-string)",
    );
    refused(
        &add("a b@domain1.example"),
        1,
        "RFC 5321 allows only inside quotes",
    );
    refused(
        &add("x@nowhere.example"),
        1,
        "nowhere.example is not a hosted domain here",
    );
    // mail matches case-insensitively: Sales@Domain2.example holds it.
    refused(
        &add("SALES@domain2.example"),
        1,
        "is taken already, by mail=Sales@Domain2.example",
    );
    root(&s, &["account", "remove", "user2@domain1.example"]).ok();
    let r = add("user2@domain1.example");
    refused(&r, 1, "refused: cannot add the account user2@domain1.example: mailbox /home/vmail/domains/domain1.example/user2/ belonged to");
    assert!(
        r.stderr.contains("mailldap release-mailbox"),
        "{}",
        r.stderr
    );
}

#[test]
fn account_list_show_passwd_disable_enable_remove() {
    let s = Server::demo();
    let r = root(&s, &["account", "list", "domain1.example"]);
    r.ok();
    assert_eq!(
        r.stdout,
        "ADDRESS                NAME   MAILDIR                                     STATUS\n\
         user1@domain1.example  user1  /home/vmail/domains/domain1.example/user1/  active\n\
         user2@domain1.example  user2  /home/vmail/domains/domain1.example/user2/  active\n"
    );
    let r = root(&s, &["account", "show", "user1@domain1.example"]);
    r.ok();
    for line in [
        "maildir:       /home/vmail/domains/domain1.example/user1/",
        "password:      {SSHA}",
        "aliases to it: info@domain1.example, team@domain1.example",
        "postmaster of: domain1.example",
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "{line:?} in:\n{}",
            r.stdout
        );
    }
    let dn = mail_dn("user2@domain1.example");
    root_stdin(
        &s,
        &[
            "account",
            "passwd",
            "user2@domain1.example",
            "--new-password-file",
            "-",
        ],
        "changed-2\n",
    )
    .ok();
    assert!(binds(&s, &dn, "changed-2"));
    assert!(!binds(&s, &dn, "user2"));

    root(&s, &["account", "disable", "user2@domain1.example"]).ok();
    let e = look(&s, &dn, "(objectClass=*)", &["disableimap", "disablepop3"]);
    assert_eq!(
        (values(&e, "disableimap"), values(&e, "disablepop3")),
        (vec!["1".into()], vec!["1".into()])
    );
    let list = root(&s, &["account", "list", "domain1.example"]);
    assert!(
        list.stdout.contains("domain1.example/user2/  disabled"),
        "{}",
        list.stdout
    );
    // What Postfix and Dovecot configured by print-config ask, anonymously: not found
    // while disabled, found again once enabled.
    let queries = printed_account_filters("user2@domain1.example");
    for q in &queries {
        assert!(
            s.search_anon(HOSTING, q, &["mailbox"]).stdout.is_empty(),
            "{q}"
        );
    }
    root(&s, &["account", "enable", "user2@domain1.example"]).ok();
    for q in &queries {
        let found = s.search_anon(HOSTING, q, &["mailbox"]).stdout;
        assert_eq!(values(&found, "mailbox"), ["domain1.example/user2/"], "{q}");
    }

    let r = root(&s, &["account", "remove", "user2@domain1.example"]);
    r.ok();
    assert!(
        r.stdout
            .contains("its mailbox /home/vmail/domains/domain1.example/user2/ is retired"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("team@domain1.example still forwards to it: `mailldap alias remove team@domain1.example user2@domain1.example`"), "{}", r.stdout);
    refused(
        &root(&s, &["account", "remove", "info@domain1.example"]),
        1,
        "info@domain1.example is an alias, not an account",
    );
}

#[test]
fn domain_remove_refuses_accounts_unless_told_and_retires_their_mailboxes() {
    let s = Server::demo();
    let r = root(&s, &["domain", "remove", "domain1.example"]);
    refused(&r, 1, "the domain domain1.example still has 2 account(s) (user1@domain1.example, user2@domain1.example)");
    assert!(r.stderr.contains("--with-accounts"));
    root(&s, &["domain", "add", "empty.example"]).ok();
    root(&s, &["domain", "remove", "empty.example"]).ok();
    let r = root(
        &s,
        &["domain", "remove", "domain1.example", "--with-accounts"],
    );
    r.ok();
    assert!(
        r.stdout
            .contains("the mailboxes of its 2 account(s) are retired"),
        "{}",
        r.stdout
    );
    let gone = s.search_as(
        ROOTDN,
        ROOTPW,
        &format!("o=domain1.example,{HOSTING}"),
        "(objectClass=*)",
        &["1.1"],
    );
    gone.expect_code(32);
    root(&s, &["domain", "add", "domain1.example"]).ok();
    let r = root_stdin(
        &s,
        &[
            "account",
            "add",
            "user1@domain1.example",
            "--new-password-file",
            "-",
        ],
        "again\n",
    );
    refused(&r, 1, "belonged to");
}

/// The account filters of `print-config postfix` (ldap-accounts.cf, ldap-accountsmap.cf)
/// and `print-config dovecot` (pass_filter, user_filter) for `addr`.
fn printed_account_filters(addr: &str) -> Vec<String> {
    let postfix = common::mailldap(&["print-config", "postfix"], None);
    let dovecot = common::mailldap(&["print-config", "dovecot"], None);
    let mut out = Vec::new();
    let mut table = String::new();
    for line in postfix.stdout.lines() {
        if let Some(t) = line.strip_prefix("# --- ") {
            table = t.to_string();
        } else if let Some(f) = line.strip_prefix("query_filter = ") {
            if table.contains("ldap-accounts") {
                out.push(f.replace("%s", addr));
            }
        }
    }
    for line in dovecot.stdout.lines() {
        for key in ["pass_filter = ", "user_filter = "] {
            if let Some(f) = line.strip_prefix(key) {
                out.push(f.replace("%u", addr));
            }
        }
    }
    assert_eq!(out.len(), 4, "{}{}", postfix.stdout, dovecot.stdout);
    out
}
