//! What a password computation costs, decided before it runs: the digests are
//! microseconds and run where they are asked for (no thread hand-off); the
//! deliberately slow schemes go to the hashing pool with the memory they need, which
//! for `{ARGON2}` is the `m=` of its PHC string.

use super::{argon, crypt, split_tag, HashParams, PasswordScheme};

/// Memory assumed for the CPU-bound slow schemes (sha-crypt, bcrypt, PBKDF2): a few KiB.
const CPU_BOUND_KIB: u64 = 64;

/// Where a password computation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Microseconds: run by the caller.
    Inline,
    /// A slow hash: on the pool, needing this much memory (KiB) while it runs;
    /// `u64::MAX` when it cannot be told, so that it runs alone.
    Pooled {
        /// KiB the computation needs at once.
        memory_kib: u64,
    },
}

impl Work {
    /// The costlier of two computations run one after the other.
    pub fn max(self, other: Work) -> Work {
        match (self, other) {
            (Work::Pooled { memory_kib: a }, Work::Pooled { memory_kib: b }) => Work::Pooled {
                memory_kib: a.max(b),
            },
            (p @ Work::Pooled { .. }, Work::Inline) | (Work::Inline, p) => p,
        }
    }
}

/// The work of checking a candidate against the stored value `stored`. Values that are
/// refused without computing anything (unknown scheme, unreadable, over the limits)
/// are inline.
pub fn verify_work(stored: &[u8]) -> Work {
    let Some((tag, data)) = split_tag(stored) else {
        return Work::Inline;
    };
    let pooled = |memory_kib| Work::Pooled { memory_kib };
    match PasswordScheme::from_tag(tag) {
        Some(PasswordScheme::Argon2) => match argon::memory_kib(data) {
            Some(m) => pooled(u64::from(m)),
            None => Work::Inline,
        },
        Some(PasswordScheme::Crypt) if crypt::is_memory_hard(data) => pooled(u64::MAX),
        Some(
            PasswordScheme::Crypt
            | PasswordScheme::Pbkdf2
            | PasswordScheme::Pbkdf2Sha256
            | PasswordScheme::Pbkdf2Sha512,
        ) => pooled(CPU_BOUND_KIB),
        _ => Work::Inline,
    }
}

/// The work of making a new value with `params`.
pub fn hash_work(params: &HashParams) -> Work {
    match params.scheme {
        PasswordScheme::Argon2 => Work::Pooled {
            memory_kib: u64::from(params.argon2_memory_kib),
        },
        PasswordScheme::Crypt
        | PasswordScheme::Pbkdf2
        | PasswordScheme::Pbkdf2Sha256
        | PasswordScheme::Pbkdf2Sha512 => Work::Pooled {
            memory_kib: CPU_BOUND_KIB,
        },
        _ => Work::Inline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_inline_and_slow_schemes_pooled_with_their_memory() {
        assert_eq!(
            verify_work(b"{SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4"),
            Work::Inline
        );
        assert_eq!(verify_work(b"cleartext"), Work::Inline);
        assert_eq!(verify_work(b"{SASL}user@realm"), Work::Inline);
        let argon = b"{ARGON2}$argon2id$v=19$m=16384,t=2,p=1$c2FsdHNhbHRzYWx0$51cHHyI+uHHX8p8niEMMAuXZmyCZpM80vIBG6FG0MpQ";
        assert_eq!(verify_work(argon), Work::Pooled { memory_kib: 16384 });
        // Refused before computing: nothing to pool.
        assert_eq!(
            verify_work(b"{ARGON2}$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA"),
            Work::Inline
        );
        assert_eq!(
            verify_work(b"{CRYPT}$6$salt$hash"),
            Work::Pooled { memory_kib: 64 }
        );
        assert_eq!(
            verify_work(b"{CRYPT}$y$j9T$salt$hash"),
            Work::Pooled {
                memory_kib: u64::MAX
            }
        );
        assert_eq!(
            hash_work(&HashParams::default()),
            Work::Pooled {
                memory_kib: 19 * 1024
            }
        );
        let ssha = HashParams {
            scheme: PasswordScheme::Ssha,
            ..HashParams::default()
        };
        assert_eq!(hash_work(&ssha), Work::Inline);
        assert_eq!(
            Work::Inline.max(Work::Pooled { memory_kib: 3 }),
            Work::Pooled { memory_kib: 3 }
        );
    }
}
