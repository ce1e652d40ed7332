//! `{PBKDF2*}` values.
//!
//! - OpenLDAP's contrib pw-pbkdf2 module and passlib's `ldap_pbkdf2_{sha1,sha256,sha512}`
//!   (the same format): `{PBKDF2-SHA256}<iterations>$<salt>$<derived key>`, salt and key
//!   in "adapted base64" ('.' instead of '+', no padding). `{PBKDF2}` and
//!   `{PBKDF2-SHA1}` use HMAC-SHA1. Any salt length is read, and any key length from
//!   16 bytes (the key is derived at the stored length).
//! - 389-ds's older `{PBKDF2_SHA256}` (underscore): standard base64 of 324 bytes, a
//!   big-endian u32 iteration count, a 64-byte salt and a 256-byte HMAC-SHA256 key.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use pbkdf2::pbkdf2_hmac;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::digest::LENIENT_B64;
use super::limits::PBKDF2_MAX_ITERATIONS;
use super::{ct_verdict, random_salt, PasswordError, PasswordScheme, Verification, WorkLimits};

/// Longest salt or key we read (tools write 16-64 byte salts and digest-sized keys).
const MAX_FIELD_LEN: usize = 1024;
/// Shortest key accepted: fewer bytes would let random guesses match too often.
const MIN_KEY_LEN: usize = 16;

/// PBKDF2 with the scheme's HMAC of `password` and `salt`, filling `out`.
fn derive_for(scheme: PasswordScheme, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    match scheme {
        PasswordScheme::Pbkdf2Sha256 => pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
        PasswordScheme::Pbkdf2Sha512 => pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        _ => pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
    }
}

fn malformed(scheme: PasswordScheme, what: &str) -> Verification {
    Verification::Malformed(format!("{scheme}: {what}"))
}

/// Decodes adapted base64 ('.' for '+', padding optional).
fn ab64_decode(s: &str) -> Option<Vec<u8>> {
    LENIENT_B64.decode(s.replace('.', "+")).ok()
}

fn ab64_encode(bytes: &[u8]) -> String {
    STANDARD_NO_PAD.encode(bytes).replace('+', ".")
}

fn check_rounds(scheme: PasswordScheme, rounds: u64, max: u32) -> Result<u32, Verification> {
    match u32::try_from(rounds) {
        Ok(r) if (1..=max).contains(&r) => Ok(r),
        _ => Err(malformed(
            scheme,
            &format!("{rounds} iterations is outside 1..={max}"),
        )),
    }
}

/// Checks an OpenLDAP/passlib `{PBKDF2*}` value (the part after the tag).
pub(super) fn verify_openldap(
    scheme: PasswordScheme,
    data: &[u8],
    candidate: &[u8],
    limits: &WorkLimits,
) -> Verification {
    let Ok(s) = std::str::from_utf8(data) else {
        return malformed(scheme, "not ASCII");
    };
    let fields: Vec<&str> = s.trim_ascii().split('$').collect();
    let [rounds, salt, key] = fields[..] else {
        return malformed(scheme, "not <iterations>$<salt>$<key>");
    };
    if rounds.is_empty() || rounds.len() > 10 || !rounds.bytes().all(|b| b.is_ascii_digit()) {
        return malformed(scheme, "iteration count is not a number");
    }
    let rounds = match rounds
        .parse::<u64>()
        .map(|r| check_rounds(scheme, r, limits.pbkdf2_iterations))
    {
        Ok(Ok(r)) => r,
        Ok(Err(v)) => return v,
        Err(_) => return malformed(scheme, "iteration count is not a number"),
    };
    let (Some(salt), Some(key)) = (ab64_decode(salt), ab64_decode(key)) else {
        return malformed(scheme, "salt or key is not adapted base64");
    };
    if salt.len() > MAX_FIELD_LEN || !(MIN_KEY_LEN..=MAX_FIELD_LEN).contains(&key.len()) {
        return malformed(scheme, "salt or key of an unusable length");
    }
    let mut out = vec![0u8; key.len()];
    derive_for(scheme, candidate, &salt, rounds, &mut out);
    ct_verdict(&out, &key)
}

/// Checks a 389-ds `{PBKDF2_SHA256}` value (the part after the tag).
pub(super) fn verify_389ds(data: &[u8], candidate: &[u8], limits: &WorkLimits) -> Verification {
    const SCHEME: PasswordScheme = PasswordScheme::Pbkdf2Sha256;
    let Ok(decoded) = LENIENT_B64.decode(data.trim_ascii()) else {
        return malformed(SCHEME, "389-ds value is not base64");
    };
    if decoded.len() != 4 + 64 + 256 {
        return malformed(SCHEME, "389-ds value is not 324 bytes");
    }
    let (head, rest) = decoded.split_at(4);
    let (salt, key) = rest.split_at(64);
    let rounds = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let rounds = match check_rounds(SCHEME, u64::from(rounds), limits.pbkdf2_iterations) {
        Ok(r) => r,
        Err(v) => return v,
    };
    let mut out = vec![0u8; key.len()];
    pbkdf2_hmac::<Sha256>(candidate, salt, rounds, &mut out);
    ct_verdict(&out, key)
}

/// A new value in OpenLDAP's format, without the tag: 16-byte salt, a key as long as
/// the digest, and `rounds` iterations (default: OWASP's 2023 minimums, 1 300 000 for
/// SHA-1, 600 000 for SHA-256, 210 000 for SHA-512).
pub(super) fn hash(
    scheme: PasswordScheme,
    password: &[u8],
    rounds: Option<u32>,
) -> Result<String, PasswordError> {
    let (default_rounds, key_len) = match scheme {
        PasswordScheme::Pbkdf2Sha256 => (600_000, 32),
        PasswordScheme::Pbkdf2Sha512 => (210_000, 64),
        _ => (1_300_000, 20),
    };
    let rounds = rounds.unwrap_or(default_rounds);
    if !(1..=PBKDF2_MAX_ITERATIONS).contains(&rounds) {
        return Err(PasswordError::InvalidParams {
            scheme,
            reason: format!("{rounds} iterations is outside 1..={PBKDF2_MAX_ITERATIONS}"),
        });
    }
    let salt = random_salt(16);
    let mut key = vec![0u8; key_len];
    derive_for(scheme, password, &salt, rounds, &mut key);
    Ok(format!(
        "{rounds}${}${}",
        ab64_encode(&salt),
        ab64_encode(&key)
    ))
}
