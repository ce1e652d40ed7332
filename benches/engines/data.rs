//! The generated directory: N accounts spread over D domains, in mailldap's key layout
//! (src/store: `id2entry`, `dn2id`, `index`), rebuilt here rather than imported so the
//! bench measures the engines, not the crate, and keeps working while src/store changes.
//!
//! Everything is a function of the account number and a version, so the parent, the
//! writers and the crash child agree on what a record should hold without sharing state.

use rand::{Rng as _, RngCore as _, SeedableRng as _};

/// Index keys filed per account (see [`Account::index_keys`]).
pub const KEYS_PER_ENTRY: usize = 9;

/// The objectClass values every account carries, normalised (lower case).
const OBJECT_CLASSES: [&str; 3] = ["top", "inetorgperson", "couriermailaccount"];

/// The index kind tags of src/store/index.rs.
const EQUALITY: u8 = b'e';
const SUBSTRING: u8 = b's';

/// How many accounts, over how many domains.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Accounts (entries) in the store.
    pub entries: u64,
    /// Domains they are spread over, `per_domain` accounts each (the last one short).
    pub domains: u64,
}

impl Shape {
    /// Accounts per domain, rounded up so that `domains` domains hold every entry.
    pub fn per_domain(&self) -> u64 {
        self.entries.div_ceil(self.domains.max(1)).max(1)
    }

    /// Account number `n` (0-based; its id is `n + 1`).
    pub fn account(&self, n: u64) -> Account {
        let per = self.per_domain();
        Account {
            id: n + 1,
            domain: n / per,
            local: n % per,
        }
    }
}

/// One generated account.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    /// Its entry id, the `id2entry` key (big-endian) and `dn2id` value.
    pub id: u64,
    /// Its domain number.
    pub domain: u64,
    /// Its number within the domain.
    pub local: u64,
}

impl Account {
    /// The `dn2id` key of `cn=userL,dc=exampleDDDD.com,o=hosting`: normalised RDNs
    /// root-first, each NUL-terminated (src/dn Dn::tree_key).
    pub fn dn_key(&self) -> Vec<u8> {
        format!(
            "o=hosting\0dc=example{:04}.com\0cn=user{}\0",
            self.domain, self.local
        )
        .into_bytes()
    }

    /// The account's mail address, normalised.
    pub fn mail(&self) -> String {
        format!("user{}@example{:04}.com", self.local, self.domain)
    }

    /// The uid value after `version` modifications (the writers change it).
    pub fn uid(&self, version: u32) -> String {
        match version {
            0 => format!("user{}-{:04}", self.local, self.domain),
            v => format!("user{}-{:04}-v{v}", self.local, self.domain),
        }
    }

    /// The `uid` equality key (the one the writers remove and add).
    pub fn uid_key(&self, version: u32) -> Vec<u8> {
        index_key("uid", EQUALITY, self.uid(version).as_bytes(), self.id)
    }

    /// The account's [`KEYS_PER_ENTRY`] index keys: objectClass equality x3, mail
    /// equality, four mail substring grams (hot anchors shared by all, and two
    /// selective inner trigrams) and uid equality.
    pub fn index_keys(&self) -> [Vec<u8>; KEYS_PER_ENTRY] {
        let mail = self.mail();
        let m = mail.as_bytes();
        let at = mail.find('@').unwrap_or(1).max(1);
        let digits = at + "@example".len() + 1;
        let gram = |tag: u8, bytes: &[u8]| {
            let mut g = vec![tag];
            g.extend_from_slice(bytes);
            index_key("mail", SUBSTRING, &g, self.id)
        };
        let oc = |n: usize| {
            index_key(
                "objectclass",
                EQUALITY,
                OBJECT_CLASSES[n].as_bytes(),
                self.id,
            )
        };
        [
            oc(0),
            oc(1),
            oc(2),
            index_key("mail", EQUALITY, m, self.id),
            gram(b'^', &m[..3]),
            gram(b'$', &m[m.len() - 3..]),
            gram(b'*', &m[at - 1..at + 2]),
            gram(b'*', &m[digits..digits + 3]),
            self.uid_key(0),
        ]
    }

    /// The index prefix under which this account's mail equality id is filed.
    pub fn mail_prefix(&self) -> Vec<u8> {
        index_prefix("mail", EQUALITY, self.mail().as_bytes())
    }
}

/// The prefix of every `objectClass=courierMailAccount` key: one per account.
pub fn object_class_prefix() -> Vec<u8> {
    index_prefix("objectclass", EQUALITY, OBJECT_CLASSES[2].as_bytes())
}

/// `attr-len attr kind key-len key` (lengths u32 big-endian): src/store/index.rs
/// tree_prefix, under which the ids of one index key sort in id order.
pub fn index_prefix(attr: &str, kind: u8, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(attr.len() + key.len() + 17);
    k.extend_from_slice(&(attr.len() as u32).to_be_bytes());
    k.extend_from_slice(attr.as_bytes());
    k.push(kind);
    k.extend_from_slice(&(key.len() as u32).to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// One `index` row: the prefix, then the id big-endian (the value is empty).
pub fn index_key(attr: &str, kind: u8, key: &[u8], id: u64) -> Vec<u8> {
    let mut k = index_prefix(attr, kind, key);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The `id2entry` record of `id` at `version`: 350..=450 pseudo-random bytes, about
/// the size of an encoded mail account, from an rng seeded by both so any process can
/// recompute what a record must hold.
pub fn record(id: u64, version: u32) -> Vec<u8> {
    let seed = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(version);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = vec![0; rng.gen_range(350..=450)];
    rng.fill_bytes(&mut out);
    out
}

/// Rows (key, value) packed in one buffer and sorted by key, so that 9 million index
/// keys cost their bytes plus 8 bytes each rather than an allocation each.
pub struct SortedRows {
    buf: Vec<u8>,
    /// Start offset << 16 | length of each row (key then value) in `buf`.
    spans: Vec<u64>,
    /// Every row's value is its last `value_len` bytes.
    value_len: usize,
}

impl SortedRows {
    /// Empty rows whose values are all `value_len` bytes long.
    pub fn new(value_len: usize, rows: usize, bytes: usize) -> SortedRows {
        SortedRows {
            buf: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(rows),
            value_len,
        }
    }

    /// Append a row (sorted later by [`SortedRows::sort`]).
    pub fn push(&mut self, key: &[u8], value: &[u8]) {
        debug_assert_eq!(value.len(), self.value_len);
        let len = key.len() + value.len();
        assert!(len < 1 << 16, "row too long for a span");
        self.spans
            .push(((self.buf.len() as u64) << 16) | len as u64);
        self.buf.extend_from_slice(key);
        self.buf.extend_from_slice(value);
    }

    /// Sort the rows by key, the order every engine loads fastest.
    pub fn sort(&mut self) {
        let (buf, v) = (&self.buf, self.value_len);
        self.spans
            .sort_unstable_by(|a, b| split(buf, *a, v).0.cmp(split(buf, *b, v).0));
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Row `n` as (key, value).
    pub fn row(&self, n: usize) -> (&[u8], &[u8]) {
        split(&self.buf, self.spans[n], self.value_len)
    }
}

fn split(buf: &[u8], span: u64, value_len: usize) -> (&[u8], &[u8]) {
    let start = (span >> 16) as usize;
    let row = &buf[start..start + (span & 0xffff) as usize];
    row.split_at(row.len() - value_len)
}

/// The `dn2id` and `index` rows of the whole shape, sorted; `id2entry` is generated
/// in id order as it is loaded, as its keys already sort.
pub struct Dataset {
    /// The shape generated.
    pub shape: Shape,
    /// `dn2id`: tree key -> id.
    pub dn2id: SortedRows,
    /// `index`: one key per (index key, id), empty values.
    pub index: SortedRows,
}

impl Dataset {
    /// Generate and sort every row of `shape`.
    pub fn generate(shape: Shape) -> Dataset {
        let n = shape.entries as usize;
        let mut dn2id = SortedRows::new(8, n, n * 48);
        let mut index = SortedRows::new(0, n * KEYS_PER_ENTRY, n * KEYS_PER_ENTRY * 40);
        for i in 0..shape.entries {
            let a = shape.account(i);
            dn2id.push(&a.dn_key(), &a.id.to_be_bytes());
            for k in a.index_keys() {
                index.push(&k, &[]);
            }
        }
        dn2id.sort();
        index.sort();
        Dataset {
            shape,
            dn2id,
            index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_store() {
        let a = Shape {
            entries: 10,
            domains: 2,
        }
        .account(7);
        assert_eq!(a.dn_key(), b"o=hosting\0dc=example0001.com\0cn=user2\0");
        let keys = a.index_keys();
        assert!(keys.iter().all(|k| k.ends_with(&8u64.to_be_bytes())));
        assert!(keys[3].starts_with(&a.mail_prefix()));
        assert_eq!(&keys[0][..4], &11u32.to_be_bytes());
        assert_eq!(record(3, 0), record(3, 0));
        assert_ne!(record(3, 0), record(3, 1));
    }
}
