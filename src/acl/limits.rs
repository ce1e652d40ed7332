//! Size and time limits per identity, as slapd's `limits` directive.

use super::spec::{LimitSpec, LimitsSpec};
use super::who::{Groups, Who};
use super::Identity;
use crate::dn::Dn;

/// The limits that apply to one identity's searches (0 = unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityLimits {
    /// Entries one search may return.
    pub size: usize,
    /// Seconds one search may run.
    pub time_secs: u64,
}

/// One compiled `[[limits.by]]` entry.
#[derive(Debug, Clone)]
struct LimitRule {
    who: Who,
    size: Option<usize>,
    time: Option<u64>,
}

/// The limits table: specific entries first (first match wins), then the defaults.
#[derive(Debug, Clone)]
pub struct LimitTable {
    rules: Vec<LimitRule>,
    anonymous: IdentityLimits,
    users: IdentityLimits,
}

impl LimitTable {
    /// Compile the limits; errors name the 1-based `[[limits.by]]` entry.
    pub fn compile(limits: &LimitsSpec, suffix: &Dn) -> Result<LimitTable, (usize, String)> {
        let mut rules = Vec::new();
        for (i, spec) in limits.by.iter().enumerate() {
            rules.push(compile_one(spec, suffix).map_err(|m| (i + 1, m))?);
        }
        Ok(LimitTable {
            rules,
            anonymous: IdentityLimits {
                size: limits.anonymous_size,
                time_secs: limits.time_secs,
            },
            users: IdentityLimits {
                size: limits.user_size,
                time_secs: limits.time_secs,
            },
        })
    }

    /// The limits for `who`: the rootdn is unlimited, as in slapd.
    pub fn for_identity(&self, who: &Identity) -> IdentityLimits {
        if who.is_root() {
            return IdentityLimits {
                size: 0,
                time_secs: 0,
            };
        }
        let default = match who {
            Identity::Anonymous => self.anonymous,
            _ => self.users,
        };
        let none = |_: &Dn| None;
        let no_groups = Groups::new(&none);
        for r in &self.rules {
            // Limits have no target entry: `self`, groups and captures are rejected at
            // compile time.
            if r.who.matches(who, &Dn::root(), &[], &no_groups) {
                return IdentityLimits {
                    size: r.size.unwrap_or(default.size),
                    time_secs: r.time.unwrap_or(default.time_secs),
                };
            }
        }
        default
    }
}

fn compile_one(spec: &LimitSpec, suffix: &Dn) -> Result<LimitRule, String> {
    let sfx = suffix.normalized();
    let sfx = if spec.who.starts_with("dnpattern:") {
        regex::escape(&sfx)
    } else {
        sfx
    };
    let text = spec.who.replace("${suffix}", &sfx);
    let who = Who::parse(&text)?;
    if matches!(who, Who::SelfDn | Who::Group { .. }) || !who.vars().is_empty() {
        return Err(format!(
            "who {:?}: limits take anonymous, users, rootdn, *, dn:<dn> or dnpattern:<regex>",
            spec.who
        ));
    }
    Ok(LimitRule {
        who,
        size: spec.size,
        time: spec.time,
    })
}
