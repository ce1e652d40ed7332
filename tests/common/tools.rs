//! Running programs: ldap-utils against a server, the mailldap binary's own
//! subcommands, and the hashing tools admins use.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Path of the built binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mailldap")
}

/// What a command did.
#[derive(Debug)]
pub struct ToolResult {
    /// Exit code (ldap-utils exit with the LDAP result code; -1 for a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolResult {
    /// The result of a finished process.
    pub fn from_output(out: &Output) -> ToolResult {
        ToolResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panic with the output unless the exit code is `want`.
    pub fn expect_code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code, want,
            "exit {} (wanted {want})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Panic unless the command succeeded.
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }
}

/// Runs `cmd` to the end, feeding it `stdin` (none: /dev/null); `missing` says what to
/// install when the program cannot be started.
pub fn run_command(mut cmd: Command, stdin: Option<&[u8]>, missing: &str) -> ToolResult {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): {missing}"));
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    ToolResult::from_output(&out)
}

/// Run an ldap-utils tool. A missing tool fails the test: CI installs ldap-utils.
pub fn run_tool(tool: &str, uri: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
    let mut cmd = Command::new(tool);
    cmd.arg("-H").arg(uri).args(args);
    // Keep the user's ~/.ldaprc and /etc/ldap/ldap.conf out of the test.
    cmd.env("LDAPNOINIT", "1");
    run_command(
        cmd,
        stdin.map(str::as_bytes),
        "install ldap-utils (scripts/install-deps.sh)",
    )
}

/// Run the mailldap binary with arguments (import, export, hash ...).
pub fn mailldap(args: &[&str], stdin: Option<&str>) -> ToolResult {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    run_command(cmd, stdin.map(str::as_bytes), "cargo builds it")
}

/// Runs a hashing tool (slappasswd, openssl, mkpasswd, argon2, python3) fed `stdin`;
/// its trimmed stdout. Panics unless it succeeds: CI installs slapd, openssl, whois,
/// argon2 and python3.
pub fn program_stdout<S: AsRef<OsStr>>(program: &str, args: &[S], stdin: &[u8]) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let r = run_command(cmd, Some(stdin), "scripts/install-deps.sh installs it");
    assert!(r.code == 0, "{program} failed ({}): {}", r.code, r.stderr);
    r.stdout.trim().to_string()
}
