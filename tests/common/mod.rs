//! Starts the real `mailldap` binary on a free loopback port and drives it with the
//! tools users have: OpenLDAP's ldap-utils and the ldap3 crate.
#![allow(dead_code)]

pub mod admin;

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The rootdn every test server uses.
pub const ROOTDN: &str = "cn=Manager,dc=myhosting,dc=example";
/// Its password; the config holds only the {SSHA} hash below (made by slappasswd).
pub const ROOTPW: &str = "secret";
const ROOTPW_HASH: &str = "{SSHA}WE8LoMncXA+QRuquDuHIIb8UXSR+5xvI";
/// Where the hosted domains live.
pub const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";

/// DN of a demo account or alias.
pub fn mail_dn(addr: &str) -> String {
    let domain = addr.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
    format!("mail={addr},o={domain},{HOSTING}")
}

/// A free TCP port on 127.0.0.1 (the OS picks; we release it for the server).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A running server; killed on drop.
pub struct Server {
    child: Option<Child>,
    /// Temporary directory holding config, data and log.
    pub dir: tempfile::TempDir,
    /// Plain LDAP port.
    pub port: u16,
    /// ldap://127.0.0.1:PORT
    pub uri: String,
    /// Extra config TOML the server was started with.
    pub extra: String,
    /// Listen URIs besides `uri` (ldaps://, ldapi://).
    pub more_listen: Vec<String>,
}

/// Path of the built binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mailldap")
}

impl Server {
    /// Start on an empty store.
    pub fn start() -> Server {
        Self::start_with("", false)
    }

    /// Start with the demo tree loaded.
    pub fn demo() -> Server {
        Self::start_with("", true)
    }

    /// Start with extra TOML appended to the test config.
    pub fn start_with(extra: &str, demo: bool) -> Server {
        Self::start_in(tempfile::tempdir().expect("tempdir"), &[], extra, demo)
    }

    /// Start in `dir` (which may already hold certificates) listening on `uri` and
    /// `more_listen` too.
    pub fn start_in(
        dir: tempfile::TempDir,
        more_listen: &[String],
        extra: &str,
        demo: bool,
    ) -> Server {
        let port = free_port();
        let mut s = Server {
            child: None,
            dir,
            port,
            uri: format!("ldap://127.0.0.1:{port}"),
            extra: extra.to_string(),
            more_listen: more_listen.to_vec(),
        };
        s.write_config();
        s.spawn(demo);
        s
    }

    /// The config file path.
    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("mailldap.toml")
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn write_config(&self) {
        let listen: Vec<String> = std::iter::once(&self.uri)
            .chain(&self.more_listen)
            .map(|u| format!("{u:?}"))
            .collect();
        let text = format!(
            "listen = [{}]\ndata_dir = \"{}\"\nrootpw = \"{ROOTPW_HASH}\"\nlog_level = \"debug\"\n{}\n",
            listen.join(", "),
            self.data_dir().display(),
            self.extra
        );
        std::fs::write(self.config_path(), text).expect("write config");
    }

    fn spawn(&mut self, demo: bool) {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .expect("log");
        let mut cmd = Command::new(bin());
        cmd.arg("serve").arg("--config").arg(self.config_path());
        if demo {
            cmd.arg("--demo");
        }
        let child = cmd
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start mailldap");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().expect("addr");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            // Ready when this server says it listens and the port answers (a probe alone
            // could reach a stranger that held the port a moment ago).
            let listening = self.log().contains(&format!(":{} ", self.port))
                || self.log().contains(&format!(":{}\n", self.port));
            if listening && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("mailldap exited early ({status}):\n{}", self.log());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("mailldap did not start listening:\n{}", self.log());
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stop the server (SIGKILL: nothing acknowledged may depend on a clean exit).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kill and start again on the same data and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn(false);
    }

    /// The server's process id, for signals (SIGHUP).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Run an ldap-utils command against this server with -H filled in.
    pub fn tool(&self, tool: &str, args: &[&str]) -> ToolResult {
        self.tool_stdin(tool, args, None)
    }

    /// Same, feeding `stdin` (LDIF for ldapadd/ldapmodify).
    pub fn tool_stdin(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
        run_tool(tool, &self.uri, args, stdin)
    }

    /// ldapsearch -x -LLL as anonymous; returns stdout.
    pub fn search_anon(&self, base: &str, filter: &str, attrs: &[&str]) -> ToolResult {
        let mut args = vec!["-x", "-LLL", "-o", "ldif-wrap=no", "-b", base, filter];
        args.extend_from_slice(attrs);
        self.tool("ldapsearch", &args)
    }

    /// ldapsearch -x -LLL bound as `dn`/`pw`.
    pub fn search_as(
        &self,
        dn: &str,
        pw: &str,
        base: &str,
        filter: &str,
        attrs: &[&str],
    ) -> ToolResult {
        let mut args = vec![
            "-x",
            "-LLL",
            "-o",
            "ldif-wrap=no",
            "-D",
            dn,
            "-w",
            pw,
            "-b",
            base,
            filter,
        ];
        args.extend_from_slice(attrs);
        self.tool("ldapsearch", &args)
    }

    /// ldapmodify -x as the rootdn with the given LDIF.
    pub fn modify_root(&self, ldif: &str) -> ToolResult {
        self.tool_stdin(
            "ldapmodify",
            &["-x", "-D", ROOTDN, "-w", ROOTPW],
            Some(ldif),
        )
    }

    /// ldapadd -x as the rootdn with the given LDIF.
    pub fn add_root(&self, ldif: &str) -> ToolResult {
        self.tool_stdin("ldapadd", &["-x", "-D", ROOTDN, "-w", ROOTPW], Some(ldif))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("---- server log ----\n{}", self.log());
        }
    }
}

/// What an ldap-utils command did.
#[derive(Debug)]
pub struct ToolResult {
    /// Exit code (ldap-utils exit with the LDAP result code).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolResult {
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

/// Run an ldap-utils tool. A missing tool fails the test: CI installs ldap-utils.
pub fn run_tool(tool: &str, uri: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
    let mut cmd = Command::new(tool);
    cmd.arg("-H").arg(uri).args(args);
    // Keep the user's ~/.ldaprc and /etc/ldap/ldap.conf out of the test.
    cmd.env("LDAPNOINIT", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): install ldap-utils (scripts/install-deps.sh)")
    });
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let out: Output = child.wait_with_output().expect("wait");
    ToolResult {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run the mailldap binary with arguments (import, export, hash ...).
pub fn mailldap(args: &[&str], stdin: Option<&str>) -> ToolResult {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run mailldap");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    ToolResult {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The repository root (for ldif/ and schema/ fixtures).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Values of `attr` in ldapsearch -LLL output (single entry or all entries).
pub fn values(ldif: &str, attr: &str) -> Vec<String> {
    let prefix = format!("{}: ", attr.to_ascii_lowercase());
    ldif.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].to_string())
        .collect()
}

/// DNs in ldapsearch -LLL output.
pub fn dns(ldif: &str) -> Vec<String> {
    values(ldif, "dn")
}
