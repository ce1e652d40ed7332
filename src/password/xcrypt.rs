//! crypt(3) from the system's libxcrypt, for the schemes no well-kept Rust crate
//! implements: yescrypt `$y$` (Debian's default for /etc/shadow since 11), `$gy$`,
//! scrypt `$7$`, and bigcrypt (what Debian's slappasswd -h {CRYPT} writes for
//! passwords longer than 8 characters).
//!
//! Links `-lcrypt`: on Debian, libcrypt.so.1 is in libcrypt1 (priority "required", on
//! every system) and the link-time libcrypt.so in libcrypt-dev, which libc6-dev depends
//! on, so any machine that can link Rust programs with gcc has it. We call `crypt_rn`,
//! the reentrant libxcrypt entry point that takes the caller's work area and returns
//! NULL on failure (instead of crypt()'s static buffer and "*0" failure tokens).

use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// `sizeof(struct crypt_data)` in libxcrypt's crypt.h: 384 + 384 + 512 + 767 + 1 +
/// 30720. crypt_rn checks the size it is given, so a smaller buffer fails, not overflows.
const CRYPT_DATA_SIZE: usize = 32768;

#[link(name = "crypt")]
extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

/// crypt(3) of `phrase` with the settings taken from `setting` (a whole stored hash is
/// fine); None when libxcrypt rejects either, or they hold a NUL byte.
pub(super) fn crypt(phrase: &[u8], setting: &str) -> Option<String> {
    let phrase = CString::new(phrase).ok()?;
    let setting = CString::new(setting).ok()?;
    // Zeroed, as crypt.h asks before the first call with a given work area.
    let mut data = vec![0u8; CRYPT_DATA_SIZE];
    // SAFETY: both strings are NUL-terminated and outlive the call; `data` is a
    // writable buffer of exactly the size passed, which crypt_rn uses as
    // `struct crypt_data` (it needs no alignment beyond bytes: it is all char arrays).
    // The result is NULL or points into `data`, which is still alive when we copy it.
    let out = unsafe {
        crypt_rn(
            phrase.as_ptr(),
            setting.as_ptr(),
            data.as_mut_ptr().cast::<c_void>(),
            CRYPT_DATA_SIZE as c_int,
        )
    };
    if out.is_null() {
        return None;
    }
    // SAFETY: non-NULL results are NUL-terminated strings inside `data`.
    let result = unsafe { CStr::from_ptr(out) }.to_str().ok()?;
    Some(result.to_owned())
}
