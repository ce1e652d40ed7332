//! What the bench asks of a storage engine, in mailldap's terms: three tables, one
//! multi-table durable transaction per write, a read snapshot per lookup. Each engine
//! implements it in its own module the way mailldap's store would use it.

use anyhow::{bail, Result};
use std::path::Path;

/// mailldap's three tables (src/store/mod.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Big-endian id -> record.
    Id2Entry,
    /// Tree key -> big-endian id.
    Dn2Id,
    /// One key per (index key, id), empty values.
    Index,
}

impl Table {
    /// All three, in the order an import loads them.
    pub const ALL: [Table; 3] = [Table::Id2Entry, Table::Dn2Id, Table::Index];

    /// The table's name in the engine (a sled tree, a redb table, an LMDB database).
    pub fn name(self) -> &'static str {
        match self {
            Table::Id2Entry => "id2entry",
            Table::Dn2Id => "dn2id",
            Table::Index => "index",
        }
    }
}

/// One change inside a transaction.
#[derive(Clone, Copy, Debug)]
pub enum Op<'a> {
    /// Insert or replace `key` -> `value`.
    Put(Table, &'a [u8], &'a [u8]),
    /// Remove `key` (absent is not an error).
    Del(Table, &'a [u8]),
}

/// Rows handed to [`Engine::load`] in one buffer, reused from batch to batch.
#[derive(Default)]
pub struct Batch {
    buf: Vec<u8>,
    /// (start, key length, value length) of each row in `buf`.
    rows: Vec<(usize, usize, usize)>,
}

impl Batch {
    /// Forget the rows, keep the memory.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.rows.clear();
    }

    /// Append a row.
    pub fn push(&mut self, key: &[u8], value: &[u8]) {
        self.rows.push((self.buf.len(), key.len(), value.len()));
        self.buf.extend_from_slice(key);
        self.buf.extend_from_slice(value);
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows as (key, value), in the order pushed.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.rows.iter().map(|&(start, k, v)| {
            let row = &self.buf[start..start + k + v];
            row.split_at(k)
        })
    }
}

/// A storage engine holding mailldap's tables, shared by the bench's threads.
pub trait Engine: Sync {
    /// Rows per [`Engine::load`] call the import should hand it.
    fn load_rows(&self) -> usize;

    /// Append `rows`, sorted and above every key already in `table`, to an import in
    /// progress; not durable until [`Engine::sync`].
    fn load(&self, table: Table, rows: &Batch) -> Result<()>;

    /// Make everything loaded durable.
    fn sync(&self) -> Result<()>;

    /// `dn2id` then `id2entry` in one read snapshot; the wrapping sum of every byte
    /// of the record, so the record is really read. An error when the DN is missing.
    fn lookup(&self, dn: &[u8]) -> Result<u64>;

    /// The ids filed under the `index` prefix `prefix`, at most `limit` of them.
    fn scan(&self, prefix: &[u8], limit: usize) -> Result<usize>;

    /// Apply `ops` in one transaction and return once it is durable.
    fn commit(&self, ops: &[Op]) -> Result<()>;

    /// Every row of `table` (crash checks, on small stores only).
    fn rows(&self, table: Table) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
}

/// The engines measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// sled 0.34, mailldap's engine today.
    Sled,
    /// redb 4.
    Redb,
    /// LMDB through heed 0.22.
    Lmdb,
}

impl Kind {
    /// The engine named `name` (sled, redb, lmdb).
    pub fn parse(name: &str) -> Result<Kind> {
        Ok(match name.trim() {
            "sled" => Kind::Sled,
            "redb" => Kind::Redb,
            "lmdb" => Kind::Lmdb,
            other => bail!("unknown engine {other:?} (sled, redb, lmdb)"),
        })
    }

    /// The engine's name as the command line and the report spell it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sled => "sled",
            Kind::Redb => "redb",
            Kind::Lmdb => "lmdb",
        }
    }

    /// Open (or create) this engine's store in the directory `dir`, with `cache_mb`
    /// MiB of in-process cache where the engine has one (LMDB uses the page cache).
    pub fn open(self, dir: &Path, cache_mb: u64) -> Result<Box<dyn Engine>> {
        std::fs::create_dir_all(dir)?;
        let cache = cache_mb.saturating_mul(1 << 20);
        Ok(match self {
            Kind::Sled => Box::new(crate::sled_engine::SledEngine::open(dir, cache)?),
            Kind::Redb => Box::new(crate::redb_engine::RedbEngine::open(dir, cache)?),
            Kind::Lmdb => Box::new(crate::lmdb_engine::LmdbEngine::open(dir)?),
        })
    }
}

/// Bytes a directory tree takes: (allocated, i.e. st_blocks * 512; apparent length).
/// Both, since a sparse file (LMDB's map) or preallocated log (sled) differ.
pub fn disk_usage(dir: &Path) -> Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let (mut allocated, mut apparent) = (0, 0);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (a, b) = disk_usage(&entry.path())?;
            allocated += a;
            apparent += b;
        } else {
            allocated += meta.blocks() * 512;
            apparent += meta.len();
        }
    }
    Ok((allocated, apparent))
}

/// The wrapping sum of `bytes`: touches each one so a lookup cannot skip the read.
pub fn touch(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0u64, |sum, &b| sum.wrapping_add(u64::from(b)))
}
