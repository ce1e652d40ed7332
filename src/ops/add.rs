//! Add (RFC 4511 4.7).

use super::{ldap_result, parse_dn, Outcome};
use crate::acl::{AccessLevel, Target};
use crate::directory::Origin;
use crate::entry::{Attribute, Entry};
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapAddRequest, LdapMsg, LdapOp};

/// Handle an AddRequest.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    req: LdapAddRequest,
) -> Outcome {
    log.line(&format!("ADD dn=\"{}\"", req.dn));
    let outcome = run(state, session, req);
    let res = ldap_result(&outcome);
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(msgid, LdapOp::AddResponse(res))])
}

fn run(state: &ServerState, session: &Session, req: LdapAddRequest) -> Result<(), LdapError> {
    let dn = parse_dn(&req.dn)?;
    let who = &session.identity;
    let parent = dn.parent().unwrap_or_default();
    let is_suffix = dn.same_as(state.dir.suffix());
    if !is_suffix
        && state.dir.get(&parent)?.is_some()
        && !state.allowed(who, &parent, Target::Entry, AccessLevel::Disclose)
    {
        return Err(state.dir.no_such_object(&dn));
    }
    let mut allowed = state.allowed(who, &dn, Target::Entry, AccessLevel::Write)
        && (is_suffix || state.allowed(who, &parent, Target::Children, AccessLevel::Write));
    for a in &req.attributes {
        let name = state
            .dir
            .schema()
            .canonical_attr_name(&a.atype)
            .unwrap_or_else(|| a.atype.clone());
        allowed &= state.allowed(who, &dn, Target::Attr(&name), AccessLevel::Write);
    }
    if !allowed {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no write access to parent",
        ));
    }
    let entry = Entry {
        dn,
        attrs: req
            .attributes
            .into_iter()
            .map(|a| Attribute {
                name: a.atype,
                values: a.vals,
            })
            .collect(),
    };
    state.dir.add(entry, &who.dn_string(), Origin::Client)
}
