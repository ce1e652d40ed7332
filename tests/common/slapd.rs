//! A real slapd (Debian's /usr/sbin/slapd) that a Rust test starts, stops and restarts
//! itself: its slapd.conf is the one tests/interop/common.sh's `slapd_conf` writes for
//! the shell scripts' `start_slapd` (one copy), extended through SLAPD_MODULES and
//! SLAPD_OVERLAYS (a syncprov provider, for instance).

use super::{repo, tools, ToolResult, ROOTDN, ROOTPW};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A slapd on a free loopback port, its files in a temporary directory; killed on drop.
pub struct Slapd {
    child: Option<Child>,
    /// Config, database and log.
    pub dir: tempfile::TempDir,
    /// ldap://127.0.0.1:PORT
    pub uri: String,
}

impl Slapd {
    /// Configure a slapd (`slapd_conf` with `env`, e.g. SLAPD_OVERLAYS), load `ldif`
    /// with slapadd, and start it.
    pub fn start(ldif: &Path, env: &[(&str, &str)]) -> Slapd {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("db")).expect("db dir");
        let script = format!(
            "set -euo pipefail\nsource tests/interop/common.sh\nslapd_conf {:?} \"$(slappasswd -s {ROOTPW:?})\"",
            dir.path().display()
        );
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &script]).current_dir(repo());
        cmd.envs(env.iter().copied());
        let conf = tools::run_command(cmd, None, "install bash and slapd");
        assert_eq!(conf.code, 0, "slapd_conf failed: {}", conf.stderr);
        let slapd = Slapd {
            child: None,
            uri: format!("ldap://127.0.0.1:{}", super::free_port()),
            dir,
        };
        std::fs::write(slapd.conf_path(), conf.stdout).expect("write slapd.conf");
        let mut slapadd = Command::new("slapadd");
        slapadd.arg("-f").arg(slapd.conf_path()).arg("-l").arg(ldif);
        let r = tools::run_command(slapadd, None, "install slapd (scripts/install-deps.sh)");
        assert_eq!(r.code, 0, "slapadd {}: {}", ldif.display(), r.stderr);
        let mut slapd = slapd;
        slapd.spawn();
        slapd
    }

    /// Its slapd.conf.
    pub fn conf_path(&self) -> PathBuf {
        self.dir.path().join("slapd.conf")
    }

    /// Its log (stats level and sync messages) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    fn spawn(&mut self) {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("slapd.log"))
            .expect("log");
        // -d keeps it in the foreground, so the child is the daemon; 256 = stats,
        // 16384 = sync (syncprov's decisions).
        let child = Command::new("/usr/sbin/slapd")
            .arg("-f")
            .arg(self.conf_path())
            .arg("-h")
            .arg(format!("{}/", self.uri))
            .args(["-d", "16640"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start /usr/sbin/slapd (scripts/install-deps.sh installs it)");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let probe = tools::run_tool(
                "ldapsearch",
                &self.uri,
                &["-x", "-o", "nettimeout=2", "-b", "", "-s", "base"],
                None,
            );
            if probe.code == 0 {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("slapd exited early ({status}):\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("slapd did not answer on {}:\n{}", self.uri, self.log());
    }

    /// Stop it (SIGKILL, as a crash would).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kill and start again on the same database and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Run an ldap-utils tool against it bound as the rootdn.
    pub fn tool_as_root(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> ToolResult {
        let mut all = vec!["-x", "-D", ROOTDN, "-w", ROOTPW];
        all.extend_from_slice(args);
        tools::run_tool(tool, &self.uri, &all, stdin)
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.kill();
    }
}
