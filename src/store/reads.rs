//! Partial and screened reads of entries by id within one snapshot.

use super::{codec, EntryId, Store, StoreError};
use crate::entry::Entry;

impl Store {
    /// The attributes whose stored names `keep` accepts of the entry whose DN has the
    /// tree key `dn_key` ([`Dn::tree_key`](crate::dn::Dn::tree_key)), under the root
    /// DN, and its id: a bind reads a few attributes of an entry whose whole decode and
    /// drop were a quarter of its instructions, and decoding the stored DN a bind
    /// already holds was another sixteenth (callgrind).
    pub fn attrs_where(
        &self,
        dn_key: &[u8],
        keep: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Option<(EntryId, Entry)>, StoreError> {
        self.get_decoded(dn_key, |record| {
            codec::decode_attrs_where(record, keep).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
    }

    /// The entry with id `id`, with only the attributes whose stored names `keep`
    /// accepts (and its DN): an indexed search decodes what its answer, its filter
    /// and the access rules read, not the whole entry.
    pub fn get_by_id_where(
        &self,
        id: EntryId,
        keep: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Option<Entry>, StoreError> {
        let _gate = self.reading();
        self.id2entry
            .get_with(id.to_be_bytes(), |record| {
                codec::decode_where(record, keep).map_err(|e| StoreError::Corrupt(e.to_string()))
            })?
            .transpose()
    }

    /// The first entry among `ids` for which `test` holds on its attributes that
    /// `keep` names (decoded alone, under the root DN), and how many ids were read
    /// to find it (all of them when none passed): an unindexed search reads every
    /// entry of its scope, and most fail the filter on one or two attributes, so
    /// they are never decoded whole. One snapshot serves the ids (a read transaction
    /// per entry was an eighth of a scan's instructions), yet at most one entry is
    /// held decoded, and callers pass a few hundred ids, so no scan pins a snapshot.
    pub fn first_by_ids_if(
        &self,
        ids: &[EntryId],
        keep: &dyn Fn(&[u8]) -> bool,
        test: &dyn Fn(&Entry) -> bool,
    ) -> Result<(usize, Option<Entry>), StoreError> {
        let _gate = self.reading();
        let view = self.engine.snapshot()?;
        let corrupt = |e: codec::DecodeError| StoreError::Corrupt(e.to_string());
        let screened = |record: &[u8]| -> Result<_, StoreError> {
            match test(&codec::decode_attrs_where(record, keep).map_err(corrupt)?) {
                true => Ok(Some(codec::decode(record).map_err(corrupt)?)),
                false => Ok(None),
            }
        };
        for (i, id) in ids.iter().enumerate() {
            // Absent (deleted since the ids were listed) or refused: the next one.
            if let Some(entry) = view
                .get_with(&self.id2entry, id.to_be_bytes(), screened)?
                .transpose()?
                .flatten()
            {
                return Ok((i + 1, Some(entry)));
            }
        }
        Ok((ids.len(), None))
    }
}
