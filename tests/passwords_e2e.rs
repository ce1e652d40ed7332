//! Passwords over the wire: userPassword values made by the tools admins really used
//! (slappasswd, openssl passwd, mkpasswd, the argon2 CLI, python's hashlib) bind with
//! ldapwhoami; cleartext writes come back hashed; ldappasswd self-change, admin reset
//! and generated passwords; `mailldap hash`; and the rootpw-in-cleartext guard.
//!
//! A missing tool fails the test: CI installs slapd, openssl, whois, argon2 and python3.

mod common;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use rand::Rng;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A random password of letters, digits and a few symbols, new on every run.
fn random_password() -> String {
    let mut rng = rand::thread_rng();
    let chars = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!%+=.,";
    (0..14)
        .map(|_| char::from(chars[rng.gen_range(0..chars.len())]))
        .collect()
}

/// A domain1 account LOCAL with mailbox domain1.example/LOCAL/ and `password_line`.
fn account(local: &str, password_line: &str) -> String {
    account_ldif(
        &format!("{local}@domain1.example"),
        &format!("domain1.example/{local}/"),
        &format!("{password_line}\n"),
    )
}

/// Add an account whose userPassword is exactly `stored` (base64 in the LDIF).
fn add_with_stored(s: &Server, local: &str, stored: &str) -> String {
    let line = format!("userPassword:: {}", STANDARD.encode(stored));
    s.add_root(&account(local, &line)).ok();
    mail_dn(&format!("{local}@domain1.example"))
}

fn whoami(s: &Server, dn: &str, pw: &str) -> ToolResult {
    s.tool("ldapwhoami", &["-x", "-D", dn, "-w", pw])
}

fn assert_binds(s: &Server, dn: &str, pw: &str, what: &str) {
    let r = whoami(s, dn, pw);
    assert_eq!(r.code, 0, "{what}: right password refused: {r:?}");
    assert_eq!(r.stdout.trim(), format!("dn:{dn}"), "{what}");
    let r = whoami(s, dn, &format!("x{pw}"));
    assert_eq!(r.code, 49, "{what}: wrong password not refused: {r:?}");
}

/// The stored userPassword values of `dn`, read as the rootdn.
fn stored_passwords(s: &Server, dn: &str) -> Vec<String> {
    let r = s.read_as_root(dn, &["userPassword"]);
    r.ok();
    let mut out = values(&r.stdout, "userPassword");
    for b64 in values(&r.stdout, "userPassword:") {
        let raw = STANDARD.decode(b64.trim()).expect("base64 userPassword");
        out.push(String::from_utf8(raw).expect("ASCII hash"));
    }
    out
}

const PYTHON_HASHES: &str = r#"
import base64, hashlib, os, struct, sys
pw = sys.stdin.buffer.read()
def ab64(b): return base64.b64encode(b).decode().rstrip('=').replace('+', '.')
salt = os.urandom(8)
print('{SSHA256}' + base64.b64encode(hashlib.sha256(pw + salt).digest() + salt).decode())
print('{SSHA512}' + base64.b64encode(hashlib.sha512(pw + salt).digest() + salt).decode())
print('{SHA384}' + base64.b64encode(hashlib.sha384(pw).digest()).decode())
s = os.urandom(16)
print('{PBKDF2-SHA256}29000$' + ab64(s) + '$' + ab64(hashlib.pbkdf2_hmac('sha256', pw, s, 29000)))
print('{PBKDF2-SHA512}25000$' + ab64(s) + '$' + ab64(hashlib.pbkdf2_hmac('sha512', pw, s, 25000)))
print('{PBKDF2}10000$' + ab64(s) + '$' + ab64(hashlib.pbkdf2_hmac('sha1', pw, s, 10000)))
s = os.urandom(64)
print('{PBKDF2_SHA256}' + base64.b64encode(struct.pack('>I', 8192) + s + hashlib.pbkdf2_hmac('sha256', pw, s, 8192, 256)).decode())
"#;

#[test]
fn values_made_by_independent_tools_bind() {
    let s = Server::demo();
    let pw = random_password();
    let mut fixtures: Vec<(String, String)> = Vec::new();
    for args in [
        vec!["-h", "{SSHA}"],
        vec!["-h", "{SHA}"],
        vec!["-h", "{MD5}"],
        vec!["-h", "{SMD5}"],
        vec!["-h", "{CRYPT}"],
        vec!["-h", "{CRYPT}", "-c", "$5$%.16s"],
        vec![
            "-o",
            "module-path=/usr/lib/ldap",
            "-o",
            "module-load=argon2",
            "-h",
            "{ARGON2}",
        ],
    ] {
        let mut full = args.clone();
        full.extend(["-s", pw.as_str()]);
        let hash = program_stdout("slappasswd", &full, b"");
        fixtures.push((format!("slappasswd {args:?}"), hash));
    }
    let line = format!("{pw}\n");
    for alg in ["-1", "-5", "-6"] {
        let hash = program_stdout("openssl", &["passwd", alg, "-stdin"], line.as_bytes());
        fixtures.push((format!("openssl passwd {alg}"), format!("{{CRYPT}}{hash}")));
    }
    for method in ["bcrypt", "yescrypt", "sha512crypt"] {
        let hash = program_stdout("mkpasswd", &["--stdin", "-m", method], line.as_bytes());
        fixtures.push((format!("mkpasswd -m {method}"), format!("{{CRYPT}}{hash}")));
    }
    for kind in ["-id", "-i"] {
        let hash = program_stdout(
            "argon2",
            &["saltsaltsalt", kind, "-e", "-m", "12"],
            pw.as_bytes(),
        );
        fixtures.push((format!("argon2 {kind}"), format!("{{ARGON2}}{hash}")));
    }
    for hash in program_stdout("python3", &["-c", PYTHON_HASHES], pw.as_bytes()).lines() {
        let tag = hash.split('}').next().unwrap_or("").to_string();
        fixtures.push((format!("python3 hashlib {tag}}}"), hash.to_string()));
    }
    assert_eq!(fixtures.len(), 22);
    for (i, (what, stored)) in fixtures.iter().enumerate() {
        let dn = add_with_stored(&s, &format!("fixture{i}"), stored);
        // Stored exactly as given (already a hash: not hashed again).
        assert_eq!(stored_passwords(&s, &dn), vec![stored.clone()], "{what}");
        assert_binds(&s, &dn, &pw, &format!("{what}: {stored}"));
    }
}

#[test]
fn cleartext_writes_come_back_hashed_argon2_by_default() {
    let s = Server::demo();
    let dn = mail_dn("clear@domain1.example");
    s.add_root(&account("clear", "userPassword: plain-add-pw"))
        .ok();
    let stored = stored_passwords(&s, &dn);
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("{ARGON2}$argon2id$"), "{stored:?}");
    assert_binds(&s, &dn, "plain-add-pw", "hashed on add");
    s.modify_root(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: userPassword\nuserPassword: plain-mod-pw\n"
    ))
    .ok();
    let stored = stored_passwords(&s, &dn);
    assert!(stored[0].starts_with("{ARGON2}$argon2id$"), "{stored:?}");
    assert_binds(&s, &dn, "plain-mod-pw", "hashed on modify");
}

#[test]
fn ssha_scheme_writes_a_four_byte_salt() {
    let s = Server::start_with("[password]\nscheme = \"SSHA\"\n", true);
    let dn = mail_dn("courier@domain1.example");
    s.add_root(&account("courier", "userPassword: for-courier"))
        .ok();
    let stored = stored_passwords(&s, &dn);
    let b64 = stored[0].strip_prefix("{SSHA}").expect("an {SSHA} value");
    let raw = STANDARD.decode(b64).expect("base64");
    // 20 bytes of SHA-1 and 4 of salt, as slappasswd writes and Courier requires.
    assert_eq!(raw.len(), 24, "{stored:?}");
    assert_binds(&s, &dn, "for-courier", "{SSHA} from a cleartext add");
    // ldappasswd's new password is hashed with the configured scheme too.
    s.tool_as_root("ldappasswd", &["-s", "reset-pw", &dn], None)
        .ok();
    assert!(stored_passwords(&s, &dn)[0].starts_with("{SSHA}"));
    assert_binds(&s, &dn, "reset-pw", "{SSHA} from ldappasswd");
}

#[test]
fn ldappasswd_self_change_admin_reset_and_generated() {
    let s = Server::demo();
    let dn = mail_dn("user1@domain1.example");
    // Self-change with the old password.
    s.tool(
        "ldappasswd",
        &[
            "-x",
            "-D",
            &dn,
            "-w",
            "user1",
            "-a",
            "user1",
            "-s",
            "changed-1",
        ],
    )
    .ok();
    whoami(&s, &dn, "user1").expect_code(49);
    assert_binds(&s, &dn, "changed-1", "self-change");
    assert!(stored_passwords(&s, &dn)[0].starts_with("{ARGON2}"));
    // A wrong old password: refused, nothing changed.
    let r = s.tool(
        "ldappasswd",
        &[
            "-x",
            "-D",
            &dn,
            "-w",
            "changed-1",
            "-a",
            "not-it",
            "-s",
            "changed-2",
        ],
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert_binds(&s, &dn, "changed-1", "after a refused change");
    // One user may not change another's password.
    let other = mail_dn("user2@domain1.example");
    let r = s.tool(
        "ldappasswd",
        &["-x", "-D", &other, "-w", "user2", "-s", "hijack", &dn],
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert_binds(&s, &dn, "changed-1", "after another user's attempt");
    // Admin reset by the rootdn, without the old password.
    s.tool_as_root("ldappasswd", &["-s", "admin-set", &dn], None)
        .ok();
    assert_binds(&s, &dn, "admin-set", "admin reset");
    // No -s: the server generates one and ldappasswd prints it.
    let r = s.tool_as_root("ldappasswd", &[&dn], None);
    r.ok();
    let generated = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("New password: "))
        .unwrap_or_else(|| panic!("no generated password in {r:?}"))
        .trim()
        .to_string();
    assert!(generated.len() >= 8, "{generated:?}");
    assert_binds(&s, &dn, &generated, "generated password");
    whoami(&s, &dn, "admin-set").expect_code(49);
}

#[test]
fn mailldap_hash_reads_stdin_and_its_output_binds() {
    let s = Server::demo();
    for (i, args) in [
        vec!["hash"],
        vec!["hash", "--scheme", "SSHA"],
        vec!["hash", "--scheme", "CRYPT"],
    ]
    .into_iter()
    .enumerate()
    {
        let r = mailldap(&args, Some("typed-on-stdin\n"));
        r.ok();
        let hash = r.stdout.trim().to_string();
        let want = match args.get(2) {
            Some(&"SSHA") => "{SSHA}",
            Some(&"CRYPT") => "{CRYPT}$6$",
            _ => "{ARGON2}$argon2id$",
        };
        assert!(hash.starts_with(want), "{args:?}: {hash}");
        // The password is not echoed and is never taken from argv.
        assert!(!r.stdout.contains("typed-on-stdin"));
        let dn = add_with_stored(&s, &format!("hashed{i}"), &hash);
        assert_binds(&s, &dn, "typed-on-stdin", &format!("mailldap {args:?}"));
    }
    // Nothing on stdin: an error, not an empty-password hash.
    let r = mailldap(&["hash"], Some(""));
    assert_ne!(r.code, 0, "{r:?}");
    let r = mailldap(&["hash", "--scheme", "NOPE"], Some("x\n"));
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("NOPE"), "{r:?}");
}

/// Start `mailldap serve` on a config of our own; Ok(child) once it listens, or
/// Err(stderr) when it exits first.
fn serve_with(
    dir: &std::path::Path,
    config: &str,
    port: u16,
) -> Result<std::process::Child, String> {
    let path = dir.join("own.toml");
    std::fs::write(&path, config).expect("config");
    // A file, not a pipe: a running server's log could fill a pipe nobody reads.
    let log_path = dir.join("own.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(bin())
        .args(["serve", "--config"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start mailldap");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(std::fs::read_to_string(&log_path).unwrap_or_default());
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("mailldap neither started nor failed");
}

#[test]
fn cleartext_rootpw_is_refused_unless_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let base = format!(
        "listen = [\"ldap://127.0.0.1:{port}\"]\ndata_dir = \"{}\"\nrootpw = \"plain-root\"\n",
        dir.path().join("data").display()
    );
    let err = serve_with(dir.path(), &base, port).expect_err("cleartext rootpw must be refused");
    assert!(err.contains("rootpw must be a hash"), "{err}");
    assert!(err.contains("rootpw_cleartext"), "{err}");

    let mut child = serve_with(
        dir.path(),
        &format!("{base}rootpw_cleartext = true\n"),
        port,
    )
    .expect("starts with rootpw_cleartext = true");
    let uri = format!("ldap://127.0.0.1:{port}");
    let ok = run_tool(
        "ldapwhoami",
        &uri,
        &["-x", "-D", ROOTDN, "-w", "plain-root"],
        None,
    );
    let bad = run_tool(
        "ldapwhoami",
        &uri,
        &["-x", "-D", ROOTDN, "-w", "other"],
        None,
    );
    let _ = child.kill();
    let _ = child.wait();
    ok.ok();
    bad.expect_code(49);
}

#[test]
fn an_unknown_scheme_never_matches_and_is_logged_once() {
    // With hash_cleartext on, "{NOPE}..." would be hashed as a cleartext password (as
    // slapd does for a tag it does not know); off, it is stored as written, as a
    // migrated directory could hold it.
    let s = Server::start_with("[password]\nhash_cleartext = false\n", true);
    let dn = add_with_stored(&s, "unknown", "{NOPE}secret");
    for pw in ["secret", "{NOPE}secret", "secret"] {
        whoami(&s, &dn, pw).expect_code(49);
    }
    let log = s.log();
    assert_eq!(log.matches("uses unknown scheme NOPE").count(), 1, "{log}");
}
