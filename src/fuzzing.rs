//! Fuzzing entry points: one `pub fn` per cargo-fuzz target (fuzz/fuzz_targets/), each
//! taking the fuzzer's bytes and driving the same code the server runs on them.
//! tests/fuzz_regressions.rs feeds every saved crashing input (fuzz/regressions/)
//! through these functions too, so a fixed crash stays fixed in the normal test suite.
//!
//! Each function returns nothing and must never panic, hang or allocate without bound
//! on any input: a panic here is a bug in the code it calls (or a broken invariant the
//! function asserts). Nothing here re-implements any parsing; the functions only feed
//! input in and check what comes out against other parts of the crate.

use crate::budget::Budget;
use crate::config::Limits;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::filter::Filter;
use crate::ldif::parse_ldif;
use crate::ops::wire;
use crate::password::{verify_within, WorkLimits};
use crate::schema::Schema;
use crate::session::framing::Framing;
use std::sync::OnceLock;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;

/// Work limits for the password target: every scheme's code runs, but no value may ask
/// for more than a few milliseconds, so the fuzzer spends its time on parsing.
pub const FUZZ_WORK_LIMITS: WorkLimits = WorkLimits {
    argon2_memory_kib: 256,
    argon2_iterations: 2,
    argon2_parallelism: 2,
    sha_crypt_rounds: 10_000,
    bsdi_crypt_rounds: 10_000,
    bcrypt_cost: 6,
    pbkdf2_iterations: 10_000,
    scrypt_memory_kib: 1024,
};

/// The LDAP message decoder up to the project's `Request`: the bytes a client sends,
/// framed as a connection frames them (the first byte chooses how many bytes arrive
/// per read, so partial messages are exercised), each complete message converted by
/// the wire edge. Decoding stops at the first error, as a connection closes there.
pub fn ldap_message(data: &[u8]) {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    // The server's default limits: max_message_bytes, max_ber_depth and the budget
    // for large partial requests.
    let limits = Limits::default();
    let budget = Budget::new(limits.max_buffered_request_bytes);
    let mut framing = Framing::new(limits.max_message_bytes, limits.max_ber_depth, budget);
    let mut buf = BytesMut::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match framing.decode(&mut buf) {
                Ok(Some(incoming)) => {
                    let request = wire::request(incoming);
                    // The log lines format requests; formatting must not panic either.
                    let _ = format!("{request:?}");
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

/// RFC 4515 filter strings: parsed, displayed (the log form must parse back to the same
/// filter), and evaluated against a mail account with the built-in schema's rules.
pub fn filter_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(filter) = Filter::parse(text) else {
        return;
    };
    let shown = filter.to_string();
    let again = Filter::parse(&shown)
        .unwrap_or_else(|e| panic!("displayed filter {shown:?} does not parse: {e}"));
    assert_eq!(
        again, filter,
        "displayed filter {shown:?} parses differently"
    );
    let (schema, entry) = (builtin_schema(), sample_entry());
    let _ = filter.evaluate(entry, schema, &|_| true);
}

/// RFC 4514 DN strings: parsed, then every form the server derives from a DN
/// (normalised, pretty, tree key, parent); the string form must parse back to the same
/// DN, and the normalised form must be a fixed point.
pub fn dn_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dn) = Dn::parse(text) else {
        return;
    };
    let normalized = dn.normalized();
    let shown = dn.to_string();
    let again =
        Dn::parse(&shown).unwrap_or_else(|e| panic!("displayed DN {shown:?} does not parse: {e}"));
    assert_eq!(again, dn, "displayed DN {shown:?} parses differently");
    let renormalized = Dn::parse(&normalized)
        .unwrap_or_else(|e| panic!("normalised DN {normalized:?} does not parse: {e}"))
        .normalized();
    assert_eq!(
        renormalized, normalized,
        "normalising {text:?} twice differs"
    );
    let _ = (dn.pretty(), dn.tree_key(), dn.parent());
}

/// LDIF (RFC 2849) as `mailldap import` reads it; `file:` URLs resolve nowhere (no
/// base directory), so the fuzzer cannot make it read files.
pub fn ldif(data: &[u8]) {
    let _ = parse_ldif(data, "fuzz.ldif", None);
}

/// An OpenLDAP .schema file loaded on top of the built-in schema, as
/// `schema_files` are at start.
pub fn schema_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut schema = builtin_schema().clone();
    let _ = schema.load_file_text(text, "fuzz.schema");
}

/// A stored userPassword value (the first line) checked against a candidate (the
/// rest), in whatever scheme the value names, cleartext allowed, under
/// [`FUZZ_WORK_LIMITS`].
pub fn password(data: &[u8]) {
    let (stored, candidate) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let _ = verify_within(stored, candidate, true, &FUZZ_WORK_LIMITS);
}

/// The built-in schema, built once per process.
fn builtin_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::builtin)
}

/// A mail account as the article's tree holds it, for filters to be evaluated against.
fn sample_entry() -> &'static Entry {
    static ENTRY: OnceLock<Entry> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let dn = "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
        let mut entry = Entry::new(Dn::parse(dn).expect("a valid DN"));
        let attrs: [(&str, &[&str]); 9] = [
            (
                "objectClass",
                &["top", "courierMailAccount", "inetOrgPerson"],
            ),
            ("mail", &["user1@domain1.example"]),
            ("cn", &["User One", "user1"]),
            ("sn", &["One"]),
            ("uidNumber", &["1000"]),
            ("gidNumber", &["1000"]),
            ("homeDirectory", &["/var/mail/domain1.example/user1"]),
            ("mailbox", &["domain1.example/user1/"]),
            ("createTimestamp", &["20261201120000Z"]),
        ];
        for (name, values) in attrs {
            entry.add_values(name, values.iter().map(|v| v.as_bytes().to_vec()));
        }
        entry
    })
}
