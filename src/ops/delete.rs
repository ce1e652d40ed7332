//! Delete (RFC 4511 4.8): leaf entries only.

use super::{ldap_result, parse_dn, Outcome};
use crate::acl::{AccessLevel, Target};
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapMsg, LdapOp};

/// Handle a DelRequest.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    dn: &str,
) -> Outcome {
    log.line(&format!("DEL dn=\"{dn}\""));
    let outcome = run(state, session, dn);
    let res = ldap_result(&outcome);
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(msgid, LdapOp::DelResponse(res))])
}

fn run(state: &ServerState, session: &Session, dn: &str) -> Result<(), LdapError> {
    let dn = parse_dn(dn)?;
    let who = &session.identity;
    let entry = state.dir.get(&dn)?;
    if entry.is_none() || !state.allowed(who, &dn, Target::Entry, AccessLevel::Disclose) {
        return Err(state.dir.no_such_object(&dn));
    }
    let parent = dn.parent().unwrap_or_default();
    if !state.allowed(who, &dn, Target::Entry, AccessLevel::Write)
        || !state.allowed(who, &parent, Target::Children, AccessLevel::Write)
    {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no write access to entry",
        ));
    }
    state.dir.delete(&dn)
}
