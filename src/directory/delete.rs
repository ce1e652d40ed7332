//! Delete (RFC 4511 4.8): a leaf entry; an account's mailbox path is retired, and the
//! values that name the entry are removed from its referrers (referential integrity).

use super::feed::ChangeKind;
use super::refint::NameChange;
use super::{store_err, Directory};
use crate::dn::Dn;
use crate::error::LdapError;
use crate::store::StoreError;

impl Directory {
    /// Delete a leaf entry (RFC 4511 4.8), and in the same transaction the values of
    /// the referential-integrity attributes that name it.
    pub fn delete(&self, dn: &Dn) -> Result<(), LdapError> {
        let mut writer = self.store.writer();
        let (id, old) = self.fetch(dn)?;
        let keys = self.index_keys(&old);
        // Checked before the mailbox is retired, so a refused delete reserves nothing.
        if self.has_children(dn)? {
            return Err(store_err(StoreError::NotLeaf));
        }
        let change = NameChange {
            id,
            from: dn,
            to: None,
            subtree: false,
        };
        let rewrites = self.referrer_rewrites(&change, None)?;
        self.retire_mailbox(&writer, &old, None)?;
        let csn = self.csn.next();
        self.note_change(
            &mut writer,
            (ChangeKind::Delete, &old, None),
            csn,
            &rewrites,
        );
        writer.delete(dn, &keys, &rewrites).map_err(store_err)
    }
}
