//! Runs the mail administration commands (`mailldap domain|account|alias|...`) against
//! a test [`Server`] as a chosen identity, the way an admin would: connection and
//! identity from the environment, the password from a 0600 file.

use super::{bin, Server, ToolResult};
use std::path::{Path, PathBuf};
use std::process::Command;

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
pub fn run(cmd: Command, stdin: Option<&str>) -> ToolResult {
    super::tools::run_command(
        cmd,
        stdin.map(str::as_bytes),
        "the mailldap binary is built by cargo test",
    )
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
    let path = super::repo().join("tests/interop").join(script);
    let path = path.display().to_string();
    let root_pw = root_pw.display().to_string();
    let home = server.dir.path().display().to_string();
    let mut vars = vec![
        ("MAILLDAP_URI", server.uri.as_str()),
        ("MAILLDAP_PASSWORD_FILE", root_pw.as_str()),
        ("ADMIN_JOHN_PW", JOHN_PW),
        ("HOME", home.as_str()),
    ];
    vars.extend_from_slice(env);
    let bash_args: Vec<&str> = std::iter::once(path.as_str())
        .chain(args.iter().copied())
        .collect();
    super::interop::run_checks_with(script, &bash_args, &vars, &["MAILLDAP_BIND"]);
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
