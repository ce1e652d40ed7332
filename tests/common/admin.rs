//! Runs the mail administration commands (`mailldap domain|account|alias|...`) against
//! a test [`Server`] as a chosen identity, the way an admin would: connection and
//! identity from the environment, the password from a 0600 file.

use super::{bin, Server, ToolResult};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The password `make_example_org` gives john@example.org.
pub const JOHN_PW: &str = "john-Secret-1";

/// Writes `pw` to a file only its owner may read (the CLI refuses others).
pub fn password_file(dir: &Path, name: &str, pw: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("{pw}\n")).expect("write password file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// A `mailldap` command line with the environment an admin would have set: the
/// server's URI, `who` (None: the default, the rootdn) and a password file for `pw`,
/// and a HOME without a client config.
pub fn command(server: &Server, who: Option<&str>, pw: &str, args: &[&str]) -> Command {
    let home = server.dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let name = format!("pw-{}", who.unwrap_or("root").replace(['@', '/'], "_"));
    let file = password_file(server.dir.path(), &name, pw);
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("MAILLDAP_URI", &server.uri)
        .env("MAILLDAP_PASSWORD_FILE", file)
        .env("HOME", &home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("MAILLDAP_CLIENT_CONFIG")
        .env_remove("MAILLDAP_BIND");
    if let Some(w) = who {
        cmd.env("MAILLDAP_BIND", w);
    }
    cmd
}

/// Runs a prepared command, feeding `stdin`.
pub fn run(mut cmd: Command, stdin: Option<&str>) -> ToolResult {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run mailldap");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    ToolResult {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `mailldap ARGS` as the rootdn.
pub fn root(server: &Server, args: &[&str]) -> ToolResult {
    run(command(server, None, super::ROOTPW, args), None)
}

/// Runs `mailldap ARGS` bound as `who` with password `pw`.
pub fn as_user(server: &Server, who: &str, pw: &str, args: &[&str]) -> ToolResult {
    run(command(server, Some(who), pw, args), None)
}

/// Runs `mailldap ARGS` as the rootdn with `stdin` (new passwords with `--new-password-file -`).
pub fn root_stdin(server: &Server, args: &[&str], stdin: &str) -> ToolResult {
    run(command(server, None, super::ROOTPW, args), Some(stdin))
}

/// The set-up the interop checks expect, made with the CLI as the rootdn: the domain
/// example.org, the account john@example.org (password [`JOHN_PW`]), the alias
/// info@example.org -> john@example.org, and john as postmaster of example.org.
pub fn make_example_org(server: &Server) {
    root(server, &["domain", "add", "example.org"]).ok();
    root_stdin(
        server,
        &[
            "account",
            "add",
            "john@example.org",
            "--new-password-file",
            "-",
        ],
        &format!("{JOHN_PW}\n"),
    )
    .ok();
    root(
        server,
        &["alias", "add", "info@example.org", "john@example.org"],
    )
    .ok();
    root(server, &["postmaster", "grant", "john@example.org"]).ok();
}

/// Runs tests/interop/SCRIPT ARGS with the CLI's environment (the rootdn) and `env`;
/// panics unless it exits 0 having printed no `not ok` line and at least one `ok`.
pub fn interop(server: &Server, script: &str, args: &[&str], env: &[(&str, &str)]) {
    let root_pw = password_file(server.dir.path(), "pw-interop", super::ROOTPW);
    let mut cmd = Command::new("timeout");
    cmd.args(["--kill-after=10", "600", "bash"])
        .arg(super::repo().join("tests/interop").join(script))
        .args(args)
        .current_dir(super::repo())
        .env("MAILLDAP_BIN", bin())
        .env("MAILLDAP_URI", &server.uri)
        .env("MAILLDAP_PASSWORD_FILE", root_pw)
        .env("ADMIN_JOHN_PW", JOHN_PW)
        .env("HOME", server.dir.path())
        .env_remove("MAILLDAP_BIND");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("--- {script}: stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        failed.is_empty(),
        "{script}: failed checks:\n{}",
        failed.join("\n")
    );
    assert!(out.status.success(), "{script}: exit status {}", out.status);
    assert!(
        stdout.lines().any(|l| l.starts_with("ok - ")),
        "{script}: no check ran"
    );
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1 signed by it
/// (`cert.pem`/`cert.key`) in `dir`, made with the openssl CLI.
pub fn make_tls_files(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca: &[&str] = &[
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=admin-test-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ];
    let leaf: &[&str] = &[
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-keyout",
        "cert.key",
        "-out",
        "cert.pem",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=CA:FALSE",
        "-addext",
        "extendedKeyUsage=serverAuth",
    ];
    for args in [ca, leaf] {
        let out = Command::new("openssl")
            .args(["req", "-x509", "-days", "2"])
            .args(ec)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl (install it)");
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
