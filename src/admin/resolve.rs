//! Where an address ends up, the way Postfix resolves it (virtual_alias_maps with the
//! accounts first, then aliases, then the domain's catch-all): the checks behind
//! `alias add`, `catchall set` and `doctor`.

use super::error::AdminError;
use super::session::Session;
use super::snapshot::{Kind, Snapshot};
use std::collections::HashSet;

/// Where one address goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Delivered into this account (its DN).
    Account(String),
    /// An alias: forwarded to these targets.
    Alias(Vec<String>),
    /// No entry has it, the domain's catch-all takes it: forwarded to these targets.
    CatchAll(Vec<String>),
    /// A domain not hosted here: delivered over SMTP.
    External,
    /// No `@`: a recipient on the mail host itself.
    Local,
    /// A hosted domain, no entry, no catch-all: the mail bounces.
    Nowhere,
}

/// The outcome of following an alias's targets.
#[derive(Debug, Default)]
pub struct Walk {
    /// A chain of addresses that leads back to the start (start first and last).
    pub loop_path: Option<Vec<String>>,
    /// Direct targets that resolve nowhere.
    pub dangling: Vec<String>,
}

impl Snapshot {
    /// Where `target` goes next, or `Err(domain)` when that hosted domain must be
    /// loaded first.
    pub fn resolve(&self, target: &str) -> Result<Resolution, String> {
        let Some((_, domain)) = target.rsplit_once('@') else {
            return Ok(Resolution::Local);
        };
        let domain = domain.to_ascii_lowercase();
        if !self.is_hosted(&domain) {
            return Ok(Resolution::External);
        }
        if !self.is_loaded(&domain) {
            return Err(domain);
        }
        let entries = self.entries(&domain);
        if let Some(e) = entries.iter().find(|e| e.has_mail(target)) {
            return Ok(match e.kind {
                Kind::Account => Resolution::Account(e.dn.clone()),
                _ => Resolution::Alias(e.maildrop.clone()),
            });
        }
        match entries.iter().find(|e| e.kind == Kind::CatchAll) {
            Some(c) if !target.starts_with('@') => Ok(Resolution::CatchAll(c.maildrop.clone())),
            _ => Ok(Resolution::Nowhere),
        }
    }

    /// Follows `targets` as the new targets of `start`: a chain back to `start` is a
    /// loop; direct targets that resolve nowhere are dangling. `Err(domain)`: load it.
    pub fn walk(&self, start: &str, targets: &[String]) -> Result<Walk, String> {
        let mut walk = Walk::default();
        let mut seen = HashSet::new();
        for t in targets {
            if self.resolve(t)? == Resolution::Nowhere {
                walk.dangling.push(t.clone());
            }
            if walk.loop_path.is_none() {
                let mut path = vec![start.to_string()];
                walk.loop_path = self.find_loop(start, t, &mut path, &mut seen)?;
            }
        }
        Ok(walk)
    }

    fn find_loop(
        &self,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut HashSet<String>,
    ) -> Result<Option<Vec<String>>, String> {
        path.push(at.to_string());
        if at.eq_ignore_ascii_case(start) {
            return Ok(Some(path.clone()));
        }
        if seen.insert(at.to_ascii_lowercase()) {
            let next = match self.resolve(at)? {
                Resolution::Alias(next) => next,
                // The catch-all is a hop of its own: setting one can loop through it.
                Resolution::CatchAll(_) => {
                    vec![format!("@{}", at.rsplit('@').next().unwrap_or(""))]
                }
                _ => Vec::new(),
            };
            for n in &next {
                if let Some(found) = self.find_loop(start, n, path, seen)? {
                    return Ok(Some(found));
                }
            }
        }
        path.pop();
        Ok(None)
    }

    /// [`walk`](Self::walk), loading the domains it reaches from the server.
    pub fn walk_loading(
        &mut self,
        session: &mut Session,
        start: &str,
        targets: &[String],
    ) -> Result<Walk, AdminError> {
        loop {
            match self.walk(start, targets) {
                Ok(w) => return Ok(w),
                Err(domain) => {
                    self.load(session, &domain)?;
                }
            }
        }
    }

    /// Like [`resolve`](Self::resolve), loading the domain it needs.
    pub fn resolve_loading(
        &mut self,
        session: &mut Session,
        target: &str,
    ) -> Result<Resolution, AdminError> {
        loop {
            match self.resolve(target) {
                Ok(r) => return Ok(r),
                Err(domain) => {
                    self.load(session, &domain)?;
                }
            }
        }
    }
}

/// How a target is described after `alias add`: "account", "alias -> a, b", ...
pub fn describe(r: &Resolution, target: &str) -> String {
    match r {
        Resolution::Account(_) => "account".into(),
        Resolution::Alias(t) => format!("alias -> {}", t.join(", ")),
        Resolution::CatchAll(t) => format!(
            "no such address, taken by the catch-all of {} -> {}",
            target.rsplit('@').next().unwrap_or(""),
            t.join(", ")
        ),
        Resolution::External => "external address, delivered over SMTP".into(),
        Resolution::Local => {
            "local recipient on the mail host (/etc/aliases or a shell account)".into()
        }
        Resolution::Nowhere => "resolves nowhere: mail to it bounces".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::snapshot::MailEntry;

    fn entry(domain: &str, kind: Kind, mail: &str, drops: &[&str]) -> MailEntry {
        MailEntry {
            dn: format!("mail={mail},o={domain},o=hosting,dc=x"),
            domain: domain.into(),
            kind,
            mail: vec![mail.into()],
            cn: None,
            maildrop: drops.iter().map(|s| s.to_string()).collect(),
            home: None,
            mailbox: None,
            ids: (None, None),
            occupants: Vec::new(),
            passwords: Vec::new(),
            disabled: false,
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot::from_entries(
            &["a.example", "b.example"],
            vec![
                entry("a.example", Kind::Account, "u@a.example", &[]),
                entry("a.example", Kind::Alias, "x@a.example", &["y@a.example"]),
                entry("a.example", Kind::Alias, "y@a.example", &["x@a.example"]),
            ],
        )
    }

    #[test]
    fn resolution_follows_postfix() {
        let s = snapshot();
        assert_eq!(
            s.resolve("U@A.example"),
            Ok(Resolution::Account(
                "mail=u@a.example,o=a.example,o=hosting,dc=x".into()
            ))
        );
        assert_eq!(s.resolve("nobody@a.example"), Ok(Resolution::Nowhere));
        assert_eq!(s.resolve("someone@else.example"), Ok(Resolution::External));
        assert_eq!(s.resolve("root"), Ok(Resolution::Local));
        assert_eq!(s.resolve("z@b.example"), Err("b.example".into()));
    }

    #[test]
    fn walk_reports_loops_back_to_the_start_and_dangling_targets() {
        let s = snapshot();
        let w = s
            .walk(
                "n@a.example",
                &["x@a.example".into(), "gone@a.example".into()],
            )
            .unwrap();
        // x <-> y loop among themselves but never reach n: not n's loop.
        assert_eq!(w.loop_path, None);
        assert_eq!(w.dangling, vec!["gone@a.example".to_string()]);
        let w = s.walk("y@a.example", &["x@a.example".into()]).unwrap();
        assert_eq!(
            w.loop_path,
            Some(vec![
                "y@a.example".into(),
                "x@a.example".into(),
                "y@a.example".into()
            ])
        );
    }

    #[test]
    fn a_catch_all_catches_unknown_addresses() {
        let s = Snapshot::from_entries(
            &["a.example"],
            vec![
                entry("a.example", Kind::Account, "u@a.example", &[]),
                entry("a.example", Kind::CatchAll, "@a.example", &["u@a.example"]),
            ],
        );
        assert_eq!(
            s.resolve("nobody@a.example"),
            Ok(Resolution::CatchAll(vec!["u@a.example".into()]))
        );
        let w = s.walk("@a.example", &["other@a.example".into()]).unwrap();
        assert!(w.loop_path.is_some(), "{w:?}");
    }
}
