//! Aliases, catch-alls and postmasters; a delegated postmaster allowed in its own domain and
//! refused in another with a sentence that says why.

use super::*;

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
    // Removing its own domain is the rootdn's: refused before anything is deleted.
    let domain1 = format!("o=domain1.example,{HOSTING}");
    let before = values(&look(&s, &domain1, "(mail=*)", &["mail"]), "mail");
    assert_eq!(before.len(), 8, "{before:?}");
    refused(
        &as_user(
            &s,
            pm,
            "user1",
            &["domain", "remove", "domain1.example", "--with-accounts"],
        ),
        1,
        "user1@domain1.example may not remove the domain domain1.example: only the rootdn may",
    );
    assert_eq!(
        values(&look(&s, &domain1, "(mail=*)", &["mail"]), "mail"),
        before
    );

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
