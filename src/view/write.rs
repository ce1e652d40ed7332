//! Writes through the view: slapd's access requirements for each write operation,
//! checked before the directory applies it.

use super::DirectoryView;
use crate::acl::{AccessLevel, Target};
use crate::directory::Origin;
use crate::dn::{Dn, Rdn};
use crate::entry::{Entry, Modification};
use crate::error::LdapError;

impl DirectoryView<'_> {
    /// Add `entry`. slapd: write on the new entry's `entry` and on every attribute it
    /// brings (the RDN's too: the directory adds those values when the request omits
    /// them), and write on the parent's `children`. The entry itself is what filtered
    /// rules see. A missing or invisible parent gives the same answer.
    pub fn add(&self, entry: Entry) -> Result<(), LdapError> {
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
        self.state
            .dir
            .add(entry, &self.who.dn_string(), Origin::Client)
    }

    /// Apply `mods` to the entry at `dn`. slapd: modify needs write on each attribute
    /// touched, not on `entry` (that is for add, delete and rename), so a postmaster
    /// may redirect an entry it may not delete.
    pub fn modify(&self, dn: &Dn, mods: &[Modification]) -> Result<(), LdapError> {
        let entry = self.visible(dn)?;
        let refused = self.with_access(dn, Some(&entry), |access| {
            mods.iter()
                .map(|m| self.canonical(&m.attr))
                .find(|name| !access.allows(Target::Attr(name), AccessLevel::Write))
        });
        if let Some(name) = refused {
            self.require(false, format!("no write access to {name}"))?;
        }
        self.state.dir.modify(dn, mods, &self.who.dn_string())
    }

    /// Delete the entry at `dn`: write on its `entry` and on the parent's `children`.
    pub fn delete(&self, dn: &Dn) -> Result<(), LdapError> {
        let entry = self.visible(dn)?;
        let parent = dn.parent().unwrap_or_default();
        let granted = self.allows(dn, Some(&entry), Target::Entry, AccessLevel::Write)
            && self.allows(&parent, None, Target::Children, AccessLevel::Write);
        self.require(granted, "no write access to entry")?;
        self.state.dir.delete(dn)
    }

    /// Rename the entry at `dn` to `new_rdn`, under `new_superior` when given.
    /// slapd: write on `entry` (old and new name), on `children` of both parents, on
    /// the attributes of the new RDN and, with `delete_old_rdn`, of the old one.
    pub fn rename(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
    ) -> Result<(), LdapError> {
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
        self.state
            .dir
            .modrdn(
                dn,
                new_rdn,
                delete_old_rdn,
                new_superior,
                &self.who.dn_string(),
            )
            .map(|_| ())
    }
}
