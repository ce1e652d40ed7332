//! LDAP operations, one file each. `do_op` takes a request in the project's own
//! types (made by `wire` from the codec's), runs the operation against the
//! access-checked directory view, and returns the replies and what changes for the
//! connection; the connection loop (src/session.rs) applies that. No operation
//! touches the socket or the session state.

pub mod abandon;
pub mod add;
pub mod bind;
pub mod compare;
pub mod controls;
pub mod delete;
pub mod extended;
pub mod metered;
pub mod modify;
pub mod modrdn;
pub mod monitor;
pub mod paged;
pub mod passwd;
pub mod request;
pub mod rootdse;
pub mod search;
pub mod sort;
pub mod wire;

#[cfg(test)]
mod controls_tests;
#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod tests;

use crate::dn::Dn;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::ReadBack;
use request::{Effect, Operation, Reply, Request, Response, ResponseControl};

/// Parse a DN from the wire, mapping failure to invalidDNSyntax.
pub fn parse_dn(s: &str) -> Result<Dn, LdapError> {
    Dn::parse(s).map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))
}

/// Whether `req` is answered in microseconds, so the connection loop may run it in
/// the task that read it (no thread hand-off): a base-scope or index-narrowed
/// search, a compare, WhoAmI, an unbind (it only ends the session: run blocking, each
/// Courier login's unbind moved the worker's connections to a fresh thread, and
/// under load the blocking pool grew to its 512 threads).
pub fn is_quick(state: &ServerState, req: &Request) -> bool {
    // A sync search (RFC 4533) may run for as long as the consumer stays.
    let syncing = || {
        req.controls
            .iter()
            .any(|c| matches!(c.value, request::ControlValue::SyncRequest(_)))
    };
    match &req.op {
        Operation::Search(_) if syncing() => false,
        Operation::Search(s) => s.scope == crate::dn::Scope::Base || state.dir.is_narrow(&s.filter),
        Operation::Compare(_) | Operation::Abandon(_) | Operation::Unbind => true,
        Operation::Extended(request::ExtendedRequest::WhoAmI) => true,
        _ => false,
    }
}

/// Refuse a request naming a DN longer or deeper than the limits allow, before any
/// of it is parsed or looked up: no directory is that deep, and an 8,000-RDN DN
/// must not cost a core seconds (issue 11).
fn dn_limits(limits: &crate::config::Limits, op: &Operation) -> Result<(), LdapError> {
    // RDNs are counted by their unescaped separators, without parsing.
    let separators = |dn: &str| {
        let mut escaped = false;
        dn.bytes()
            .filter(|&b| {
                let is_sep = (b == b',' || b == b';') && !escaped;
                escaped = b == b'\\' && !escaped;
                is_sep
            })
            .count()
    };
    let too_big = |dn: &str| dn.len() > limits.max_dn_bytes || separators(dn) >= limits.max_dn_rdns;
    match op.dns().into_iter().find(|dn| too_big(dn)) {
        None => Ok(()),
        Some(dn) => Err(LdapError::new(
            ResultCode::AdminLimitExceeded,
            format!(
                "DN of {} bytes refused: at most {} bytes and {} RDNs (max_dn_bytes, max_dn_rdns)",
                dn.len(),
                limits.max_dn_bytes,
                limits.max_dn_rdns
            ),
        )),
    }
}

/// A replica (`[replication]`) takes no client writes: add, modify, delete, modrdn
/// and Password Modify get referral (10) to the provider, the target DN appended as
/// slapd's updateref does, so a client that follows referrals writes there.
fn refuse_replica_write(state: &ServerState, op: &Operation) -> Result<(), LdapError> {
    let Some(replication) = &state.config.replication else {
        return Ok(());
    };
    let target = match op {
        Operation::Add(r) => Some(r.dn.as_str()),
        Operation::Modify(r) => Some(r.dn.as_str()),
        Operation::Delete(dn) => Some(dn.as_str()),
        Operation::ModDn(r) => Some(r.dn.as_str()),
        Operation::Extended(request::ExtendedRequest::PasswordModify(_)) => None,
        _ => return Ok(()),
    };
    let provider = replication.provider.trim_end_matches('/');
    let uri = match target {
        Some(dn) if !dn.is_empty() => format!("{provider}/{}", url_escape(dn)),
        _ => provider.to_string(),
    };
    Err(LdapError::referral(
        uri,
        "read-only replica: writes go to the provider",
    ))
}

/// `dn` as the DN part of an LDAP URL (RFC 4516): what a URL may not hold bare is
/// percent-encoded.
fn url_escape(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    for b in dn.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,=+@!$&'()*;:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Run one request and collect its replies. `op_no` numbers operations within the
/// connection for the logs.
pub fn do_op(state: &ServerState, session: &Session, op_no: u64, req: Request) -> Response {
    let mut replies = Vec::new();
    let effect = stream_op(state, session, op_no, req, &mut |r| {
        if r != Reply::KeepAlive {
            replies.push(r);
        }
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
    let Request { op, controls, .. } = req;
    let mut timer = metered::kind(&op).map(|kind| state.metrics.operation(kind));
    let mut metered = |reply: Reply| {
        if let Some(timer) = &mut timer {
            metered::observe(timer, &reply);
        }
        out(reply)
    };
    let out: &mut dyn FnMut(Reply) -> bool = &mut metered;
    // Unbind and abandon have no response to fail, so their controls are ignored.
    let honoured = match op.response_kind() {
        Some(kind) => match dn_limits(&state.config.limits, &op)
            .and_then(|()| refuse_replica_write(state, &op))
            .and_then(|()| controls::honoured(&controls, kind))
        {
            Ok(h) => h,
            Err(e) => {
                let res = OpResult::from(e);
                log.result(&res, None);
                out(Reply::Done(kind, res));
                return Effect::None;
            }
        },
        None => controls::Honoured::default(),
    };
    let response = match op {
        Operation::Search(r) => return search::run(state, session, &log, r, &honoured, out),
        Operation::Bind(r) => bind::run(state, session, &log, r),
        Operation::Unbind => {
            log.line("UNBIND");
            Response {
                replies: Vec::new(),
                effect: Effect::Close,
            }
        }
        Operation::Add(r) => add::run(state, session, &log, r, &honoured),
        Operation::Modify(r) => modify::run(state, session, &log, r, &honoured),
        Operation::Delete(dn) => delete::run(state, session, &log, &dn, &honoured),
        Operation::ModDn(r) => modrdn::run(state, session, &log, r, &honoured),
        Operation::Compare(r) => compare::run(state, session, &log, r, &honoured),
        Operation::Abandon(id) => abandon::run(&log, id),
        Operation::Extended(r) => extended::run(state, session, &log, r),
        Operation::Unexpected(what) => {
            log.line(format_args!("unexpected PDU: {what}"));
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
    finish_write(log, kind, outcome.map(|()| ReadBack::default()))
}

/// Log the result of a write and answer with it, carrying the entry the read
/// controls asked for (RFC 4527: only when the write succeeded).
fn finish_write(
    log: &OpLog,
    kind: request::ResponseKind,
    outcome: Result<ReadBack, LdapError>,
) -> Response {
    let (outcome, read_back) = match outcome {
        Ok(read) => (Ok(()), read),
        Err(e) => (Err(e), ReadBack::default()),
    };
    let res = OpResult::from(outcome);
    log.result(&res, None);
    let controls: Vec<ResponseControl> = read_back
        .pre
        .map(ResponseControl::PreRead)
        .into_iter()
        .chain(read_back.post.map(ResponseControl::PostRead))
        .collect();
    Response {
        replies: vec![Reply::with_controls(Reply::Done(kind, res), controls)],
        effect: Effect::None,
    }
}
