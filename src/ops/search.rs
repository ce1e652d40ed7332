//! Search (RFC 4511 4.5): scope, filter, attribute selection, limits, ACL filtering.

use super::{ldap_result, parse_dn, rootdse, Outcome};
use crate::acl::{AccessLevel, Identity, Target};
use crate::directory::{SUBSCHEMA_DN, VIRTUAL_ATTRS};
use crate::dn::{Dn, Scope};
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::filter::{Filter, Tri};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{
    LdapMsg, LdapOp, LdapPartialAttribute, LdapSearchRequest, LdapSearchResultEntry,
    LdapSearchScope,
};
use std::time::{Duration, Instant};

/// Handle a SearchRequest: the entries, then SearchResultDone.
pub fn handle(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    msgid: i32,
    req: LdapSearchRequest,
) -> Outcome {
    let filter = Filter::from_ldap(&req.filter);
    log.line(&format!(
        "SRCH base=\"{}\" scope={} deref={} filter=\"{}\"",
        req.base,
        req.scope.clone() as i64,
        req.aliases.clone() as i64,
        filter
    ));
    if !req.attrs.is_empty() {
        log.line(&format!("SRCH attr={}", req.attrs.join(" ")));
    }
    let mut out = Vec::new();
    let outcome = run(
        log,
        state,
        session,
        &req,
        &filter,
        &mut |e: LdapSearchResultEntry| {
            out.push(LdapMsg::new(msgid, LdapOp::SearchResultEntry(e)));
        },
    );
    let res = ldap_result(&outcome);
    log.result(&res, Some(out.len()));
    out.push(LdapMsg::new(msgid, LdapOp::SearchResultDone(res)));
    Outcome::Reply(out)
}

fn size_limit(state: &ServerState, who: &Identity, requested: i32) -> usize {
    let server = state.limits_for(who).size;
    let client = requested.max(0) as usize;
    match (client, server) {
        (0, s) => s,
        (c, 0) => c,
        (c, s) => c.min(s),
    }
}

fn time_limit(state: &ServerState, who: &Identity, requested: i32) -> Option<Duration> {
    let server = state.limits_for(who).time_secs;
    let client = requested.max(0) as u64;
    let secs = match (client, server) {
        (0, 0) => return None,
        (0, s) => s,
        (c, 0) => c,
        (c, s) => c.min(s),
    };
    Some(Duration::from_secs(secs))
}

fn run(
    log: &OpLog,
    state: &ServerState,
    session: &Session,
    req: &LdapSearchRequest,
    filter: &Filter,
    emit: &mut dyn FnMut(LdapSearchResultEntry),
) -> Result<(), LdapError> {
    let who = &session.identity;
    let schema = state.dir.schema();
    let scope = match req.scope {
        LdapSearchScope::Base => Scope::Base,
        LdapSearchScope::OneLevel => Scope::OneLevel,
        LdapSearchScope::Subtree => Scope::Subtree,
        LdapSearchScope::Children => Scope::Children,
    };
    let base = parse_dn(&req.base)?;
    let special = if base.is_root() {
        Some(rootdse::root_dse(state))
    } else if base.same_as(&Dn::parse(SUBSCHEMA_DN).unwrap_or_default()) {
        Some(rootdse::subschema(state))
    } else {
        None
    };
    if let Some(entry) = special {
        if scope != Scope::Base {
            return Err(LdapError::no_such_object(""));
        }
        if filter.evaluate(&entry, schema, &|_| true) == Tri::True {
            emit(select(state, who, &entry, &req.attrs, req.typesonly, false));
        }
        return Ok(());
    }
    if !base.is_within(state.dir.suffix()) {
        return Err(LdapError::no_such_object(""));
    }
    let limit = size_limit(state, who, req.sizelimit);
    let deadline = time_limit(state, who, req.timelimit).map(|d| Instant::now() + d);
    let mut sent = 0usize;
    let mut stop: Option<LdapError> = None;
    // slapd 2.4: the base needs search access on its entry; without even disclose
    // it does not exist for this identity.
    let Some(base_entry) = state.dir.get(&base)? else {
        return Err(state.no_such_object(who, &base));
    };
    if !state.allowed_entry(who, &base_entry, Target::Entry, AccessLevel::Disclose) {
        return Err(state.no_such_object(who, &base));
    }
    if !state.allowed_entry(who, &base_entry, Target::Entry, AccessLevel::Search) {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no search access to the base entry",
        ));
    }
    let stats = state
        .dir
        .candidates(&base, scope, filter, &mut |entry: Entry| {
            if deadline.is_some_and(|d| Instant::now() > d) {
                stop = Some(LdapError::new(
                    ResultCode::TimeLimitExceeded,
                    "time limit exceeded",
                ));
                return false;
            }
            if !state.allowed_entry(who, &entry, Target::Entry, AccessLevel::Search) {
                return true;
            }
            // Attributes without search access are absent for the filter, so
            // (userPassword=*) matches nothing for those who may not search it.
            let may_use = |attr: &str| {
                state.allowed_entry(who, &entry, Target::Attr(attr), AccessLevel::Search)
            };
            if filter.evaluate(&entry, schema, &may_use) != Tri::True {
                return true;
            }
            if !state.allowed_entry(who, &entry, Target::Entry, AccessLevel::Read) {
                return true;
            }
            if limit > 0 && sent >= limit {
                stop = Some(LdapError::new(
                    ResultCode::SizeLimitExceeded,
                    "size limit exceeded",
                ));
                return false;
            }
            emit(select(state, who, &entry, &req.attrs, req.typesonly, true));
            sent += 1;
            true
        })?;
    log.debug(&format!(
        "SRCH candidates indexed={} examined={}",
        stats.indexed, stats.examined
    ));
    match stop {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Build the result entry: the attributes asked for that the identity may read.
fn select(
    state: &ServerState,
    who: &Identity,
    entry: &Entry,
    requested: &[String],
    types_only: bool,
    check_acl: bool,
) -> LdapSearchResultEntry {
    let schema = state.dir.schema();
    let none = requested.iter().any(|a| a == "1.1") && requested.len() == 1;
    let all_user = requested.is_empty() || requested.iter().any(|a| a == "*");
    let all_oper = requested.iter().any(|a| a == "+");
    let named: Vec<String> = requested
        .iter()
        .filter(|a| !matches!(a.as_str(), "*" | "+" | "1.1"))
        .map(|a| schema.canonical_attr_name(a).unwrap_or_else(|| a.clone()))
        .collect();
    let wanted = |name: &str| -> bool {
        if none {
            return false;
        }
        if named.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return true;
        }
        let operational = schema.attribute(name).is_some_and(|at| at.is_operational());
        if operational {
            all_oper
        } else {
            all_user
        }
    };
    let mut attributes = Vec::new();
    let mut push = |name: &str, vals: &[Vec<u8>]| {
        if !wanted(name) {
            return;
        }
        if check_acl && !state.allowed_entry(who, entry, Target::Attr(name), AccessLevel::Read) {
            return;
        }
        attributes.push(LdapPartialAttribute {
            atype: name.to_string(),
            vals: if types_only {
                Vec::new()
            } else {
                vals.to_vec()
            },
        });
    };
    for a in &entry.attrs {
        push(&a.name, &a.values);
    }
    if !entry.dn.is_root() && check_acl {
        for v in VIRTUAL_ATTRS {
            let value: Vec<u8> = match *v {
                "hasSubordinates" => {
                    if !wanted(v) {
                        continue;
                    }
                    let has = state.dir.has_children(&entry.dn).unwrap_or(false);
                    (if has { "TRUE" } else { "FALSE" }).into()
                }
                "entryDN" => entry.dn.to_string().into_bytes(),
                _ => SUBSCHEMA_DN.into(),
            };
            push(v, &[value]);
        }
    }
    LdapSearchResultEntry {
        dn: entry.dn.to_string(),
        attributes,
    }
}
