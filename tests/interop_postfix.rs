//! Postfix against mailldap, with Debian's unmodified Postfix: the article's ldap:
//! tables through `postmap -q` (tests/interop/postfix.sh), and the whole article end to
//! end, SMTP in, virtual(8) delivery, IMAP out through Dovecot
//! (tests/interop/e2e.sh). The same postmap checks also run against a real slapd, which
//! proves the checks themselves before they judge mailldap.
//!
//! A missing program (postmap, postfix, dovecot, slapd...) fails these tests: run
//! scripts/install-deps.sh first (scripts/test does).

mod common;
use common::interop::run_snippet;

/// Starts mailldap with the demo tree (ldif/demo.ldif) and the rootdn/rootpw the
/// scripts bind with.
const MAILLDAP_DEMO: &str = r#"
new_tmpdir D
mailldap_config "$D/mailldap.toml"
echo 'log_level = "debug"' >>"$D/mailldap.toml"
start_mailldap "$D/data" --config "$D/mailldap.toml" --demo
"#;

/// Appended to a script line: on failure, the mailldap log's tail next to the checks.
const SHOW_LOG_ON_FAILURE: &str =
    r#"|| { rc=$?; diag "$(tail -n 80 "$MAILLDAP_LOG")"; exit $rc; }"#;

#[test]
fn postmap_against_mailldap_demo_tree() {
    run_snippet(
        "postfix.sh against mailldap --demo",
        &format!(
            "{MAILLDAP_DEMO}\nbash tests/interop/postfix.sh \"$MAILLDAP_URI\" \"$SUFFIX\" \"$ROOTDN\" \"$ROOTPW\" \
             {SHOW_LOG_ON_FAILURE}"
        ),
    );
}

#[test]
fn postmap_against_mailldap_with_the_tree_imported_like_slapadd() {
    // The interop copy of the tree (with the structural classes slapd demands), loaded
    // offline with `mailldap import` the way slapadd loads it.
    run_snippet(
        "postfix.sh against mailldap after mailldap import",
        &format!(
            r#"
new_tmpdir D
mailldap_config "$D/mailldap.toml"
"$MAILLDAP_BIN" import --config "$D/mailldap.toml" --data "$D/data" "$INTEROP_DATA/tree.ldif"
start_mailldap "$D/data" --config "$D/mailldap.toml"
bash tests/interop/postfix.sh "$MAILLDAP_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW" {SHOW_LOG_ON_FAILURE}
"#
        ),
    );
}

#[test]
fn postmap_against_slapd_reference() {
    // Same checks against OpenLDAP: if this fails, the checks (or the machine) are
    // wrong, not mailldap.
    run_snippet(
        "postfix.sh against slapd",
        r#"
start_slapd
bash tests/interop/postfix.sh "$SLAPD_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW"
"#,
    );
}

#[test]
fn whole_article_end_to_end_against_mailldap() {
    run_snippet(
        "e2e.sh against mailldap --demo",
        &format!(
            "{MAILLDAP_DEMO}\nbash tests/interop/e2e.sh \"$MAILLDAP_URI\" \"$SUFFIX\" {SHOW_LOG_ON_FAILURE}"
        ),
    );
}
