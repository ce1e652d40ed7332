//! Searches of cn=Monitor (src/metrics/monitor.rs makes the tree): read-only, readable
//! by the rootdn and the configured `monitor_readers`; to anyone else the tree does
//! not exist, as slapd's default monitor access makes it look.

use super::request::SearchEntry;
use crate::acl::Identity;
use crate::dn::in_scope;
use crate::error::LdapError;
use crate::filter::Tri;
use crate::metrics::monitor;
use crate::state::ServerState;
use crate::view::SearchQuery;

/// Whether a search based at `base` is one of the monitor tree's.
pub use monitor::covers;

/// Who may read the tree: the rootdn and the DNs `[metrics] monitor_readers` names.
fn may_read(state: &ServerState, identity: &Identity) -> bool {
    match identity {
        Identity::Root(_) => true,
        Identity::User(dn) => {
            let readers = state.config.metrics.readers().unwrap_or_default();
            readers.iter().any(|r| r.same_as(dn))
        }
        Identity::Anonymous => false,
    }
}

/// Answer `query` (based in the monitor tree) for `identity`, each entry to `emit`.
pub fn search(
    state: &ServerState,
    identity: &Identity,
    query: &SearchQuery<'_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Result<(), LdapError> {
    if !may_read(state, identity) {
        return Err(LdapError::no_such_object(""));
    }
    let tree = monitor::tree(&state.metrics);
    let exists = |dn: &crate::dn::Dn| tree.iter().any(|e| e.dn.same_as(dn));
    if !exists(query.base) {
        let mut ancestors = std::iter::successors(query.base.parent(), |dn| dn.parent());
        let matched = ancestors.find(|dn| exists(dn));
        return Err(LdapError::no_such_object(
            matched.map(|dn| dn.to_string()).unwrap_or_default(),
        ));
    }
    let schema = state.dir.schema();
    let all = |_: &str| true;
    let found = tree
        .iter()
        .filter(|e| in_scope(&e.dn, query.base, query.scope));
    for entry in found.filter(|e| query.filter.evaluate(e, schema, &all) == Tri::True) {
        if !emit(query.selection.reduce(entry, &[], &all)) {
            break;
        }
    }
    Ok(())
}
