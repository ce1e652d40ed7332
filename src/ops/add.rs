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
    // A parent that is missing or invisible gives the same answer.
    if !is_suffix
        && (state.dir.get(&parent)?.is_none()
            || !state.allowed(who, &parent, Target::Entry, AccessLevel::Disclose))
    {
        return Err(state.no_such_object(who, &dn));
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
    // slapd: write on the new entry's `entry` and on every attribute it brings
    // (the RDN's too: the directory adds those values when the request omits them),
    // and write on the parent's `children`. The entry itself is what filtered rules see.
    let schema = state.dir.schema();
    let canonical = |a: &str| {
        schema
            .canonical_attr_name(a)
            .unwrap_or_else(|| a.to_string())
    };
    let mut names: Vec<String> = entry.attrs.iter().map(|a| canonical(&a.name)).collect();
    if let Some(rdn) = entry.dn.rdn() {
        names.extend(rdn.avas.iter().map(|a| canonical(&a.attr)));
    }
    let allowed = state.allowed_entry(who, &entry, Target::Entry, AccessLevel::Write)
        && (is_suffix || state.allowed(who, &parent, Target::Children, AccessLevel::Write))
        && names
            .iter()
            .all(|n| state.allowed_entry(who, &entry, Target::Attr(n), AccessLevel::Write));
    if !allowed {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no write access to the new entry or its parent",
        ));
    }
    state.dir.add(entry, &who.dn_string(), Origin::Client)
}
