//! Postfix against mailldap, with Debian's unmodified Postfix: the article's ldap:
//! tables through `postmap -q` (tests/interop/postfix.sh), and the whole article end to
//! end, SMTP in, virtual(8) delivery, IMAP out through Dovecot
//! (tests/interop/e2e.sh). The same postmap checks also run against a real slapd, which
//! proves the checks themselves before they judge mailldap.
//!
//! A missing program (postmap, postfix, dovecot, slapd...) fails these tests: run
//! scripts/install-deps.sh first (scripts/test does).

use std::path::Path;
use std::process::Command;

/// Runs a bash snippet with tests/interop/common.sh sourced, bounded by `timeout`, and
/// asserts it exited 0 and printed no `not ok` line. The output is printed either way
/// so a failure shows every check and diagnostic.
fn run_interop(what: &str, body: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = format!(
        "set -euo pipefail\nsource tests/interop/common.sh\n{body}\n",
        body = body
    );
    let out = Command::new("timeout")
        .args(["--kill-after=10", "600", "bash", "-c", &script])
        .current_dir(root)
        .env("MAILLDAP_BIN", env!("CARGO_BIN_EXE_mailldap"))
        .output()
        .expect("run bash (is it installed?)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("--- {what}: stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        failed.is_empty(),
        "{what}: failed checks:\n{}",
        failed.join("\n")
    );
    assert!(out.status.success(), "{what}: exit status {}", out.status);
    assert!(
        stdout.lines().any(|l| l.starts_with("ok - ")),
        "{what}: no check ran"
    );
}

/// Starts mailldap with the demo tree (ldif/demo.ldif) and the rootdn/rootpw the
/// scripts bind with.
const MAILLDAP_DEMO: &str = r#"
new_tmpdir D
mailldap_config "$D/mailldap.toml"
echo 'log_level = "debug"' >>"$D/mailldap.toml"
start_mailldap "$D/data" --config "$D/mailldap.toml" --demo
"#;

#[test]
fn postmap_against_mailldap_demo_tree() {
    run_interop(
        "postfix.sh against mailldap --demo",
        &format!(
            "{MAILLDAP_DEMO}\nbash tests/interop/postfix.sh \"$MAILLDAP_URI\" \"$SUFFIX\" \"$ROOTDN\" \"$ROOTPW\" \
             || {{ rc=$?; diag \"$(tail -n 80 \"$D/mailldap.log\")\"; exit $rc; }}"
        ),
    );
}

#[test]
fn postmap_against_mailldap_with_the_tree_imported_like_slapadd() {
    // The interop copy of the tree (structural account/organizationalRole classes, as
    // slapd demands), loaded offline with `mailldap import` the way slapadd loads it.
    run_interop(
        "postfix.sh against mailldap after mailldap import",
        r#"
new_tmpdir D
mailldap_config "$D/mailldap.toml"
"$MAILLDAP_BIN" import --config "$D/mailldap.toml" --data "$D/data" tests/interop/data/tree.ldif
start_mailldap "$D/data" --config "$D/mailldap.toml"
bash tests/interop/postfix.sh "$MAILLDAP_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW" \
  || { rc=$?; diag "$(tail -n 80 "$D/mailldap.log")"; exit $rc; }
"#,
    );
}

#[test]
fn postmap_against_slapd_reference() {
    // Same checks against OpenLDAP: if this fails, the checks (or the machine) are
    // wrong, not mailldap.
    run_interop(
        "postfix.sh against slapd",
        r#"
start_slapd
bash tests/interop/postfix.sh "$SLAPD_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW"
"#,
    );
}

#[test]
fn whole_article_end_to_end_against_mailldap() {
    run_interop(
        "e2e.sh against mailldap --demo",
        &format!(
            "{MAILLDAP_DEMO}\nbash tests/interop/e2e.sh \"$MAILLDAP_URI\" \"$SUFFIX\" \
             || {{ rc=$?; diag \"$(tail -n 80 \"$D/mailldap.log\")\"; exit $rc; }}"
        ),
    );
}
