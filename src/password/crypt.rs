//! `{CRYPT}` values: crypt(3) strings as /etc/shadow, slappasswd -c and mkpasswd write
//! them.
//!
//! DES (13 characters), BSDi `_`, `$1$` md5-crypt, `$5$`/`$6$` sha-crypt (with optional
//! `rounds=`), `$sha1$` and bcrypt `$2a$`/`$2b$`/`$2y$` are computed in Rust by `pwhash`.
//! Its parsers have a few `unwrap`s on odd input (an empty `rounds=`), so every string is
//! checked here against the format first and only well-formed ones reach it.
//! yescrypt `$y$`, GOST-yescrypt `$gy$`, scrypt `$7$` and bigcrypt (DES strings longer
//! than 13 characters) go to the system's libxcrypt (see `xcrypt.rs`); other `$id$`
//! prefixes are unknown schemes.

use pwhash::HashSetup;

use super::scrypt_cost;
use super::{PasswordError, PasswordScheme, Verification, WorkLimits};

/// crypt's base64 alphabet; a character's value is its position.
const CRYPT64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The value (0..=63) of one character of crypt's base64.
pub(super) fn crypt64_value(b: u8) -> Option<u32> {
    CRYPT64.iter().position(|&c| c == b).map(|p| p as u32)
}

/// The characters of crypt's base64 ("./0-9A-Za-z").
fn is_crypt64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'/'
}

fn all_crypt64(s: &str) -> bool {
    s.bytes().all(is_crypt64)
}

fn malformed(what: &str) -> Verification {
    Verification::Malformed(format!("{{CRYPT}}: {what}"))
}

/// Checks a `{CRYPT}` value (the part after the tag) against `candidate`.
pub(super) fn verify(data: &[u8], candidate: &[u8], limits: &WorkLimits) -> Verification {
    let Ok(stored) = std::str::from_utf8(data) else {
        return malformed("not ASCII");
    };
    // crypt(3) takes C strings: a candidate with a NUL would be cut short there and
    // could match a password that is only its prefix.
    if candidate.contains(&0) {
        return Verification::Mismatch;
    }
    match classify(stored, limits) {
        Ok(Backend::Pwhash) => match pwhash::unix::crypt(candidate, stored) {
            Ok(computed) => super::ct_verdict(computed.as_bytes(), stored.as_bytes()),
            Err(e) => malformed(&format!("crypt rejected the value: {e}")),
        },
        Ok(Backend::Xcrypt(id)) => verify_xcrypt(id, stored, candidate),
        Err(problem) => problem,
    }
}

/// Whether a `{CRYPT}` value is of the memory-hard scrypt family (yescrypt `$y$`,
/// `$gy$`, scrypt `$7$`), whose memory needs are not read from the string here.
pub(super) fn is_memory_hard(data: &[u8]) -> bool {
    [b"$y$".as_slice(), b"$gy$", b"$7$"]
        .iter()
        .any(|p| data.starts_with(p))
}

/// Which implementation computes a (well-formed) crypt string.
enum Backend {
    /// The pure-Rust `pwhash` crate.
    Pwhash,
    /// The system's libxcrypt; the name is for the UnknownScheme of other platforms.
    Xcrypt(&'static str),
}

#[cfg(target_os = "linux")]
fn verify_xcrypt(_name: &str, stored: &str, candidate: &[u8]) -> Verification {
    match super::xcrypt::crypt(candidate, stored) {
        Some(computed) => super::ct_verdict(computed.as_bytes(), stored.as_bytes()),
        None => malformed("libxcrypt rejected the value"),
    }
}

#[cfg(not(target_os = "linux"))]
fn verify_xcrypt(name: &str, _stored: &str, _candidate: &[u8]) -> Verification {
    Verification::UnknownScheme(format!("CRYPT {name}"))
}

/// Picks the backend for `s`, accepting only strings in a format it can read, within
/// the work limits.
fn classify(s: &str, limits: &WorkLimits) -> Result<Backend, Verification> {
    if !s.starts_with('$') && !s.starts_with('_') {
        if !all_crypt64(s) {
            return Err(malformed("not a $id$ string, and not DES characters"));
        }
        // Traditional DES: 2 salt characters and 11 of hash. Longer, in steps of 11:
        // bigcrypt, which Debian's slappasswd -h {CRYPT} writes for passwords over 8
        // characters (its long random salt makes libxcrypt choose it).
        return match s.len() {
            13 => Ok(Backend::Pwhash),
            n if n > 13 && n <= 2 + 11 * 16 && (n - 2) % 11 == 0 => Ok(Backend::Xcrypt("bigcrypt")),
            _ => Err(malformed("DES string of the wrong length")),
        };
    }
    if let Some(rest) = s.strip_prefix('_') {
        // BSDi extended DES: 4 rounds, 4 salt, 11 hash characters.
        if rest.len() != 19 || !all_crypt64(rest) {
            return Err(malformed("BSDi DES string of the wrong shape"));
        }
        return check_bsdi_rounds(&rest[..4], limits).map(|()| Backend::Pwhash);
    }
    let fields: Vec<&str> = s.split('$').collect();
    // fields[0] is empty (the leading '$'), fields[1] the id.
    let id = fields.get(1).copied().unwrap_or("");
    match id {
        "1" => check_md5(&fields).map(|()| Backend::Pwhash),
        "5" => check_sha(&fields, 43, limits).map(|()| Backend::Pwhash),
        "6" => check_sha(&fields, 86, limits).map(|()| Backend::Pwhash),
        "2a" | "2b" | "2y" => check_bcrypt(&fields, limits).map(|()| Backend::Pwhash),
        "sha1" => check_sha1(&fields, limits).map(|()| Backend::Pwhash),
        "y" | "gy" | "7" => match s.bytes().all(|b| is_crypt64(b) || b == b'$') {
            true => check_scrypt_memory(s, limits).map(|()| {
                Backend::Xcrypt(match id {
                    "y" => "$y$",
                    "gy" => "$gy$",
                    _ => "$7$",
                })
            }),
            false => Err(malformed("unexpected characters")),
        },
        "" => Err(malformed("empty $id$")),
        other => Err(Verification::UnknownScheme(format!("CRYPT ${other}$"))),
    }
}

/// The rounds of a BSDi string: 24 bits, six per character, least significant first.
fn check_bsdi_rounds(count: &str, limits: &WorkLimits) -> Result<(), Verification> {
    // The caller checked every character is crypt base64.
    let rounds = count
        .bytes()
        .rev()
        .fold(0u32, |acc, c| (acc << 6) | crypt64_value(c).unwrap_or(0));
    match rounds <= limits.bsdi_crypt_rounds {
        true => Ok(()),
        false => Err(malformed(&format!(
            "BSDi DES rounds={rounds} is above the limit of {}",
            limits.bsdi_crypt_rounds
        ))),
    }
}

/// yescrypt and scrypt strings: libxcrypt allocates the memory they ask for.
fn check_scrypt_memory(s: &str, limits: &WorkLimits) -> Result<(), Verification> {
    match scrypt_cost::memory_kib(s) {
        Ok(kib) if kib <= limits.scrypt_memory_kib => Ok(()),
        Ok(kib) => Err(malformed(&format!(
            "asks for {kib} KiB, above the limit of {} KiB",
            limits.scrypt_memory_kib
        ))),
        Err(why) => Err(malformed(why)),
    }
}

/// `$1$salt$hash`: salt up to 8, hash 22 characters.
fn check_md5(f: &[&str]) -> Result<(), Verification> {
    match f {
        [_, _, salt, hash]
            if salt.len() <= 8 && all_crypt64(salt) && hash.len() == 22 && all_crypt64(hash) =>
        {
            Ok(())
        }
        _ => Err(malformed("md5-crypt string of the wrong shape")),
    }
}

/// `$5$[rounds=N$]salt$hash` and `$6$...`: salt up to 16 characters.
fn check_sha(f: &[&str], hash_len: usize, limits: &WorkLimits) -> Result<(), Verification> {
    let (salt, hash) = match f {
        [_, _, rounds, salt, hash] => {
            let n = rounds
                .strip_prefix("rounds=")
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| malformed("sha-crypt rounds= is not a number"))?;
            if n > u64::from(limits.sha_crypt_rounds) {
                return Err(malformed(&format!(
                    "sha-crypt rounds={n} is above the limit of {}",
                    limits.sha_crypt_rounds
                )));
            }
            (salt, hash)
        }
        [_, _, salt, hash] => (salt, hash),
        _ => return Err(malformed("sha-crypt string of the wrong shape")),
    };
    match salt.len() <= 16 && all_crypt64(salt) && hash.len() == hash_len && all_crypt64(hash) {
        true => Ok(()),
        false => Err(malformed("sha-crypt salt or hash of the wrong shape")),
    }
}

/// `$2b$NN$` + 22 salt + 31 hash characters.
fn check_bcrypt(f: &[&str], limits: &WorkLimits) -> Result<(), Verification> {
    let [_, _, cost, rest] = f else {
        return Err(malformed("bcrypt string of the wrong shape"));
    };
    let cost: u32 = match (cost.len(), cost.parse()) {
        (2, Ok(c)) => c,
        _ => return Err(malformed("bcrypt cost is not two digits")),
    };
    if !(4..=31).contains(&cost) {
        return Err(malformed("bcrypt cost out of range"));
    }
    if cost > limits.bcrypt_cost {
        return Err(malformed(&format!(
            "bcrypt cost {cost} is above the limit of {}",
            limits.bcrypt_cost
        )));
    }
    match rest.len() == 53 && all_crypt64(rest) {
        true => Ok(()),
        false => Err(malformed("bcrypt salt and hash of the wrong shape")),
    }
}

/// `$sha1$rounds$salt$hash` (NetBSD): hash 28 characters.
fn check_sha1(f: &[&str], limits: &WorkLimits) -> Result<(), Verification> {
    match f {
        [_, _, rounds, salt, hash]
            if !rounds.is_empty()
                && rounds.len() <= 10
                && rounds.bytes().all(|b| b.is_ascii_digit())
                && salt.len() <= 64
                && all_crypt64(salt)
                && hash.len() == 28
                && all_crypt64(hash) =>
        {
            match rounds.parse::<u64>() {
                Ok(n) if (1..=u64::from(limits.sha_crypt_rounds)).contains(&n) => Ok(()),
                _ => Err(malformed("sha1-crypt rounds out of range")),
            }
        }
        _ => Err(malformed("sha1-crypt string of the wrong shape")),
    }
}

/// A new `$6$` value (without the `{CRYPT}` tag) with a 16-character salt, as
/// slappasswd -c '$6$%.16s' makes it, for Courier and Dovecot comparing themselves.
pub(super) fn hash_sha512_crypt(
    password: &[u8],
    rounds: Option<u32>,
) -> Result<String, PasswordError> {
    if password.contains(&0) {
        return Err(PasswordError::NulInPassword);
    }
    if let Some(r) = rounds {
        // glibc would silently clamp other values; refuse instead of writing a
        // rounds= that differs from the one asked for.
        if !(1000..=999_999_999).contains(&r) {
            return Err(PasswordError::InvalidParams {
                scheme: PasswordScheme::Crypt,
                reason: format!("rounds={r} is outside 1000..=999999999"),
            });
        }
    }
    let salt = random_crypt_salt(16);
    let setup = HashSetup {
        salt: Some(&salt),
        rounds,
    };
    pwhash::sha512_crypt::hash_with(setup, password).map_err(|e| PasswordError::InvalidParams {
        scheme: PasswordScheme::Crypt,
        reason: e.to_string(),
    })
}

/// `n` random characters of crypt's base64 alphabet.
fn random_crypt_salt(n: usize) -> String {
    super::random_salt(n)
        .into_iter()
        .map(|b| char::from(CRYPT64[usize::from(b & 63)]))
        .collect()
}
