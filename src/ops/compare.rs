//! Compare (RFC 4511 4.10).

use super::{ldap_result, parse_dn, Outcome};
use crate::acl::{AccessLevel, Target};
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapCompareRequest, LdapMsg, LdapOp};

/// Handle a CompareRequest: compareTrue/compareFalse, or the error.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    req: LdapCompareRequest,
) -> Outcome {
    log.line(&format!("CMP dn=\"{}\" attr=\"{}\"", req.dn, req.atype));
    let outcome = match run(state, session, &req) {
        Ok(true) => Err(LdapError::new(ResultCode::CompareTrue, "")),
        Ok(false) => Err(LdapError::new(ResultCode::CompareFalse, "")),
        Err(e) => Err(e),
    };
    let res = ldap_result(&outcome);
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(msgid, LdapOp::CompareResult(res))])
}

fn run(
    state: &ServerState,
    session: &Session,
    req: &LdapCompareRequest,
) -> Result<bool, LdapError> {
    let dn = parse_dn(&req.dn)?;
    let who = &session.identity;
    let entry = state.dir.get(&dn)?;
    let Some(entry) =
        entry.filter(|_| state.allowed(who, &dn, Target::Entry, AccessLevel::Disclose))
    else {
        return Err(state.dir.no_such_object(&dn));
    };
    let schema = state.dir.schema();
    let name = schema.canonical_attr_name(&req.atype).ok_or_else(|| {
        LdapError::new(
            ResultCode::UndefinedAttributeType,
            format!("{}: attribute type undefined", req.atype),
        )
    })?;
    if !state.allowed(who, &dn, Target::Attr(&name), AccessLevel::Compare) {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            format!("no compare access to {name}"),
        ));
    }
    let at = schema
        .attribute(&name)
        .ok_or_else(|| LdapError::internal("schema lookup"))?;
    if !at.has_equality() {
        return Err(LdapError::new(
            ResultCode::InappropriateMatching,
            format!("{name}: no equality matching rule"),
        ));
    }
    let values = entry.values(&name);
    if values.is_empty() {
        return Err(LdapError::new(
            ResultCode::NoSuchAttribute,
            format!("{name}: no such attribute"),
        ));
    }
    Ok(values.iter().any(|v| at.values_equal(v, &req.val)))
}
