//! `{ARGON2}` values: PHC strings `$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>` as
//! OpenLDAP's argon2 module (and the argon2 CLI) writes them, salt and hash in base64
//! without padding. A string with no `v=` is Argon2 version 1.0 (0x10), as libargon2
//! reads it; the argon2 crate's own PHC parser would take it as 1.3, so we parse here.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

use super::digest::LENIENT_B64;
use super::limits::{ARGON2_MAX_ITERATIONS, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PARALLELISM};
use super::{
    ct_verdict, random_salt, HashParams, PasswordError, PasswordScheme, Verification, WorkLimits,
};

/// Longest stored hash output we will recompute (tools write 32 bytes).
const MAX_OUTPUT_LEN: usize = 1024;

fn malformed(what: &str) -> Verification {
    Verification::Malformed(format!("{{ARGON2}}: {what}"))
}

/// A parsed PHC string.
struct Phc {
    algorithm: Algorithm,
    version: Version,
    m: u32,
    t: u32,
    p: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse(s: &str) -> Result<Phc, Verification> {
    let mut fields = s.split('$');
    if fields.next() != Some("") {
        return Err(malformed("does not start with '$'"));
    }
    let algorithm = match fields.next() {
        Some("argon2i") => Algorithm::Argon2i,
        Some("argon2d") => Algorithm::Argon2d,
        Some("argon2id") => Algorithm::Argon2id,
        _ => return Err(malformed("not $argon2i$, $argon2d$ or $argon2id$")),
    };
    let mut next = fields.next().ok_or_else(|| malformed("no parameters"))?;
    let version = match next.strip_prefix("v=") {
        Some(v) => {
            let version = match v {
                "19" => Version::V0x13,
                "16" => Version::V0x10,
                _ => return Err(malformed("unknown version")),
            };
            next = fields.next().ok_or_else(|| malformed("no parameters"))?;
            version
        }
        None => Version::V0x10,
    };
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in next.split(',') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| malformed("parameter without '='"))?;
        let value = value
            .parse::<u32>()
            .map_err(|_| malformed("parameter is not a number"))?;
        let slot = match key {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            // keyid=/data= change the hash in ways we cannot reproduce.
            _ => return Err(malformed("unsupported parameter")),
        };
        if slot.replace(value).is_some() {
            return Err(malformed("repeated parameter"));
        }
    }
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return Err(malformed("m, t and p are all needed"));
    };
    let mut b64 = |what: &str| -> Result<Vec<u8>, Verification> {
        let field = fields
            .next()
            .ok_or_else(|| malformed(&format!("no {what}")))?;
        LENIENT_B64
            .decode(field)
            .map_err(|_| malformed(&format!("{what} is not base64")))
    };
    let salt = b64("salt")?;
    let hash = b64("hash")?;
    if fields.next().is_some() {
        return Err(malformed("trailing fields"));
    }
    Ok(Phc {
        algorithm,
        version,
        m,
        t,
        p,
        salt,
        hash,
    })
}

/// The memory (KiB) checking an `{ARGON2}` value takes: its `m=`. None when the value
/// does not parse or exceeds the limits, since then nothing is computed.
pub(super) fn memory_kib(data: &[u8]) -> Option<u32> {
    let phc = parse(std::str::from_utf8(data).ok()?.trim_ascii()).ok()?;
    within_limits(&phc, &WorkLimits::SERVER).then_some(phc.m)
}

fn within_limits(phc: &Phc, limits: &WorkLimits) -> bool {
    phc.m <= limits.argon2_memory_kib
        && phc.t <= limits.argon2_iterations
        && phc.p <= limits.argon2_parallelism
}

/// Checks an `{ARGON2}` value (the part after the tag) against `candidate`.
pub(super) fn verify(data: &[u8], candidate: &[u8], limits: &WorkLimits) -> Verification {
    let Ok(s) = std::str::from_utf8(data) else {
        return malformed("not ASCII");
    };
    let phc = match parse(s.trim_ascii()) {
        Ok(phc) => phc,
        Err(v) => return v,
    };
    if !within_limits(&phc, limits) {
        return malformed(&format!(
            "m={},t={},p={} exceed the limits m={},t={},p={}",
            phc.m,
            phc.t,
            phc.p,
            limits.argon2_memory_kib,
            limits.argon2_iterations,
            limits.argon2_parallelism
        ));
    }
    if phc.hash.len() > MAX_OUTPUT_LEN {
        return malformed("hash longer than any tool writes");
    }
    let params = match Params::new(phc.m, phc.t, phc.p, Some(phc.hash.len())) {
        Ok(params) => params,
        Err(e) => return malformed(&e.to_string()),
    };
    let mut out = vec![0u8; phc.hash.len()];
    match Argon2::new(phc.algorithm, phc.version, params)
        .hash_password_into(candidate, &phc.salt, &mut out)
    {
        Ok(()) => ct_verdict(&out, &phc.hash),
        Err(e) => malformed(&e.to_string()),
    }
}

/// A new argon2id (v=19) PHC string, without the `{ARGON2}` tag: 16-byte salt and
/// 32-byte hash, the sizes OpenLDAP's argon2 module uses.
pub(super) fn hash(password: &[u8], params: &HashParams) -> Result<String, PasswordError> {
    let (m, t, p) = (
        params.argon2_memory_kib,
        params.argon2_iterations,
        params.argon2_parallelism,
    );
    let invalid = |reason: String| PasswordError::InvalidParams {
        scheme: PasswordScheme::Argon2,
        reason,
    };
    // Refuse what our own verify() would call Malformed.
    if m > ARGON2_MAX_MEMORY_KIB || t > ARGON2_MAX_ITERATIONS || p > ARGON2_MAX_PARALLELISM {
        return Err(invalid(format!(
            "m={m},t={t},p={p} exceed m={ARGON2_MAX_MEMORY_KIB},t={ARGON2_MAX_ITERATIONS},p={ARGON2_MAX_PARALLELISM}"
        )));
    }
    let argon_params = Params::new(m, t, p, Some(32)).map_err(|e| invalid(e.to_string()))?;
    let salt = random_salt(16);
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(password, &salt, &mut out)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={m},t={t},p={p}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}
