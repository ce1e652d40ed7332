//! ModifyDN (RFC 4511 4.9): rename a leaf, optionally under a new superior.

use super::parse_dn;
use super::request::{ModDnRequest, Response, ResponseKind};
use crate::dn::Rdn;
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Rename the entry, if the identity may write at the old and the new place.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: ModDnRequest) -> Response {
    log.line(&format!(
        "MODRDN dn=\"{}\" newrdn=\"{}\" deleteoldrdn={} newSuperior=\"{}\"",
        req.dn,
        req.new_rdn,
        req.delete_old_rdn,
        req.new_superior.as_deref().unwrap_or("")
    ));
    let view = DirectoryView::new(state, &session.identity);
    super::finish(log, ResponseKind::ModDn, rename(&view, &req))
}

fn rename(view: &DirectoryView<'_>, req: &ModDnRequest) -> Result<(), LdapError> {
    let dn = parse_dn(&req.dn)?;
    let new_rdn = Rdn::parse(&req.new_rdn)
        .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, format!("newrdn: {e}")))?;
    let new_superior = req.new_superior.as_deref().map(parse_dn).transpose()?;
    view.rename(&dn, &new_rdn, req.delete_old_rdn, new_superior.as_ref())
}
