//! The open-file limit: raised to its hard maximum at start, since every connection is
//! a descriptor, and the default connection limit derived from it.

/// Descriptors kept back from connections: the store, listeners, logs, TLS files.
const RESERVED_MIN: u64 = 64;

/// Raise the soft RLIMIT_NOFILE to the hard one (capped at 2^20, the usual kernel
/// maximum) and return the soft limit in force afterwards.
// rlim_t is u64 here but u32 on some 32-bit targets: the conversions are not useless there.
#[allow(clippy::useless_conversion)]
pub fn raise() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        tracing::warn!(
            "cannot read the open-file limit: {}",
            std::io::Error::last_os_error()
        );
        return 1024;
    }
    let before = lim.rlim_cur;
    let wanted = lim.rlim_max.min(1 << 20);
    if wanted <= before {
        return u64::from(before);
    }
    let raised = libc::rlimit {
        rlim_cur: wanted,
        rlim_max: lim.rlim_max,
    };
    // SAFETY: setrlimit only reads the struct we pass.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        tracing::warn!(
            "cannot raise the open-file limit from {before} to {wanted}: {}",
            std::io::Error::last_os_error()
        );
        return u64::from(before);
    }
    tracing::info!("open-file limit raised from {before} to {wanted}");
    u64::from(wanted)
}

/// The connections `nofile` descriptors allow, a tenth (at least 64) kept back.
pub fn connections_allowed(nofile: u64) -> usize {
    let reserved = (nofile / 10).max(RESERVED_MIN);
    nofile.saturating_sub(reserved).max(1) as usize
}

/// The connection limit in force: `configured` (0: as many as the descriptors allow),
/// never more than the descriptors allow.
pub fn max_connections(configured: usize, nofile: u64) -> usize {
    let allowed = connections_allowed(nofile);
    match configured {
        0 => allowed,
        n if n > allowed => {
            tracing::warn!(
                "max_connections = {n} is more than the open-file limit ({nofile}) allows; serving {allowed}"
            );
            allowed
        }
        n => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_follows_the_descriptors() {
        assert_eq!(connections_allowed(20_000), 18_000);
        assert_eq!(connections_allowed(1024), 922);
        assert_eq!(connections_allowed(500), 436);
        assert_eq!(max_connections(0, 20_000), 18_000);
        assert_eq!(max_connections(500, 20_000), 500);
        assert_eq!(max_connections(50_000, 20_000), 18_000);
    }

    #[test]
    fn raising_never_lowers() {
        let first = raise();
        assert!(first >= 1);
        assert_eq!(raise(), first, "raised once, it stays");
    }
}
