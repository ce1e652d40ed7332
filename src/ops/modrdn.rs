//! ModifyDN (RFC 4511 4.9): rename an entry (with its subtree), optionally under a new
//! superior.

use super::controls::Honoured;
use super::parse_dn;
use super::request::{ModDnRequest, Response, ResponseKind};
use crate::dn::Rdn;
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::{DirectoryView, ReadBack, WriteControls};

/// Rename the entry, if the identity may write at the old and the new place (and it
/// matches the assertion control); the read controls return it before and after.
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: ModDnRequest,
    controls: &Honoured<'_>,
) -> Response {
    log.line(format_args!(
        "MODRDN dn=\"{}\" newrdn=\"{}\" deleteoldrdn={} newSuperior=\"{}\"",
        req.dn,
        req.new_rdn,
        req.delete_old_rdn,
        req.new_superior.as_deref().unwrap_or("")
    ));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = rename(&view, &req, &controls.write());
    super::finish_write(log, ResponseKind::ModDn, outcome)
}

fn rename(
    view: &DirectoryView<'_>,
    req: &ModDnRequest,
    controls: &WriteControls<'_>,
) -> Result<ReadBack, LdapError> {
    let dn = parse_dn(&req.dn)?;
    let new_rdn = Rdn::parse(&req.new_rdn)
        .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, format!("newrdn: {e}")))?;
    let new_superior = req.new_superior.as_deref().map(parse_dn).transpose()?;
    view.rename_with(
        &dn,
        &new_rdn,
        req.delete_old_rdn,
        new_superior.as_ref(),
        controls,
    )
}
