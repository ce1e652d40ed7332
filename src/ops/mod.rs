//! LDAP operations, one file each. `do_op` takes a request in the project's own
//! types (made by `wire` from the codec's), runs the operation against the
//! access-checked directory view, and returns the replies and what changes for the
//! connection; the connection loop (src/session.rs) applies that. No operation
//! touches the socket or the session state.

pub mod abandon;
pub mod add;
pub mod bind;
pub mod compare;
pub mod delete;
pub mod extended;
pub mod modify;
pub mod modrdn;
pub mod passwd;
pub mod request;
pub mod rootdse;
pub mod search;
pub mod wire;

#[cfg(test)]
mod tests;

use crate::dn::Dn;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use request::{Control, Effect, Operation, Reply, Request, Response};

/// Parse a DN from the wire, mapping failure to invalidDNSyntax.
pub fn parse_dn(s: &str) -> Result<Dn, LdapError> {
    Dn::parse(s).map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))
}

/// A control the server does not implement and the client marked critical
/// (RFC 4511 4.1.11): the operation must fail with unavailableCriticalExtension.
fn unsupported_critical(controls: &[Control]) -> Option<&str> {
    controls
        .iter()
        .find(|c| c.critical && !rootdse::SUPPORTED_CONTROLS.contains(&c.oid.as_str()))
        .map(|c| c.oid.as_str())
}

/// Whether `req` is answered in microseconds, so the connection loop may run it in
/// the task that read it (no thread hand-off): a base-scope or index-narrowed
/// search, a compare, WhoAmI.
pub fn is_quick(state: &ServerState, req: &Request) -> bool {
    match &req.op {
        Operation::Search(s) => s.scope == crate::dn::Scope::Base || state.dir.is_narrow(&s.filter),
        Operation::Compare(_) | Operation::Abandon(_) => true,
        Operation::Extended(request::ExtendedRequest::WhoAmI) => true,
        _ => false,
    }
}

/// Run one request and collect its replies. `op_no` numbers operations within the
/// connection for the logs.
pub fn do_op(state: &ServerState, session: &Session, op_no: u64, req: Request) -> Response {
    let mut replies = Vec::new();
    let effect = stream_op(state, session, op_no, req, &mut |r| {
        replies.push(r);
        true
    });
    Response { replies, effect }
}

/// Run one request, handing each reply to `out` as it is made (a search's entries
/// leave one by one); `out` answering false (abandoned, connection gone) stops it.
pub fn stream_op(
    state: &ServerState,
    session: &Session,
    op_no: u64,
    req: Request,
    out: &mut dyn FnMut(Reply) -> bool,
) -> Effect {
    let log = OpLog::new(session.conn, op_no);
    if let (Some(oid), Some(kind)) = (unsupported_critical(&req.controls), req.op.response_kind()) {
        let res = OpResult::from(LdapError::new(
            ResultCode::UnavailableCriticalExtension,
            format!("critical extension is not recognized: {oid}"),
        ));
        log.result(&res, None);
        out(Reply::Done(kind, res));
        return Effect::None;
    }
    let response = match req.op {
        Operation::Search(r) => return search::run(state, session, &log, r, out),
        Operation::Bind(r) => bind::run(state, session, &log, r),
        Operation::Unbind => {
            log.line("UNBIND");
            Response {
                replies: Vec::new(),
                effect: Effect::Close,
            }
        }
        Operation::Add(r) => add::run(state, session, &log, r),
        Operation::Modify(r) => modify::run(state, session, &log, r),
        Operation::Delete(dn) => delete::run(state, session, &log, &dn),
        Operation::ModDn(r) => modrdn::run(state, session, &log, r),
        Operation::Compare(r) => compare::run(state, session, &log, r),
        Operation::Abandon(id) => abandon::run(&log, id),
        Operation::Extended(r) => extended::run(state, session, &log, r),
        Operation::Unexpected(what) => {
            log.line(&format!("unexpected PDU: {what}"));
            Response {
                replies: Vec::new(),
                effect: Effect::Close,
            }
        }
    };
    for reply in response.replies {
        out(reply);
    }
    response.effect
}

/// Log the result of a one-reply operation and answer with it.
fn finish(log: &OpLog, kind: request::ResponseKind, outcome: Result<(), LdapError>) -> Response {
    let res = OpResult::from(outcome);
    log.result(&res, None);
    Response::done(kind, res)
}
