//! Add (RFC 4511 4.7).

use super::controls::Honoured;
use super::parse_dn;
use super::request::{AddRequest, Response, ResponseKind};
use crate::entry::Entry;
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Add the entry, if the identity may write it under its parent (and it matches the
/// assertion control); the post-read control returns it as stored.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: AddRequest,
    controls: &Honoured<'_>,
) -> Response {
    log.line(format_args!("ADD dn=\"{}\"", req.dn));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = parse_dn(&req.dn).and_then(|dn| {
        let entry = Entry {
            dn,
            attrs: req.attrs,
        };
        view.add_with(entry, &controls.write())
    });
    super::finish_write(log, ResponseKind::Add, outcome)
}
