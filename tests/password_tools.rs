//! userPassword values made at test time by the tools admins really use (slappasswd,
//! openssl passwd, mkpasswd, the argon2 CLI) for a random password must verify, and a
//! wrong password must not. Our own `{CRYPT}$6$` and `{ARGON2}` output must equal what
//! openssl and the argon2 CLI compute from the same salt, since Courier and Dovecot
//! check those values themselves.
//!
//! A missing tool fails the test: CI installs slapd, openssl, whois and argon2.

mod common;
use common::program_stdout;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use mailldap::password::{hash_password, verify, HashParams, PasswordScheme, Verification};
use rand::Rng;

/// A random password of printable ASCII (spaces and symbols included, no newline),
/// different on every run.
fn random_password() -> String {
    let mut rng = rand::thread_rng();
    let len = rng.gen_range(8..24);
    (0..len)
        .map(|_| char::from(rng.gen_range(b' '..=b'~')))
        .collect()
}

fn assert_verifies(stored: &str, password: &str, tool: &str) {
    assert_eq!(
        verify(stored.as_bytes(), password.as_bytes(), false),
        Verification::Match,
        "{tool} made {stored} for {password:?}"
    );
    // Change the first character: DES reads only the first 8.
    let mut wrong = password.to_string();
    let first = if wrong.starts_with('a') { "b" } else { "a" };
    wrong.replace_range(..1, first);
    assert_eq!(
        verify(stored.as_bytes(), wrong.as_bytes(), false),
        Verification::Mismatch,
        "{tool}: {stored} accepted a wrong password"
    );
}

#[test]
fn slappasswd_values_verify() {
    let pw = random_password();
    let plain: [&[&str]; 8] = [
        &["-h", "{SSHA}"],
        &["-h", "{SHA}"],
        &["-h", "{MD5}"],
        &["-h", "{SMD5}"],
        &["-h", "{CRYPT}", "-c", "$6$%.16s"],
        &["-h", "{CRYPT}", "-c", "$5$rounds=8000$%.16s"],
        &["-h", "{CRYPT}", "-c", "$1$%.8s"],
        &["-h", "{CRYPT}"],
    ];
    let modules: [&[&str]; 5] = [
        &["-o", "module-load=pw-sha2", "-h", "{SSHA256}"],
        &["-o", "module-load=pw-sha2", "-h", "{SSHA384}"],
        &["-o", "module-load=pw-sha2", "-h", "{SSHA512}"],
        &["-o", "module-load=pw-sha2", "-h", "{SHA512}"],
        &["-o", "module-load=argon2", "-h", "{ARGON2}"],
    ];
    for args in plain {
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["-s", &pw]);
        let stored = program_stdout("slappasswd", &args, b"");
        assert_verifies(&stored, &pw, &format!("slappasswd {args:?}"));
    }
    for module_args in modules {
        let mut args: Vec<&str> = vec!["-o", "module-path=/usr/lib/ldap"];
        args.extend_from_slice(module_args);
        args.extend(["-s", &pw]);
        let stored = program_stdout("slappasswd", &args, b"");
        assert_verifies(&stored, &pw, &format!("slappasswd {args:?}"));
    }
}

#[test]
fn openssl_passwd_values_verify() {
    let pw = random_password();
    for alg in ["-1", "-5", "-6"] {
        let line = format!("{pw}\n");
        let hash = program_stdout("openssl", &["passwd", alg, "-stdin"], line.as_bytes());
        assert_verifies(
            &format!("{{CRYPT}}{hash}"),
            &pw,
            &format!("openssl passwd {alg}"),
        );
    }
}

#[test]
fn mkpasswd_values_verify() {
    let pw = random_password();
    for method in [
        "yescrypt",
        "bcrypt",
        "bcrypt-a",
        "sha512crypt",
        "sha256crypt",
        "md5crypt",
        "descrypt",
    ] {
        let line = format!("{pw}\n");
        let hash = program_stdout("mkpasswd", &["--stdin", "-m", method], line.as_bytes());
        assert_verifies(
            &format!("{{CRYPT}}{hash}"),
            &pw,
            &format!("mkpasswd -m {method}"),
        );
    }
}

#[test]
fn argon2_cli_values_verify() {
    let pw = random_password();
    let salt: String = (0..16)
        .map(|_| char::from(rand::thread_rng().gen_range(b'a'..=b'z')))
        .collect();
    for (kind, extra) in [("-id", "2"), ("-i", "3"), ("-d", "1")] {
        let hash = program_stdout(
            "argon2",
            &[
                salt.as_str(),
                kind,
                "-e",
                "-m",
                "12",
                "-t",
                extra,
                "-p",
                "2",
            ],
            pw.as_bytes(),
        );
        assert_verifies(&format!("{{ARGON2}}{hash}"), &pw, &format!("argon2 {kind}"));
    }
}

/// Our `{CRYPT}$6$` is byte for byte what openssl computes with the same salt.
#[test]
fn our_sha512_crypt_equals_openssl() {
    let pw = random_password();
    for rounds in [None, Some(7000)] {
        let params = HashParams {
            scheme: PasswordScheme::Crypt,
            crypt_rounds: rounds,
            ..HashParams::default()
        };
        let ours = hash_password(pw.as_bytes(), &params).expect("hash");
        let crypt = ours.strip_prefix("{CRYPT}").expect("tag");
        // openssl takes "rounds=N$salt" as its -salt for a rounds= string.
        let setting = crypt
            .strip_prefix("$6$")
            .and_then(|rest| rest.rsplit_once('$'))
            .map(|(setting, _)| setting)
            .expect("$6$ string");
        let line = format!("{pw}\n");
        let theirs = program_stdout(
            "openssl",
            &["passwd", "-6", "-salt", setting, "-stdin"],
            line.as_bytes(),
        );
        assert_eq!(crypt, theirs);
    }
}

/// Our `{ARGON2}` is what the argon2 CLI computes with the same salt and costs.
#[test]
fn our_argon2_equals_the_argon2_cli() {
    let pw = random_password();
    let params = HashParams {
        argon2_memory_kib: 4096,
        argon2_iterations: 3,
        argon2_parallelism: 2,
        ..HashParams::default()
    };
    // The CLI takes the salt as an argument: retry until our random salt has no NUL.
    for _ in 0..50 {
        let ours = hash_password(pw.as_bytes(), &params).expect("hash");
        let phc = ours.strip_prefix("{ARGON2}").expect("tag");
        let salt_b64 = phc.split('$').nth(4).expect("salt field");
        let salt = STANDARD_NO_PAD.decode(salt_b64).expect("salt is base64");
        if salt.contains(&0) {
            continue;
        }
        let args: Vec<&OsStr> = vec![
            OsStr::from_bytes(&salt),
            OsStr::new("-id"),
            OsStr::new("-e"),
            OsStr::new("-k"),
            OsStr::new("4096"),
            OsStr::new("-t"),
            OsStr::new("3"),
            OsStr::new("-p"),
            OsStr::new("2"),
        ];
        let theirs = program_stdout("argon2", &args, pw.as_bytes());
        assert_eq!(phc, theirs);
        return;
    }
    panic!("no NUL-free salt in 50 tries");
}
