//! Modify (RFC 4511 4.6): value-level add, delete, replace and increment.

use super::controls::Honoured;
use super::parse_dn;
use super::request::{ModifyRequest, Response, ResponseKind};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Apply the changes in order, all or nothing, if the entry matches the assertion
/// control; the read controls return the entry before and after.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: ModifyRequest,
    controls: &Honoured<'_>,
) -> Response {
    log.line(format_args!("MOD dn=\"{}\"", req.dn));
    let attrs: Vec<&str> = req.changes.iter().map(|c| c.attr.as_str()).collect();
    log.line(format_args!("MOD attr={}", crate::log::Words(&attrs)));
    let view = DirectoryView::new(state, &session.identity);
    let outcome =
        parse_dn(&req.dn).and_then(|dn| view.modify_with(&dn, &req.changes, &controls.write()));
    super::finish_write(log, ResponseKind::Modify, outcome)
}
