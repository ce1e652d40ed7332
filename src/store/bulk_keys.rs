//! The index keys a bulk load files, kept in memory until the end and then written
//! in key order. An `index` key is `prefix id` (see `index`), and most prefixes
//! repeat: `objectClass=courierMailAccount` is filed for every account. So each
//! distinct prefix is kept once, with the ids filed under it in filing order (which
//! is id order: the loader hands out ascending ids). At the end only the distinct
//! prefixes are sorted, and the ids follow their prefix: for a million accounts,
//! 3.45 million prefixes sorted instead of 11.65 million keys (the full sort was the
//! largest part of the load's end, nearly all of it in memcmp).
//!
//! Prefixes never contain one another (their lengths are written inside them), so
//! ordering by (prefix, id) is ordering by the key's bytes.

use super::engine::Put;
use super::{EntryId, StoreError};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Index keys filed so far, by prefix.
#[derive(Default)]
pub(super) struct FiledKeys {
    /// Each distinct prefix -> its number (its position in `prefixes`).
    numbers: FxHashMap<Box<[u8]>, u32>,
    /// Per key filed: its prefix's number and its id.
    filed: Vec<(u32, EntryId)>,
}

impl FiledKeys {
    /// File `id` under the tree prefix `prefix`.
    pub(super) fn push(&mut self, prefix: &[u8], id: EntryId) {
        let number = match self.numbers.get(prefix) {
            Some(n) => *n,
            None => {
                let n = self.numbers.len() as u32;
                self.numbers.insert(prefix.into(), n);
                n
            }
        };
        self.filed.push((number, id));
    }

    /// The keys in key order, without repeats.
    pub(super) fn sorted(self) -> SortedKeys {
        let mut prefixes: Vec<Box<[u8]>> = vec![Box::default(); self.numbers.len()];
        for (prefix, n) in self.numbers {
            prefixes[n as usize] = prefix;
        }
        let order = sort_numbers(&prefixes);
        let mut rank = vec![0u32; prefixes.len()];
        for (r, n) in order.iter().enumerate() {
            rank[*n as usize] = r as u32;
        }
        // A counting sort by rank, stable: each prefix's ids stay in filing order.
        let mut starts = vec![0usize; prefixes.len() + 1];
        for (n, _) in &self.filed {
            starts[rank[*n as usize] as usize + 1] += 1;
        }
        for r in 0..prefixes.len() {
            starts[r + 1] += starts[r];
        }
        let mut next = starts.clone();
        let mut ids = vec![0; self.filed.len()];
        for (n, id) in self.filed {
            let r = rank[n as usize] as usize;
            ids[next[r]] = id;
            next[r] += 1;
        }
        let prefixes = order
            .into_iter()
            .map(|n| std::mem::take(&mut prefixes[n as usize]));
        SortedKeys {
            prefixes: prefixes.collect(),
            starts,
            ids,
        }
    }
}

/// The numbers of `prefixes` in the prefixes' byte order: one run per core sorted at
/// once, then merged in pairs.
fn sort_numbers(prefixes: &[Box<[u8]>]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..prefixes.len() as u32).collect();
    let key = |n: &u32| &*prefixes[*n as usize];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let run = order.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        for part in order.chunks_mut(run) {
            scope.spawn(move || part.sort_unstable_by(|a, b| key(a).cmp(key(b))));
        }
    });
    let mut runs: Vec<Vec<u32>> = order.chunks(run).map(<[u32]>::to_vec).collect();
    while runs.len() > 1 {
        runs = runs
            .chunks(2)
            .map(|pair| merge(&pair[0], pair.get(1).map_or(&[], Vec::as_slice), &key))
            .collect();
    }
    runs.pop().unwrap_or_default()
}

/// Two sorted runs in one.
fn merge<'p>(left: &[u32], right: &[u32], key: &dyn Fn(&u32) -> &'p [u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (0, 0);
    while l < left.len() && r < right.len() {
        if key(&left[l]) <= key(&right[r]) {
            out.push(left[l]);
            l += 1;
        } else {
            out.push(right[r]);
            r += 1;
        }
    }
    out.extend_from_slice(&left[l..]);
    out.extend_from_slice(&right[r..]);
    out
}

/// Index keys in key order: the distinct prefixes sorted, each with its ids.
pub(super) struct SortedKeys {
    prefixes: Vec<Box<[u8]>>,
    /// The ids of prefix `r` are `ids[starts[r]..starts[r + 1]]`, ascending.
    starts: Vec<usize>,
    ids: Vec<EntryId>,
}

impl SortedKeys {
    /// Number of distinct prefixes (the ranges [`SortedKeys::items`] takes).
    pub(super) fn prefixes(&self) -> usize {
        self.prefixes.len()
    }

    /// Number of keys filed under the prefixes before `rank`.
    pub(super) fn keys_before(&self, rank: usize) -> usize {
        self.starts[rank]
    }

    /// Hand `put` the `index` items (key, empty value) of the prefixes `ranks`, in
    /// key order and without repeats, each key built in one buffer (perf: a key
    /// allocated, or moved through iterator adapters, per each of a million-entry
    /// load's twelve million was a quarter of the time writing them).
    pub(super) fn put_keys(
        &self,
        ranks: Range<usize>,
        put: &mut Put<'_>,
    ) -> Result<(), StoreError> {
        let mut key = Vec::with_capacity(128);
        for r in ranks {
            key.clear();
            key.extend_from_slice(&self.prefixes[r]);
            let prefix_len = key.len();
            let mut last = None;
            for &id in &self.ids[self.starts[r]..self.starts[r + 1]] {
                if last == Some(id) {
                    continue;
                }
                last = Some(id);
                key.truncate(prefix_len);
                key.extend_from_slice(&id.to_be_bytes());
                put(&key, &[])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::FiledKeys;
    use crate::test_rng::Rng;

    #[test]
    fn keys_come_out_in_byte_order_without_repeats() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for count in [0, 1, 2, 3, 7, 1_000, 20_001] {
            let mut keys = FiledKeys::default();
            let mut want = Vec::new();
            for id in 0..count as u64 {
                // Prefixes as `index` writes them (their length inside), shared by
                // many ids; an id filed twice under a prefix comes out once.
                for _ in 0..1 + rng.below(3) {
                    // Now and then a prefix longer than the key buffer's first capacity.
                    let len = if rng.below(50) == 0 {
                        120
                    } else {
                        1 + rng.below(4) as usize
                    };
                    let mut prefix = vec![len as u8];
                    prefix.extend((0..len).map(|_| b'a' + rng.below(3) as u8));
                    keys.push(&prefix, id);
                    let mut key = prefix;
                    key.extend_from_slice(&id.to_be_bytes());
                    want.push(key);
                }
            }
            want.sort();
            want.dedup();
            let sorted = keys.sorted();
            let mut got: Vec<Vec<u8>> = Vec::new();
            let mut put = |k: &[u8], _: &[u8]| {
                got.push(k.to_vec());
                Ok(())
            };
            sorted.put_keys(0..sorted.prefixes(), &mut put).unwrap();
            assert_eq!(got, want, "{count} ids");
        }
    }
}
