//! Access levels and the privilege sets rules grant (slapd's `auth`, `=xw`, ...).

use std::fmt;

/// Access levels, each including the ones before it (slapd's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    /// Nothing at all.
    None,
    /// May learn that an entry exists through error codes.
    Disclose,
    /// May use the value to authenticate (bind).
    Auth,
    /// May compare values.
    Compare,
    /// May use the attribute in search filters.
    Search,
    /// May read values.
    Read,
    /// May change values.
    Write,
}

/// A set of privileges a rule grants: a level name grants that level and every
/// one below it; slapd's `=xw` form grants exactly the letters given (so `self`
/// can change its password, `w`, and bind with it, `x`, without reading it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privileges(u8);

const LEVELS: [(AccessLevel, char, &str); 7] = [
    (AccessLevel::None, '0', "none"),
    (AccessLevel::Disclose, 'd', "disclose"),
    (AccessLevel::Auth, 'x', "auth"),
    (AccessLevel::Compare, 'c', "compare"),
    (AccessLevel::Search, 's', "search"),
    (AccessLevel::Read, 'r', "read"),
    (AccessLevel::Write, 'w', "write"),
];

impl Privileges {
    /// No privilege at all.
    pub const NONE: Privileges = Privileges(0);

    fn bit(level: AccessLevel) -> u8 {
        match level {
            AccessLevel::None => 0,
            l => 1 << (l as u8),
        }
    }

    /// `level` and every level below it.
    pub fn up_to(level: AccessLevel) -> Privileges {
        Privileges(
            LEVELS
                .iter()
                .filter(|(l, _, _)| *l <= level)
                .fold(0, |acc, (l, _, _)| acc | Self::bit(*l)),
        )
    }

    /// `level` alone, without the levels below it.
    pub fn only(level: AccessLevel) -> Privileges {
        Privileges(Self::bit(level))
    }

    /// Whether `level` is granted (`None` always is).
    pub fn allows(self, level: AccessLevel) -> bool {
        self.0 & Self::bit(level) == Self::bit(level)
    }

    /// Only the privileges present in both.
    pub fn intersect(self, other: Privileges) -> Privileges {
        Privileges(self.0 & other.0)
    }

    /// Parse `write` (cumulative) or `=xw` (exact letters d x c s r w).
    pub fn parse(s: &str) -> Option<Privileges> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(letters) = s.strip_prefix('=') {
            let mut bits = 0;
            for c in letters.chars() {
                let (l, _, _) = LEVELS.iter().skip(1).find(|(_, ch, _)| *ch == c)?;
                bits |= Self::bit(*l);
            }
            return Some(Privileges(bits));
        }
        LEVELS
            .iter()
            .find(|(_, _, name)| *name == s)
            .map(|(l, _, _)| Privileges::up_to(*l))
    }
}

impl fmt::Display for Privileges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((_, _, name)) = LEVELS
            .iter()
            .find(|(l, _, _)| Privileges::up_to(*l) == *self)
        {
            return f.write_str(name);
        }
        f.write_str("=")?;
        for (l, c, _) in LEVELS.iter().skip(1) {
            if self.allows(*l) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
