//! Bulk load of an empty directory (`mailldap import` into a fresh store, as
//! `slapadd -q` loads one): every entry is checked, completed and stamped exactly as
//! an import's add ([`Directory::add_with`] with [`Origin::Import`]), then handed to
//! the store's [`BulkLoader`], which writes without a transaction or an fsync per
//! entry. What that add asks the store (is the parent there, does another entry hold
//! this unique value or this mailbox) is answered from what the load holds in memory:
//! in an empty store, only the entries loaded so far can answer yes.

use super::guard::{mailbox_taken, unique_taken};
use super::replication::entry_csn;
use super::{store_err, Directory, Origin};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::schema::{MissingAttribute, MissingMust};
use crate::store::{BulkLoader, EntryId};
use rustc_hash::FxHashMap;

/// An empty directory being loaded; the store is written and made durable by
/// [`BulkAdd::finish`] (dropped unfinished, it holds whatever was written so far,
/// which only a thrown-away staging copy may).
pub struct BulkAdd<'d> {
    dir: &'d Directory,
    loader: BulkLoader<'d>,
    /// (position in the unique attributes, equality key) -> the entry holding it.
    /// A fast hash: every entry of a million-entry import claims its mail here (SipHash
    /// was 2.6% of the import's samples).
    unique: FxHashMap<(usize, Vec<u8>), EntryId>,
    /// (mailbox path, equality key of its mailbox value) -> the account using it.
    mailboxes: FxHashMap<(String, Vec<u8>), EntryId>,
    /// Entries loaded, not yet handed back by [`BulkAdd::take_spent`].
    spent: Vec<Entry>,
}

impl Directory {
    /// A bulk load, or `None` when the store is not empty (add through
    /// [`Directory::add_with`], which checks against what is stored).
    pub fn bulk_add(&self) -> Result<Option<BulkAdd<'_>>, LdapError> {
        let loader = self.store.bulk_loader().map_err(store_err)?;
        Ok(loader.map(|loader| BulkAdd {
            dir: self,
            loader,
            unique: FxHashMap::default(),
            mailboxes: FxHashMap::default(),
            spent: Vec::new(),
        }))
    }
}

impl Directory {
    /// The checks and completion of [`Directory::add_with`] for an
    /// [`Origin::Import`] entry that need nothing stored (so any thread may run them
    /// ahead of the load), in the same order, with the same errors.
    pub fn bulk_prepare(
        &self,
        entry: Entry,
        actor: &str,
        missing: MissingMust,
    ) -> Result<Prepared, LdapError> {
        self.check_addable_name(&entry.dn)?;
        let (entry, absent) = self.prepare_new(entry, actor, Origin::Import, missing)?;
        let claims = self.claims(&entry);
        Ok(Prepared {
            entry,
            absent,
            claims,
        })
    }

    /// What `entry` would hold that no other entry may: its unique values (with the
    /// value as written, for the message) and its mailbox paths, as the guard reads
    /// them (`guard_write`).
    fn claims(&self, entry: &Entry) -> Vec<Claim> {
        let mut claims = Vec::new();
        for (i, attr) in self.policy.unique.iter().enumerate() {
            let Some(at) = self.schema.attribute(attr) else {
                continue;
            };
            for v in self.described(entry, attr) {
                claims.push(Claim::Unique((i, at.eq_key(v)), v.to_vec()));
            }
        }
        if self.policy.mailbox_guard {
            let at = self.schema.attribute("mailbox");
            for (path, mailbox) in self.mailbox_paths(entry) {
                let key = at.map_or_else(|| mailbox.clone(), |at| at.eq_key(&mailbox));
                claims.push(Claim::Mailbox((path, key)));
            }
        }
        claims
    }
}

/// An entry checked, completed and stamped by [`Directory::bulk_prepare`], with
/// what it holds that no other entry may; not stored yet. Its index keys are worked
/// out by [`BulkAdd::add_prepared`], on the loading thread: with the checks on every
/// core and the load on one, that keeps the two sides about even (perf of a 1M
/// import's main phase: the loader 46% of the samples, the checks 49%).
pub struct Prepared {
    entry: Entry,
    absent: Vec<MissingAttribute>,
    claims: Vec<Claim>,
}

impl BulkAdd<'_> {
    /// The rest of [`Directory::add_with`] for an entry [`Directory::bulk_prepare`]
    /// made, in the same order with the same errors: the parent, then the unique
    /// values and mailboxes against what was loaded, then the store.
    pub fn add_prepared(&mut self, prepared: Prepared) -> Result<Vec<MissingAttribute>, LdapError> {
        let Prepared {
            entry,
            absent,
            claims,
        } = prepared;
        // Built once: the parent's key is a prefix of it.
        let dn_key = entry.dn.tree_key();
        if !entry.dn.same_as(&self.dir.suffix) {
            let parent = Dn::parent_tree_key(&dn_key).unwrap_or_default();
            if !self.loader.holds(parent) {
                return Err(self.no_such_object(&entry.dn));
            }
        }
        self.guard(&dn_key, &claims)?;
        let keys = self.dir.index_keys(&entry);
        let csn = entry_csn(&entry).unwrap_or_default();
        let id = self
            .loader
            .add(&entry, dn_key, &keys, csn)
            .map_err(store_err)?;
        for claim in claims {
            match claim {
                Claim::Unique(k, _) => self.unique.insert(k, id),
                Claim::Mailbox(k) => self.mailboxes.insert(k, id),
            };
        }
        self.spent.push(entry);
        Ok(absent)
    }

    /// The entries loaded since the last call, for the thread that built them to
    /// free: glibc's malloc takes the lock of the arena a block came from, and
    /// freeing the checking thread's blocks here made the two threads queue on that
    /// lock (perf: 120k context switches for 124k entries, in realloc and malloc).
    pub fn take_spent(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.spent)
    }

    /// How many entries [`BulkAdd::take_spent`] would hand back.
    pub fn spent(&self) -> usize {
        self.spent.len()
    }

    /// Make room for about `entries` more entries (an import knows how many it adds).
    pub fn reserve(&mut self, entries: usize) {
        self.loader.reserve(entries);
        self.unique.reserve(entries);
    }

    /// Entries loaded so far.
    pub fn len(&self) -> usize {
        self.loader.len()
    }

    /// Whether nothing was loaded yet.
    pub fn is_empty(&self) -> bool {
        self.loader.is_empty()
    }

    /// Write the rest and make the load durable; returns the number of entries.
    pub fn finish(self) -> Result<usize, LdapError> {
        self.loader.finish().map_err(store_err)
    }

    /// The guard's refusal of the entry whose tree key is `dn_key` when an entry
    /// already loaded holds one of its claims: unique values first, then mailboxes,
    /// as `guard_write` checks them. An entry of the same name is skipped (the loader
    /// then refuses the name itself).
    fn guard(&mut self, dn_key: &[u8], claims: &[Claim]) -> Result<(), LdapError> {
        for claim in claims {
            let holder = match claim {
                Claim::Unique(k, _) => self.unique.get(k),
                Claim::Mailbox(k) => self.mailboxes.get(k),
            };
            // Looked up only when a claim is held: nearly every entry's are free.
            let Some(&holder) = holder.filter(|h| !self.loader.loaded_as(dn_key, **h)) else {
                continue;
            };
            let other = self.dn_of(holder)?;
            return Err(match claim {
                Claim::Unique((i, _), v) => unique_taken(&self.dir.policy.unique[*i], v, &other),
                Claim::Mailbox((path, _)) => mailbox_taken(path, &other),
            });
        }
        Ok(())
    }

    /// The DN of the loaded entry `id`, as the guard names it.
    fn dn_of(&mut self, id: EntryId) -> Result<String, LdapError> {
        let entry = self.loader.get_by_id(id).map_err(store_err)?;
        Ok(entry.map(|e| e.dn.to_string()).unwrap_or_default())
    }

    /// noSuchObject for `dn`, matched at its deepest loaded ancestor, as
    /// [`Directory::no_such_object`] answers from the store.
    fn no_such_object(&self, dn: &Dn) -> LdapError {
        let mut ancestor = dn.parent();
        while let Some(a) = ancestor.filter(|a| !a.is_root()) {
            if self.loader.exists(&a) {
                return LdapError::no_such_object(a.to_string());
            }
            ancestor = a.parent();
        }
        LdapError::no_such_object("")
    }
}

/// Something an entry holds that no other entry may.
enum Claim {
    /// A unique attribute's value: its key, and the value as written.
    Unique((usize, Vec<u8>), Vec<u8>),
    /// A mailbox path with its mailbox value's key.
    Mailbox((String, Vec<u8>)),
}
