//! The plain and salted digest schemes: `{SHA}`, `{SSHA}`, `{SHA256}`...`{SSHA512}`,
//! `{MD5}`, `{SMD5}`. The value is base64 of the digest, followed for the salted ones
//! by the salt; the salt may have any length (slappasswd writes 4 bytes, pw-sha2 and
//! passlib 8, other tools 16), so the decoded bytes are split at the digest's length.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::{ct_verdict, random_salt, PasswordScheme, Verification};

/// Standard base64 that accepts values with or without `=` padding, as tools differ.
pub(super) const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Salt length for new values: slappasswd's 4 bytes for {SSHA} and {SMD5} (Courier
/// authlib 0.71 comparing locally rejects other lengths), pw-sha2's 8 for SHA-2.
fn new_salt_len(scheme: PasswordScheme) -> usize {
    match scheme {
        PasswordScheme::Ssha | PasswordScheme::Smd5 => 4,
        PasswordScheme::Ssha256 | PasswordScheme::Ssha384 | PasswordScheme::Ssha512 => 8,
        _ => 0,
    }
}

/// Whether the scheme appends a salt after the digest.
fn is_salted(scheme: PasswordScheme) -> bool {
    matches!(
        scheme,
        PasswordScheme::Ssha
            | PasswordScheme::Ssha256
            | PasswordScheme::Ssha384
            | PasswordScheme::Ssha512
            | PasswordScheme::Smd5
    )
}

/// digest(password || salt); `None` for schemes that are not digests.
fn digest(scheme: PasswordScheme, password: &[u8], salt: &[u8]) -> Option<Vec<u8>> {
    fn run<D: Digest>(password: &[u8], salt: &[u8]) -> Vec<u8> {
        let mut d = D::new();
        d.update(password);
        d.update(salt);
        d.finalize().to_vec()
    }
    let out = match scheme {
        PasswordScheme::Sha | PasswordScheme::Ssha => run::<Sha1>(password, salt),
        PasswordScheme::Sha256 | PasswordScheme::Ssha256 => run::<Sha256>(password, salt),
        PasswordScheme::Sha384 | PasswordScheme::Ssha384 => run::<Sha384>(password, salt),
        PasswordScheme::Sha512 | PasswordScheme::Ssha512 => run::<Sha512>(password, salt),
        PasswordScheme::Md5 | PasswordScheme::Smd5 => run::<Md5>(password, salt),
        _ => return None,
    };
    Some(out)
}

/// Output length of the scheme's digest.
fn digest_len(scheme: PasswordScheme) -> Option<usize> {
    digest(scheme, b"", b"").map(|d| d.len())
}

/// Checks a digest-scheme value (the part after `{TAG}`).
pub(super) fn verify(scheme: PasswordScheme, data: &[u8], candidate: &[u8]) -> Verification {
    let Some(len) = digest_len(scheme) else {
        return Verification::UnknownScheme(scheme.tag().into());
    };
    let decoded = match LENIENT_B64.decode(data.trim_ascii()) {
        Ok(d) => d,
        Err(e) => return Verification::Malformed(format!("{scheme}: bad base64: {e}")),
    };
    let fits = if is_salted(scheme) {
        decoded.len() >= len
    } else {
        decoded.len() == len
    };
    if !fits {
        return Verification::Malformed(format!(
            "{scheme}: {} bytes decoded, the digest alone is {len}",
            decoded.len()
        ));
    }
    let (stored, salt) = decoded.split_at(len);
    match digest(scheme, candidate, salt) {
        Some(computed) => ct_verdict(&computed, stored),
        None => Verification::UnknownScheme(scheme.tag().into()),
    }
}

/// The base64 part of a new value for a digest scheme (caller adds the `{TAG}`).
pub(super) fn hash(scheme: PasswordScheme, password: &[u8]) -> String {
    let salt = random_salt(new_salt_len(scheme));
    let mut out = digest(scheme, password, &salt).unwrap_or_default();
    out.extend_from_slice(&salt);
    base64::engine::general_purpose::STANDARD.encode(out)
}
