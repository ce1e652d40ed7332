//! Mail-hosting integrity rules the generic LDAP model lacks:
//! - a mail address names one entry only (slapd's unique overlay, on by default), so a
//!   Postfix lookup never gets two answers;
//! - a Maildir path is never handed to a second account. Deleting an account leaves its
//!   Maildir on disk (the article's privacy problem): the path is reserved, and a later
//!   account that would inherit the old mail is refused until an admin releases it.

use super::Directory;
use crate::dn::{Dn, Scope};
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::filter::Filter;
use crate::store::{EntryId, StoreError, Writer};

/// Prefix of mailbox reservations in the store.
const MAILBOX_KEY: &str = "mailbox:";

/// The filesystem path an account's mail lives in: `mailbox` when absolute, else
/// `homeDirectory/mailbox`, with doubled slashes folded and a trailing slash.
pub fn mailbox_path(entry: &Entry) -> Option<String> {
    let mailbox = entry.first_str("mailbox")?;
    joined_path(entry.first_str("homeDirectory").unwrap_or(""), mailbox)
}

/// `mailbox` when absolute, else `home/mailbox`, as [`mailbox_path`] folds it; None
/// for an empty mailbox.
fn joined_path(home: &str, mailbox: &str) -> Option<String> {
    let mailbox = mailbox.trim();
    if mailbox.is_empty() {
        return None;
    }
    let joined = if mailbox.starts_with('/') {
        mailbox.to_string()
    } else {
        format!("{}/{mailbox}", home.trim())
    };
    let mut path = String::with_capacity(joined.len() + 1);
    for c in joined.chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    Some(path)
}

/// Store failures here are the server's, never the client's.
fn io(e: StoreError) -> LdapError {
    LdapError::internal(e)
}

/// The reservation key of a mailbox path.
fn reservation_key(path: &str) -> String {
    format!("{MAILBOX_KEY}{path}")
}

/// The refusal of a unique `attr` value `v` that the entry `other` holds already.
pub(super) fn unique_taken(attr: &str, v: &[u8], other: &str) -> LdapError {
    LdapError::new(
        ResultCode::ConstraintViolation,
        format!(
            "{attr}: value {:?} is already used by {other}",
            String::from_utf8_lossy(v)
        ),
    )
}

/// The refusal of a mailbox `path` that the account `other` uses already.
pub(super) fn mailbox_taken(path: &str, other: &str) -> LdapError {
    LdapError::new(
        ResultCode::ConstraintViolation,
        format!("mailbox {path} is already used by {other}"),
    )
}

impl Directory {
    /// Refuse `entry` when it reuses a unique value or a reserved or live mailbox path.
    /// `before` is the stored entry being changed and its id (None for an add).
    pub(super) fn guard_write(
        &self,
        entry: &Entry,
        before: Option<(EntryId, &Entry)>,
    ) -> Result<(), LdapError> {
        self.check_unique(entry, before)?;
        if !self.policy.mailbox_guard {
            return Ok(());
        }
        let kept = before.map_or_else(Vec::new, |(_, old)| self.mailbox_paths(old));
        for (path, mailbox) in self.mailbox_paths(entry) {
            if !kept.iter().any(|(old, _)| *old == path) {
                self.check_mailbox_free(&path, &mailbox, entry, before)?;
            }
        }
        Ok(())
    }

    /// Refuse the new mailbox `path` (from the `mailbox` value `mailbox`) of `entry`
    /// when it is reserved or another account's.
    fn check_mailbox_free(
        &self,
        path: &str,
        mailbox: &[u8],
        entry: &Entry,
        before: Option<(EntryId, &Entry)>,
    ) -> Result<(), LdapError> {
        if let Some(note) = self.store.reservation(&reservation_key(path)).map_err(io)? {
            return Err(LdapError::new(
                ResultCode::ConstraintViolation,
                format!(
                    "mailbox {path} belonged to {note}; its old mail would become readable by this account. \
                     Choose another mailbox, or archive the old Maildir and run `mailldap release-mailbox {path}`"
                ),
            ));
        }
        let filter = Filter::Equality("mailbox".into(), mailbox.to_vec());
        let same_path = |e: &Entry| self.mailbox_paths(e).iter().any(|(p, _)| p == path);
        if let Some(other) = self.other_match(&filter, entry, before, &same_path)? {
            return Err(mailbox_taken(path, &other));
        }
        Ok(())
    }

    /// Every Maildir path `entry` names, each with the mailbox value it is made of:
    /// each value of mailbox, tagged forms too (`mailbox;x-alt`), joined with each of
    /// homeDirectory, as a reader of any of them could be led there.
    pub(super) fn mailbox_paths(&self, entry: &Entry) -> Vec<(String, Vec<u8>)> {
        let mut homes: Vec<&str> = self
            .described(entry, "homeDirectory")
            .into_iter()
            .filter_map(|v| std::str::from_utf8(v).ok())
            .collect();
        if homes.is_empty() {
            homes.push("");
        }
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for mailbox in self.described(entry, "mailbox") {
            let Ok(text) = std::str::from_utf8(mailbox) else {
                continue;
            };
            for home in &homes {
                let Some(path) = joined_path(home, text) else {
                    continue;
                };
                if !out.iter().any(|(p, _)| *p == path) {
                    out.push((path, mailbox.to_vec()));
                }
            }
        }
        out
    }

    /// The values of `attr` in `entry` with those of its tagged forms and subtypes,
    /// as a filter on `attr` reads them.
    pub(super) fn described<'e>(&self, entry: &'e Entry, attr: &str) -> Vec<&'e [u8]> {
        self.schema.attr_desc(attr).map_or_else(Vec::new, |desc| {
            self.schema.described_values(entry, &desc, &|_| true)
        })
    }

    /// Refuse `entry` when another entry holds one of its unique values: under the
    /// attribute or a tagged form (`mail;x-alt`), which a lookup of it also finds.
    fn check_unique(
        &self,
        entry: &Entry,
        before: Option<(EntryId, &Entry)>,
    ) -> Result<(), LdapError> {
        for attr in &self.policy.unique {
            for v in self.described(entry, attr) {
                let filter = Filter::Equality(attr.clone(), v.to_vec());
                if let Some(other) = self.other_match(&filter, entry, before, &|_| true)? {
                    return Err(unique_taken(attr, v, &other));
                }
            }
        }
        Ok(())
    }

    /// Reserve the mailbox paths of an account that is deleted or moved elsewhere.
    pub(super) fn retire_mailbox(
        &self,
        writer: &Writer<'_>,
        old: &Entry,
        new: Option<&Entry>,
    ) -> Result<(), LdapError> {
        if !self.policy.mailbox_guard {
            return Ok(());
        }
        let kept = new.map_or_else(Vec::new, |n| self.mailbox_paths(n));
        let uuid = old.first_str("entryUUID").unwrap_or("-");
        let note = format!(
            "{} (entryUUID {uuid}, retired {})",
            old.dn,
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        for (path, _) in self.mailbox_paths(old) {
            if !kept.iter().any(|(p, _)| *p == path) {
                writer.reserve(&reservation_key(&path), &note).map_err(io)?;
            }
        }
        Ok(())
    }

    /// Allow a retired mailbox path to be used again; true if it was reserved.
    pub fn release_mailbox(&self, path: &str) -> Result<bool, LdapError> {
        let mut probe = Entry::new(Dn::root());
        probe.set_values("mailbox", vec![path.as_bytes().to_vec()]);
        let path = mailbox_path(&probe).unwrap_or_else(|| path.to_string());
        self.store
            .writer()
            .release(&reservation_key(&path))
            .map_err(io)
    }

    /// Retired mailbox paths with the account each belonged to.
    pub fn retired_mailboxes(&self) -> Result<Vec<(String, String)>, LdapError> {
        Ok(self
            .store
            .reservations()
            .map_err(io)?
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(MAILBOX_KEY).map(|p| (p.to_string(), v)))
            .collect())
    }

    /// The DN of another entry in the naming context matching `filter` and `extra`.
    /// The entry being changed (`before`) is skipped unread; so is any entry already
    /// named like `entry` (the store refuses that add or rename itself).
    fn other_match(
        &self,
        filter: &Filter,
        entry: &Entry,
        before: Option<(EntryId, &Entry)>,
        extra: &dyn Fn(&Entry) -> bool,
    ) -> Result<Option<String>, LdapError> {
        let mut found = None;
        if !self.store.exists(&self.suffix).map_err(io)? {
            return Ok(None);
        }
        let skip = before.map(|(id, _)| id);
        let prepared = filter.prepare(&self.schema);
        self.scan_candidates(
            &self.suffix,
            Scope::Subtree,
            filter,
            skip,
            &mut |e: Entry| {
                let matches = prepared.evaluate(&e, &|_| true).is_true();
                if !e.dn.same_as(&entry.dn) && matches && extra(&e) {
                    found = Some(e.dn.to_string());
                    return false;
                }
                true
            },
        )?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(home: &str, mailbox: &str) -> Entry {
        let mut e = Entry::new(Dn::root());
        e.set_values("homeDirectory", vec![home.as_bytes().to_vec()]);
        e.set_values("mailbox", vec![mailbox.as_bytes().to_vec()]);
        e
    }

    #[test]
    fn paths_join_home_and_mailbox() {
        assert_eq!(
            mailbox_path(&account("/home/vmail/domains", "domain1.example/user1/")).unwrap(),
            "/home/vmail/domains/domain1.example/user1/"
        );
        assert_eq!(
            mailbox_path(&account("/home/vmail/domains/", "domain1.example//user1")).unwrap(),
            "/home/vmail/domains/domain1.example/user1/"
        );
        assert_eq!(
            mailbox_path(&account("/x", "/abs/box/")).unwrap(),
            "/abs/box/"
        );
        assert!(mailbox_path(&Entry::new(Dn::root())).is_none());
    }
}
