//! The two servers under test, each on a free loopback port and stopped on drop:
//! mailldap (`import` then `serve`, the release binary cargo built for this bench) and
//! Debian's slapd, started by the interop helpers in tests/interop/common.sh so the
//! bench runs the same slapd set-up the interop tests compare against.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Both servers' index configuration for slapd (the brief's: Postfix filters on mail
/// and objectClass, aliases resolve through maildrop).
const SLAPD_INDEXES: &str = "index objectClass eq,pres\nindex mail,maildrop eq";
/// slapd's map size: far above what 1M accounts need, the file grows only as used.
const SLAPD_MAXSIZE: &str = "8589934592";

/// A started server: what the workloads and the memory probes need.
pub struct Running {
    pub uri: String,
    pub pid: u32,
    pub data: PathBuf,
    /// Kept so drop stops the process (mailldap) or its helper shell (slapd).
    guard: Guard,
}

enum Guard {
    Mailldap(Child),
    /// The bash that sourced common.sh; closing its stdin makes it exit, and its EXIT
    /// trap stops slapd and removes the temporary directory.
    Slapd(Child, Option<ChildStdin>),
}

impl Drop for Running {
    fn drop(&mut self) {
        match &mut self.guard {
            Guard::Mailldap(child) => {
                // SIGTERM first (clean sled shutdown), SIGKILL after a bounded wait.
                let _ = Command::new("kill").arg(child.id().to_string()).status();
                wait_bounded(child, Duration::from_secs(10));
            }
            Guard::Slapd(child, stdin) => {
                drop(stdin.take());
                wait_bounded(child, Duration::from_secs(15));
            }
        }
    }
}

fn wait_bounded(child: &mut Child, limit: Duration) {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until the port accepts connections and the server answers a root DSE search.
fn wait_ldap(uri: &str, port: u16, limit: Duration) -> Result<(), String> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            if let Ok(mut c) = ldap3::LdapConn::new(uri) {
                let ok = c
                    .with_timeout(Duration::from_secs(5))
                    .search("", ldap3::Scope::Base, "(objectClass=*)", vec!["1.1"])
                    .and_then(|r| r.success())
                    .is_ok();
                let _ = c.unbind();
                if ok {
                    return Ok(());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{uri} did not answer within {limit:?}"))
}

/// mailldap's config: its defaults (indexes included) but a private port and data dir.
fn mailldap_config(dir: &Path, port: u16) -> std::io::Result<PathBuf> {
    let cfg = dir.join("mailldap.toml");
    std::fs::write(
        &cfg,
        format!(
            "listen = [\"ldap://127.0.0.1:{port}\"]\ndata_dir = \"{}\"\nlog_level = \"info\"\n",
            dir.join("data").display()
        ),
    )?;
    Ok(cfg)
}

/// `mailldap import` of `ldif` into `dir/data`; returns its wall time.
pub fn mailldap_import(bin: &str, dir: &Path, ldif: &Path) -> Result<Duration, String> {
    let cfg = mailldap_config(dir, 0).map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let out = Command::new(bin)
        .arg("import")
        .arg("--config")
        .arg(&cfg)
        .arg(ldif)
        .output()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    let took = t0.elapsed();
    if !out.status.success() {
        return Err(format!(
            "mailldap import failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(took)
}

/// `mailldap serve` on the store `mailldap_import` filled; log in `dir/mailldap.log`.
pub fn mailldap_serve(bin: &str, dir: &Path) -> Result<Running, String> {
    let port = free_port().map_err(|e| e.to_string())?;
    let cfg = mailldap_config(dir, port).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("mailldap.log")).map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .arg("serve")
        .arg("--config")
        .arg(&cfg)
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    let running = Running {
        uri: format!("ldap://127.0.0.1:{port}"),
        pid: child.id(),
        data: dir.join("data"),
        guard: Guard::Mailldap(child),
    };
    wait_ldap(&running.uri, port, Duration::from_secs(120))?;
    Ok(running)
}

/// slapd via `start_slapd LDIF` from tests/interop/common.sh; returns the server and
/// slapadd's wall time (measured by the helper around slapadd alone).
pub fn slapd(repo: &Path, ldif: &Path) -> Result<(Running, Duration), String> {
    let script = "source tests/interop/common.sh || exit 1\n\
                  start_slapd \"$1\"\n\
                  echo \"READY $SLAPD_URI $SLAPD_PID $SLAPD_DIR $SLAPADD_MS\"\n\
                  read -r _\n";
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("bench-slapd")
        .arg(ldif)
        .current_dir(repo)
        .env("SLAPD_INDEXES", SLAPD_INDEXES)
        .env("SLAPD_MAXSIZE", SLAPD_MAXSIZE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    let stdin = child.stdin.take();
    let stdout = child
        .stdout
        .take()
        .ok_or("no stdout from the slapd helper")?;
    let mut transcript = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(rest) = line.strip_prefix("READY ") {
            let f: Vec<&str> = rest.split_whitespace().collect();
            if f.len() == 4 {
                let pid = f[1].parse().map_err(|_| format!("bad pid in {line:?}"))?;
                let ms: u64 = f[3].parse().map_err(|_| format!("bad time in {line:?}"))?;
                let running = Running {
                    uri: f[0].to_string(),
                    pid,
                    data: PathBuf::from(f[2]).join("db"),
                    guard: Guard::Slapd(child, stdin),
                };
                return Ok((running, Duration::from_millis(ms)));
            }
        }
        transcript.push_str(&line);
        transcript.push('\n');
    }
    let _ = stdin.map(|mut s| s.write_all(b"\n"));
    let _ = child.wait();
    Err(format!("slapd did not start:\n{transcript}"))
}

/// (VmRSS, VmHWM) in KiB from /proc/PID/status.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Bytes a directory tree occupies on disk (allocated blocks, so sparse files count
/// for what they use, not their apparent size).
pub fn disk_bytes(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.blocks() * 512;
    }
    std::fs::read_dir(path)
        .map(|rd| rd.flatten().map(|e| disk_bytes(&e.path())).sum())
        .unwrap_or(0)
}
