//! Postfix (postmap, SMTP), Dovecot (IMAP, doveadm) and Courier (authtest) answering for
//! what the CLI made, and `account disable` as they see it (tests/interop/admin*.sh).

use super::*;

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
