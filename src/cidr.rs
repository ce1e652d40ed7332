//! IP networks in CIDR notation (`127.0.0.0/8`, `::1/128`) for `plaintext_bind_networks`.
//!
//! Written here rather than taken from a crate: parsing is the standard library's
//! `IpAddr` plus a prefix length, and matching is one mask comparison, so a dependency
//! would add more to review than it saves.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use thiserror::Error;

/// Why a network could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad network {input:?}: {reason} (expected e.g. \"192.0.2.0/24\" or \"2001:db8::/32\")")]
pub struct CidrError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// An IPv4 or IPv6 network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    // The top `prefix` bits of a `width`-bit number.
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let shift = width - prefix;
    (all >> shift) << shift
}

impl Cidr {
    /// Whether `ip` is inside this network. An IPv4-mapped IPv6 peer (`::ffff:a.b.c.d`,
    /// as a dual-stack listener reports IPv4 clients) is matched as the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let (net, width) = bits(self.addr);
        let (candidate, cwidth) = bits(ip);
        if width != cwidth {
            return false;
        }
        let m = mask(self.prefix, width);
        net & m == candidate & m
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `ADDR/PREFIX`, or a bare address meaning that one host.
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = |reason| CidrError {
            input: s.to_string(),
            reason,
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| err("not an IP address"))?;
        let width = bits(addr).1;
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| err("prefix length out of range"))?,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v4_networks() {
        let n: Cidr = "127.0.0.0/8".parse().unwrap();
        assert!(n.contains(ip("127.0.0.1")));
        assert!(n.contains(ip("127.255.0.2")));
        assert!(!n.contains(ip("128.0.0.1")));
        assert!(!n.contains(ip("::1")));
        let host: Cidr = "127.0.0.1/32".parse().unwrap();
        assert!(host.contains(ip("127.0.0.1")));
        assert!(!host.contains(ip("127.0.0.2")));
        let bare: Cidr = "10.1.2.3".parse().unwrap();
        assert_eq!(bare, "10.1.2.3/32".parse().unwrap());
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!(!all.contains(ip("2001:db8::1")));
        let odd: Cidr = "192.168.4.0/22".parse().unwrap();
        assert!(odd.contains(ip("192.168.7.255")));
        assert!(!odd.contains(ip("192.168.8.0")));
    }

    #[test]
    fn v6_networks_and_mapped_v4() {
        let n: Cidr = "::1/128".parse().unwrap();
        assert!(n.contains(ip("::1")));
        assert!(!n.contains(ip("::2")));
        let doc: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(doc.contains(ip("2001:db8:ffff::1")));
        assert!(!doc.contains(ip("2001:db9::1")));
        assert!("::/0".parse::<Cidr>().unwrap().contains(ip("fe80::1")));
        let lo: Cidr = "127.0.0.0/8".parse().unwrap();
        assert!(lo.contains(ip("::ffff:127.0.0.1")));
    }

    #[test]
    fn bad_networks_are_named() {
        for bad in ["127.0.0.0/33", "::/129", "localhost/8", "10.0.0.0/x", ""] {
            let e = bad.parse::<Cidr>().unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }
}
