//! The directory: schema enforcement, operational attributes and index upkeep around
//! the store. One write at a time (a mutex), each write one durable store transaction.

use crate::config::{Config, SchemaCheck};
use crate::dn::{Dn, Rdn};
use crate::entry::{Entry, ModOp, Modification};
use crate::error::{LdapError, ResultCode};
use crate::password;
use crate::schema::{Schema, SchemaMode, SchemaViolation};
use crate::store::{IndexKind, Store, StoreError};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

mod guard;
mod index;
pub use guard::mailbox_path;
pub use index::{in_scope, CandidateStats};

/// Operational attributes a client may never write; slapadd-style imports keep them.
const SERVER_MANAGED: &[&str] = &[
    "entryUUID",
    "entryCSN",
    "createTimestamp",
    "modifyTimestamp",
    "creatorsName",
    "modifiersName",
    "structuralObjectClass",
];

/// Attributes computed when an entry is read, never stored.
pub const VIRTUAL_ATTRS: &[&str] = &["hasSubordinates", "entryDN", "subschemaSubentry"];

/// The DN of the subschema subentry.
pub const SUBSCHEMA_DN: &str = "cn=Subschema";

/// Where an add comes from: a client over the wire, or an offline import that keeps
/// the operational attributes it is given (as slapadd does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A protocol operation.
    Client,
    /// `mailldap import` or `--demo`.
    Import,
}

/// The directory service the operations call.
pub struct Directory {
    store: Store,
    schema: Schema,
    suffix: Dn,
    mode: SchemaMode,
    indexes: Vec<(String, Vec<IndexKind>)>,
    password: password::HashParams,
    hash_cleartext: bool,
    write_lock: Mutex<()>,
    csn_seq: AtomicU32,
    unique: Vec<String>,
    mailbox_guard: bool,
}

fn store_err(e: StoreError) -> LdapError {
    match e {
        StoreError::AlreadyExists => {
            LdapError::new(ResultCode::EntryAlreadyExists, "entry already exists")
        }
        StoreError::NotLeaf => LdapError::new(
            ResultCode::NotAllowedOnNonLeaf,
            "subordinate objects must be deleted first",
        ),
        StoreError::NoSuchEntry => LdapError::no_such_object(""),
        other => LdapError::internal(other),
    }
}

fn schema_err(v: SchemaViolation) -> LdapError {
    let (code, msg) = match v {
        SchemaViolation::ObjectClassViolation(m) => (ResultCode::ObjectClassViolation, m),
        SchemaViolation::UndefinedAttributeType(m) => (ResultCode::UndefinedAttributeType, m),
        SchemaViolation::InvalidAttributeSyntax(m) => (ResultCode::InvalidAttributeSyntax, m),
        SchemaViolation::ConstraintViolation(m) => (ResultCode::ConstraintViolation, m),
        SchemaViolation::NamingViolation(m) => (ResultCode::NamingViolation, m),
        SchemaViolation::AttributeOrValueExists(m) => (ResultCode::AttributeOrValueExists, m),
    };
    LdapError::new(code, msg)
}

/// GeneralizedTime now, as slapd writes createTimestamp.
fn now_generalized() -> String {
    chrono::Utc::now().format("%Y%m%d%H%M%SZ").to_string()
}

impl Directory {
    /// Open the store under the configured data directory and load the schema.
    pub fn open(config: &Config) -> Result<Directory, LdapError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            LdapError::internal(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        Self::open_at(&config.data_dir.join("store"), config)
    }

    /// Open the store at an explicit path (import stages into a copy).
    pub fn open_at(path: &std::path::Path, config: &Config) -> Result<Directory, LdapError> {
        let store = Store::open(path).map_err(store_err)?;
        Self::with_store(store, config)
    }

    /// Build a directory around an already open store (tests use a temporary one).
    pub fn with_store(store: Store, config: &Config) -> Result<Directory, LdapError> {
        let mut schema = Schema::builtin();
        for path in &config.schema_files {
            let text = std::fs::read_to_string(path).map_err(|e| {
                LdapError::internal(format!("cannot read schema {}: {e}", path.display()))
            })?;
            schema
                .load_file_text(&text, &path.display().to_string())
                .map_err(|e| LdapError::new(ResultCode::Other, e.to_string()))?;
        }
        let suffix = Dn::parse(&config.suffix)
            .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))?;
        let mut indexes = Vec::new();
        for (attr, kinds) in &config.indexes {
            let name = schema.canonical_attr_name(attr).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("indexes: {attr}: attribute type undefined"),
                )
            })?;
            let kinds = kinds
                .iter()
                .map(|k| match k.as_str() {
                    "eq" => IndexKind::Equality,
                    "pres" => IndexKind::Presence,
                    _ => IndexKind::Substring,
                })
                .collect();
            indexes.push((name.to_ascii_lowercase(), kinds));
        }
        let scheme =
            password::PasswordScheme::from_tag(&config.password.scheme).ok_or_else(|| {
                LdapError::new(
                    ResultCode::Other,
                    format!(
                        "password.scheme: unknown scheme {:?}",
                        config.password.scheme
                    ),
                )
            })?;
        let params = password::HashParams {
            scheme,
            argon2_memory_kib: config.password.argon2_memory_kib,
            argon2_iterations: config.password.argon2_iterations,
            argon2_parallelism: config.password.argon2_parallelism,
            ..password::HashParams::default()
        };
        let mut unique = Vec::new();
        for a in &config.unique_attributes {
            unique.push(schema.canonical_attr_name(a).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("unique_attributes: {a}: attribute type undefined"),
                )
            })?);
        }
        let dir = Directory {
            store,
            schema,
            suffix,
            mode: match config.schema_check {
                SchemaCheck::Lenient => SchemaMode::Lenient,
                SchemaCheck::Strict => SchemaMode::Strict,
            },
            indexes,
            password: params,
            hash_cleartext: config.password.hash_cleartext,
            write_lock: Mutex::new(()),
            csn_seq: AtomicU32::new(0),
            unique,
            mailbox_guard: config.mailbox_guard,
        };
        dir.reindex_if_needed()?;
        Ok(dir)
    }

    /// The schema in force.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How new password hashes are made.
    pub fn hash_params(&self) -> password::HashParams {
        self.password.clone()
    }

    /// The naming context served.
    pub fn suffix(&self) -> &Dn {
        &self.suffix
    }

    /// Number of entries stored.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// True when nothing is stored yet.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    fn reindex_if_needed(&self) -> Result<(), LdapError> {
        let wanted = format!("{:?}", self.indexes);
        if self.store.index_config().map_err(store_err)?.as_deref() == Some(wanted.as_str()) {
            return Ok(());
        }
        self.store
            .reindex(&|e: &Entry| self.index_keys(e))
            .map_err(store_err)?;
        self.store.set_index_config(&wanted).map_err(store_err)
    }

    /// Serialise writers: parent checks and index upkeep then need no retries.
    fn lock_writes(&self) -> Result<std::sync::MutexGuard<'_, ()>, LdapError> {
        self.write_lock
            .lock()
            .map_err(|_| LdapError::internal("lock poisoned"))
    }

    /// The stored entry and its id, or noSuchObject with the matchedDN.
    fn fetch(&self, dn: &Dn) -> Result<(crate::store::EntryId, Entry), LdapError> {
        self.store
            .get(dn)
            .map_err(store_err)?
            .ok_or_else(|| self.no_such_object(dn))
    }

    /// Fetch an entry by DN (stored attributes only).
    pub fn get(&self, dn: &Dn) -> Result<Option<Entry>, LdapError> {
        Ok(self.store.get(dn).map_err(store_err)?.map(|(_, e)| e))
    }

    /// Whether the entry has children.
    pub fn has_children(&self, dn: &Dn) -> Result<bool, LdapError> {
        self.store.has_children(dn).map_err(store_err)
    }

    /// noSuchObject for `dn`, with the deepest existing ancestor as matchedDN.
    pub fn no_such_object(&self, dn: &Dn) -> LdapError {
        let mut cur = dn.parent();
        while let Some(d) = cur {
            if d.is_root() {
                break;
            }
            if matches!(self.store.exists(&d), Ok(true)) {
                return LdapError::no_such_object(d.to_string());
            }
            cur = d.parent();
        }
        LdapError::no_such_object("")
    }

    /// Resolve attribute names to their schema spelling and merge repeats.
    fn canonicalize(&self, entry: Entry) -> Result<Entry, LdapError> {
        let mut out = Entry::new(entry.dn);
        for a in entry.attrs {
            let name = self.schema.canonical_attr_name(&a.name).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("{}: attribute type undefined", a.name),
                )
            })?;
            if a.values.is_empty() {
                return Err(LdapError::new(
                    ResultCode::ProtocolError,
                    format!("{name}: no values given"),
                ));
            }
            out.add_values(&name, a.values);
        }
        Ok(out)
    }

    /// RFC 4511 4.7: the RDN's values belong to the entry even when the client left them out.
    fn add_rdn_values(&self, entry: &mut Entry) -> Result<(), LdapError> {
        let Some(rdn) = entry.dn.rdn().cloned() else {
            return Ok(());
        };
        for ava in &rdn.avas {
            let name = self.schema.canonical_attr_name(&ava.attr).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("{}: attribute type undefined in the RDN", ava.attr),
                )
            })?;
            let at = self
                .schema
                .attribute(&name)
                .ok_or_else(|| LdapError::internal("schema"))?;
            let present = entry
                .values(&name)
                .iter()
                .any(|v| at.values_equal(v, ava.value.as_bytes()));
            if !present {
                entry.add_values(&name, [ava.value.clone().into_bytes()]);
            }
        }
        Ok(())
    }

    fn check_duplicates(&self, entry: &Entry) -> Result<(), LdapError> {
        for a in &entry.attrs {
            let Some(at) = self.schema.attribute(&a.name) else {
                continue;
            };
            let mut keys: Vec<Vec<u8>> = a.values.iter().map(|v| at.eq_key(v)).collect();
            keys.sort();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return Err(LdapError::new(
                    ResultCode::AttributeOrValueExists,
                    format!("{}: duplicate value", a.name),
                ));
            }
        }
        Ok(())
    }

    fn hash_passwords(&self, entry: &mut Entry) -> Result<(), LdapError> {
        if !self.hash_cleartext {
            return Ok(());
        }
        if let Some(a) = entry.get_mut("userPassword") {
            for v in a.values.iter_mut() {
                if !password::is_hashed(v) {
                    let plain = match v.strip_prefix(b"{CLEARTEXT}".as_slice()) {
                        Some(p) => p.to_vec(),
                        None => v.clone(),
                    };
                    *v = password::hash_password(&plain, &self.password)
                        .map_err(LdapError::internal)?
                        .into_bytes();
                }
            }
        }
        Ok(())
    }

    /// A new entryCSN: timestamp, change count, replica id 000, modifier 000000.
    fn next_csn(&self) -> String {
        let seq = self.csn_seq.fetch_add(1, Ordering::Relaxed) & 0xff_ffff;
        let now = chrono::Utc::now();
        format!("{}#{:06x}#000#000000", now.format("%Y%m%d%H%M%S%.6fZ"), seq)
    }

    fn stamp_create(&self, entry: &mut Entry, actor: &str, structural: &str, origin: Origin) {
        let now = now_generalized();
        let keep = origin == Origin::Import;
        let mut set = |name: &str, value: String| {
            if !(keep && entry.get(name).is_some()) {
                entry.set_values(name, vec![value.into_bytes()]);
            }
        };
        set("structuralObjectClass", structural.to_string());
        set("entryUUID", uuid::Uuid::new_v4().to_string());
        set("creatorsName", actor.to_string());
        set("createTimestamp", now.clone());
        set("entryCSN", self.next_csn());
        set("modifiersName", actor.to_string());
        set("modifyTimestamp", now);
    }

    fn stamp_modify(&self, entry: &mut Entry, actor: &str) {
        entry.set_values("modifiersName", vec![actor.as_bytes().to_vec()]);
        entry.set_values("modifyTimestamp", vec![now_generalized().into_bytes()]);
        entry.set_values("entryCSN", vec![self.next_csn().into_bytes()]);
    }

    fn check_client_managed(&self, entry: &Entry) -> Result<(), LdapError> {
        for a in &entry.attrs {
            let managed = SERVER_MANAGED
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&a.name))
                || self
                    .schema
                    .attribute(&a.name)
                    .is_some_and(|at| at.no_user_modification);
            if managed {
                return Err(LdapError::new(
                    ResultCode::ConstraintViolation,
                    format!("{}: no user modification allowed", a.name),
                ));
            }
        }
        Ok(())
    }

    /// Schema check; what lenient mode tolerates is logged, not silently accepted.
    fn check(&self, entry: &Entry) -> Result<crate::schema::CheckedEntry, LdapError> {
        let checked = self
            .schema
            .check_entry(entry, self.mode)
            .map_err(schema_err)?;
        for w in &checked.warnings {
            tracing::warn!(
                "\"{}\": schema violation tolerated (lenient mode): {w}",
                entry.dn
            );
        }
        Ok(checked)
    }

    fn in_naming_context(&self, dn: &Dn) -> bool {
        dn.is_within(&self.suffix)
    }

    /// Add an entry (RFC 4511 4.7). `actor` becomes creatorsName.
    pub fn add(&self, entry: Entry, actor: &str, origin: Origin) -> Result<(), LdapError> {
        if entry.dn.is_root() || !self.in_naming_context(&entry.dn) {
            return Err(LdapError::new(
                ResultCode::NoSuchObject,
                format!(
                    "no global superior knowledge: {} is outside {}",
                    entry.dn, self.suffix
                ),
            ));
        }
        let mut entry = self.canonicalize(entry)?;
        if origin == Origin::Client {
            self.check_client_managed(&entry)?;
        }
        self.add_rdn_values(&mut entry)?;
        self.check_duplicates(&entry)?;
        self.hash_passwords(&mut entry)?;
        let checked = self.check(&entry)?;
        self.stamp_create(&mut entry, actor, &checked.structural, origin);
        let _guard = self.lock_writes()?;
        if !entry.dn.same_as(&self.suffix) {
            let parent = entry.dn.parent().unwrap_or_default();
            if !self.store.exists(&parent).map_err(store_err)? {
                return Err(self.no_such_object(&entry.dn));
            }
        }
        self.guard_write(&entry, None)?;
        let keys = self.index_keys(&entry);
        self.store.add(&entry, &keys).map_err(store_err)?;
        Ok(())
    }

    /// Apply modifications to an entry (RFC 4511 4.6), all or nothing.
    pub fn modify(&self, dn: &Dn, mods: &[Modification], actor: &str) -> Result<(), LdapError> {
        let _guard = self.lock_writes()?;
        let (id, old) = self.fetch(dn)?;
        let mut new = old.clone();
        for m in mods {
            self.apply_modification(&mut new, m)?;
        }
        self.hash_passwords(&mut new)?;
        // The RDN's values must survive (notAllowedOnRDN).
        if let Some(rdn) = dn.rdn() {
            for ava in &rdn.avas {
                let name = self
                    .schema
                    .canonical_attr_name(&ava.attr)
                    .unwrap_or_default();
                let kept = self.schema.attribute(&name).is_some_and(|at| {
                    new.values(&name)
                        .iter()
                        .any(|v| at.values_equal(v, ava.value.as_bytes()))
                });
                if !kept {
                    return Err(LdapError::new(
                        ResultCode::NotAllowedOnRdn,
                        format!("{name}: cannot remove the value used in the RDN"),
                    ));
                }
            }
        }
        let checked = self.check(&new)?;
        let old_structural = old.first_str("structuralObjectClass").unwrap_or("");
        if !old_structural.is_empty() && !old_structural.eq_ignore_ascii_case(&checked.structural) {
            return Err(LdapError::new(
                ResultCode::ObjectClassModsProhibited,
                format!(
                    "structural object class modification from '{old_structural}' to '{}' not allowed",
                    checked.structural
                ),
            ));
        }
        self.guard_write(&new, Some(dn))?;
        self.stamp_modify(&mut new, actor);
        let old_keys = self.index_keys(&old);
        let new_keys = self.index_keys(&new);
        self.retire_mailbox(&old, Some(&new))?;
        self.store
            .replace(id, &new, &old_keys, &new_keys)
            .map_err(store_err)
    }

    fn apply_modification(&self, entry: &mut Entry, m: &Modification) -> Result<(), LdapError> {
        let name = self.schema.canonical_attr_name(&m.attr).ok_or_else(|| {
            LdapError::new(
                ResultCode::UndefinedAttributeType,
                format!("{}: attribute type undefined", m.attr),
            )
        })?;
        if SERVER_MANAGED.iter().any(|s| s.eq_ignore_ascii_case(&name))
            || VIRTUAL_ATTRS.iter().any(|s| s.eq_ignore_ascii_case(&name))
        {
            return Err(LdapError::new(
                ResultCode::ConstraintViolation,
                format!("{name}: no user modification allowed"),
            ));
        }
        let at = self
            .schema
            .attribute(&name)
            .ok_or_else(|| LdapError::internal("schema lookup"))?;
        if at.no_user_modification {
            return Err(LdapError::new(
                ResultCode::ConstraintViolation,
                format!("{name}: no user modification allowed"),
            ));
        }
        let current: Vec<Vec<u8>> = entry.values(&name).to_vec();
        match m.op {
            ModOp::Add => {
                if m.values.is_empty() {
                    return Err(LdapError::new(
                        ResultCode::ProtocolError,
                        format!("modify/add: {name}: no values given"),
                    ));
                }
                let mut all = current.clone();
                for (i, v) in m.values.iter().enumerate() {
                    if all.iter().any(|c| at.values_equal(c, v)) {
                        return Err(LdapError::new(
                            ResultCode::AttributeOrValueExists,
                            format!("modify/add: {name}: value #{i} already exists"),
                        ));
                    }
                    all.push(v.clone());
                }
                entry.set_values(&name, all);
            }
            ModOp::Delete => {
                if current.is_empty() {
                    return Err(LdapError::new(
                        ResultCode::NoSuchAttribute,
                        format!("modify/delete: {name}: no such attribute"),
                    ));
                }
                if m.values.is_empty() {
                    entry.remove(&name);
                } else {
                    let mut rest = current;
                    for (i, v) in m.values.iter().enumerate() {
                        let before = rest.len();
                        rest.retain(|c| !at.values_equal(c, v));
                        if rest.len() == before {
                            return Err(LdapError::new(
                                ResultCode::NoSuchAttribute,
                                format!("modify/delete: {name}: value #{i} does not exist"),
                            ));
                        }
                    }
                    entry.set_values(&name, rest);
                }
            }
            ModOp::Replace => {
                let mut keys: Vec<Vec<u8>> = m.values.iter().map(|v| at.eq_key(v)).collect();
                keys.sort();
                if keys.windows(2).any(|w| w[0] == w[1]) {
                    return Err(LdapError::new(
                        ResultCode::AttributeOrValueExists,
                        format!("modify/replace: {name}: duplicate value"),
                    ));
                }
                entry.set_values(&name, m.values.clone());
            }
            ModOp::Increment => {
                let by: i64 = m
                    .values
                    .first()
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|s| s.trim().parse().ok())
                    .ok_or_else(|| {
                        LdapError::new(
                            ResultCode::InvalidAttributeSyntax,
                            format!("modify/increment: {name}: value is not an integer"),
                        )
                    })?;
                if current.is_empty() {
                    return Err(LdapError::new(
                        ResultCode::NoSuchAttribute,
                        format!("modify/increment: {name}: no such attribute"),
                    ));
                }
                let mut out = Vec::new();
                for v in current {
                    let n: i64 = std::str::from_utf8(&v)
                        .ok()
                        .and_then(|s| s.trim().parse().ok())
                        .ok_or_else(|| {
                            LdapError::new(
                                ResultCode::ConstraintViolation,
                                format!("modify/increment: {name}: stored value is not an integer"),
                            )
                        })?;
                    out.push(n.saturating_add(by).to_string().into_bytes());
                }
                entry.set_values(&name, out);
            }
        }
        Ok(())
    }

    /// Delete a leaf entry (RFC 4511 4.8).
    pub fn delete(&self, dn: &Dn) -> Result<(), LdapError> {
        let _guard = self.lock_writes()?;
        let (_, old) = self.fetch(dn)?;
        let keys = self.index_keys(&old);
        if self.has_children(dn)? {
            return Err(store_err(StoreError::NotLeaf));
        }
        self.retire_mailbox(&old, None)?;
        self.store.delete(dn, &keys).map_err(store_err)
    }

    /// Rename or move a leaf entry (RFC 4511 4.9).
    pub fn modrdn(
        &self,
        dn: &Dn,
        new_rdn: &Rdn,
        delete_old_rdn: bool,
        new_superior: Option<&Dn>,
        actor: &str,
    ) -> Result<Dn, LdapError> {
        let _guard = self.lock_writes()?;
        let (_, old) = self.fetch(dn)?;
        let parent = match new_superior {
            Some(p) => {
                if !self.in_naming_context(p) {
                    return Err(LdapError::new(
                        ResultCode::UnwillingToPerform,
                        "new superior is outside the naming context",
                    ));
                }
                if !self.store.exists(p).map_err(store_err)? {
                    return Err(self.no_such_object(&p.child(new_rdn.clone())));
                }
                p.clone()
            }
            None => dn.parent().unwrap_or_default(),
        };
        let new_dn = parent.child(new_rdn.clone());
        let mut new = old.clone();
        new.dn = new_dn.clone();
        if delete_old_rdn {
            if let Some(old_rdn) = dn.rdn() {
                for ava in &old_rdn.avas {
                    let Some(name) = self.schema.canonical_attr_name(&ava.attr) else {
                        continue;
                    };
                    let Some(at) = self.schema.attribute(&name) else {
                        continue;
                    };
                    let still_named = new_rdn.avas.iter().any(|n| {
                        self.schema.canonical_attr_name(&n.attr).as_deref() == Some(name.as_str())
                            && at.values_equal(n.value.as_bytes(), ava.value.as_bytes())
                    });
                    if still_named {
                        continue;
                    }
                    let rest: Vec<Vec<u8>> = new
                        .values(&name)
                        .iter()
                        .filter(|v| !at.values_equal(v, ava.value.as_bytes()))
                        .cloned()
                        .collect();
                    new.set_values(&name, rest);
                }
            }
        }
        self.add_rdn_values(&mut new)?;
        self.check(&new)?;
        self.guard_write(&new, Some(dn))?;
        self.stamp_modify(&mut new, actor);
        let old_keys = self.index_keys(&old);
        let new_keys = self.index_keys(&new);
        self.store
            .rename(dn, &new, &old_keys, &new_keys)
            .map_err(store_err)?;
        Ok(new_dn)
    }

    /// All entries, parents first (export).
    pub fn export(&self, visit: &mut dyn FnMut(&Entry)) -> Result<(), LdapError> {
        for item in self.store.iter_entries() {
            let (_, e) = item.map_err(store_err)?;
            visit(&e);
        }
        Ok(())
    }
}
