//! The article's privacy problem: a deleted account's Maildir stays on disk, so a new
//! account with the same path would read the old mail. mailldap refuses that.

mod common;
use common::*;

fn account(addr: &str, mailbox: &str) -> String {
    account_ldif(addr, mailbox, "")
}

#[test]
fn a_deleted_accounts_mailbox_is_not_handed_to_a_new_account() {
    let mut s = Server::demo();
    let dn = mail_dn("user2@domain1.example");
    s.tool_as_root("ldapdelete", &[&dn], None).ok();
    // Same address, same path: refused, and the message says why and what to do.
    let r = s.add_root(&account("user2@domain1.example", "domain1.example/user2/"));
    r.expect_code(19);
    assert!(
        r.stderr
            .contains("/home/vmail/domains/domain1.example/user2/"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("release-mailbox"), "{}", r.stderr);
    // Another spelling of the same path is the same path.
    s.add_root(&account("user2@domain1.example", "domain1.example//user2"))
        .expect_code(19);
    // A modify that moves a live account onto it is refused too.
    s.modify_root(&format!(
        "dn: {}\nchangetype: modify\nreplace: mailbox\nmailbox: domain1.example/user2/\n",
        mail_dn("user1@domain1.example")
    ))
    .expect_code(19);
    // A fresh path works.
    s.add_root(&account(
        "user2@domain1.example",
        "domain1.example/user2.2/",
    ))
    .ok();

    // The admin archives the old Maildir, then releases the path (server stopped).
    s.kill();
    let cfg = s.config_path().display().to_string();
    let list = mailldap(&["retired-mailboxes", "--config", &cfg], None);
    assert!(
        list.stdout
            .contains("/home/vmail/domains/domain1.example/user2/"),
        "{list:?}"
    );
    assert!(
        list.stdout.contains("mail=user2@domain1.example"),
        "{list:?}"
    );
    let r = mailldap(
        &[
            "release-mailbox",
            "--config",
            &cfg,
            "/home/vmail/domains/domain1.example/user2/",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    s.restart();
    s.add_root(&account("other@domain1.example", "domain1.example/user2/"))
        .ok();
}

#[test]
fn two_live_accounts_cannot_share_a_mailbox_or_an_address() {
    let s = Server::demo();
    let r = s.add_root(&account("twin@domain1.example", "domain1.example/user1/"));
    r.expect_code(19);
    assert!(
        r.stderr
            .contains("already used by mail=user1@domain1.example"),
        "{}",
        r.stderr
    );
    // mail is unique across the tree, case-insensitively (an alias may not shadow an account)
    let r = s.add_root(&format!(
        "dn: cn=dup,o=domain1.example,{HOSTING}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: dup\nmail: USER1@domain1.example\nmaildrop: x@y.example\n"
    ));
    r.expect_code(19);
}
