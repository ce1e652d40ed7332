//! mailldap: an LDAPv3 directory server made for mail hosting.
//!
//! # Layout
//!
//! The path of one request, top to bottom (docs/ARCHITECTURE.md has the detail):
//!
//! - [`server`]: listeners (ldap://, ldaps://, ldapi://), connection limit, signals.
//! - [`session`]: the connection loop; owns the bound identity and the running
//!   operations, frames messages, applies what each operation returns.
//! - [`ops`]: one file per LDAP operation over the project's own request types;
//!   [`ops::wire`] is the only place that converts ldap3_proto's messages.
//! - [`sync`]: a search with the RFC 4533 Sync Request control (syncrepl provider):
//!   cookies, refresh from the session log or with a present phase, persist.
//! - [`view`]: the access-checked directory one identity sees: visibility and
//!   matchedDN, slapd's write requirements, searches reduced to what it may read.
//! - [`acl`]: the access policy, compiled from its own spec, decided once per entry.
//! - [`directory`]: reads, each write, operational attributes, the index spec, the
//!   planner and the mailbox guard, one file each.
//! - [`store`]: tables (id2entry, dn2id, indexes) of an embedded engine (LMDB, or sled
//!   for old directories), one write lock, durable group commits.
//!
//! Beside the path: [`dn`], [`entry`], [`error`], [`filter`], [`schema`], [`password`],
//! [`ldif`], [`import`], [`config`], [`state`], [`connections`], [`tls`], [`throttle`],
//! [`budget`], [`cidr`], [`log`], [`metrics`] (counters, Prometheus, cn=Monitor),
//! [`printconfig`] and [`admin`] (the mail-administration client), and [`replica`]
//! (following a syncrepl provider as a read-only replica).
//!
//! [`fuzzing`]: the entry points of the cargo-fuzz targets (fuzz/), one per input
//! parser; tests/fuzz_regressions.rs runs the saved crashing inputs through them.

pub mod acl;
pub mod admin;
pub mod budget;
pub mod cidr;
pub mod config;
pub mod connections;
pub mod directory;
pub mod dn;
pub mod entry;
pub mod error;
pub mod filter;
pub mod fuzzing;
pub mod import;
pub mod ldif;
pub mod log;
pub mod metrics;
pub mod ops;
pub mod password;
pub mod printconfig;
pub mod replica;
pub mod schema;
pub mod server;
pub mod session;
pub mod state;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_rng;
pub mod throttle;
pub mod tls;
pub mod view;
