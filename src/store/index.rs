//! Index keys and id sets.
//!
//! The directory layer computes an entry's [`IndexKey`]s from normalised values with
//! [`index_keys`]; the store only files ids under them. In the `index` tree every
//! (key, id) pair is its own sled key, `attr-len attr kind key-len key id` with the id
//! big-endian last, so:
//! - adding or removing an entry touches only its own keys: no read-modify-write of a
//!   shared id list, so writers to `objectClass=courierMailAccount` never contend;
//! - a prefix scan of `attr-len attr kind key-len key` yields the ids already sorted.
//!
//! Substring scheme: every 3-byte window of the value (tagged `*`), plus the first and
//! last 1..=3 bytes anchored (tagged `^` and `$`). Tags are a separate byte, so a `^` or
//! `$` inside a value cannot pass for an anchor. Mail searches are mostly `*@domain`,
//! `user*` and `*part*`; grams serve all three (prefix-only keys would miss `*@domain`),
//! and the anchored short grams answer one- and two-byte initial/final pieces that no
//! trigram covers. Cost: about `len + 4` keys per value (a 25-byte address: 29 keys).
//! Results are candidates: the caller re-checks the filter on each entry.

use super::EntryId;

/// Which kind of index an [`IndexKey`] belongs to (slapd's `eq`, `pres`, `sub`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IndexKind {
    /// Exact normalised value.
    Equality,
    /// The attribute is present at all.
    Presence,
    /// Grams of the normalised value, for substring filters.
    Substring,
}

impl IndexKind {
    fn tag(self) -> u8 {
        match self {
            IndexKind::Equality => b'e',
            IndexKind::Presence => b'p',
            IndexKind::Substring => b's',
        }
    }

    fn from_tag(tag: u8) -> Option<IndexKind> {
        [
            IndexKind::Equality,
            IndexKind::Presence,
            IndexKind::Substring,
        ]
        .into_iter()
        .find(|k| k.tag() == tag)
    }
}

/// One index key an entry is filed under.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct IndexKey {
    /// Lower-case canonical attribute name.
    pub attr: String,
    /// Equality, presence or substring.
    pub kind: IndexKind,
    /// The normalised value (equality), empty (presence) or a tagged gram (substring).
    pub key: Vec<u8>,
}

/// Gram length of the unanchored substring keys.
const GRAM: usize = 3;
const INNER: u8 = b'*';
const START: u8 = b'^';
const END: u8 = b'$';

/// The keys an entry with these normalised values of `attr` is filed under, for each
/// index kind configured on `attr`. Duplicates are removed; no values means no keys.
pub fn index_keys(attr: &str, kinds: &[IndexKind], normalized_values: &[Vec<u8>]) -> Vec<IndexKey> {
    let mut keys = Keys::new(attr);
    if normalized_values.is_empty() {
        return keys.out;
    }
    for kind in kinds {
        match kind {
            IndexKind::Presence => keys.push(IndexKind::Presence, Vec::new()),
            IndexKind::Equality => {
                for v in normalized_values {
                    keys.push(IndexKind::Equality, v.clone());
                }
            }
            IndexKind::Substring => {
                for v in normalized_values {
                    let n = v.len();
                    for len in 1..=n.min(GRAM) {
                        keys.push(IndexKind::Substring, tagged(START, &v[..len]));
                        keys.push(IndexKind::Substring, tagged(END, &v[n - len..]));
                    }
                    for w in v.windows(GRAM) {
                        keys.push(IndexKind::Substring, tagged(INNER, w));
                    }
                }
            }
        }
    }
    keys.out
}

/// The substring keys whose id sets, intersected, hold every entry whose `attr` matches
/// the assertion `initial*any*...*final` (pieces normalised like indexed values).
/// Empty when no piece narrows the search (e.g. only one-byte `any` pieces): the caller
/// then falls back to the presence index or the scope.
pub fn substring_query_keys(
    attr: &str,
    initial: Option<&[u8]>,
    any: &[Vec<u8>],
    final_: Option<&[u8]>,
) -> Vec<IndexKey> {
    let mut keys = Keys::new(attr);
    if let Some(s) = initial.filter(|s| !s.is_empty()) {
        keys.push(IndexKind::Substring, tagged(START, &s[..s.len().min(GRAM)]));
    }
    if let Some(s) = final_.filter(|s| !s.is_empty()) {
        keys.push(
            IndexKind::Substring,
            tagged(END, &s[s.len() - s.len().min(GRAM)..]),
        );
    }
    let pieces = initial
        .into_iter()
        .chain(any.iter().map(Vec::as_slice))
        .chain(final_);
    for piece in pieces {
        for w in piece.windows(GRAM) {
            keys.push(IndexKind::Substring, tagged(INNER, w));
        }
    }
    keys.out
}

/// Ids in both sorted lists.
pub fn intersect(a: &[EntryId], b: &[EntryId]) -> Vec<EntryId> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Ids in either sorted list, sorted and without duplicates.
pub fn union(a: &[EntryId], b: &[EntryId]) -> Vec<EntryId> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out.dedup();
    out
}

/// Keep only the ids of `ids` (any order, e.g. a scope in tree order) found in the
/// sorted list `allowed`, preserving the order of `ids`.
pub fn retain_in(ids: &mut Vec<EntryId>, allowed: &[EntryId]) {
    ids.retain(|id| allowed.binary_search(id).is_ok());
}

/// Collects keys for one attribute without duplicates, in first-seen order.
struct Keys {
    attr: String,
    /// A fast hash: an address files about 30 keys, each checked here (SipHash was
    /// a fiftieth of an import).
    seen: rustc_hash::FxHashSet<(IndexKind, Vec<u8>)>,
    out: Vec<IndexKey>,
}

impl Keys {
    fn new(attr: &str) -> Self {
        Keys {
            attr: attr.to_ascii_lowercase(),
            seen: Default::default(),
            out: Vec::new(),
        }
    }

    fn push(&mut self, kind: IndexKind, key: Vec<u8>) {
        if self.seen.insert((kind, key.clone())) {
            self.out.push(IndexKey {
                attr: self.attr.clone(),
                kind,
                key,
            });
        }
    }
}

fn tagged(tag: u8, bytes: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(bytes.len() + 1);
    k.push(tag);
    k.extend_from_slice(bytes);
    k
}

/// The `index` tree prefix under which the ids of `key` are filed. Length prefixes
/// keep `attr`/`key` boundaries unambiguous whatever bytes they hold; the attribute is
/// lower-cased again here so that filing and lookup can never disagree on case.
pub(crate) fn tree_prefix(key: &IndexKey) -> Vec<u8> {
    key_bytes(key, 0)
}

/// `key`'s tree prefix in a buffer with room for `more` bytes after it, allocated
/// once: these are built for every probe.
fn key_bytes(key: &IndexKey, more: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(4 + key.attr.len() + 1 + 4 + key.key.len() + more);
    push_tree_prefix(&mut p, key);
    p
}

/// `key`'s tree prefix in `out` (cleared first): a bulk load builds one per key
/// filed, in one buffer.
pub(crate) fn push_tree_prefix(out: &mut Vec<u8>, key: &IndexKey) {
    out.clear();
    push_attr_prefix(out, &key.attr, key.kind);
    out.extend_from_slice(&(key.key.len() as u32).to_be_bytes());
    out.extend_from_slice(&key.key);
}

/// The `index` tree prefix of every key of `kind` filed for `attr`, whatever the value.
pub(crate) fn attr_prefix(attr: &str, kind: IndexKind) -> Vec<u8> {
    let mut p = Vec::with_capacity(4 + attr.len() + 1);
    push_attr_prefix(&mut p, attr, kind);
    p
}

fn push_attr_prefix(p: &mut Vec<u8>, attr: &str, kind: IndexKind) {
    p.extend_from_slice(&(attr.len() as u32).to_be_bytes());
    p.extend(attr.bytes().map(|b| b.to_ascii_lowercase()));
    p.push(kind.tag());
}

/// The `index` tree key filing `id` under `key`.
pub(crate) fn tree_key(key: &IndexKey, id: EntryId) -> Vec<u8> {
    let mut k = key_bytes(key, 8);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The key and id an `index` tree key files: the inverse of [`tree_key`], `None` for
/// bytes it cannot have written (verify reports those as damage).
pub(crate) fn parse_tree_key(raw: &[u8]) -> Option<(IndexKey, EntryId)> {
    let (attr, rest) = split_counted(raw)?;
    let (&tag, rest) = rest.split_first()?;
    let (key, id) = split_counted(rest)?;
    let id: [u8; 8] = id.try_into().ok()?;
    let key = IndexKey {
        attr: String::from_utf8(attr.to_vec()).ok()?,
        kind: IndexKind::from_tag(tag)?,
        key: key.to_vec(),
    };
    Some((key, EntryId::from_be_bytes(id)))
}

/// A u32-length-prefixed field and what follows it.
fn split_counted(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(v: &str) -> Vec<Vec<u8>> {
        index_keys("mail", &[IndexKind::Substring], &[v.as_bytes().to_vec()])
            .into_iter()
            .map(|k| k.key)
            .collect()
    }

    #[test]
    fn presence_once_equality_per_value() {
        let vals = vec![b"a".to_vec(), b"b".to_vec()];
        let keys = index_keys("Mail", &[IndexKind::Presence, IndexKind::Equality], &vals);
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.attr == "mail"));
        assert!(index_keys("mail", &[IndexKind::Presence], &[]).is_empty());
    }

    #[test]
    fn substring_grams_have_anchors_and_trigrams() {
        let k = subs("abcd");
        for want in ["^a", "^ab", "^abc", "$d", "$cd", "$bcd", "*abc", "*bcd"] {
            assert!(k.contains(&want.as_bytes().to_vec()), "missing {want}");
        }
        assert_eq!(k.len(), 8);
        // A literal '^' in the value is an inner gram, not an anchor.
        assert!(!subs("x^ab").contains(&b"^ab".to_vec()));
    }

    #[test]
    fn query_keys_are_a_subset_of_a_matching_values_keys() {
        let value = subs("user1@domain1.example");
        let q = substring_query_keys(
            "mail",
            Some(b"us"),
            &[b"r1@".to_vec()],
            Some(b"@domain1.example"),
        );
        assert!(!q.is_empty());
        for k in &q {
            assert!(
                value.contains(&k.key),
                "{:?}",
                String::from_utf8_lossy(&k.key)
            );
        }
        assert!(substring_query_keys("mail", None, &[b"ab".to_vec()], None).is_empty());
    }

    #[test]
    fn id_sets() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 7, 9]), vec![3, 7]);
        assert_eq!(union(&[1, 3], &[2, 3]), vec![1, 2, 3]);
        let mut ids = vec![9, 1, 5];
        retain_in(&mut ids, &[1, 9]);
        assert_eq!(ids, vec![9, 1]);
    }

    #[test]
    fn tree_keys_do_not_collide_across_attrs() {
        let a = IndexKey {
            attr: "ab".into(),
            kind: IndexKind::Equality,
            key: b"c".to_vec(),
        };
        let b = IndexKey {
            attr: "a".into(),
            kind: IndexKind::Equality,
            key: b"bc".to_vec(),
        };
        assert!(!tree_key(&a, 1).starts_with(&tree_prefix(&b)));
        assert!(tree_key(&a, 1).starts_with(&tree_prefix(&a)));
        assert_eq!(parse_tree_key(&tree_key(&a, 7)), Some((a.clone(), 7)));
        let raw = tree_key(&b, 9);
        assert!((0..raw.len()).all(|n| parse_tree_key(&raw[..n]).is_none()));
    }
}
