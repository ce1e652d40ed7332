//! mailldap: an LDAPv3 directory server made for mail hosting.
//!
//! The path of a request: `server` accepts, `session` decodes and keeps the bound
//! identity, `ops::*` translate protocol types into the project's own, `acl` decides,
//! `directory` enforces the schema and keeps operational attributes, `store` persists.

pub mod dn;
pub mod entry;
pub mod store;
