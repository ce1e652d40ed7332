//! The mail administration commands against the real server: as the rootdn and as a
//! delegated postmaster, each rule with its error, each listing's output, and (with
//! tests/interop/admin*.sh) Postfix, Courier and Dovecot answering for what they made.

mod common;

use base64::Engine;
use common::admin::{self, as_user, make_example_org, root, root_stdin};
use common::{mail_dn, values, Server, HOSTING, ROOTDN, ROOTPW};

/// ldapsearch as the rootdn (sees everything, userPassword too).
fn look(s: &Server, base: &str, filter: &str, attrs: &[&str]) -> String {
    let r = s.search_as(ROOTDN, ROOTPW, base, filter, attrs);
    r.expect_code(if r.code == 32 { 32 } else { 0 });
    r.stdout.clone()
}

/// True when `dn` and `pw` bind.
fn binds(s: &Server, dn: &str, pw: &str) -> bool {
    s.tool("ldapwhoami", &["-x", "-D", dn, "-w", pw]).code == 0
}

fn refused(r: &common::ToolResult, code: i32, text: &str) {
    r.expect_code(code);
    assert!(r.stderr.contains(text), "want {text:?} in:\n{}", r.stderr);
}

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
    // What print-config's Postfix table asks, anonymously: no longer found.
    let q = "(&(mail=user2@domain1.example)(objectClass=CourierMailAccount)(!(&(disableimap=1)(disablepop3=1))))";
    assert!(s.search_anon(HOSTING, q, &["mailbox"]).stdout.is_empty());
    root(&s, &["account", "enable", "user2@domain1.example"]).ok();
    assert!(
        values(&s.search_anon(HOSTING, q, &["mailbox"]).stdout, "mailbox")
            == ["domain1.example/user2/"]
    );

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
fn alias_add_tells_targets_apart_and_refuses_loops_and_dangling_targets() {
    let s = Server::demo();
    let r = root(
        &s,
        &[
            "alias",
            "add",
            "help@domain1.example",
            "user2@domain1.example",
            "root",
            "someone@elsewhere.example",
        ],
    );
    r.ok();
    for want in [
        "user2@domain1.example  account",
        "root                   local recipient on the mail host",
        "someone@elsewhere.example  external address",
    ] {
        let word = want.split_whitespace().nth(1).unwrap_or("");
        let target = want.split_whitespace().next().unwrap_or("");
        assert!(
            r.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(target) && l.contains(word)),
            "{want:?} in:\n{}",
            r.stdout
        );
    }
    let e = look(
        &s,
        &mail_dn("help@domain1.example"),
        "(objectClass=*)",
        &["maildrop"],
    );
    assert_eq!(values(&e, "maildrop").len(), 3);

    refused(
        &root(
            &s,
            &["alias", "add", "x@domain1.example", "typo@domain1.example"],
        ),
        1,
        "typo@domain1.example resolve(s) nowhere",
    );
    root(
        &s,
        &[
            "alias",
            "add",
            "x@domain1.example",
            "y@domain1.example",
            "--force",
        ],
    )
    .ok();
    refused(
        &root(
            &s,
            &["alias", "add", "y@domain1.example", "x@domain1.example"],
        ),
        1,
        "y@domain1.example -> x@domain1.example -> y@domain1.example would be a forwarding loop",
    );
    // Through a catch-all: unknown@domain2 is taken by @domain2.example -> sales.
    let r = root(
        &s,
        &[
            "alias",
            "add",
            "z@domain1.example",
            "unknown@domain2.example",
        ],
    );
    r.ok();
    assert!(
        r.stdout
            .contains("taken by the catch-all of domain2.example -> sales@domain2.example"),
        "{}",
        r.stdout
    );
    refused(
        &root(
            &s,
            &["alias", "add", "user1@domain1.example", "x@domain1.example"],
        ),
        1,
        "is an account",
    );
    refused(
        &root(
            &s,
            &[
                "alias",
                "add",
                "info@domain1.example",
                "user1@domain1.example",
            ],
        ),
        1,
        "forwards to user1@domain1.example already",
    );

    let r = root(&s, &["alias", "list", "domain1.example"]);
    r.ok();
    assert!(
        r.stdout
            .starts_with("ADDRESS                     KIND        TARGETS\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\nteam@domain1.example        alias       user1@domain1.example, user2@domain1.example\n"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("\npostmaster@domain1.example  postmaster  postmaster\n"),
        "{}",
        r.stdout
    );

    root(
        &s,
        &[
            "alias",
            "remove",
            "team@domain1.example",
            "user2@domain1.example",
        ],
    )
    .ok();
    let team = look(
        &s,
        &mail_dn("team@domain1.example"),
        "(objectClass=*)",
        &["maildrop"],
    );
    assert_eq!(values(&team, "maildrop"), ["user1@domain1.example"]);
    let r = root(
        &s,
        &[
            "alias",
            "remove",
            "team@domain1.example",
            "user1@domain1.example",
        ],
    );
    r.ok();
    assert!(r
        .stdout
        .contains("removed the alias team@domain1.example (it had no other target)"));
    refused(
        &root(
            &s,
            &[
                "alias",
                "remove",
                "info@domain1.example",
                "user2@domain1.example",
            ],
        ),
        1,
        "does not forward to user2@domain1.example",
    );
    refused(
        &root(&s, &["alias", "remove", "postmaster@domain1.example"]),
        1,
        "every domain must have",
    );
    root(&s, &["alias", "remove", "info@domain1.example"]).ok();
    assert!(look(&s, HOSTING, "(mail=info@domain1.example)", &["mail"]).is_empty());
}

#[test]
fn catchall_set_replaces_and_clear_removes() {
    let s = Server::demo();
    root(
        &s,
        &[
            "catchall",
            "set",
            "domain1.example",
            "user2@domain1.example",
        ],
    )
    .ok();
    let dn = mail_dn("@domain1.example");
    assert_eq!(
        values(&look(&s, &dn, "(objectClass=*)", &["maildrop"]), "maildrop"),
        ["user2@domain1.example"]
    );
    root(
        &s,
        &[
            "catchall",
            "set",
            "domain1.example",
            "user1@domain1.example",
        ],
    )
    .ok();
    assert_eq!(
        values(&look(&s, &dn, "(objectClass=*)", &["maildrop"]), "maildrop"),
        ["user1@domain1.example"]
    );
    // x@domain1 does not exist: the catch-all would take it, and send it back to itself.
    refused(
        &root(
            &s,
            &["catchall", "set", "domain1.example", "x@domain1.example"],
        ),
        1,
        "would be a forwarding loop",
    );
    root(&s, &["catchall", "clear", "domain1.example"]).ok();
    assert!(look(&s, HOSTING, "(mail=@domain1.example)", &["mail"]).is_empty());
    refused(
        &root(&s, &["catchall", "clear", "domain1.example"]),
        1,
        "domain1.example has no catch-all",
    );
}

#[test]
fn delegated_postmaster_works_in_its_domain_and_is_refused_elsewhere() {
    let s = Server::demo();
    let pm = "user1@domain1.example";
    let r = run_pm(
        &s,
        pm,
        "user1",
        &[
            "account",
            "add",
            "new@domain1.example",
            "--new-password-file",
            "-",
        ],
        "new-pw\n",
    );
    r.ok();
    assert!(binds(&s, &mail_dn("new@domain1.example"), "new-pw"));
    as_user(
        &s,
        pm,
        "user1",
        &[
            "alias",
            "add",
            "sales@domain1.example",
            "new@domain1.example",
        ],
    )
    .ok();
    as_user(
        &s,
        pm,
        "user1",
        &["account", "disable", "user2@domain1.example"],
    )
    .ok();

    let r = run_pm(
        &s,
        pm,
        "user1",
        &[
            "account",
            "add",
            "intruder@domain2.example",
            "--new-password-file",
            "-",
        ],
        "x-pw\n",
    );
    refused(&r, 1, "refused: user1@domain1.example may not add the account intruder@domain2.example: only the rootdn and the postmasters of domain2.example may, and user1@domain1.example is not one of them");
    assert!(
        r.stderr.contains("insufficientAccessRights"),
        "{}",
        r.stderr
    );
    refused(
        &as_user(
            &s,
            pm,
            "user1",
            &["account", "disable", "Sales@Domain2.example"],
        ),
        1,
        "may not disable the account Sales@domain2.example",
    );
    refused(
        &as_user(
            &s,
            pm,
            "user1",
            &[
                "alias",
                "add",
                "abuse@domain2.example",
                "x@elsewhere.example",
            ],
        ),
        1,
        "only the rootdn and the postmasters of domain2.example may",
    );
    refused(
        &as_user(&s, pm, "user1", &["domain", "add", "mine.example"]),
        1,
        "user1@domain1.example may not add the domain mine.example: only the rootdn may",
    );
    refused(&as_user(&s, pm, "user1", &["postmaster", "grant", "user2@domain1.example"]), 1, "may not grant user2@domain1.example postmaster rights for domain1.example: only the rootdn may");
    assert!(look(&s, HOSTING, "(mail=intruder@domain2.example)", &["mail"]).is_empty());

    let r = as_user(&s, pm, "user1", &["postmaster", "list", "domain1.example"]);
    r.ok();
    assert!(
        r.stdout
            .contains("\nuser1@domain1.example  true    mail=user1@domain1.example,"),
        "{}",
        r.stdout
    );
    refused(
        &as_user(&s, pm, "wrong", &["domain", "list"]),
        2,
        "cannot bind as user1@domain1.example: wrong password",
    );
}

fn run_pm(s: &Server, who: &str, pw: &str, args: &[&str], stdin: &str) -> common::ToolResult {
    admin::run(admin::command(s, Some(who), pw, args), Some(stdin))
}

#[test]
fn postmaster_grant_and_revoke_change_what_an_account_may_do() {
    let s = Server::demo();
    let try_add = |n: &str| {
        run_pm(
            &s,
            "user2@domain1.example",
            "user2",
            &["account", "add", n, "--new-password-file", "-"],
            "p-w\n",
        )
    };
    refused(
        &try_add("a@domain1.example"),
        1,
        "user2@domain1.example is not one of them",
    );
    let r = root(&s, &["postmaster", "grant", "user2@domain1.example"]);
    r.ok();
    assert!(r
        .stdout
        .starts_with("user2@domain1.example is now a postmaster of domain1.example"));
    try_add("b@domain1.example").ok();
    let r = root(&s, &["postmaster", "list", "domain1.example"]);
    assert!(
        r.stdout.contains("\nuser2@domain1.example  true"),
        "{}",
        r.stdout
    );
    refused(
        &root(&s, &["postmaster", "grant", "user2@domain1.example"]),
        1,
        "is a postmaster of domain1.example already",
    );
    refused(
        &root(&s, &["postmaster", "grant", "info@domain1.example"]),
        1,
        "is not an account",
    );
    refused(
        &root(&s, &["postmaster", "grant", "ghost@domain1.example"]),
        1,
        "there is no account ghost@domain1.example",
    );
    root(&s, &["postmaster", "revoke", "user2@domain1.example"]).ok();
    refused(&try_add("c@domain1.example"), 1, "is not one of them");
    refused(
        &root(&s, &["postmaster", "revoke", "user2@domain1.example"]),
        1,
        "is not a postmaster of domain1.example",
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

#[test]
fn doctor_is_quiet_on_the_demo_tree() {
    let s = Server::demo();
    let r = root(&s, &["doctor"]);
    r.ok();
    assert_eq!(r.stdout, "no findings in 2 domain(s)\n");
}

#[test]
fn doctor_reports_each_problem_with_the_command_that_fixes_it() {
    // Duplicate mailboxes get past the server only with its guard off (old data does).
    let s = Server::start_with("mailbox_guard = false", true);
    let acct = |addr: &str, mailbox: &str, pw: &str| {
        let (local, domain) = addr.split_once('@').unwrap_or_default();
        format!(
            "dn: mail={addr},o={domain},{HOSTING}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\n\
             cn: {local}\nsn: {local}\nmail: {addr}\nhomeDirectory: /home/vmail/domains\nmailbox: {mailbox}\n{pw}\n"
        )
    };
    let ldif = [
        format!("dn: o=bare.example,{HOSTING}\nobjectClass: organization\no: bare.example\n"),
        format!("dn: mail=old@domain1.example,o=domain1.example,{HOSTING}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: old\nmail: old@domain1.example\nmaildrop: gone@domain1.example\n"),
        acct("nopw@domain1.example", "domain1.example/nopw/", ""),
        acct("noslash@domain1.example", "domain1.example/noslash", "userPassword: {SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4"),
        acct("twin@domain1.example", "domain1.example/user1/", "userPassword: {SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4"),
        acct("modern@domain2.example", "domain2.example/modern/", "userPassword: modern-pw"),
    ]
    .join("\n");
    s.add_root(&ldif).ok();
    s.modify_root(&format!(
        "dn: cn=postmaster,o=domain2.example,{HOSTING}\nchangetype: modify\nadd: roleOccupant\nroleOccupant: mail=left@domain2.example,o=domain2.example,{HOSTING}\n"
    ))
    .ok();
    let r = root(&s, &["doctor", "--courier-mode", "servicebind"]);
    r.expect_code(1);
    let pairs = [
        ("[postmaster] bare.example has no cn=postmaster entry", "fix: mailldap domain repair bare.example"),
        ("[abuse] bare.example has no abuse@bare.example (RFC 2142)", "fix: mailldap domain repair bare.example"),
        ("[dangling-target] old@domain1.example forwards to gone@domain1.example, which resolves nowhere", "fix: mailldap alias add old@domain1.example NEW-TARGET; mailldap alias remove old@domain1.example gone@domain1.example"),
        ("[password] nopw@domain1.example has no password", "fix: mailldap account passwd nopw@domain1.example"),
        ("[mailbox] noslash@domain1.example: mailbox domain1.example/noslash does not end in '/'", "replace: mailbox\\nmailbox: domain1.example/noslash/\\n' | ldapmodify"),
        ("[duplicate-mailbox] ", "Maildir /home/vmail/domains/domain1.example/user1/"),
        ("[password] modern@domain2.example has a {ARGON2} password, which Courier with LDAP_AUTHBIND 0 cannot verify", "set [password] scheme = \"SSHA\""),
        (
            "[dangling-postmaster] cn=postmaster,o=domain2.example,o=hosting,dc=myhosting,dc=example names mail=left@domain2.example",
            "fix: mailldap postmaster revoke 'mail=left@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example' --domain domain2.example",
        ),
    ];
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (problem, fix) in pairs {
        let i = lines.iter().position(|l| l.contains(problem));
        let i = i.unwrap_or_else(|| panic!("no {problem:?} in:\n{}", r.stdout));
        let next = lines.get(i + 1).copied().unwrap_or("");
        assert!(
            next.contains(fix) || lines[i].contains(fix),
            "{problem}: fix {fix:?} not in {next:?}\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.ends_with("\n8 finding(s) in 3 domain(s)\n"),
        "{}",
        r.stdout
    );
    // Authbind (the article's set-up): the server checks ARGON2 itself, no finding.
    let r = root(&s, &["doctor", "--domain", "domain2.example"]);
    assert!(!r.stdout.contains("modern@domain2.example"), "{}", r.stdout);
    // The fixes it names work.
    root(&s, &["domain", "repair", "bare.example"]).ok();
    root(
        &s,
        &[
            "postmaster",
            "revoke",
            &format!("mail=left@domain2.example,o=domain2.example,{HOSTING}"),
            "--domain",
            "domain2.example",
        ],
    )
    .ok();
    let r = root(
        &s,
        &[
            "doctor",
            "--domain",
            "bare.example",
            "--domain",
            "domain2.example",
        ],
    );
    r.ok();
    assert_eq!(r.stdout, "no findings in 2 domain(s)\n");
}

#[test]
fn json_output_for_scripts() {
    let s = Server::demo();
    let r = root(&s, &["account", "list", "--json", "domain2.example"]);
    r.ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let addrs: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["address"].as_str())
        .collect();
    assert_eq!(addrs, ["Sales@Domain2.example", "user1@domain2.example"]);
    assert_eq!(
        v[0]["maildir"],
        "/home/vmail/domains/domain2.example/sales/"
    );
    let r = root(&s, &["alias", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let team = v
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["address"] == "team@domain1.example");
    assert_eq!(
        team.map(|t| t["targets"].clone()),
        Some(serde_json::json!([
            "user1@domain1.example",
            "user2@domain1.example"
        ]))
    );
    let r = root(&s, &["domain", "add", "domain1.example", "--json"]);
    r.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON error");
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap_or("").contains("exists already"));
}

#[test]
fn client_config_file_and_password_sources() {
    let s = Server::demo();
    let pw = admin::password_file(s.dir.path(), "pm-pw", "user1");
    let cfg = s.dir.path().join("client.toml");
    std::fs::write(
        &cfg,
        format!(
            "uri = \"{}\"\nbind = \"user1@domain1.example\"\npassword_file = {:?}\n",
            s.uri, pw
        ),
    )
    .expect("config");
    let r = admin::run(
        {
            let mut c = std::process::Command::new(common::bin());
            c.args(["postmaster", "list", "domain1.example", "--client-config"])
                .arg(&cfg)
                .env_remove("MAILLDAP_URI")
                .env_remove("MAILLDAP_BIND")
                .env_remove("MAILLDAP_PASSWORD_FILE");
            c
        },
        None,
    );
    r.ok();
    assert!(r.stdout.contains("user1@domain1.example"), "{}", r.stdout);
    // A password file others may read is refused; there is no password flag.
    let open = s.dir.path().join("open-pw");
    std::fs::write(&open, "secret\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut c = admin::command(&s, None, ROOTPW, &["domain", "list"]);
    c.env("MAILLDAP_PASSWORD_FILE", &open);
    refused(
        &admin::run(c, None),
        2,
        "readable by others (mode 644): chmod 600 it",
    );
    let r = root(&s, &["domain", "list", "--password", "secret"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("unexpected argument '--password'"),
        "{}",
        r.stderr
    );
    let mut c = admin::command(&s, None, ROOTPW, &["domain", "list"]);
    c.env(
        "MAILLDAP_URI",
        format!("ldap://127.0.0.1:{}", common::free_port()),
    );
    refused(
        &admin::run(c, None),
        2,
        "cannot connect to ldap://127.0.0.1:",
    );
}

#[test]
fn cli_made_account_receives_mail_over_smtp_and_disable_stops_it() {
    let s = Server::demo();
    make_example_org(&s);
    let extra = common::repo().join("tests/interop/admin.sh");
    admin::interop(
        &s,
        "e2e.sh",
        &[&s.uri, "dc=myhosting,dc=example"],
        &[("E2E_EXTRA", extra.to_str().unwrap_or(""))],
    );
}

#[test]
fn courier_authtest_answers_for_cli_made_accounts_and_honours_disable() {
    let s = Server::demo();
    make_example_org(&s);
    let extra = common::repo().join("tests/interop/admin_courier.sh");
    admin::interop(
        &s,
        "courier.sh",
        &[&s.uri, HOSTING, "authbind"],
        &[("COURIER_EXTRA", extra.to_str().unwrap_or(""))],
    );
}
