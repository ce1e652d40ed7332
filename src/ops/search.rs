//! Search (RFC 4511 4.5): the root DSE and cn=Subschema here, everything else
//! through the access-checked view, which returns entries already reduced. The
//! search controls shape the answer: an assertion on the base (RFC 4528), values
//! return (RFC 3876, in the view), sorting (RFC 2891, sort.rs) and paging (RFC 2696,
//! paged.rs). A search with the Sync Request control (RFC 4533) is a replication
//! consumer's: src/sync serves it.

use super::controls::Honoured;
use super::paged::{self, PageRequest};
use super::request::{Effect, Reply, ResponseControl, ResponseKind, SearchEntry, SearchRequest};
use super::sort::SortOrder;
use super::{parse_dn, rootdse};
use crate::directory::SUBSCHEMA_DN;
use crate::dn::Dn;
use crate::dn::Scope;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::filter::{Filter, Tri};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::{keep_returned_values, DirectoryView, SearchQuery, Selection};
use std::rc::Rc;

/// The entries, each handed to `out` as it is found, then SearchResultDone. When
/// `out` refuses an entry (the search was abandoned) nothing more is sent.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: SearchRequest,
    controls: &Honoured<'_>,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Effect {
    log.line(format_args!(
        "SRCH base=\"{}\" scope={} deref={} filter=\"{}\"",
        req.base,
        scope_number(req.scope),
        req.deref,
        req.filter
    ));
    if !req.attrs.is_empty() {
        log.line(format_args!("SRCH attr={}", crate::log::Words(&req.attrs)));
    }
    if let Some(request) = controls.sync {
        return sync_search(state, session, log, &req, request, out);
    }
    let mut sent = 0usize;
    let mut open = true;
    let (outcome, response_controls) = search(state, session, log, &req, controls, &mut |e| {
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
    let done = Reply::Done(ResponseKind::Search, res);
    out(Reply::with_controls(done, response_controls));
    Effect::None
}

/// The view's query for `req` below `base`: one place maps the request's fields.
fn query_of<'q>(
    req: &'q SearchRequest,
    base: &'q Dn,
    selection: &'q Selection<'q>,
    values_return: Option<&'q [Filter]>,
) -> SearchQuery<'q> {
    SearchQuery {
        base,
        scope: req.scope,
        filter: &req.filter,
        selection,
        size_limit: req.size_limit,
        time_limit: req.time_limit,
        values_return,
    }
}

/// A replication consumer's search (RFC 4533): src/sync sends the entries and the
/// Sync Info messages; the SearchResultDone, if the search ends, is sent here.
fn sync_search(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: &SearchRequest,
    request: &crate::sync::SyncRequest,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Effect {
    let ending = match parse_base(&req.base) {
        Err(e) => Some((Err(e), Vec::new())),
        Ok(base) => {
            let view = DirectoryView::new(state, &session.identity);
            let selection = Selection::new(view.schema(), &req.attrs, req.types_only);
            let query = query_of(req, &base, &selection, None);
            let search = crate::sync::SyncSearch {
                state,
                session,
                view: &view,
                query: &query,
                request,
                log,
            };
            crate::sync::serve(&search, out)
        }
    };
    let Some((outcome, controls)) = ending else {
        log.line("SRCH abandoned");
        return Effect::None;
    };
    let res = OpResult::from(outcome);
    log.result(&res, None);
    out(Reply::with_controls(
        Reply::Done(ResponseKind::Search, res),
        controls,
    ));
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

/// How a search ended, and the response controls its SearchResultDone carries.
type Answer = (Result<(), LdapError>, Vec<ResponseControl>);

fn search(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: &SearchRequest,
    controls: &Honoured<'_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Answer {
    let base = match parse_base(&req.base) {
        Ok(base) => base,
        Err(e) => return (Err(e), Vec::new()),
    };
    let view = DirectoryView::new(state, &session.identity);
    let order = match controls.sort {
        None => None,
        Some((keys, critical)) => match SortOrder::resolve(view.schema(), keys) {
            Ok(order) => Some(Ok(order)),
            // RFC 2891: a critical sort the server cannot do fails the search.
            Err(f) if critical => {
                let e = LdapError::new(
                    ResultCode::UnavailableCriticalExtension,
                    format!("cannot sort by {}", f.attr),
                );
                return (Err(e), vec![f.control()]);
            }
            Err(f) => Some(Err(f)),
        },
    };
    let selection = Selection::new(view.schema(), &req.attrs, req.types_only);
    // RFC 3876: the values return filter has no effect on a typesOnly search.
    let values_return = controls.values_return.filter(|_| !req.types_only);
    let query = query_of(req, &base, &selection, values_return);
    let sorted = order.as_ref().and_then(|o| o.as_ref().ok());
    let (outcome, mut response) = match special_entry(state, &base) {
        Some(entry) => (
            special(&view, &query, &entry, controls, emit),
            one_page(controls),
        ),
        None if super::monitor::covers(&base) => (
            super::monitor::search(state, &session.identity, &query, emit),
            one_page(controls),
        ),
        None => {
            let paging = controls.paged.map(|paged| PageRequest {
                paged,
                fingerprint: fingerprint(session, req, &base, controls),
                order: sorted,
            });
            let search = Search {
                view: &view,
                session,
                log,
                query: &query,
                assertion: controls.assertion,
            };
            search.run(paging, sorted, emit)
        }
    };
    match order {
        Some(Ok(_)) => response.push(ResponseControl::SortResult {
            code: sort_result(&outcome),
            attr: None,
        }),
        Some(Err(f)) => response.push(f.control()),
        None => {}
    }
    (outcome, response)
}

/// A search of the directory with what its controls ask.
struct Search<'a> {
    view: &'a DirectoryView<'a>,
    session: &'a Session,
    log: &'a OpLog,
    query: &'a SearchQuery<'a>,
    assertion: Option<&'a crate::filter::Filter>,
}

impl Search<'_> {
    /// Paged, sorted or streamed; the assertion on the base first.
    fn run(
        &self,
        paging: Option<PageRequest<'_, '_>>,
        sorted: Option<&SortOrder<'_>>,
        emit: &mut dyn FnMut(SearchEntry) -> bool,
    ) -> Answer {
        let (view, query) = (self.view, self.query);
        if let Some(filter) = self.assertion {
            let asserted = view
                .visible(query.base)
                .and_then(|entry| view.check_assertion(&entry, filter));
            if let Err(e) = asserted {
                return (Err(e), Vec::new());
            }
        }
        match (paging, sorted) {
            (Some(page), _) => {
                let (outcome, control) = paged::page(view, &self.session.paged, query, page, emit);
                (outcome, vec![control])
            }
            (None, Some(order)) => (in_order(view, query, order, emit), Vec::new()),
            (None, None) => (plain(view, self.log, query, emit), Vec::new()),
        }
    }
}

/// The root DSE or the subschema subentry when `base` names one.
fn special_entry(state: &ServerState, base: &Dn) -> Option<crate::entry::Entry> {
    if base.is_root() {
        Some(rootdse::root_dse(state))
    } else if base.same_as(&Dn::parse(SUBSCHEMA_DN).unwrap_or_default()) {
        Some(rootdse::subschema(state))
    } else {
        None
    }
}

/// The root DSE and the subschema subentry are public (RFC 4512 5.1, 4.4).
fn special(
    view: &DirectoryView<'_>,
    query: &SearchQuery<'_>,
    entry: &crate::entry::Entry,
    controls: &Honoured<'_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Result<(), LdapError> {
    if query.scope != Scope::Base {
        return Err(LdapError::no_such_object(""));
    }
    let all = |_: &str| true;
    if let Some(filter) = controls.assertion {
        if filter.evaluate(entry, view.schema(), &all) != Tri::True {
            return Err(LdapError::new(
                ResultCode::AssertionFailed,
                "assertion control: the entry does not match",
            ));
        }
    }
    if query.filter.evaluate(entry, view.schema(), &all) == Tri::True {
        let mut found = query.selection.reduce(entry, &[], &all);
        if let Some(items) = query.values_return {
            keep_returned_values(items, &entry.dn, &mut found, view.schema());
        }
        emit(found);
    }
    Ok(())
}

/// Paging of a one-entry answer: one page, and no more.
fn one_page(controls: &Honoured<'_>) -> Vec<ResponseControl> {
    match controls.paged {
        Some(_) => vec![ResponseControl::PagedResults {
            size: 0,
            cookie: Vec::new(),
        }],
        None => Vec::new(),
    }
}

/// An unsorted, unpaged search: entries stream as the directory finds them.
fn plain(
    view: &DirectoryView<'_>,
    log: &OpLog,
    query: &SearchQuery<'_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Result<(), LdapError> {
    let done = view.search(query, emit)?;
    log.debug(format_args!(
        "SRCH candidates indexed={} examined={}",
        done.stats.indexed, done.stats.examined
    ));
    match done.stopped {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A sorted search: the first entries in order within the size limit, then
/// sizeLimitExceeded when more matched.
fn in_order(
    view: &DirectoryView<'_>,
    query: &SearchQuery<'_>,
    order: &SortOrder<'_>,
    emit: &mut dyn FnMut(SearchEntry) -> bool,
) -> Result<(), LdapError> {
    let (dns, exceeded) = super::sort::ranked(view, query, order)?;
    for dn in dns {
        if let Some(entry) = view.result_entry(&dn, query)? {
            if !emit(entry) {
                return Ok(());
            }
        }
    }
    match exceeded {
        true => Err(LdapError::size_limit_exceeded()),
        false => Ok(()),
    }
}

/// The sortResult for a sorted search that ended with `outcome` (RFC 2891 1.2).
fn sort_result(outcome: &Result<(), LdapError>) -> ResultCode {
    match outcome {
        Ok(()) => ResultCode::Success,
        Err(e) => match e.code {
            ResultCode::SizeLimitExceeded => ResultCode::Success,
            code @ (ResultCode::OperationsError
            | ResultCode::TimeLimitExceeded
            | ResultCode::StrongerAuthRequired
            | ResultCode::AdminLimitExceeded
            | ResultCode::InsufficientAccessRights
            | ResultCode::Busy
            | ResultCode::UnwillingToPerform) => code,
            _ => ResultCode::Other,
        },
    }
}

/// What a paged results cookie must belong to: the identity and every part of the
/// request but the page size and cookie (RFC 2696 3).
fn fingerprint(
    session: &Session,
    req: &SearchRequest,
    base: &Dn,
    controls: &Honoured<'_>,
) -> String {
    format!(
        "{:?}\n{}\n{:?}\n{}\n{:?}\n{}\n{}\n{}\n{:?}\n{:?}\n{:?}",
        session.identity,
        base.normalized(),
        req.scope,
        req.filter,
        req.attrs,
        req.types_only,
        req.size_limit,
        req.time_limit,
        controls.sort.map(|(keys, _)| keys),
        controls.values_return,
        controls.assertion,
    )
}

/// [`parse_dn`] of a search base, the last one remembered per thread: Postfix and
/// Dovecot search the same base on every lookup, and parsing it again was 4% of a
/// lookup's instructions (callgrind). Shared, not cloned: a clone of the DN was
/// still eight allocations and 1.7% of a lookup.
fn parse_base(text: &str) -> Result<Rc<Dn>, LdapError> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, Rc<Dn>)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| {
        if let Some((seen, dn)) = last.as_ref() {
            if seen == text {
                return Ok(dn.clone());
            }
        }
        let dn = Rc::new(parse_dn(text)?);
        *last = Some((text.to_string(), dn.clone()));
        Ok(dn)
    })
}
