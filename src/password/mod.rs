//! userPassword values: checking a candidate against what slapd-era tools stored, and
//! making new hashes.
//!
//! A stored value is `{SCHEME}data` (the tag is case-insensitive) or, with no tag, a
//! cleartext password. Every scheme found in real OpenLDAP directories is verified here:
//! the salted and unsalted digests, `{CRYPT}` (crypt(3) strings), `{ARGON2}` (PHC strings
//! as OpenLDAP's argon2 module writes them) and `{PBKDF2*}` (OpenLDAP's pw-pbkdf2 module,
//! passlib's `ldap_pbkdf2_*`, and 389-ds's `{PBKDF2_SHA256}`).
//!
//! Nothing here panics on a stored value, however broken: a value that cannot be read is
//! [`Verification::Malformed`]. Comparisons of secrets are constant-time (`subtle`).
//!
//! Work limits: a user allowed to write his own userPassword could store a hash that
//! costs minutes or gigabytes to check on every bind. Values whose cost parameters
//! exceed [`limits`] are therefore `Malformed` instead of being computed.
//!
//! Where the work runs: [`work`] tells the microsecond digests (run by the caller) from
//! the deliberately slow schemes, which run on the bounded [`pool`], admitted by the
//! memory they need; [`check`] is a candidate checked against stored values that way.

mod argon;
pub mod check;
mod crypt;
mod digest;
mod pbkdf2;
pub mod pool;
mod scrypt_cost;
#[cfg(test)]
mod tests;
pub mod work;
#[cfg(target_os = "linux")]
mod xcrypt;

use std::fmt;
use std::io::{BufRead, IsTerminal};

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Upper bounds on the work a stored hash may ask for when it is verified.
pub mod limits {
    /// Largest Argon2 memory cost accepted, in KiB (1 GiB).
    pub const ARGON2_MAX_MEMORY_KIB: u32 = 1 << 20;
    /// Largest Argon2 time cost (passes over memory) accepted.
    pub const ARGON2_MAX_ITERATIONS: u32 = 64;
    /// Largest Argon2 parallelism (lanes) accepted.
    pub const ARGON2_MAX_PARALLELISM: u32 = 64;
    /// Largest sha-crypt `rounds=` accepted (passlib's default of 656000 fits easily).
    pub const SHA_CRYPT_MAX_ROUNDS: u32 = 10_000_000;
    /// Largest BSDi extended-DES (`_`) rounds accepted: its 24-bit count allows 16.7
    /// million, 14 s per check; tools write 725 (libxcrypt) up to a few thousand.
    pub const BSDI_CRYPT_MAX_ROUNDS: u32 = 1 << 21;
    /// Largest bcrypt cost accepted (2^18 rounds take several seconds already).
    pub const BCRYPT_MAX_COST: u32 = 18;
    /// Largest PBKDF2 iteration count accepted.
    pub const PBKDF2_MAX_ITERATIONS: u32 = 10_000_000;
    /// Largest memory a `{CRYPT}` scrypt `$7$` or yescrypt `$y$`/`$gy$` value may ask
    /// for, in KiB (1 GiB, as for Argon2).
    pub const SCRYPT_MAX_MEMORY_KIB: u64 = 1 << 20;
}

/// The work limits one verification applies; [`WorkLimits::SERVER`] is [`limits`],
/// what the server and every caller of [`verify`] use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkLimits {
    /// Largest Argon2 `m=` (KiB).
    pub argon2_memory_kib: u32,
    /// Largest Argon2 `t=`.
    pub argon2_iterations: u32,
    /// Largest Argon2 `p=`.
    pub argon2_parallelism: u32,
    /// Largest sha-crypt and sha1-crypt rounds.
    pub sha_crypt_rounds: u32,
    /// Largest BSDi extended-DES rounds.
    pub bsdi_crypt_rounds: u32,
    /// Largest bcrypt cost.
    pub bcrypt_cost: u32,
    /// Largest PBKDF2 iteration count.
    pub pbkdf2_iterations: u32,
    /// Largest scrypt/yescrypt memory (KiB).
    pub scrypt_memory_kib: u64,
}

impl WorkLimits {
    /// The limits of [`limits`].
    pub const SERVER: WorkLimits = WorkLimits {
        argon2_memory_kib: limits::ARGON2_MAX_MEMORY_KIB,
        argon2_iterations: limits::ARGON2_MAX_ITERATIONS,
        argon2_parallelism: limits::ARGON2_MAX_PARALLELISM,
        sha_crypt_rounds: limits::SHA_CRYPT_MAX_ROUNDS,
        bsdi_crypt_rounds: limits::BSDI_CRYPT_MAX_ROUNDS,
        bcrypt_cost: limits::BCRYPT_MAX_COST,
        pbkdf2_iterations: limits::PBKDF2_MAX_ITERATIONS,
        scrypt_memory_kib: limits::SCRYPT_MAX_MEMORY_KIB,
    };
}

/// A userPassword storage scheme, named by the `{TAG}` in front of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordScheme {
    /// `{SHA}`: base64 of SHA-1(password).
    Sha,
    /// `{SSHA}`: base64 of SHA-1(password || salt) || salt.
    Ssha,
    /// `{SHA256}` (OpenLDAP contrib pw-sha2).
    Sha256,
    /// `{SSHA256}` (OpenLDAP contrib pw-sha2).
    Ssha256,
    /// `{SHA384}` (OpenLDAP contrib pw-sha2).
    Sha384,
    /// `{SSHA384}` (OpenLDAP contrib pw-sha2).
    Ssha384,
    /// `{SHA512}` (OpenLDAP contrib pw-sha2).
    Sha512,
    /// `{SSHA512}` (OpenLDAP contrib pw-sha2).
    Ssha512,
    /// `{MD5}`: base64 of MD5(password).
    Md5,
    /// `{SMD5}`: base64 of MD5(password || salt) || salt.
    Smd5,
    /// `{CRYPT}`: a crypt(3) string (DES, `$1$`, `$5$`, `$6$`, bcrypt, yescrypt...).
    Crypt,
    /// `{ARGON2}`: a PHC string `$argon2{i,d,id}$v=19$m=..,t=..,p=..$salt$hash`.
    Argon2,
    /// `{PBKDF2}` / `{PBKDF2-SHA1}`: PBKDF2-HMAC-SHA1 (OpenLDAP pw-pbkdf2, passlib).
    Pbkdf2,
    /// `{PBKDF2-SHA256}` (OpenLDAP pw-pbkdf2, passlib); `{PBKDF2_SHA256}` is 389-ds's.
    Pbkdf2Sha256,
    /// `{PBKDF2-SHA512}` (OpenLDAP pw-pbkdf2, passlib).
    Pbkdf2Sha512,
    /// `{CLEARTEXT}` or no tag at all: the password itself.
    Cleartext,
}

impl PasswordScheme {
    /// Every scheme, in a stable order (handy for tests and `mailldap hash --help`).
    pub const ALL: [PasswordScheme; 16] = [
        Self::Sha,
        Self::Ssha,
        Self::Sha256,
        Self::Ssha256,
        Self::Sha384,
        Self::Ssha384,
        Self::Sha512,
        Self::Ssha512,
        Self::Md5,
        Self::Smd5,
        Self::Crypt,
        Self::Argon2,
        Self::Pbkdf2,
        Self::Pbkdf2Sha256,
        Self::Pbkdf2Sha512,
        Self::Cleartext,
    ];

    /// The scheme named by a tag, given without braces; case-insensitive.
    /// Aliases: `PBKDF2-SHA1` for [`Pbkdf2`](Self::Pbkdf2), `PBKDF2_SHA256` (389-ds).
    pub fn from_tag(tag: &str) -> Option<PasswordScheme> {
        let scheme = match tag.to_ascii_uppercase().as_str() {
            "SHA" => Self::Sha,
            "SSHA" => Self::Ssha,
            "SHA256" => Self::Sha256,
            "SSHA256" => Self::Ssha256,
            "SHA384" => Self::Sha384,
            "SSHA384" => Self::Ssha384,
            "SHA512" => Self::Sha512,
            "SSHA512" => Self::Ssha512,
            "MD5" => Self::Md5,
            "SMD5" => Self::Smd5,
            "CRYPT" => Self::Crypt,
            "ARGON2" => Self::Argon2,
            "PBKDF2" | "PBKDF2-SHA1" => Self::Pbkdf2,
            "PBKDF2-SHA256" | "PBKDF2_SHA256" => Self::Pbkdf2Sha256,
            "PBKDF2-SHA512" => Self::Pbkdf2Sha512,
            "CLEARTEXT" => Self::Cleartext,
            _ => return None,
        };
        Some(scheme)
    }

    /// The canonical tag, upper case and without braces (`"SSHA"`, `"PBKDF2-SHA256"`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::Sha => "SHA",
            Self::Ssha => "SSHA",
            Self::Sha256 => "SHA256",
            Self::Ssha256 => "SSHA256",
            Self::Sha384 => "SHA384",
            Self::Ssha384 => "SSHA384",
            Self::Sha512 => "SHA512",
            Self::Ssha512 => "SSHA512",
            Self::Md5 => "MD5",
            Self::Smd5 => "SMD5",
            Self::Crypt => "CRYPT",
            Self::Argon2 => "ARGON2",
            Self::Pbkdf2 => "PBKDF2",
            Self::Pbkdf2Sha256 => "PBKDF2-SHA256",
            Self::Pbkdf2Sha512 => "PBKDF2-SHA512",
            Self::Cleartext => "CLEARTEXT",
        }
    }
}

impl fmt::Display for PasswordScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.tag())
    }
}

/// The outcome of checking a candidate password against a stored userPassword value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The candidate is the password.
    Match,
    /// The value was read fine and the candidate is not the password.
    Mismatch,
    /// The scheme is not one this server checks (the upper-case tag, e.g. `"SASL"`,
    /// `"CRYPT $md5$"`), or `"CLEARTEXT"` when cleartext values are not allowed.
    /// Never a match; the caller logs it once per value.
    UnknownScheme(String),
    /// The value claims a known scheme but cannot be read, or asks for more work than
    /// [`limits`] allow. Never a match; says why, without secret material.
    Malformed(String),
}

impl Verification {
    /// True only for [`Verification::Match`].
    pub fn is_match(&self) -> bool {
        matches!(self, Verification::Match)
    }
}

/// Why a new hash could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordError {
    /// The parameters are out of range for the scheme (Argon2 costs, crypt rounds).
    #[error("invalid {scheme} parameters: {reason}")]
    InvalidParams {
        /// The scheme the parameters were for.
        scheme: PasswordScheme,
        /// What is wrong with them.
        reason: String,
    },
    /// The scheme does not hash (only `{CLEARTEXT}`).
    #[error("{0} is not a hashing scheme")]
    NotAHash(PasswordScheme),
    /// crypt(3) strings end at a NUL byte, so such a password cannot be stored in
    /// `{CRYPT}` without being silently cut short.
    #[error("a password containing a NUL byte cannot be stored as {{CRYPT}}")]
    NulInPassword,
    /// The hashing pool's queue is full; try again later.
    #[error(transparent)]
    Busy(#[from] pool::PoolBusy),
}

/// What new hashes look like; `Default` is argon2id with OWASP's recommended costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashParams {
    /// The scheme new values are written in.
    pub scheme: PasswordScheme,
    /// Argon2 memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2 time cost (passes).
    pub argon2_iterations: u32,
    /// Argon2 lanes.
    pub argon2_parallelism: u32,
    /// `rounds=` for `{CRYPT}$6$` (None: crypt's implicit 5000, no `rounds=` written,
    /// like slappasswd and mkpasswd), and the iteration count for `{PBKDF2*}` (None:
    /// OWASP's current minimum for that digest).
    pub crypt_rounds: Option<u32>,
}

impl Default for HashParams {
    /// argon2id, m=19456 KiB (19 MiB), t=2, p=1: OWASP's recommended argon2id setting
    /// and the argon2 crate's default. Every IMAP/POP/SMTP login of a mail user is a
    /// bind, and concurrent binds each need `m` of memory, so the larger RFC 9106
    /// settings (64 MiB and up) would let a login burst exhaust a small mail host.
    fn default() -> Self {
        HashParams {
            scheme: PasswordScheme::Argon2,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            crypt_rounds: None,
        }
    }
}

/// Checks `candidate` against the stored userPassword value `stored`.
///
/// Cleartext values (`{CLEARTEXT}x` or a value with no `{TAG}`) match only when
/// `allow_cleartext`; otherwise they give `UnknownScheme("CLEARTEXT")`.
pub fn verify(stored: &[u8], candidate: &[u8], allow_cleartext: bool) -> Verification {
    verify_within(stored, candidate, allow_cleartext, &WorkLimits::SERVER)
}

/// [`verify`] under other work limits (the fuzzer's are far lower than the server's).
pub fn verify_within(
    stored: &[u8],
    candidate: &[u8],
    allow_cleartext: bool,
    limits: &WorkLimits,
) -> Verification {
    let (scheme, data, tag) = match split_tag(stored) {
        Some((tag, data)) => match PasswordScheme::from_tag(tag) {
            Some(scheme) => (scheme, data, tag),
            None => return Verification::UnknownScheme(tag.to_ascii_uppercase()),
        },
        None => (PasswordScheme::Cleartext, stored, ""),
    };
    match scheme {
        PasswordScheme::Cleartext if allow_cleartext => verify_cleartext(data, candidate),
        PasswordScheme::Cleartext => Verification::UnknownScheme("CLEARTEXT".into()),
        PasswordScheme::Crypt => crypt::verify(data, candidate, limits),
        PasswordScheme::Argon2 => argon::verify(data, candidate, limits),
        PasswordScheme::Pbkdf2 | PasswordScheme::Pbkdf2Sha512 => {
            pbkdf2::verify_openldap(scheme, data, candidate, limits)
        }
        PasswordScheme::Pbkdf2Sha256 if tag.contains('_') => {
            pbkdf2::verify_389ds(data, candidate, limits)
        }
        PasswordScheme::Pbkdf2Sha256 => pbkdf2::verify_openldap(scheme, data, candidate, limits),
        _ => digest::verify(scheme, data, candidate),
    }
}

/// Makes a new userPassword value, `{TAG}` included, for `password`. A slow scheme
/// runs on the server's hashing pool when one is installed ([`pool::install`]), so
/// cleartext writes share the binds' threads and memory budget; it goes ahead of the
/// waiting checks, and this thread blocks meanwhile (callers are on blocking threads).
pub fn hash_password(password: &[u8], params: &HashParams) -> Result<String, PasswordError> {
    match (work::hash_work(params), pool::installed()) {
        (work::Work::Pooled { memory_kib }, Some(pool)) => {
            let (password, params) = (password.to_vec(), params.clone());
            pool.run_blocking_ahead(memory_kib, move || make_hash(&password, &params))?
        }
        _ => make_hash(password, params),
    }
}

/// Computes a new value here and now.
fn make_hash(password: &[u8], params: &HashParams) -> Result<String, PasswordError> {
    let body = match params.scheme {
        PasswordScheme::Cleartext => return Err(PasswordError::NotAHash(params.scheme)),
        PasswordScheme::Crypt => crypt::hash_sha512_crypt(password, params.crypt_rounds)?,
        PasswordScheme::Argon2 => argon::hash(password, params)?,
        PasswordScheme::Pbkdf2 | PasswordScheme::Pbkdf2Sha256 | PasswordScheme::Pbkdf2Sha512 => {
            pbkdf2::hash(params.scheme, password, params.crypt_rounds)?
        }
        scheme => digest::hash(scheme, password),
    };
    Ok(format!("{}{}", params.scheme, body))
}

/// True when `value` starts with the `{TAG}` of a known scheme other than `{CLEARTEXT}`,
/// i.e. it must not be hashed again on the way in.
pub fn is_hashed(value: &[u8]) -> bool {
    split_tag(value)
        .and_then(|(tag, _)| PasswordScheme::from_tag(tag))
        .is_some_and(|s| s != PasswordScheme::Cleartext)
}

/// The upper-case `{TAG}` of a value, known or not (None when it has none), so that
/// callers can log an unknown scheme once without logging the value itself.
pub fn scheme_of(value: &[u8]) -> Option<String> {
    split_tag(value).map(|(tag, _)| tag.to_ascii_uppercase())
}

/// A random password for RFC 3062's genPasswd: 16 characters from 56 letters and digits
/// that cannot be mistaken for one another (no 0/O, 1/l/I, 5/S), about 93 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRTUVWXYZ2346789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Reads a password for `mailldap hash`: from the terminal without echo when stdin is
/// a terminal (showing `prompt`), otherwise one line from stdin without its line end.
pub fn read_password_interactive(prompt: &str) -> std::io::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password(prompt);
    }
    let mut line = String::new();
    if stdin.lock().read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "no password on standard input",
        ));
    }
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(trimmed.to_string())
}

/// Splits `{TAG}rest` into the tag and the rest. Tags are short ASCII words; anything
/// else (no closing brace, odd characters) is not a tag, and the value is cleartext,
/// as slapd treats it.
fn split_tag(value: &[u8]) -> Option<(&str, &[u8])> {
    let rest = value.strip_prefix(b"{")?;
    let end = rest.iter().take(33).position(|&b| b == b'}')?;
    let tag = &rest[..end];
    let is_word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if tag.is_empty() || !tag.iter().all(is_word) {
        return None;
    }
    // Only ASCII passed the check above, so this cannot fail.
    let tag = std::str::from_utf8(tag).ok()?;
    Some((tag, &rest[end + 1..]))
}

/// Compares digests of both sides so that neither content nor length leaks by timing.
fn verify_cleartext(stored: &[u8], candidate: &[u8]) -> Verification {
    let a = Sha256::digest(stored);
    let b = Sha256::digest(candidate);
    match bool::from(a.ct_eq(&b)) {
        true => Verification::Match,
        false => Verification::Mismatch,
    }
}

/// Constant-time equality turned into a verdict.
fn ct_verdict(computed: &[u8], stored: &[u8]) -> Verification {
    match bool::from(computed.ct_eq(stored)) {
        true => Verification::Match,
        false => Verification::Mismatch,
    }
}

/// `n` random bytes for a salt.
fn random_salt(n: usize) -> Vec<u8> {
    let mut salt = vec![0u8; n];
    rand::thread_rng().fill(&mut salt[..]);
    salt
}
