//! Delete (RFC 4511 4.8): leaf entries only.

use super::controls::Honoured;
use super::parse_dn;
use super::request::{Response, ResponseKind};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Delete the entry named `dn`, if it matches the assertion control; the pre-read
/// control returns it as it was.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    dn: &str,
    controls: &Honoured<'_>,
) -> Response {
    log.line(format_args!("DEL dn=\"{dn}\""));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = parse_dn(dn).and_then(|dn| view.delete_with(&dn, &controls.write()));
    super::finish_write(log, ResponseKind::Delete, outcome)
}
