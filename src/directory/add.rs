//! Add (RFC 4511 4.7): a new entry under an existing parent.

use super::feed::ChangeKind;
use super::operational::is_virtual;
use super::replication::entry_csn;
use super::{store_err, Directory, Origin};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::schema::{MissingAttribute, MissingMust};

impl Directory {
    /// Add an entry (RFC 4511 4.7). `actor` becomes creatorsName.
    pub fn add(&self, entry: Entry, actor: &str, origin: Origin) -> Result<(), LdapError> {
        self.add_with(entry, actor, origin, MissingMust::Refuse)
            .map(|_| ())
    }

    /// [`Directory::add`], with `missing` saying whether an absent MUST attribute is
    /// refused or loaded and returned (an offline import of legacy LDIF that asked).
    pub fn add_with(
        &self,
        entry: Entry,
        actor: &str,
        origin: Origin,
        missing: MissingMust,
    ) -> Result<Vec<MissingAttribute>, LdapError> {
        self.check_addable_name(&entry.dn)?;
        let (mut entry, absent) = self.prepare_new(entry, actor, origin, missing)?;
        let mut writer = self.store.writer();
        if origin == Origin::Client {
            self.stamp_csn(&mut entry);
        }
        if !entry.dn.same_as(&self.suffix) {
            let parent = entry.dn.parent().unwrap_or_default();
            if !self.store.exists(&parent).map_err(store_err)? {
                return Err(self.no_such_object(&entry.dn));
            }
        }
        self.guard_write(&entry, None)?;
        let keys = self.index_keys(&entry);
        let csn = entry_csn(&entry).unwrap_or_default().to_string();
        self.note_change(&mut writer, (ChangeKind::Add, &entry, None), csn, &[]);
        writer.add(&entry, &keys).map_err(store_err)?;
        Ok(absent)
    }

    /// noSuchObject for a new entry's name outside the naming context.
    pub(super) fn check_addable_name(&self, dn: &Dn) -> Result<(), LdapError> {
        if dn.is_root() || !self.in_naming_context(dn) {
            return Err(LdapError::new(
                ResultCode::NoSuchObject,
                format!(
                    "no global superior knowledge: {dn} is outside {}",
                    self.suffix
                ),
            ));
        }
        Ok(())
    }

    /// The entry as it will be stored: checked, completed and stamped. Needs no lock:
    /// it reads nothing but the entry itself.
    pub(super) fn prepare_new(
        &self,
        entry: Entry,
        actor: &str,
        origin: Origin,
        missing: MissingMust,
    ) -> Result<(Entry, Vec<MissingAttribute>), LdapError> {
        let mut entry = self.canonicalize(entry)?;
        match origin {
            Origin::Client => self.check_client_managed(&entry)?,
            // ldapsearch's `+` output carries them: they are computed on read, and a
            // stored copy would go stale.
            Origin::Import => entry.attrs.retain(|a| !is_virtual(&a.name)),
        }
        self.add_rdn_values(&mut entry)?;
        self.pretty_dn_values(&mut entry);
        self.check_duplicates(&entry)?;
        self.hash_passwords(&mut entry)?;
        let checked = self.check_schema_with(&entry, missing)?;
        self.check_structural_kept(&entry, &checked.structural)?;
        self.stamp_create(&mut entry, actor, &checked.structural, origin);
        Ok((entry, checked.missing))
    }
}
