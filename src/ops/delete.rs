//! Delete (RFC 4511 4.8): leaf entries only.

use super::parse_dn;
use super::request::{Response, ResponseKind};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Delete the entry named `dn`.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, dn: &str) -> Response {
    log.line(&format!("DEL dn=\"{dn}\""));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = parse_dn(dn).and_then(|dn| view.delete(&dn));
    super::finish(log, ResponseKind::Delete, outcome)
}
