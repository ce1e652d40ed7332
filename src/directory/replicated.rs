//! The write path of a replica (src/replica/): entries stored as the provider sent
//! them, operational attributes included (entryUUID, entryCSN, the timestamps and
//! creatorsName/modifiersName), located by entryUUID for renames and deletes, each
//! change committed with the provider's sync cookie in one transaction. The schema
//! check still applies; the provider's own rules (unique mail, the retired mailboxes,
//! referential integrity) are not run again: their effects arrive as changes.

use super::operational::is_virtual;
use super::{store_err, Directory};
use crate::dn::{Dn, Scope};
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::filter::Filter;
use crate::store::EntryId;

/// What applying one replicated change did to the local store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new entry.
    Added,
    /// An entry with the same name, its content replaced.
    Replaced,
    /// An entry found by its entryUUID under another name, moved and replaced.
    Renamed,
    /// The entry (and anything left below it) removed.
    Deleted,
    /// A delete of an entry not stored here: nothing to do but the cookie.
    Absent,
}

impl Directory {
    /// The sync cookie stored with the last replicated change, if any.
    pub fn sync_cookie(&self) -> Result<Option<Vec<u8>>, LdapError> {
        self.store.sync_cookie().map_err(store_err)
    }

    /// During a refresh, writes stop waiting for the disk (`deferred`), or wait again
    /// after one flush (see [`crate::store::Store::defer_replicated_durability`]).
    pub fn defer_replicated_durability(&self, deferred: bool) -> Result<(), LdapError> {
        self.store
            .defer_replicated_durability(deferred)
            .map_err(store_err)
    }

    /// Store `cookie` alone, durably (a Sync Info message with no entry change).
    pub fn save_sync_cookie(&self, cookie: &[u8]) -> Result<(), LdapError> {
        self.store.writer().save_cookie(cookie).map_err(store_err)
    }

    /// Store `entry` as the provider sent it, with `cookie` in the same transaction:
    /// added, replaced, or moved to its new name when its entryUUID is stored under
    /// another. noSuchObject when its parent is not stored (yet).
    pub fn apply_replicated_entry(
        &self,
        entry: Entry,
        cookie: Option<&[u8]>,
    ) -> Result<Applied, LdapError> {
        let entry = self.prepare_replicated(entry)?;
        let uuid = entry
            .first_str("entryUUID")
            .ok_or_else(|| LdapError::new(ResultCode::ObjectClassViolation, "no entryUUID"))?
            .to_string();
        self.free_name_for(&entry.dn, &uuid)?;
        let writer = self.store.writer().with_cookie(cookie);
        let new_keys = self.index_keys(&entry);
        match self.find_by_uuid(&uuid)? {
            None => {
                self.check_replicated_parent(&entry.dn)?;
                writer.add(&entry, &new_keys).map_err(store_err)?;
                Ok(Applied::Added)
            }
            Some((id, old)) if old.dn.to_string() == entry.dn.to_string() => {
                let old_keys = self.index_keys(&old);
                writer
                    .replace(id, &entry, &old_keys, &new_keys)
                    .map_err(store_err)?;
                Ok(Applied::Replaced)
            }
            Some((_, old)) => {
                self.check_replicated_parent(&entry.dn)?;
                let old_keys = self.index_keys(&old);
                writer
                    .rename(&old.dn, &entry, &old_keys, &new_keys, &[])
                    .map_err(store_err)?;
                Ok(Applied::Renamed)
            }
        }
    }

    /// Remove the entry with entryUUID `uuid`, with `cookie` in the transaction of
    /// the last removal. Entries still below it go first, deepest first: on the
    /// provider they are gone too, or their moves would have come before.
    pub fn apply_replicated_delete(
        &self,
        uuid: &str,
        cookie: Option<&[u8]>,
    ) -> Result<Applied, LdapError> {
        loop {
            let writer = self.store.writer();
            let Some((_, entry)) = self.find_by_uuid(uuid)? else {
                if let Some(c) = cookie {
                    writer.save_cookie(c).map_err(store_err)?;
                }
                return Ok(Applied::Absent);
            };
            let below = self
                .store
                .scope_ids(&entry.dn, Scope::Subtree)
                .map_err(store_err)?;
            // Tree order: the last id of a subtree is always a leaf.
            let leaf = match below.last() {
                Some(&id) if below.len() > 1 => self.store.get_by_id(id).map_err(store_err)?,
                _ => None,
            };
            match leaf {
                Some(leaf) => {
                    tracing::info!("syncrepl: deleting \"{}\" below a deleted entry", leaf.dn);
                    let keys = self.index_keys(&leaf);
                    writer.delete(&leaf.dn, &keys, &[]).map_err(store_err)?;
                }
                None => {
                    let keys = self.index_keys(&entry);
                    writer
                        .with_cookie(cookie)
                        .delete(&entry.dn, &keys, &[])
                        .map_err(store_err)?;
                    return Ok(Applied::Deleted);
                }
            }
        }
    }

    /// The entryUUID and DN of every entry stored at or below `base` (a present
    /// phase deletes those the provider did not name). Entries without one are left out.
    pub fn entry_uuids(&self, base: &Dn) -> Result<Vec<(String, Dn)>, LdapError> {
        let ids = match self.store.scope_ids(base, Scope::Subtree) {
            Ok(ids) => ids,
            Err(crate::store::StoreError::NoSuchEntry) => return Ok(Vec::new()),
            Err(e) => return Err(store_err(e)),
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(e) = self.store.get_by_id(id).map_err(store_err)? {
                if let Some(uuid) = e.first_str("entryUUID") {
                    out.push((uuid.to_ascii_lowercase(), e.dn.clone()));
                }
            }
        }
        Ok(out)
    }

    /// The entry as it is stored: names in their schema spelling, the attributes
    /// computed on read dropped, and the schema check passed.
    fn prepare_replicated(&self, entry: Entry) -> Result<Entry, LdapError> {
        if !self.in_naming_context(&entry.dn) {
            return Err(LdapError::new(
                ResultCode::NoSuchObject,
                format!("{} is outside {}", entry.dn, self.suffix),
            ));
        }
        let mut entry = self.canonicalize(entry)?;
        entry.attrs.retain(|a| !is_virtual(&a.name));
        self.check_schema(&entry)?;
        Ok(entry)
    }

    /// noSuchObject unless `dn` is the suffix or its parent is stored.
    fn check_replicated_parent(&self, dn: &Dn) -> Result<(), LdapError> {
        let parent = dn.parent().unwrap_or_default();
        if dn.same_as(&self.suffix) || self.store.exists(&parent).map_err(store_err)? {
            return Ok(());
        }
        Err(self.no_such_object(dn))
    }

    /// Make `dn` free for the entry `uuid`: another entry holding that name was
    /// deleted on the provider (a change not seen yet), so it goes, when it is a leaf.
    fn free_name_for(&self, dn: &Dn, uuid: &str) -> Result<(), LdapError> {
        let writer = self.store.writer();
        let Some((_, other)) = self.store.get(dn).map_err(store_err)? else {
            return Ok(());
        };
        if self.has_uuid(&other, uuid) {
            return Ok(());
        }
        tracing::warn!(
            "syncrepl: \"{dn}\" held by an entry of another entryUUID ({}): deleting it",
            other.first_str("entryUUID").unwrap_or("none")
        );
        let keys = self.index_keys(&other);
        writer.delete(dn, &keys, &[]).map_err(store_err)
    }

    /// The stored entry whose entryUUID is `uuid`: through the entryUUID equality
    /// index a replica keeps, else by reading every entry.
    fn find_by_uuid(&self, uuid: &str) -> Result<Option<(EntryId, Entry)>, LdapError> {
        let filter = Filter::Equality("entryUUID".into(), uuid.as_bytes().to_vec());
        let ids: Vec<EntryId> = match self.plan(&filter)? {
            Some(ids) => ids.into_iter().collect(),
            None => self
                .store
                .scope_ids(&Dn::default(), Scope::Subtree)
                .map_err(store_err)?,
        };
        for id in ids {
            if let Some(e) = self.store.get_by_id(id).map_err(store_err)? {
                if self.has_uuid(&e, uuid) {
                    return Ok(Some((id, e)));
                }
            }
        }
        Ok(None)
    }

    /// Whether `entry`'s entryUUID is `uuid` (uuidMatch ignores case).
    fn has_uuid(&self, entry: &Entry, uuid: &str) -> bool {
        entry
            .values("entryUUID")
            .iter()
            .any(|v| v.eq_ignore_ascii_case(uuid.as_bytes()))
    }
}
