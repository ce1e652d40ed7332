//! Courier authlib and Dovecot, unmodified from Debian's packages, against mailldap; and
//! the migration from a real slapd. The checks live in tests/interop/*.sh (they run the
//! same against slapd); these tests start mailldap, run them and require every check to
//! pass. A missing program (authtest, doveadm, slapd ...) fails the scripts: never a skip.

mod common;
use common::interop::run_checks;
use common::*;
use std::sync::Mutex;

/// courier.sh rewrites /etc/courier and owns /run/courier/authdaemon: one script at a time
/// (it also takes a file lock, this keeps the output of parallel tests apart).
static SERIAL: Mutex<()> = Mutex::new(());

/// mailldap serving the article's tree (tests/interop/data/tree.ldif, loaded by
/// `mailldap import`) with slapd's strict schema checking.
fn article_server() -> Server {
    Server::imported(
        &repo().join("tests/interop/data/tree.ldif"),
        "schema_check = \"strict\"\n",
    )
}

/// Runs tests/interop/SCRIPT ARGS, one script at a time; every check must pass.
fn run_script(script: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let path = format!("tests/interop/{script}");
    let mut bash_args = vec![path.as_str()];
    bash_args.extend_from_slice(args);
    run_checks(script, &bash_args);
}

#[test]
fn courier_authtest_with_ldap_authbind() {
    let server = article_server();
    run_script("courier.sh", &[&server.uri, HOSTING, "authbind"]);
}

#[test]
fn courier_authtest_with_a_service_bind() {
    let server = article_server();
    run_script(
        "courier.sh",
        &[&server.uri, HOSTING, "servicebind", ROOTDN, ROOTPW],
    );
}

#[test]
fn dovecot_doveadm_auth_and_user() {
    let server = article_server();
    run_script("dovecot.sh", &[&server.uri, HOSTING, ROOTDN, ROOTPW]);
}

#[test]
fn migration_from_slapd_keeps_every_client_check_passing() {
    run_script("migration.sh", &[]);
}
