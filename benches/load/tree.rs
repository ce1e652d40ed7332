//! The benchmark's directory, as a function of the number of accounts: the same N gives
//! the same tree in the LDIF both servers load and in the answers the workloads expect,
//! so the generator checks every answer without reading the data back.
//!
//! Shape (the article's): D = ceil(N / 100) domains `dNNNN.example`, each
//! `o=<domain>,o=hosting,dc=myhosting,dc=example` holding up to 100 accounts
//! (`mail=userK@<domain>`, inetOrgPerson + CourierMailAccount, `{SSHA}` password),
//! 20 aliases, a postmaster role, an abuse alias and a catch-all (`mail: @<domain>`).

use rand::Rng;
use sha1::{Digest, Sha1};
use std::fmt::Write;

/// The naming context.
pub const SUFFIX: &str = "dc=myhosting,dc=example";
/// Where the hosted domains live: every workload searches below it.
pub const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";
/// Accounts in every full domain.
pub const ACCOUNTS_PER_DOMAIN: usize = 100;
/// Aliases (`aliasJ@<domain>`) in every domain.
pub const ALIASES_PER_DOMAIN: usize = 20;
/// postmaster, abuse and the catch-all.
const SPECIAL_PER_DOMAIN: usize = 3;

/// A tree of `accounts` accounts (at least one).
#[derive(Clone, Copy, Debug)]
pub struct Tree {
    accounts: usize,
}

/// One mail-bearing entry of the tree, or an address no entry has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    /// `userK@<domain d>`.
    Account { d: usize, k: usize },
    /// `aliasJ@<domain d>`, maildrop an account of the domain.
    Alias { d: usize, j: usize },
    /// `postmaster@<domain d>` (`cn=postmaster`, the domain's admin role).
    Postmaster { d: usize },
    /// `abuse@<domain d>`, maildrop postmaster.
    Abuse { d: usize },
    /// `@<domain d>` (`cn=catchall`).
    CatchAll { d: usize },
    /// `nobodyN@<domain d>`: not in the tree.
    Unknown { d: usize, n: u32 },
}

impl Tree {
    /// The tree with `accounts` accounts.
    pub fn new(accounts: usize) -> Tree {
        Tree {
            accounts: accounts.max(1),
        }
    }

    /// Number of accounts.
    pub fn accounts(&self) -> usize {
        self.accounts
    }

    /// Number of domains.
    pub fn domains(&self) -> usize {
        self.accounts.div_ceil(ACCOUNTS_PER_DOMAIN)
    }

    /// Accounts in domain `d` (the last one may be short).
    pub fn accounts_in(&self, d: usize) -> usize {
        (self.accounts - d * ACCOUNTS_PER_DOMAIN).min(ACCOUNTS_PER_DOMAIN)
    }

    /// Entries in the LDIF: suffix, o=hosting, and per domain its entry, accounts,
    /// aliases and the three special addresses.
    pub fn entries(&self) -> usize {
        2 + self.domains() * (1 + ALIASES_PER_DOMAIN + SPECIAL_PER_DOMAIN) + self.accounts
    }

    /// Any existing mail address, each entry equally likely within its domain.
    pub fn pick_existing(&self, rng: &mut impl Rng) -> Addr {
        let d = rng.gen_range(0..self.domains());
        let accounts = self.accounts_in(d);
        let slot = rng.gen_range(0..accounts + ALIASES_PER_DOMAIN + SPECIAL_PER_DOMAIN);
        match slot {
            s if s < accounts => Addr::Account { d, k: s },
            s if s < accounts + ALIASES_PER_DOMAIN => Addr::Alias { d, j: s - accounts },
            s if s == accounts + ALIASES_PER_DOMAIN => Addr::Postmaster { d },
            s if s == accounts + ALIASES_PER_DOMAIN + 1 => Addr::Abuse { d },
            _ => Addr::CatchAll { d },
        }
    }

    /// A random account: (domain, account in it).
    pub fn pick_account(&self, rng: &mut impl Rng) -> (usize, usize) {
        let d = rng.gen_range(0..self.domains());
        (d, rng.gen_range(0..self.accounts_in(d)))
    }

    /// An address in one of the tree's domains that no entry has.
    pub fn pick_unknown(&self, rng: &mut impl Rng) -> Addr {
        Addr::Unknown {
            d: rng.gen_range(0..self.domains()),
            n: rng.gen(),
        }
    }

    /// An existing address with probability `existing`, else an unknown one.
    pub fn pick_mix(&self, rng: &mut impl Rng, existing: f64) -> Addr {
        if rng.gen_bool(existing) {
            self.pick_existing(rng)
        } else {
            self.pick_unknown(rng)
        }
    }

    /// The account an alias delivers to.
    fn alias_target(&self, d: usize, j: usize) -> Addr {
        Addr::Account {
            d,
            k: (j * 5) % self.accounts_in(d),
        }
    }

    /// What `(&(mail=A)(objectClass=CourierMailAlias))` returns as maildrop, if found.
    pub fn maildrop(&self, a: Addr, out: &mut String) -> bool {
        out.clear();
        match a {
            Addr::Alias { d, j } => mail(self.alias_target(d, j), out),
            Addr::Postmaster { d } | Addr::CatchAll { d } => mail(Addr::Account { d, k: 0 }, out),
            Addr::Abuse { d } => mail(Addr::Postmaster { d }, out),
            Addr::Account { .. } | Addr::Unknown { .. } => return false,
        }
        true
    }
}

/// The domain name of domain `d`.
pub fn domain(d: usize, out: &mut String) {
    let _ = write!(out, "d{d:04}.example");
}

/// Appends the address's `mail` value.
pub fn mail(a: Addr, out: &mut String) {
    let d = match a {
        Addr::Account { d, k } => {
            let _ = write!(out, "user{k}@");
            d
        }
        Addr::Alias { d, j } => {
            let _ = write!(out, "alias{j}@");
            d
        }
        Addr::Postmaster { d } => {
            out.push_str("postmaster@");
            d
        }
        Addr::Abuse { d } => {
            out.push_str("abuse@");
            d
        }
        Addr::CatchAll { d } => {
            out.push('@');
            d
        }
        Addr::Unknown { d, n } => {
            let _ = write!(out, "nobody{n}@");
            d
        }
    };
    domain(d, out);
}

/// Appends the entry's DN (for `Unknown`, the DN it would have).
pub fn dn(a: Addr, out: &mut String) {
    let d = match a {
        Addr::Postmaster { d } => {
            out.push_str("cn=postmaster");
            d
        }
        Addr::CatchAll { d } => {
            out.push_str("cn=catchall");
            d
        }
        Addr::Account { d, .. }
        | Addr::Alias { d, .. }
        | Addr::Abuse { d }
        | Addr::Unknown { d, .. } => {
            out.push_str("mail=");
            mail(a, out);
            d
        }
    };
    out.push_str(",o=");
    domain(d, out);
    out.push(',');
    out.push_str(HOSTING);
}

/// What `(&(mail=A)(objectClass=CourierMailAccount))` returns as mailbox, if found.
pub fn mailbox(a: Addr, out: &mut String) -> bool {
    out.clear();
    let Addr::Account { d, k } = a else {
        return false;
    };
    domain(d, out);
    let _ = write!(out, "/user{k}/");
    true
}

/// An account's password in clear text.
pub fn password(d: usize, k: usize, out: &mut String) {
    out.clear();
    let _ = write!(out, "pw{d}x{k}");
}

/// `{SSHA}` as slappasswd makes it: base64(SHA1(password + salt) + salt), 4-byte salt.
pub fn ssha(password: &str, salt: u32) -> String {
    use base64::Engine;
    let salt = salt.to_be_bytes();
    let mut h = Sha1::new();
    h.update(password.as_bytes());
    h.update(salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(&salt);
    format!(
        "{{SSHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shape_counts() {
        let t = Tree::new(1000);
        assert_eq!(t.domains(), 10);
        assert_eq!(t.entries(), 2 + 10 * 24 + 1000);
        let t = Tree::new(150);
        assert_eq!((t.domains(), t.accounts_in(1)), (2, 50));
        // The reference tree: 1,000 domains, 124,002 entries.
        assert_eq!(Tree::new(100_000).entries(), 124_002);
    }

    #[test]
    fn names_and_answers() {
        let t = Tree::new(250);
        let mut s = String::new();
        dn(Addr::Account { d: 2, k: 7 }, &mut s);
        assert_eq!(
            s,
            "mail=user7@d0002.example,o=d0002.example,o=hosting,dc=myhosting,dc=example"
        );
        assert!(t.maildrop(Addr::Alias { d: 2, j: 19 }, &mut s));
        assert_eq!(s, "user45@d0002.example");
        assert!(t.maildrop(Addr::Abuse { d: 0 }, &mut s));
        assert_eq!(s, "postmaster@d0000.example");
        assert!(!t.maildrop(Addr::Account { d: 0, k: 0 }, &mut s));
        assert!(mailbox(Addr::Account { d: 1, k: 3 }, &mut s));
        assert_eq!(s, "d0001.example/user3/");
        assert!(!mailbox(Addr::CatchAll { d: 1 }, &mut s));
    }

    #[test]
    fn picks_stay_inside_the_tree() {
        let t = Tree::new(150);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..10_000 {
            match t.pick_existing(&mut rng) {
                Addr::Account { d, k } => assert!(k < t.accounts_in(d)),
                Addr::Alias { j, .. } => assert!(j < ALIASES_PER_DOMAIN),
                Addr::Unknown { .. } => panic!("unknown picked as existing"),
                _ => {}
            }
        }
    }

    #[test]
    fn ssha_is_slappasswd_shaped() {
        let h = ssha("secret", 0x01020304);
        assert!(h.starts_with("{SSHA}"));
        assert_eq!(h.len(), "{SSHA}".len() + 32);
    }
}
