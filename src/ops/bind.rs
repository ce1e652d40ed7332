//! Bind (RFC 4511 4.2, RFC 4513): anonymous and simple binds.

use super::{ldap_result, Outcome};
use crate::acl::{AccessLevel, Identity, Target};
use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::password::{self, Verification};
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapBindCred, LdapBindRequest, LdapBindResponse, LdapMsg, LdapOp};

/// Handle a BindRequest. Whatever happens, the connection is anonymous until a bind
/// succeeds (RFC 4513 5.1), and a failed bind leaves it usable.
pub fn handle(
    state: &ServerState,
    session: &mut Session,
    log: &OpLog,
    msgid: i32,
    req: LdapBindRequest,
) -> Outcome {
    let method = match &req.cred {
        LdapBindCred::Simple(_) => "128",
        LdapBindCred::SASL(_) => "163",
        LdapBindCred::Unsupported => "?",
    };
    log.line(&format!("BIND dn=\"{}\" method={method}", req.dn));
    session.identity = Identity::Anonymous;
    let outcome = authenticate(state, session, &req).map(|id| {
        session.identity = id;
    });
    match &outcome {
        Err(e) if e.code == ResultCode::InvalidCredentials => {
            let next = state
                .throttle
                .failure(&throttle_key(&req.dn), session.peer_ip);
            tracing::warn!(
                "conn={} failed bind dn=\"{}\" from {}; next bind for this DN waits {} ms",
                session.conn,
                req.dn,
                session.peer,
                next.as_millis()
            );
        }
        Ok(()) if !req.dn.is_empty() => state.throttle.success(&throttle_key(&req.dn)),
        _ => {}
    }
    let res = ldap_result(&outcome);
    if outcome.is_ok() {
        log.line(&format!(
            "BIND dn=\"{}\" mech=SIMPLE",
            session.identity.dn_string()
        ));
    }
    log.result(&res, None);
    Outcome::Reply(vec![LdapMsg::new(
        msgid,
        LdapOp::BindResponse(LdapBindResponse {
            res,
            saslcreds: None,
        }),
    )])
}

/// The key failed binds are counted under: the normalised DN, so spelling variants of
/// one DN share a record (an unparsable DN is counted as written, lowercased).
pub fn throttle_key(dn: &str) -> String {
    Dn::parse(dn)
        .map(|d| d.normalized())
        .unwrap_or_else(|_| dn.to_ascii_lowercase())
}

/// The DN a request would be throttled under: simple binds with a DN and a password
/// (anonymous binds, which Dovecot sends after each failure, never wait).
pub fn throttled_dn(op: &LdapOp) -> Option<String> {
    match op {
        LdapOp::BindRequest(LdapBindRequest {
            dn,
            cred: LdapBindCred::Simple(pw),
            ..
        }) if !dn.is_empty() && !pw.is_empty() => Some(throttle_key(dn)),
        _ => None,
    }
}

/// Whether this (entry, problem) pair is reported for the first time: an unreadable
/// stored value is logged once, not on every bind (a client retrying in a loop would
/// otherwise flood the log). Bounded: past the cap the set starts over.
fn first_report(dn: &str, problem: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    const CAP: usize = 10_000;
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if seen.len() >= CAP {
        seen.clear();
    }
    seen.insert(format!("{dn}\u{0}{problem}"))
}

fn invalid() -> LdapError {
    LdapError::new(ResultCode::InvalidCredentials, "")
}

fn authenticate(
    state: &ServerState,
    session: &Session,
    req: &LdapBindRequest,
) -> Result<Identity, LdapError> {
    if req.version != 3 {
        return Err(LdapError::new(
            ResultCode::ProtocolError,
            "requested protocol version not allowed",
        ));
    }
    let password = match &req.cred {
        LdapBindCred::Simple(p) => p,
        LdapBindCred::SASL(_) | LdapBindCred::Unsupported => {
            return Err(LdapError::new(
                ResultCode::AuthMethodNotSupported,
                "only simple binds are supported",
            ))
        }
    };
    if req.dn.is_empty() {
        if password.is_empty() {
            return Ok(Identity::Anonymous);
        }
        return Err(invalid());
    }
    if password.is_empty() {
        // RFC 4513 5.1.2: an unauthenticated bind is refused by default.
        return Err(LdapError::new(
            ResultCode::UnwillingToPerform,
            "unauthenticated bind (DN with no password) disallowed",
        ));
    }
    let dn = Dn::parse(&req.dn)
        .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))?;
    if !state.password_transport_ok(session) {
        return Err(LdapError::new(
            ResultCode::ConfidentialityRequired,
            "confidentiality required: use StartTLS, ldaps:// or ldapi://",
        ));
    }
    if dn.same_as(&state.rootdn) {
        let Some(rootpw) = &state.config.rootpw else {
            return Err(invalid());
        };
        return match password::verify(
            rootpw.as_bytes(),
            password.as_bytes(),
            state.config.rootpw_cleartext_allowed(),
        ) {
            Verification::Match => Ok(Identity::Root(state.rootdn.clone())),
            _ => Err(invalid()),
        };
    }
    let Some(entry) = state.dir.get(&dn)? else {
        return Err(invalid());
    };
    if !state.allowed(
        &Identity::Anonymous,
        &dn,
        Target::Attr("userPassword"),
        AccessLevel::Auth,
    ) {
        return Err(invalid());
    }
    let allow_clear = state.config.password.allow_cleartext;
    for stored in entry.values("userPassword") {
        match password::verify(stored, password.as_bytes(), allow_clear) {
            Verification::Match => return Ok(Identity::User(entry.dn.clone())),
            Verification::Mismatch => {}
            Verification::UnknownScheme(s) => {
                if first_report(&entry.dn.normalized(), &s) {
                    tracing::warn!("userPassword of \"{}\" uses unknown scheme {s}", entry.dn)
                }
            }
            Verification::Malformed(m) => {
                if first_report(&entry.dn.normalized(), &m) {
                    tracing::warn!("userPassword of \"{}\" is malformed: {m}", entry.dn)
                }
            }
        }
    }
    Err(invalid())
}
