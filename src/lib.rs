//! mailldap: an LDAPv3 directory server made for mail hosting.
//!
//! The path of a request: `server` accepts, `session` decodes and keeps the bound
//! identity, `ops::*` translate protocol types into the project's own, `acl` decides,
//! `directory` enforces the schema and keeps operational attributes, `store` persists.
//! See docs/ARCHITECTURE.md.

pub mod acl;
pub mod admin;
pub mod budget;
pub mod cidr;
pub mod config;
pub mod directory;
pub mod dn;
pub mod entry;
pub mod error;
pub mod filter;
pub mod import;
pub mod ldif;
pub mod log;
pub mod ops;
pub mod password;
pub mod printconfig;
pub mod schema;
pub mod server;
pub mod session;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tls;
pub mod view;
