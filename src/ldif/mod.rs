//! LDIF (RFC 2849): the reader behind `mailldap import`, `--demo` and every other place
//! that takes LDIF, and the writer behind `mailldap export`.
//!
//! What the reader accepts, beyond the RFC's letter, and why:
//! - content records and change records mixed in one file, as `ldapadd` accepts them
//!   (the article's `user1.domain1.example.ldif` adds an entry, then modifies another);
//! - a `changetype: modify` record whose last block lacks its closing `-`, as
//!   `ldapmodify` accepts it (the article's own file ends that way);
//! - `control:` lines are checked for shape and then ignored: no importer applies
//!   controls yet, and dropping them silently would be worse than documenting it here.
//!
//! What it keeps exactly as the RFC says: the value is everything after the colon and
//! its run of leading spaces (FILL), trailing spaces included; a continuation line
//! starts with exactly one space, which is removed; `#` lines (and their continuations)
//! are comments.

mod read;
mod write;

#[cfg(test)]
mod heads_tests;
#[cfg(test)]
mod tests;

use crate::dn::{Dn, Rdn};
use crate::entry::{Entry, Modification};
use std::fmt;

pub use read::{parse_heads, parse_ldif, RecordHead};
pub use write::{write_change, write_entry, write_record};

/// What is wrong with an LDIF input, and where: `source` names the file (or `-`),
/// `line` is the 1-based physical line the problem starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifError {
    /// The file name (or other label) the caller gave the parser.
    pub source: String,
    /// 1-based line number of the offending (logical) line's first physical line.
    pub line: usize,
    /// What is wrong, in words an admin can act on.
    pub message: String,
}

// Written by hand rather than with thiserror: thiserror treats a field named `source`
// as the error's cause, and the API keeps that field name.
impl fmt::Display for LdifError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.message)
    }
}

impl std::error::Error for LdifError {}

/// A change record (RFC 2849 `changetype:`), as `ldapmodify` would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRecord {
    /// `changetype: add` with the entry to add.
    Add(Entry),
    /// `changetype: delete`.
    Delete(Dn),
    /// `changetype: modify` with its `add:`/`delete:`/`replace:`/`increment:` blocks.
    Modify {
        /// The entry to modify.
        dn: Dn,
        /// The blocks in file order.
        mods: Vec<Modification>,
    },
    /// `changetype: modrdn` (or its synonym `moddn`).
    ModRdn {
        /// The entry to rename.
        dn: Dn,
        /// `newrdn:`.
        new_rdn: Rdn,
        /// `deleteoldrdn: 1`.
        delete_old_rdn: bool,
        /// `newsuperior:`, when the entry also moves.
        new_superior: Option<Dn>,
    },
}

/// One LDIF record: a plain entry (what slapcat writes) or a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdifRecord {
    /// An entry without `changetype:` (ldapadd and import treat it as an add).
    Content(Entry),
    /// A record with `changetype:`.
    Change(ChangeRecord),
}

/// A record and the line its `dn:` is on, so later failures (schema, duplicates) can
/// still point at the file position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedRecord {
    /// 1-based line of the record's `dn:` line.
    pub line: usize,
    /// The record itself.
    pub record: LdifRecord,
}
