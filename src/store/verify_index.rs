//! The index part of `verify`: the `index` tree holds exactly the keys the entries
//! should be filed under, as the caller's index spec computes them.
//!
//! The keys expected are gathered from `id2entry` into a set, then the tree is scanned
//! once: a key found in the set is sound (and leaves it), a key not in it is dangling
//! (no such entry) or stale (the entry lacks the value), and what stays in the set is
//! missing. A large store's set would not fit in memory, so the keys are split by hash
//! into partitions of about `PARTITION_KEYS`, checked one after the other.

use super::index::{self, IndexKey, IndexKind};
use super::verify::{malformed, KeysOf, Problem, VerifyReport};
use super::{codec, EntryId, Store, StoreError};
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Expected keys held in memory per pass (about 100 bytes each).
const PARTITION_KEYS: u64 = 500_000;

impl Store {
    /// Check the index against `keys_of` (every key both ways); without it, only that
    /// every key is well formed and names a stored entry.
    pub(super) fn check_index(
        &self,
        keys_of: Option<KeysOf<'_>>,
        report: &mut VerifyReport,
    ) -> Result<(), StoreError> {
        report.index_keys = self.index.len()? as u64;
        let Some(keys_of) = keys_of else {
            return self.check_index_ids(report);
        };
        let partitions = report.index_keys / PARTITION_KEYS + 1;
        for part in 0..partitions {
            let mut expected = self.expected_keys(keys_of, partitions, part)?;
            for item in self.index.iter() {
                let (k, _) = item?;
                if partition(&k, partitions) != part || expected.remove(k.as_ref()) {
                    continue;
                }
                if let Some(problem) = self.unexpected_key(&k)? {
                    report.problems.push(problem);
                }
            }
            let mut missing: Vec<Vec<u8>> = expected.into_iter().collect();
            missing.sort();
            // Every expected key was made by tree_key, so it parses.
            for (key, id) in missing.iter().filter_map(|k| index::parse_tree_key(k)) {
                let key = index_key_text(&key);
                let dn = self.dn_of(id)?;
                report.problems.push(Problem::MissingIndexKey { key, dn });
            }
        }
        Ok(())
    }

    /// The tree keys of partition `part` that the decodable entries should be filed
    /// under (an undecodable record is reported by the entry check).
    fn expected_keys(
        &self,
        keys_of: KeysOf<'_>,
        partitions: u64,
        part: u64,
    ) -> Result<HashSet<Vec<u8>>, StoreError> {
        let mut expected = HashSet::new();
        for item in self.id2entry.iter() {
            let (k, v) = item?;
            let (Ok(id), Ok(entry)) = (super::be_u64(&k), codec::decode(&v)) else {
                continue;
            };
            for key in keys_of(&entry) {
                let raw = index::tree_key(&key, id);
                if partition(&raw, partitions) == part {
                    expected.insert(raw);
                }
            }
        }
        Ok(expected)
    }

    /// Why the index key `raw`, which no entry should be filed under, is there.
    fn unexpected_key(&self, raw: &[u8]) -> Result<Option<Problem>, StoreError> {
        let Some((key, id)) = index::parse_tree_key(raw) else {
            return Ok(Some(malformed("index", raw)));
        };
        let key = index_key_text(&key);
        Ok(match self.id2entry.get(id.to_be_bytes())? {
            None => Some(Problem::DanglingIndexKey { key, id }),
            Some(record) => match codec::decode(&record) {
                Ok(entry) => Some(Problem::StaleIndexKey {
                    key,
                    dn: entry.dn.to_string(),
                }),
                Err(_) => None,
            },
        })
    }

    /// Every index key is well formed and names a stored entry.
    fn check_index_ids(&self, report: &mut VerifyReport) -> Result<(), StoreError> {
        for item in self.index.iter() {
            let (k, _) = item?;
            match index::parse_tree_key(&k) {
                None => report.problems.push(malformed("index", &k)),
                Some((key, id)) if !self.id2entry.contains_key(id.to_be_bytes())? => {
                    let key = index_key_text(&key);
                    report.problems.push(Problem::DanglingIndexKey { key, id });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The DN of entry `id` as text, for a report (`id N` when it cannot be read).
    fn dn_of(&self, id: EntryId) -> Result<String, StoreError> {
        let record = self.id2entry.get(id.to_be_bytes())?;
        Ok(match record.map(|r| codec::decode_dn(&r)) {
            Some(Ok(dn)) => dn.to_string(),
            _ => format!("id {id}"),
        })
    }
}

/// Which of `partitions` the tree key `raw` is checked in.
fn partition(raw: &[u8], partitions: u64) -> u64 {
    let mut h = DefaultHasher::new();
    raw.hash(&mut h);
    h.finish() % partitions
}

/// An index key as its configuration would name it: `mail eq "a@b.example"`.
pub(super) fn index_key_text(key: &IndexKey) -> String {
    let value = String::from_utf8_lossy(&key.key);
    match key.kind {
        IndexKind::Equality => format!("{} eq {value:?}", key.attr),
        IndexKind::Presence => format!("{} pres", key.attr),
        IndexKind::Substring => format!("{} sub {value:?}", key.attr),
    }
}
