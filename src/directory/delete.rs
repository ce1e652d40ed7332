//! Delete (RFC 4511 4.8): a leaf entry; an account's mailbox path is retired.

use super::{store_err, Directory};
use crate::dn::Dn;
use crate::error::LdapError;
use crate::store::StoreError;

impl Directory {
    /// Delete a leaf entry (RFC 4511 4.8).
    pub fn delete(&self, dn: &Dn) -> Result<(), LdapError> {
        let writer = self.store.writer();
        let (_, old) = self.fetch(dn)?;
        let keys = self.index_keys(&old);
        // Checked before the mailbox is retired, so a refused delete reserves nothing.
        if self.has_children(dn)? {
            return Err(store_err(StoreError::NotLeaf));
        }
        self.retire_mailbox(&writer, &old, None)?;
        writer.delete(dn, &keys).map_err(store_err)
    }
}
