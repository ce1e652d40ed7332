//! The memory a `{CRYPT}` string of the scrypt family asks for: yescrypt `$y$` and
//! GOST-yescrypt `$gy$` (`$y$<flavor><N><r>[<have>...]$salt$hash`) and scrypt `$7$`
//! (`$7$<N><r:5><p:5>salt$hash`), as libxcrypt reads their parameters. libxcrypt
//! allocates whatever they say (`$y$jJT$` is 16 GiB), so a value is checked here first.
//!
//! Only what real tools write is read: single-character yescrypt fields (mkpasswd and
//! libxcrypt's own `crypt_gensalt` never write longer ones) and no `t`, `g` or ROM
//! parameters, which change the work in ways not bounded here.

/// Bytes one block of scrypt's memory takes per unit of `r`.
const BLOCK_BYTES: u128 = 128;

fn atoi64(b: u8) -> Option<u64> {
    super::crypt::crypt64_value(b).map(u64::from)
}

/// One single-character yescrypt field (values 0..=47 encode `min + value`).
fn field(params: &mut &[u8], min: u64) -> Result<u64, &'static str> {
    let (&first, rest) = params.split_first().ok_or("parameters cut short")?;
    *params = rest;
    match atoi64(first) {
        Some(c) if c <= 47 => Ok(min + c),
        Some(_) => Err("multi-character parameters are not supported"),
        None => Err("parameters are not crypt base64"),
    }
}

/// `128 * N * r * p` bytes, in KiB (saturating: anything that large is refused).
fn kib(n_log2: u64, r: u64, p: u64) -> u64 {
    let n = 1u128.checked_shl(n_log2 as u32).unwrap_or(u128::MAX);
    let bytes = BLOCK_BYTES
        .saturating_mul(n)
        .saturating_mul(u128::from(r))
        .saturating_mul(u128::from(p));
    u64::try_from(bytes / 1024).unwrap_or(u64::MAX)
}

/// The parameters of a yescrypt string after `$y$` or `$gy$`.
fn yescrypt(mut params: &[u8]) -> Result<u64, &'static str> {
    let _flavor = field(&mut params, 0)?;
    let n_log2 = field(&mut params, 1)?;
    if n_log2 > 63 {
        return Err("N is out of range");
    }
    let r = field(&mut params, 1)?;
    let mut p = 1;
    if params.first() != Some(&b'$') {
        let have = field(&mut params, 1)?;
        if have & !1 != 0 {
            return Err("t, g and ROM parameters are not supported");
        }
        p = field(&mut params, 2)?;
    }
    if params.first() != Some(&b'$') {
        return Err("unexpected parameters");
    }
    Ok(kib(n_log2, r, p))
}

/// The parameters of a scrypt string after `$7$`: N as one character, then r and p as
/// five characters each (30 bits, least significant first).
fn scrypt(params: &[u8]) -> Result<u64, &'static str> {
    let Some(fields) = params.get(..11) else {
        return Err("parameters cut short");
    };
    let value = |chars: &[u8]| {
        chars
            .iter()
            .enumerate()
            .try_fold(0u64, |acc, (i, &c)| atoi64(c).map(|v| acc | (v << (6 * i))))
    };
    let (Some(n_log2), Some(r), Some(p)) = (
        value(&fields[..1]),
        value(&fields[1..6]),
        value(&fields[6..11]),
    ) else {
        return Err("parameters are not crypt base64");
    };
    Ok(kib(n_log2, r, p))
}

/// The memory (KiB) checking the crypt string `s` takes, for `$y$`, `$gy$` and `$7$`
/// strings; an error says why it cannot be told.
pub(super) fn memory_kib(s: &str) -> Result<u64, &'static str> {
    let s = s.as_bytes();
    if let Some(rest) = s.strip_prefix(b"$y$").or_else(|| s.strip_prefix(b"$gy$")) {
        yescrypt(rest)
    } else if let Some(rest) = s.strip_prefix(b"$7$") {
        scrypt(rest)
    } else {
        Err("not a yescrypt or scrypt string")
    }
}

#[cfg(test)]
mod tests {
    use super::memory_kib;

    #[test]
    fn memory_as_libxcrypt_allocates_it() {
        // Debian's default, 16 MiB (measured: 21 MB RSS), and 1 GiB (1.05 GB RSS).
        assert_eq!(memory_kib("$y$j9T$abcdefgh$"), Ok(16 * 1024));
        assert_eq!(memory_kib("$y$jFT$abcdefgh$"), Ok(1 << 20));
        assert_eq!(memory_kib("$gy$j9T$abcdefgh$"), Ok(16 * 1024));
        assert_eq!(memory_kib("$y$jJT$abcdefgh$"), Ok(16 << 20));
        // have = 1 (p follows), p = 2: twice the memory.
        assert_eq!(memory_kib("$y$j9T..$abc$"), Ok(32 * 1024));
        // N = 2^14, r = 8, p = 1: scrypt's classic interactive setting, 16 MiB.
        assert_eq!(memory_kib("$7$C6..../....SodiumChloride$"), Ok(16 * 1024));
    }

    #[test]
    fn what_cannot_be_bounded_is_refused() {
        assert!(memory_kib("$y$j").is_err());
        assert!(memory_kib("$y$jzT$abc$").is_err(), "multi-character N");
        assert!(memory_kib("$y$j9T/.$abc$").is_err(), "t parameter");
        assert!(memory_kib("$7$C6...").is_err());
        assert!(
            memory_kib("$7$z/..../....salt$").unwrap() > 1 << 40,
            "N = 2^63"
        );
    }
}
