//! The root DSE (RFC 4512 5.1) and the subschema subentry (RFC 4512 4.2).

use super::wire;
use crate::directory::SUBSCHEMA_DN;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::state::ServerState;

/// Extended operations the server answers.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    wire::OID_STARTTLS,
    wire::OID_WHOAMI,
    wire::OID_PASSWORD_MODIFY,
];

/// Controls the server honours (ManageDsaIT is accepted: there are no referrals);
/// ops/controls.rs says which operations each applies to.
pub const SUPPORTED_CONTROLS: &[&str] = &[
    wire::OID_MANAGE_DSA_IT,
    wire::OID_PAGED_RESULTS,
    wire::OID_SORT_REQUEST,
    wire::OID_VALUES_RETURN,
    wire::OID_ASSERTION,
    wire::OID_PRE_READ,
    wire::OID_POST_READ,
    wire::OID_SYNC_REQUEST,
];

/// Features: all operational attributes (`+`), absolute true/false filters, modify-increment.
pub const SUPPORTED_FEATURES: &[&str] = &[
    "1.3.6.1.4.1.4203.1.5.1",
    "1.3.6.1.4.1.4203.1.5.3",
    "1.3.6.1.1.14",
];

fn text(values: &[&str]) -> Vec<Vec<u8>> {
    values.iter().map(|v| v.as_bytes().to_vec()).collect()
}

/// The root DSE as an entry with the empty DN.
pub fn root_dse(state: &ServerState) -> Entry {
    let mut e = Entry::new(Dn::root());
    e.add_values("objectClass", text(&["top", "extensibleObject"]));
    e.add_values(
        "namingContexts",
        vec![state.dir.suffix().to_string().into_bytes()],
    );
    e.add_values("supportedLDAPVersion", text(&["3"]));
    e.add_values("supportedExtension", text(SUPPORTED_EXTENSIONS));
    e.add_values("supportedControl", text(SUPPORTED_CONTROLS));
    e.add_values("supportedFeatures", text(SUPPORTED_FEATURES));
    e.add_values("subschemaSubentry", text(&[SUBSCHEMA_DN]));
    e.add_values("vendorName", text(&["mailldap"]));
    e.add_values(
        "vendorVersion",
        vec![format!("mailldap {}", env!("CARGO_PKG_VERSION")).into_bytes()],
    );
    e
}

/// The subschema subentry, listing every definition clients may read.
pub fn subschema(state: &ServerState) -> Entry {
    let dn = Dn::parse(SUBSCHEMA_DN).unwrap_or_default();
    let mut e = Entry::new(dn);
    e.add_values(
        "objectClass",
        text(&["top", "subentry", "subschema", "extensibleObject"]),
    );
    e.add_values("cn", text(&["Subschema"]));
    for (name, values) in state.dir.schema().subschema_values() {
        e.add_values(name, values);
    }
    e
}
