//! Modify (RFC 4511 4.6): value-level add, delete, replace and increment.

use super::parse_dn;
use super::request::{ModifyRequest, Response, ResponseKind};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Apply the changes in order, all or nothing.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: ModifyRequest) -> Response {
    log.line(&format!("MOD dn=\"{}\"", req.dn));
    let attrs: Vec<&str> = req.changes.iter().map(|c| c.attr.as_str()).collect();
    log.line(&format!("MOD attr={}", attrs.join(" ")));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = parse_dn(&req.dn).and_then(|dn| view.modify(&dn, &req.changes));
    super::finish(log, ResponseKind::Modify, outcome)
}
