//! The directory schema (RFC 4512): attribute types and object classes read from
//! OpenLDAP-format .schema files, with the matching rules and syntaxes behind them.
//!
//! The built-in files (schema/*.schema) are embedded in the binary; admins add
//! third-party files (qmail-LDAP, postfix-book, Jamm) with [`Schema::load_file_text`].
//!
//! This file holds the model. Beside it: registry.rs (loading files into the
//! tables), lookup.rs (finding definitions and walking SUP chains), attribute.rs
//! (values under a type's rules), description.rs (attribute descriptions: options,
//! subtypes, what a request covers), describe.rs (RFC 4512 descriptions for
//! cn=Subschema), check.rs (entries against the schema), parser.rs, matching/
//! and syntax.rs.

mod attribute;
mod check;
mod describe;
pub mod description;
mod dn_value;
mod lookup;
pub mod matching;
mod parser;
mod registry;
pub mod syntax;

pub use attribute::EqualityAssertion;
pub use check::{CheckedEntry, MissingAttribute, MissingMust, SchemaMode, SchemaViolation};
pub use description::AttrDesc;

use registry::Table;
use std::collections::HashMap;
use thiserror::Error;

/// Why a schema file could not be loaded: always names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    /// The text does not follow the .schema grammar.
    #[error("{file}:{line}: {msg}")]
    Syntax {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line where the statement starts.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// A SUP, MUST or MAY names something the schema does not define.
    #[error("{file}:{line}: {msg}")]
    UnknownReference {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line where the definition starts.
        line: usize,
        /// What is missing.
        msg: String,
    },
    /// The same OID or name is defined twice in one file.
    #[error("{file}:{line}: {msg}")]
    Duplicate {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line of the second definition.
        line: usize,
        /// Which OID or name.
        msg: String,
    },
}

/// RFC 4512 attribute usage: user data, or one of the operational kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Ordinary user attribute.
    UserApplications,
    /// Operational, kept per entry by the server (createTimestamp, entryUUID).
    DirectoryOperation,
    /// Operational, shared among servers.
    DistributedOperation,
    /// Operational, specific to this server (root DSE attributes).
    DsaOperation,
}

/// The rules an attribute type states itself, before SUP inheritance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Declared {
    pub(crate) equality: Option<String>,
    pub(crate) ordering: Option<String>,
    pub(crate) substr: Option<String>,
    pub(crate) syntax: Option<String>,
}

/// An attribute type. The rule and syntax fields are effective values: those
/// not stated by the type itself are inherited from its SUP chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeType {
    /// Numeric OID.
    pub oid: String,
    /// Names, the first being the one the server shows (`cn`, then `commonName`).
    pub names: Vec<String>,
    /// DESC text.
    pub desc: Option<String>,
    /// Supertype name or OID.
    pub sup: Option<String>,
    /// Equality rule name (inherited when not stated).
    pub equality: Option<String>,
    /// Ordering rule name (inherited when not stated).
    pub ordering: Option<String>,
    /// Substrings rule name (inherited when not stated).
    pub substr: Option<String>,
    /// Syntax OID without its length bound (inherited when not stated).
    pub syntax: Option<String>,
    /// The `{len}` bound of SYNTAX, if given.
    pub syntax_len: Option<u32>,
    /// At most one value.
    pub single_value: bool,
    /// COLLECTIVE attribute.
    pub collective: bool,
    /// Clients may not set it.
    pub no_user_modification: bool,
    /// User or operational.
    pub usage: Usage,
    /// OBSOLETE flag.
    pub obsolete: bool,
    pub(crate) declared: Declared,
    /// Whether another type derives from this one (filled in when the schema loads).
    pub(crate) derived_from: bool,
    /// The effective rules' normalisations, looked up once when the schema loads
    /// (callgrind: the rule table's name search was 7% of an unindexed scan).
    pub(crate) norms: attribute::Norms,
}

/// The kind of an object class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Only for deriving other classes (top).
    Abstract,
    /// Says what the entry is; each entry has one structural chain.
    Structural,
    /// Adds attributes to an entry of any structural class.
    Auxiliary,
}

/// An object class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectClass {
    /// Numeric OID.
    pub oid: String,
    /// Names, the first being the one the server shows.
    pub names: Vec<String>,
    /// DESC text.
    pub desc: Option<String>,
    /// Superclass names or OIDs.
    pub sup: Vec<String>,
    /// Abstract, structural or auxiliary (structural when the file says nothing).
    pub kind: ClassKind,
    /// Required attributes (names or OIDs as written).
    pub must: Vec<String>,
    /// Allowed attributes (names or OIDs as written).
    pub may: Vec<String>,
    /// OBSOLETE flag.
    pub obsolete: bool,
}

/// The loaded schema: attribute types and object classes, looked up by any
/// name or OID, case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    attrs: Table<AttributeType>,
    classes: Table<ObjectClass>,
    macros: HashMap<String, String>,
    warnings: Vec<String>,
    /// Per class slot, the attribute slots its MUST and MAY name, resolved once the
    /// schema loads: checking an entry asks this of every attribute of every class.
    class_attrs: Vec<ClassAttrs>,
}

/// The attribute slots one object class names (names the schema lacks left out).
#[derive(Debug, Clone, Default)]
struct ClassAttrs {
    must: Vec<usize>,
    may: Vec<usize>,
}

impl AttributeType {
    /// The name the server shows (first NAME, or the OID when unnamed).
    pub fn name(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or(&self.oid)
    }

    /// True for operational attributes (any USAGE other than userApplications).
    pub fn is_operational(&self) -> bool {
        self.usage != Usage::UserApplications
    }
}

impl ObjectClass {
    /// The name the server shows (first NAME, or the OID when unnamed).
    pub fn name(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or(&self.oid)
    }
}

/// The part of an attribute description before its options (`cn;lang-de` -> `cn`).
fn base_of(desc: &str) -> &str {
    // A byte scan: the char searcher cost ~100 instructions per ACL target check.
    match desc.bytes().position(|b| b == b';') {
        Some(i) => &desc[..i],
        None => desc,
    }
}

/// Lookup key for a name or OID (case-insensitive, `OID.` prefix dropped).
fn key_of(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.strip_prefix("oid.") {
        Some(rest) => rest.to_string(),
        None => lower,
    }
}

#[cfg(test)]
mod tests;
