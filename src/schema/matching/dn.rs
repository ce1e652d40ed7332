//! distinguishedNameMatch (RFC 4517 4.2.15), and the DN part of uniqueMemberMatch:
//! two DNs match when they have the same RDNs, each with the same AVAs in any order,
//! the attribute types compared by OID and each value by its type's equality rule
//! (so `CN=Foo`, `commonName=foo` and `2.5.4.3=FOO` are one DN, and an `entryUUID=`
//! RDN matches under uuidMatch).
//!
//! Matching runs where no directory is at hand (a value's equality key), so types are
//! looked up in the built-in schema; a type defined only in an extra schema file is
//! compared by its name, case-insensitively, and its values as caseIgnoreMatch does.

use super::string::squash;
use crate::dn::{escape_value, Ava, Dn, Rdn};
use crate::schema::{syntax, Schema};
use std::sync::OnceLock;

/// The built-in schema, loaded once for matching.
fn builtin() -> &'static Schema {
    static BUILTIN: OnceLock<Schema> = OnceLock::new();
    BUILTIN.get_or_init(Schema::builtin)
}

/// The distinguishedNameMatch key of a DN string; None when it is not a DN.
pub(super) fn dn_key(s: &str) -> Option<String> {
    Dn::parse(s).ok().map(|dn| key_of_dn(&dn))
}

/// The uniqueMemberMatch key: the DN's key and the bit string as written (two values
/// match when their DNs do and both have the same bit string or neither has one).
pub(super) fn unique_member_key(s: &str) -> Option<String> {
    let (dn, uid) = syntax::split_name_and_uid(s).ok()?;
    let key = dn_key(dn)?;
    Some(match uid {
        Some(bits) => format!("{key}#{bits}"),
        None => key,
    })
}

/// The key of a parsed DN: RDN keys joined by `,`.
pub fn key_of_dn(dn: &Dn) -> String {
    dn.rdns.iter().map(rdn_key).collect::<Vec<_>>().join(",")
}

/// The key of one RDN: its AVA keys sorted, joined by `+`.
fn rdn_key(rdn: &Rdn) -> String {
    let mut avas: Vec<String> = rdn.avas.iter().map(ava_key).collect();
    avas.sort();
    avas.join("+")
}

/// `oid=value`, the value normalised by the type's equality rule and escaped so that
/// separators inside it stay distinct from the DN's own.
fn ava_key(ava: &Ava) -> String {
    let Some(at) = builtin().attribute(&ava.attr) else {
        return format!(
            "{}={}",
            ava.attr.to_ascii_lowercase(),
            escape_value(&squash(&ava.value, true))
        );
    };
    let value = at.eq_key(ava.value.as_bytes());
    format!(
        "{}={}",
        at.oid,
        escape_value(&String::from_utf8_lossy(&value))
    )
}
