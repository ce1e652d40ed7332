//! A real `mailldap serve` on a free loopback port, with its own config, data and log in
//! a temporary directory.

use super::{tools, ToolResult, ROOTDN, ROOTPW, ROOTPW_HASH};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

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
    /// The program the server runs under (e.g. strace and its options), if any.
    pub wrapper: Vec<String>,
    /// Whether it has started once (a restart keeps its port).
    started: bool,
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
        let mut s = Self::configured(dir, more_listen, extra);
        s.spawn(demo);
        s
    }

    /// Start in `dir` with the demo tree under `wrapper` (a program and its options,
    /// given the server's command line after them): the process in `pid` is the wrapper's, and
    /// `kill` kills the server itself, then waits for the wrapper to end.
    pub fn start_under(dir: tempfile::TempDir, wrapper: &[String], extra: &str) -> Server {
        let mut s = Self::configured(dir, &[], extra);
        s.wrapper = wrapper.to_vec();
        s.spawn(true);
        s
    }

    /// Start serving `ldif`, loaded first with `mailldap import` the way slapadd loads
    /// a slapd (extra TOML as in `start_with`).
    pub fn imported(ldif: &Path, extra: &str) -> Server {
        let mut s = Self::configured(tempfile::tempdir().expect("tempdir"), &[], extra);
        let config = s.config_path().display().to_string();
        let ldif = ldif.display().to_string();
        let r = tools::mailldap(&["import", "--config", &config, &ldif], None);
        assert_eq!(r.code, 0, "mailldap import {ldif} failed: {}", r.stderr);
        s.spawn(false);
        s
    }

    /// A server not yet running: port chosen, config written.
    fn configured(dir: tempfile::TempDir, more_listen: &[String], extra: &str) -> Server {
        let port = free_port();
        let s = Server {
            child: None,
            dir,
            port,
            uri: format!("ldap://127.0.0.1:{port}"),
            extra: extra.to_string(),
            more_listen: more_listen.to_vec(),
            wrapper: Vec::new(),
            started: false,
        };
        s.write_config();
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

    /// Start the server; on its first start, when another process took the chosen
    /// port between `free_port` and the server's bind (the tests' own clients use
    /// ephemeral ports from the same range), choose another port and start again.
    fn spawn(&mut self, demo: bool) {
        for _ in 0..5 {
            self.spawn_once(demo);
            if self.started {
                self.wait_ready();
                return;
            }
            if !self.wait_ready_or_port_taken() {
                self.started = true;
                return;
            }
            self.port = free_port();
            self.uri = format!("ldap://127.0.0.1:{}", self.port);
            self.write_config();
        }
        panic!("no free port for mailldap after 5 tries:\n{}", self.log());
    }

    /// [`Server::wait_ready`], answering true instead when the server exited because
    /// its plain port was taken.
    fn wait_ready_or_port_taken(&mut self) -> bool {
        let taken = format!("ldap://127.0.0.1:{}: Address already in use", self.port);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited && self.log().contains(&taken) {
                self.child = None;
                return true;
            }
            if exited || self.says_listening() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.wait_ready();
        false
    }

    fn spawn_once(&mut self, demo: bool) {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .expect("log");
        let mut cmd = match self.wrapper.split_first() {
            Some((program, options)) => {
                let mut cmd = Command::new(program);
                cmd.args(options).arg(tools::bin());
                cmd
            }
            None => Command::new(tools::bin()),
        };
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
    }

    fn wait_ready(&mut self) {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().expect("addr");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            // Ready when this server says it listens and the port answers (a probe alone
            // could reach a stranger that held the port a moment ago).
            if self.says_listening()
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
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

    /// Whether the log says the plain port is bound (the demo banner also names the
    /// port, before the bind, so only the listener's own line counts).
    fn says_listening(&self) -> bool {
        self.log().contains(&format!("listening on {}\n", self.uri))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Wait (10 s at most) until the log contains `needle` `count` times.
    pub fn wait_log(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.log().matches(needle).count() < count {
            assert!(
                Instant::now() < deadline,
                "log never said {needle:?} {count} times:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop the server (SIGKILL: nothing acknowledged may depend on a clean exit).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            if !self.wrapper.is_empty() {
                // A killed wrapper (strace) would leave the server running, detached.
                let children = format!("/proc/{0}/task/{0}/children", c.id());
                for pid in std::fs::read_to_string(children)
                    .unwrap_or_default()
                    .split_whitespace()
                {
                    let _ = Command::new("kill").args(["-KILL", pid]).status();
                }
                // The wrapper ends once the server has; its output is complete then.
                let deadline = Instant::now() + Duration::from_secs(10);
                while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
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

    /// Send `signal` ("TERM", "HUP", ...) to the server.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().expect("server running").to_string();
        let st = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(st.success(), "kill -{signal} {pid}");
    }

    /// SIGTERM, then wait `within` at most for the exit; its status (the server is
    /// killed, and the test fails, if it is still running then).
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        self.signal("TERM");
        let mut child = self.child.take().expect("server running");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "mailldap still running {within:?} after SIGTERM:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// A `VmRSS`-style field of /proc/PID/status (kB), e.g. the resident set size.
    pub fn status_kib(&self, field: &str) -> u64 {
        let pid = self.pid().expect("server running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
    }

    /// Run an ldap-utils command against this server with -H filled in.
    pub fn tool(&self, tool: &str, args: &[&str]) -> ToolResult {
        self.tool_stdin(tool, args, None)
    }

    /// Same, feeding `stdin` (LDIF for ldapadd/ldapmodify).
    pub fn tool_stdin(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
        tools::run_tool(tool, &self.uri, args, stdin)
    }

    /// Same, bound as the rootdn (-x -D ROOTDN -w ROOTPW before `args`).
    pub fn tool_as_root(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
        let mut all = vec!["-x", "-D", ROOTDN, "-w", ROOTPW];
        all.extend_from_slice(args);
        self.tool_stdin(tool, &all, stdin)
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

    /// The entry `dn` alone (base scope), its `attrs` ([] for all user attributes, "+"
    /// for the operational ones), read as the rootdn.
    pub fn read_as_root(&self, dn: &str, attrs: &[&str]) -> ToolResult {
        let mut args = vec!["-s", "base"];
        args.extend_from_slice(attrs);
        self.search_as(ROOTDN, ROOTPW, dn, "(objectClass=*)", &args)
    }

    /// The `attrs` of cn=Subschema, read anonymously.
    pub fn subschema(&self, attrs: &[&str]) -> ToolResult {
        let mut args = vec!["-s", "base"];
        args.extend_from_slice(attrs);
        self.search_anon("cn=Subschema", "(objectClass=subschema)", &args)
    }

    /// ldapmodify -x as the rootdn with the given LDIF.
    pub fn modify_root(&self, ldif: &str) -> ToolResult {
        self.tool_as_root("ldapmodify", &[], Some(ldif))
    }

    /// ldapadd -x as the rootdn with the given LDIF.
    pub fn add_root(&self, ldif: &str) -> ToolResult {
        self.tool_as_root("ldapadd", &[], Some(ldif))
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
