//! Courier authlib and Dovecot, unmodified from Debian's packages, against mailldap; and
//! the migration from a real slapd. The checks live in tests/interop/*.sh (they run the
//! same against slapd); these tests start mailldap, run them and require every check to
//! pass. A missing program (authtest, doveadm, slapd ...) fails the scripts: never a skip.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// courier.sh rewrites /etc/courier and owns /run/courier/authdaemon: one script at a time
/// (it also takes a file lock, this keeps the output of parallel tests apart).
static SERIAL: Mutex<()> = Mutex::new(());

const BASE: &str = "o=hosting,dc=myhosting,dc=example";
const ROOTDN: &str = "cn=Manager,dc=myhosting,dc=example";
/// The rootdn's password; the config holds only its {SSHA} hash (slappasswd -s secret).
const ROOTPW: &str = "secret";
const ROOTPW_HASH: &str = "{SSHA}a2MrqZnobMepfx2UJZg9Q9Gz9hwb7yAZ";

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// mailldap serving the article's tree (data_mda/tree.ldif, loaded by `mailldap import`);
/// killed on drop.
struct Server {
    child: Child,
    uri: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("mailldap.toml");
        let data = dir.path().join("data");
        std::fs::write(
            &config,
            format!(
                "data_dir = {data:?}\nrootdn = \"{ROOTDN}\"\nrootpw = \"{ROOTPW_HASH}\"\n\
                 schema_check = \"strict\"\n"
            ),
        )
        .expect("write config");
        let import = Command::new(env!("CARGO_BIN_EXE_mailldap"))
            .arg("import")
            .arg("--config")
            .arg(&config)
            .arg(interop_dir().join("data_mda/tree.ldif"))
            .output()
            .expect("run mailldap import");
        assert!(
            import.status.success(),
            "mailldap import of the article's tree failed: {}",
            String::from_utf8_lossy(&import.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.path().join("serve.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_mailldap"))
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mailldap serve");
        let server = Server {
            child,
            uri: format!("ldap://127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mailldap did not listen within 15 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs tests/interop/SCRIPT ARGS; panics unless it exits 0 having printed no `not ok`.
fn run_script(script: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new("bash")
        .arg(interop_dir().join(script))
        .args(args)
        .env("MAILLDAP_BIN", env!("CARGO_BIN_EXE_mailldap"))
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown on failure (cargo test captures it otherwise).
    println!("{stdout}\n--- stderr ---\n{stderr}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        failed.is_empty(),
        "{script} failed checks:\n{}",
        failed.join("\n")
    );
    assert!(out.status.success(), "{script} exited with {}", out.status);
    assert!(
        stdout.lines().any(|l| l.starts_with("ok - ")),
        "{script} ran no check"
    );
}

#[test]
fn courier_authtest_with_ldap_authbind() {
    let server = Server::start();
    run_script("courier.sh", &[&server.uri, BASE, "authbind"]);
}

#[test]
fn courier_authtest_with_a_service_bind() {
    let server = Server::start();
    run_script(
        "courier.sh",
        &[&server.uri, BASE, "servicebind", ROOTDN, ROOTPW],
    );
}

#[test]
fn dovecot_doveadm_auth_and_user() {
    let server = Server::start();
    run_script("dovecot.sh", &[&server.uri, BASE, ROOTDN, ROOTPW]);
}

#[test]
fn migration_from_slapd_keeps_every_client_check_passing() {
    run_script("migration.sh", &[]);
}
