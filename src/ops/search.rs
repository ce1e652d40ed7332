//! Search (RFC 4511 4.5): the root DSE and cn=Subschema here, everything else
//! through the access-checked view, which returns entries already reduced.

use super::request::{Effect, Reply, ResponseKind, SearchEntry, SearchRequest};
use super::{parse_dn, rootdse};
use crate::directory::SUBSCHEMA_DN;
use crate::dn::Dn;
use crate::dn::Scope;
use crate::error::{LdapError, OpResult};
use crate::filter::Tri;
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::{DirectoryView, SearchQuery, Selection};

/// The entries, each handed to `out` as it is found, then SearchResultDone. When
/// `out` refuses an entry (the search was abandoned) nothing more is sent.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: SearchRequest,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Effect {
    log.line(&format!(
        "SRCH base=\"{}\" scope={} deref={} filter=\"{}\"",
        req.base,
        scope_number(req.scope),
        req.deref,
        req.filter
    ));
    if !req.attrs.is_empty() {
        log.line(&format!("SRCH attr={}", req.attrs.join(" ")));
    }
    let mut sent = 0usize;
    let mut open = true;
    let outcome = search(state, session, log, &req, &mut |e| {
        open = out(Reply::Entry(e));
        sent += 1;
        open
    });
    if !open {
        log.line("SRCH abandoned");
        return Effect::None;
    }
    let res = OpResult::from(outcome);
    log.result(&res, Some(sent));
    out(Reply::Done(ResponseKind::Search, res));
    Effect::None
}

/// The scope's number on the wire, as slapd logs it.
fn scope_number(scope: Scope) -> u8 {
    match scope {
        Scope::Base => 0,
        Scope::OneLevel => 1,
        Scope::Subtree => 2,
        Scope::Children => 3,
    }
}

fn search(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: &SearchRequest,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Result<(), LdapError> {
    let base = parse_dn(&req.base)?;
    let view = DirectoryView::new(state, &session.identity);
    let selection = Selection::new(view.schema(), &req.attrs, req.types_only);
    let special = if base.is_root() {
        Some(rootdse::root_dse(state))
    } else if base.same_as(&Dn::parse(SUBSCHEMA_DN).unwrap_or_default()) {
        Some(rootdse::subschema(state))
    } else {
        None
    };
    if let Some(entry) = special {
        // The root DSE and the subschema subentry are public (RFC 4512 5.1, 4.4).
        if req.scope != Scope::Base {
            return Err(LdapError::no_such_object(""));
        }
        if req.filter.evaluate(&entry, view.schema(), &|_| true) == Tri::True {
            emit(selection.reduce(&entry, &[], &|_| true));
        }
        return Ok(());
    }
    let query = SearchQuery {
        base: &base,
        scope: req.scope,
        filter: &req.filter,
        selection: &selection,
        size_limit: req.size_limit,
        time_limit: req.time_limit,
    };
    let done = view.search(&query, emit)?;
    log.debug(&format!(
        "SRCH candidates indexed={} examined={}",
        done.stats.indexed, done.stats.examined
    ));
    match done.stopped {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
