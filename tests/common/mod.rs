//! The harness every integration test shares: the real `mailldap` binary started on a
//! free loopback port (server.rs), the tools users have run against it (tools.rs), the
//! LDIF the tests send (ldif.rs), the interop shell scripts (interop.rs), a slapd a test
//! starts and restarts itself (slapd.rs), the two sides of a replication test (sync.rs)
//! and the
//! identities of the access-policy tests (acl.rs).
#![allow(dead_code)]

pub mod acl;
pub mod admin;
pub mod flood;
pub mod interop;
pub mod ldif;
pub mod metrics;
pub mod raw_store;
pub mod server;
pub mod slapd;
pub mod sync;
pub mod tools;
pub mod wire;

// Not every test file uses every part.
#[allow(unused_imports)]
pub use ldif::*;
#[allow(unused_imports)]
pub use server::*;
#[allow(unused_imports)]
pub use tools::*;

use std::path::Path;

/// The rootdn every test server uses.
pub const ROOTDN: &str = "cn=Manager,dc=myhosting,dc=example";
/// Its password; the config holds only the {SSHA} hash below (made by slappasswd).
pub const ROOTPW: &str = "secret";
/// The hash of `ROOTPW` that test configs carry as rootpw.
pub const ROOTPW_HASH: &str = "{SSHA}WE8LoMncXA+QRuquDuHIIb8UXSR+5xvI";
/// Where the hosted domains live.
pub const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";

/// DN of a demo account or alias.
pub fn mail_dn(addr: &str) -> String {
    let domain = addr.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
    format!("mail={addr},o={domain},{HOSTING}")
}

/// The repository root (for ldif/, schema/ and tests/interop/ fixtures).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Values of `attr` in ldapsearch -LLL output (single entry or all entries).
pub fn values(ldif: &str, attr: &str) -> Vec<String> {
    let prefix = format!("{}: ", attr.to_ascii_lowercase());
    ldif.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].to_string())
        .collect()
}

/// DNs in ldapsearch -LLL output.
pub fn dns(ldif: &str) -> Vec<String> {
    values(ldif, "dn")
}
