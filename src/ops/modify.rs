//! Modify (RFC 4511 4.6): value-level add, delete, replace and increment.

use super::{ldap_result, parse_dn, Outcome};
use crate::acl::{AccessLevel, Target};
use crate::entry::{ModOp, Modification};
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapModifyRequest, LdapModifyType, LdapMsg, LdapOp};

/// Handle a ModifyRequest.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    req: LdapModifyRequest,
) -> Outcome {
    log.line(&format!("MOD dn=\"{}\"", req.dn));
    let attrs: Vec<&str> = req
        .changes
        .iter()
        .map(|c| c.modification.atype.as_str())
        .collect();
    log.line(&format!("MOD attr={}", attrs.join(" ")));
    let outcome = run(state, session, req);
    let res = ldap_result(&outcome);
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(msgid, LdapOp::ModifyResponse(res))])
}

fn run(state: &ServerState, session: &Session, req: LdapModifyRequest) -> Result<(), LdapError> {
    let dn = parse_dn(&req.dn)?;
    let who = &session.identity;
    if state.dir.get(&dn)?.is_none()
        || !state.allowed(who, &dn, Target::Entry, AccessLevel::Disclose)
    {
        return Err(state.dir.no_such_object(&dn));
    }
    let mods: Vec<Modification> = req
        .changes
        .into_iter()
        .map(|c| Modification {
            op: match c.operation {
                LdapModifyType::Add => ModOp::Add,
                LdapModifyType::Delete => ModOp::Delete,
                LdapModifyType::Replace => ModOp::Replace,
                LdapModifyType::Increment => ModOp::Increment,
            },
            attr: c.modification.atype,
            values: c.modification.vals,
        })
        .collect();
    let entry_ok = state.allowed(who, &dn, Target::Entry, AccessLevel::Write);
    for m in &mods {
        let name = state
            .dir
            .schema()
            .canonical_attr_name(&m.attr)
            .unwrap_or_else(|| m.attr.clone());
        if !entry_ok || !state.allowed(who, &dn, Target::Attr(&name), AccessLevel::Write) {
            return Err(LdapError::new(
                ResultCode::InsufficientAccessRights,
                format!("no write access to {name}"),
            ));
        }
    }
    state.dir.modify(&dn, &mods, &who.dn_string())
}
