//! Modify DN (RFC 4511 4.9): rename an entry, possibly under a new parent. An entry
//! with subordinates moves with its whole subtree in one store transaction, as with
//! slapd's back-mdb; the referential-integrity attributes that name a moved entry
//! follow it in the same transaction.

use super::feed::ChangeKind;
use super::refint::NameChange;
use super::replication::entry_csn;
use super::{store_err, Directory};
use crate::dn::{Dn, Rdn};
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::store::StoreError;

/// The refusal of a move below the entry itself (slapd answers the same).
fn below_itself() -> LdapError {
    LdapError::new(
        ResultCode::UnwillingToPerform,
        "new superior is the entry itself or one of its subordinates: an entry cannot be moved below itself",
    )
}

/// The protocol error for a store error of a rename.
fn rename_err(e: StoreError) -> LdapError {
    match e {
        StoreError::BelowItself => below_itself(),
        other => store_err(other),
    }
}

impl Directory {
    /// Rename or move an entry and everything below it (RFC 4511 4.9).
    pub fn modrdn(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
        actor: &str,
    ) -> Result<Dn, LdapError> {
        let mut writer = self.store.writer();
        let (id, old) = self.fetch(dn)?;
        let parent = self.new_parent(dn, new_rdn, new_superior)?;
        let new_dn = parent.child(new_rdn.clone());
        if !self.in_naming_context(&new_dn) {
            return Err(LdapError::new(
                ResultCode::UnwillingToPerform,
                format!("the new name {new_dn} is outside the naming context"),
            ));
        }
        let mut new = old.clone();
        new.dn = new_dn.clone();
        if delete_old_rdn {
            self.remove_old_rdn_values(&mut new, dn, new_rdn);
        }
        self.add_rdn_values(&mut new)?;
        let change = NameChange {
            id,
            from: dn,
            to: Some(&new_dn),
            subtree: self.has_children(dn)?,
        };
        let rewrites = if new_dn.same_as(dn) {
            Vec::new()
        } else {
            self.referrer_rewrites(&change, Some(&mut new))?
        };
        self.check_schema(&new)?;
        self.guard_write(&new, Some((id, &old)))?;
        self.stamp_modify(&mut new, actor);
        let old_keys = self.index_keys(&old);
        let new_keys = self.index_keys(&new);
        let csn = entry_csn(&new).unwrap_or_default().to_string();
        let what = (ChangeKind::Rename, &new, Some(dn));
        self.note_change(&mut writer, what, csn, &rewrites);
        writer
            .rename(dn, &new, &old_keys, &new_keys, &rewrites)
            .map_err(rename_err)?;
        Ok(new_dn)
    }

    /// The parent the entry will have: the new superior, which must exist within the
    /// naming context and lie outside the entry's own subtree, or the current parent.
    fn new_parent(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        new_superior: Option<&Dn>,
    ) -> Result<Dn, LdapError> {
        let Some(p) = new_superior else {
            return Ok(dn.parent().unwrap_or_default());
        };
        if !self.in_naming_context(p) {
            return Err(LdapError::new(
                ResultCode::UnwillingToPerform,
                "new superior is outside the naming context",
            ));
        }
        if p.is_within(dn) {
            return Err(below_itself());
        }
        if !self.store.exists(p).map_err(store_err)? {
            return Err(self.no_such_object(&p.child(new_rdn.clone())));
        }
        Ok(p.clone())
    }

    /// deleteoldrdn: drop the old RDN's values, except those the new RDN names too.
    fn remove_old_rdn_values(&self, entry: &mut Entry, old_dn: &Dn, new_rdn: &Rdn) {
        let Some(old_rdn) = old_dn.rdn() else {
            return;
        };
        for ava in &old_rdn.avas {
            let Some(name) = self.schema.canonical_attr_name(&ava.attr) else {
                continue;
            };
            let Some(at) = self.schema.attribute(&name) else {
                continue;
            };
            let still_named = new_rdn.avas.iter().any(|n| {
                self.schema.canonical_attr_name(&n.attr).as_deref() == Some(name.as_str())
                    && at.values_equal(n.value.as_bytes(), ava.value.as_bytes())
            });
            if still_named {
                continue;
            }
            let rest: Vec<Vec<u8>> = entry
                .values(&name)
                .iter()
                .filter(|v| !at.values_equal(v, ava.value.as_bytes()))
                .cloned()
                .collect();
            entry.set_values(&name, rest);
        }
    }
}
