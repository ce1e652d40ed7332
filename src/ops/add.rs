//! Add (RFC 4511 4.7).

use super::parse_dn;
use super::request::{AddRequest, Response, ResponseKind};
use crate::entry::Entry;
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Add the entry, if the identity may write it under its parent.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: AddRequest) -> Response {
    log.line(&format!("ADD dn=\"{}\"", req.dn));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = parse_dn(&req.dn).and_then(|dn| {
        view.add(Entry {
            dn,
            attrs: req.attrs,
        })
    });
    super::finish(log, ResponseKind::Add, outcome)
}
