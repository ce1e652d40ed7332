//! Writes through the view: slapd's access requirements for each write operation,
//! checked before the directory applies it, and what a write's controls ask around
//! the change: an assertion on the target entry (RFC 4528) and the entry as it was
//! before or is after the write (RFC 4527).

use super::DirectoryView;
use crate::acl::{AccessLevel, Target};
use crate::directory::Origin;
use crate::dn::{Dn, Rdn};
use crate::entry::{Entry, Modification};
use crate::error::LdapError;
use crate::filter::Filter;
use crate::ops::request::SearchEntry;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Writes with an assertion or a read-back hold this exclusively, so the entry they
/// check or read is the one the change applies to (test-and-set stays atomic); other
/// writes share it, since the directory serialises them itself.
static CONDITIONED_WRITES: RwLock<()> = RwLock::new(());

/// What a write asks besides the change itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteControls<'a> {
    /// RFC 4528: the target entry must match this filter, else assertionFailed.
    pub assertion: Option<&'a Filter>,
    /// RFC 4527 pre-read: these attributes of the entry before the write.
    pub pre_read: Option<&'a [String]>,
    /// RFC 4527 post-read: these attributes of the entry after the write.
    pub post_read: Option<&'a [String]>,
}

/// The entry before and after a write, as the read controls asked for it, reduced to
/// what the identity may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadBack {
    /// The entry before the write (pre-read).
    pub pre: Option<SearchEntry>,
    /// The entry after the write (post-read).
    pub post: Option<SearchEntry>,
}

/// The hold a write keeps on [`CONDITIONED_WRITES`] while it runs.
struct Hold {
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _exclusive: Option<RwLockWriteGuard<'static, ()>>,
}

impl WriteControls<'_> {
    fn hold(&self) -> Hold {
        // The lock guards no data, so a panicked holder leaves nothing inconsistent.
        if self.assertion.is_some() || self.pre_read.is_some() || self.post_read.is_some() {
            Hold {
                _shared: None,
                _exclusive: Some(
                    CONDITIONED_WRITES
                        .write()
                        .unwrap_or_else(|e| e.into_inner()),
                ),
            }
        } else {
            Hold {
                _shared: Some(CONDITIONED_WRITES.read().unwrap_or_else(|e| e.into_inner())),
                _exclusive: None,
            }
        }
    }
}

impl DirectoryView<'_> {
    /// [`Self::add_with`] without controls.
    pub fn add(&self, entry: Entry) -> Result<(), LdapError> {
        self.add_with(entry, &WriteControls::default()).map(drop)
    }

    /// [`Self::modify_with`] without controls.
    pub fn modify(&self, dn: &Dn, mods: &[Modification]) -> Result<(), LdapError> {
        self.modify_with(dn, mods, &WriteControls::default())
            .map(drop)
    }

    /// [`Self::delete_with`] without controls.
    pub fn delete(&self, dn: &Dn) -> Result<(), LdapError> {
        self.delete_with(dn, &WriteControls::default()).map(drop)
    }

    /// [`Self::rename_with`] without controls.
    pub fn rename(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
    ) -> Result<(), LdapError> {
        let plain = WriteControls::default();
        self.rename_with(dn, new_rdn, delete_old_rdn, new_superior, &plain)
            .map(drop)
    }

    /// The entry now at `dn` as the post-read control asks for it.
    fn read_after(&self, dn: &Dn, attrs: Option<&[String]>) -> Option<SearchEntry> {
        let attrs = attrs?;
        let entry = self.state.dir.get(dn).ok().flatten()?;
        Some(self.read_back(&entry, attrs))
    }

    /// Add `entry`. slapd: write on the new entry's `entry` and on every attribute it
    /// brings (the RDN's too: the directory adds those values when the request omits
    /// them), and write on the parent's `children`. The entry itself is what filtered
    /// rules see. A missing or invisible parent gives the same answer. The assertion
    /// is tested on the entry to be added.
    pub fn add_with(&self, entry: Entry, ctl: &WriteControls<'_>) -> Result<ReadBack, LdapError> {
        let _hold = ctl.hold();
        let dn = &entry.dn;
        let parent = dn.parent().unwrap_or_default();
        let is_suffix = dn.same_as(self.state.dir.suffix());
        if !is_suffix {
            let parent_visible = match self.state.dir.get(&parent)? {
                Some(p) => self.allows(&parent, Some(&p), Target::Entry, AccessLevel::Disclose),
                None => false,
            };
            if !parent_visible {
                return Err(self.no_such_object(dn));
            }
        }
        let mut names: Vec<String> = entry
            .attrs
            .iter()
            .map(|a| self.canonical(&a.name))
            .collect();
        if let Some(rdn) = dn.rdn() {
            names.extend(rdn.avas.iter().map(|a| self.canonical(&a.attr)));
        }
        let granted = self.with_access(dn, Some(&entry), |access| {
            access.allows(Target::Entry, AccessLevel::Write)
                && names
                    .iter()
                    .all(|n| access.allows(Target::Attr(n), AccessLevel::Write))
        }) && (is_suffix
            || self.allows(&parent, None, Target::Children, AccessLevel::Write));
        self.require(granted, "no write access to the new entry or its parent")?;
        for a in &entry.attrs {
            self.check_mail_values(dn, &a.name, &a.values)?;
        }
        self.check_rdn_mail(dn)?;
        if let Some(filter) = ctl.assertion {
            self.check_assertion(&entry, filter)?;
        }
        let dn = dn.clone();
        self.state
            .dir
            .add(entry, &self.who.dn_string(), Origin::Client)?;
        Ok(ReadBack {
            pre: None,
            post: self.read_after(&dn, ctl.post_read),
        })
    }

    /// Apply `mods` to the entry at `dn`. slapd: modify needs write on each attribute
    /// touched, not on `entry` (that is for add, delete and rename), so a postmaster
    /// may redirect an entry it may not delete.
    pub fn modify_with(
        &self,
        dn: &Dn,
        mods: &[Modification],
        ctl: &WriteControls<'_>,
    ) -> Result<ReadBack, LdapError> {
        let _hold = ctl.hold();
        let entry = self.visible(dn)?;
        let refused = self.with_access(dn, Some(&entry), |access| {
            mods.iter()
                .map(|m| self.canonical(&m.attr))
                .find(|name| !access.allows(Target::Attr(name), AccessLevel::Write))
        });
        if let Some(name) = refused {
            self.require(false, format!("no write access to {name}"))?;
        }
        self.check_mail_mods(dn, mods)?;
        let pre = self.before_write(&entry, ctl)?;
        self.state.dir.modify(dn, mods, &self.who.dn_string())?;
        Ok(ReadBack {
            pre,
            post: self.read_after(dn, ctl.post_read),
        })
    }

    /// Delete the entry at `dn`: write on its `entry` and on the parent's `children`.
    pub fn delete_with(&self, dn: &Dn, ctl: &WriteControls<'_>) -> Result<ReadBack, LdapError> {
        let _hold = ctl.hold();
        let entry = self.visible(dn)?;
        let parent = dn.parent().unwrap_or_default();
        let granted = self.allows(dn, Some(&entry), Target::Entry, AccessLevel::Write)
            && self.allows(&parent, None, Target::Children, AccessLevel::Write);
        self.require(granted, "no write access to entry")?;
        let pre = self.before_write(&entry, ctl)?;
        self.state.dir.delete(dn)?;
        Ok(ReadBack { pre, post: None })
    }

    /// Rename the entry at `dn` to `new_rdn`, under `new_superior` when given.
    /// slapd: write on `entry` (old and new name), on `children` of both parents, on
    /// the attributes of the new RDN and, with `delete_old_rdn`, of the old one.
    pub fn rename_with(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
        ctl: &WriteControls<'_>,
    ) -> Result<ReadBack, LdapError> {
        let _hold = ctl.hold();
        let entry = self.visible(dn)?;
        let old_parent = dn.parent().unwrap_or_default();
        let new_parent = match new_superior {
            Some(s) => {
                self.visible(s)?;
                s.clone()
            }
            None => old_parent.clone(),
        };
        let new_dn = new_parent.child(new_rdn.clone());
        let mut rdn_attrs: Vec<(String, &Dn)> = new_rdn
            .avas
            .iter()
            .map(|a| (self.canonical(&a.attr), &new_dn))
            .collect();
        if delete_old_rdn {
            if let Some(old) = dn.rdn() {
                rdn_attrs.extend(old.avas.iter().map(|a| (self.canonical(&a.attr), dn)));
            }
        }
        let granted = self.allows(dn, Some(&entry), Target::Entry, AccessLevel::Write)
            && self.allows(&old_parent, None, Target::Children, AccessLevel::Write)
            && self.allows(&new_parent, None, Target::Children, AccessLevel::Write)
            && self.allows(&new_dn, None, Target::Entry, AccessLevel::Write)
            && rdn_attrs
                .iter()
                .all(|(a, d)| self.allows(d, None, Target::Attr(a), AccessLevel::Write));
        self.require(granted, "no write access to the old or the new place")?;
        // The entry keeps its mail values; at a new place they must fit its domain.
        self.check_mail_values(&new_dn, "mail", entry.values("mail"))?;
        self.check_rdn_mail(&new_dn)?;
        let pre = self.before_write(&entry, ctl)?;
        let moved_to = self.state.dir.modrdn(
            dn,
            new_rdn,
            delete_old_rdn,
            new_superior,
            &self.who.dn_string(),
        )?;
        Ok(ReadBack {
            pre,
            post: self.read_after(&moved_to, ctl.post_read),
        })
    }

    /// The assertion on the target entry as it stands, then the pre-read of it.
    fn before_write(
        &self,
        entry: &Entry,
        ctl: &WriteControls<'_>,
    ) -> Result<Option<SearchEntry>, LdapError> {
        if let Some(filter) = ctl.assertion {
            self.check_assertion(entry, filter)?;
        }
        Ok(ctl.pre_read.map(|attrs| self.read_back(entry, attrs)))
    }

    /// The mail rule for the values a DN's RDN puts into its entry.
    fn check_rdn_mail(&self, dn: &Dn) -> Result<(), LdapError> {
        let Some(rdn) = dn.rdn() else {
            return Ok(());
        };
        rdn.avas
            .iter()
            .try_for_each(|a| self.check_mail_values(dn, &a.attr, [&a.value.as_bytes().to_vec()]))
    }
}
