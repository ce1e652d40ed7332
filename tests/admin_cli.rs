//! The mail administration commands against the real server: as the rootdn and as a
//! delegated postmaster, each rule with its error, each listing's output, and (with
//! tests/interop/admin*.sh) Postfix, Courier and Dovecot answering for what they made.

mod common;

use base64::Engine;
use common::admin::{self, as_user, make_example_org, root, root_stdin};
use common::{mail_dn, values, Server, HOSTING, ROOTDN, ROOTPW};

/// ldapsearch as the rootdn (sees everything, userPassword too); empty when nothing
/// matches or the base does not exist (32).
fn look(s: &Server, base: &str, filter: &str, attrs: &[&str]) -> String {
    let r = s.search_as(ROOTDN, ROOTPW, base, filter, attrs);
    assert!(r.code == 0 || r.code == 32, "ldapsearch: {r:?}");
    r.stdout.clone()
}

/// True when `dn` and `pw` bind.
fn binds(s: &Server, dn: &str, pw: &str) -> bool {
    s.tool("ldapwhoami", &["-x", "-D", dn, "-w", pw]).code == 0
}

/// Asserts the exit status and that standard error says `text`.
fn refused(r: &common::ToolResult, code: i32, text: &str) {
    r.expect_code(code);
    assert!(r.stderr.contains(text), "want {text:?} in:\n{}", r.stderr);
}

/// Runs the CLI as `who` with `stdin` (a new password for `--new-password-file -`).
fn run_pm(s: &Server, who: &str, pw: &str, args: &[&str], stdin: &str) -> common::ToolResult {
    admin::run(admin::command(s, Some(who), pw, args), Some(stdin))
}

#[path = "admin_cli/aliases_postmasters.rs"]
mod aliases_postmasters;
#[path = "admin_cli/doctor_output.rs"]
mod doctor_output;
#[path = "admin_cli/domains_accounts.rs"]
mod domains_accounts;
#[path = "admin_cli/mail_stack.rs"]
mod mail_stack;
