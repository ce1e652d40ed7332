//! The interop shell scripts (tests/interop/*.sh, helpers in tests/interop/common.sh)
//! run from Rust: their TAP-like output judged the same way for every test.

use super::{repo, tools::bin};
use std::process::Command;

/// How long one script may run before timeout(1) stops it: the migration runs every
/// client check against two servers, minutes on a busy machine.
const SCRIPT_LIMIT_SECS: &str = "900";

/// Runs `bash BASH_ARGS...` from the repository root with MAILLDAP_BIN set, bounded
/// by timeout(1), and prints its output either way (cargo shows it on failure). Panics
/// unless it exited 0, printed no `not ok` line and ran at least one check.
pub fn run_checks(what: &str, bash_args: &[&str]) {
    run_checks_with(what, bash_args, &[], &[]);
}

/// `run_checks` with `env` set and `unset` removed from the script's environment.
pub fn run_checks_with(what: &str, bash_args: &[&str], env: &[(&str, &str)], unset: &[&str]) {
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=10", SCRIPT_LIMIT_SECS, "bash"])
        .args(bash_args)
        .current_dir(repo())
        .env("MAILLDAP_BIN", bin());
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let out = cmd
        .output()
        .expect("run timeout and bash (are they installed?)");
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

/// Runs a bash snippet with `set -euo pipefail` and tests/interop/common.sh sourced,
/// judged as `run_checks` judges a script.
pub fn run_snippet(what: &str, body: &str) {
    let script = format!("set -euo pipefail\nsource tests/interop/common.sh\n{body}\n");
    run_checks(what, &["-c", &script]);
}
