//! ModifyDN (RFC 4511 4.9): rename a leaf, optionally under a new superior.

use super::{ldap_result, parse_dn, Outcome};
use crate::acl::{AccessLevel, Target};
use crate::dn::Rdn;
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapModifyDNRequest, LdapMsg, LdapOp};

/// Handle a ModifyDNRequest.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    req: LdapModifyDNRequest,
) -> Outcome {
    log.line(&format!(
        "MODRDN dn=\"{}\" newrdn=\"{}\" deleteoldrdn={} newSuperior=\"{}\"",
        req.dn,
        req.newrdn,
        req.deleteoldrdn,
        req.new_superior.as_deref().unwrap_or("")
    ));
    let outcome = run(state, session, req);
    let res = ldap_result(&outcome);
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(msgid, LdapOp::ModifyDNResponse(res))])
}

fn run(state: &ServerState, session: &Session, req: LdapModifyDNRequest) -> Result<(), LdapError> {
    let dn = parse_dn(&req.dn)?;
    let new_rdn = Rdn::parse(&req.newrdn)
        .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, format!("newrdn: {e}")))?;
    let new_superior = match &req.new_superior {
        Some(s) => Some(parse_dn(s)?),
        None => None,
    };
    let who = &session.identity;
    if state.dir.get(&dn)?.is_none()
        || !state.allowed(who, &dn, Target::Entry, AccessLevel::Disclose)
    {
        return Err(state.dir.no_such_object(&dn));
    }
    if state.dir.has_children(&dn)? {
        return Err(LdapError::new(
            ResultCode::NotAllowedOnNonLeaf,
            "renaming an entry with subordinates is not supported",
        ));
    }
    let old_parent = dn.parent().unwrap_or_default();
    let new_parent = new_superior.clone().unwrap_or_else(|| old_parent.clone());
    let new_dn = new_parent.child(new_rdn.clone());
    let allowed = state.allowed(who, &dn, Target::Entry, AccessLevel::Write)
        && state.allowed(who, &old_parent, Target::Children, AccessLevel::Write)
        && state.allowed(who, &new_parent, Target::Children, AccessLevel::Write)
        && state.allowed(who, &new_dn, Target::Entry, AccessLevel::Write);
    if !allowed {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no write access to the old or the new place",
        ));
    }
    state
        .dir
        .modrdn(
            &dn,
            &new_rdn,
            req.deleteoldrdn,
            new_superior.as_ref(),
            &who.dn_string(),
        )
        .map(|_| ())
}
