//! Referential integrity, as slapd's refint overlay keeps it: when an entry is deleted
//! or renamed, the values of the configured DN-valued attributes (`roleOccupant` by
//! default, `member`, `uniqueMember`, ...) that name it, or an entry below it, are
//! removed or rewritten in the same transaction. Without this a deleted postmaster
//! stays in `roleOccupant`, and an account created later under the same DN inherits
//! postmaster rights over the domain.
//!
//! Referrers are found through the equality index the index spec always keeps on these
//! attributes: one probe for the entry's DN when nothing lies below it, otherwise every
//! entry filed under the attribute (a subtree's DNs cannot be probed one by one), each
//! value then checked by DN. Values name entries as the store does, by normalised DN.

use super::{store_err, Directory};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::store::{EntryId, IndexKind, Rewrite};
use std::collections::BTreeSet;

/// modifiersName of the entries referential integrity rewrites (slapd's default).
pub(super) const REFINT_MODIFIER: &str = "cn=Referential Integrity Overlay";

/// The equality rule whose index can be probed with a plain DN.
const DN_MATCH: &str = "distinguishedNameMatch";

/// A delete or rename, as referential integrity sees it.
pub(super) struct NameChange<'a> {
    /// The entry deleted or renamed: never rewritten separately (it is gone, or the
    /// write stores it and passes it as `own`).
    pub id: EntryId,
    /// Its DN before the write.
    pub from: &'a Dn,
    /// Its DN after a rename; None for a delete.
    pub to: Option<&'a Dn>,
    /// Whether entries lie below it (they move with it).
    pub subtree: bool,
}

impl NameChange<'_> {
    /// What becomes of a value naming `dn`: None when it names nothing that changes,
    /// Some(None) when it must go (a delete), Some(Some(new)) when it follows a rename.
    fn follow(&self, dn: &Dn) -> Option<Option<Dn>> {
        if !dn.is_within(self.from) {
            return None;
        }
        Some(self.to.map(|to| rebased(dn, self.from, to)))
    }
}

/// `dn`, which lies at or below `from`, with `from` replaced by `to`.
pub(super) fn rebased(dn: &Dn, from: &Dn, to: &Dn) -> Dn {
    let own = dn.depth() - from.depth();
    let mut rdns = dn.rdns[..own].to_vec();
    rdns.extend(to.rdns.iter().cloned());
    Dn { rdns }
}

/// A value split into its DN and the optional `#'0101'B` unique identifier of the Name
/// and Optional UID syntax (uniqueMember), which is kept as written.
fn split_uid(value: &str) -> (&str, &str) {
    match value.rfind("#'") {
        Some(i) if value.ends_with("'B") => value.split_at(i),
        _ => (value, ""),
    }
}

impl Directory {
    /// The referrers `change` rewrites, each checked against the schema and stamped.
    /// `own` is the entry the write itself stores (a renamed entry may name itself or
    /// its own subtree): its values are fixed in place instead.
    pub(super) fn referrer_rewrites(
        &self,
        change: &NameChange<'_>,
        own: Option<&mut Entry>,
    ) -> Result<Vec<Rewrite>, LdapError> {
        if self.policy.referential_integrity.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(own) = own {
            self.follow_values(own, change);
        }
        let mut rewrites = Vec::new();
        for id in self.referrers(change)? {
            let Some(old) = self.store.get_by_id(id).map_err(store_err)? else {
                continue;
            };
            let mut new = old.clone();
            if !self.follow_values(&mut new, change) {
                continue;
            }
            // A referrer inside a moved subtree is stored under its new DN.
            if let Some(to) = change.to.filter(|_| old.dn.is_within(change.from)) {
                new.dn = rebased(&old.dn, change.from, to);
            }
            self.check_schema(&new).map_err(|e| {
                LdapError::new(
                    e.code,
                    format!(
                        "referential integrity: cannot update {}: {}",
                        old.dn, e.message
                    ),
                )
            })?;
            self.stamp_modify(&mut new, REFINT_MODIFIER);
            rewrites.push(Rewrite {
                id,
                old_keys: self.index_keys(&old),
                new_keys: self.index_keys(&new),
                entry: new,
            });
        }
        Ok(rewrites)
    }

    /// The ids of the entries that may name the changed entry (or, for a subtree, any
    /// entry below it), the changed entry itself left out; sorted.
    fn referrers(&self, change: &NameChange<'_>) -> Result<BTreeSet<EntryId>, LdapError> {
        let mut ids = BTreeSet::new();
        let target = change.from.to_string();
        for attr in &self.policy.referential_integrity {
            let probe_one = !change.subtree
                && self
                    .schema
                    .attribute(attr)
                    .is_some_and(|at| at.equality.as_deref() == Some(DN_MATCH));
            let found = if probe_one {
                match self
                    .index
                    .equality_probe(&self.schema, attr, target.as_bytes())
                {
                    super::Probe::Keys(keys) => self
                        .store
                        .index_intersection(&keys)
                        .map_err(store_err)?
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            } else {
                self.store
                    .attr_index_ids(attr, IndexKind::Equality)
                    .map_err(store_err)?
            };
            ids.extend(found);
        }
        ids.remove(&change.id);
        Ok(ids)
    }

    /// Remove or rewrite the values of `entry`'s referential-integrity attributes that
    /// `change` concerns; true when any changed. A rewritten value that another value
    /// already equals is dropped.
    fn follow_values(&self, entry: &mut Entry, change: &NameChange<'_>) -> bool {
        let mut changed = false;
        for attr in &self.policy.referential_integrity {
            let Some(at) = self.schema.attribute(attr) else {
                continue;
            };
            let mut kept: Vec<Vec<u8>> = Vec::new();
            let mut touched = false;
            for value in entry.values(attr) {
                let value = match self.followed_value(value, change) {
                    None => value.clone(),
                    Some(next) => {
                        touched = true;
                        match next {
                            Some(v) => v,
                            None => continue,
                        }
                    }
                };
                if !kept.iter().any(|k| at.values_equal(k, &value)) {
                    kept.push(value);
                }
            }
            if touched {
                entry.set_values(attr, kept);
                changed = true;
            }
        }
        changed
    }

    /// What becomes of one value under `change`; see [`NameChange::follow`].
    fn followed_value(&self, value: &[u8], change: &NameChange<'_>) -> Option<Option<Vec<u8>>> {
        let text = std::str::from_utf8(value).ok()?;
        let (dn_text, uid) = split_uid(text);
        let dn = Dn::parse(dn_text).ok()?;
        let next = change.follow(&dn)?;
        Some(next.map(|d| format!("{d}{uid}").into_bytes()))
    }
}
