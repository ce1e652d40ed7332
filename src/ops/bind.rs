//! Bind (RFC 4511 4.2, RFC 4513): anonymous and simple binds.

use super::request::{BindRequest, Credentials, Effect, Response, ResponseKind};
use crate::acl::Identity;
use crate::dn::Dn;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::log::OpLog;
use crate::password::{self, Verification};
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Authenticate. Whatever happens, the connection is anonymous until a bind
/// succeeds (RFC 4513 5.1), and a failed bind leaves it usable: the effect is the
/// identity the connection is bound as afterwards.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: BindRequest) -> Response {
    let method = match &req.credentials {
        Credentials::Simple(_) => "128",
        Credentials::Sasl(_) => "163",
        Credentials::Unsupported => "?",
    };
    log.line(&format!("BIND dn=\"{}\" method={method}", req.dn));
    let outcome = authenticate(state, session, &req);
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
        Ok(_) if !req.dn.is_empty() => state.throttle.success(&throttle_key(&req.dn)),
        _ => {}
    }
    if let Ok(id) = &outcome {
        log.line(&format!("BIND dn=\"{}\" mech=SIMPLE", id.dn_string()));
    }
    let (res, identity) = match outcome {
        Ok(id) => (OpResult::success(), id),
        Err(e) => (OpResult::from(e), Identity::Anonymous),
    };
    log.result(&res, None);
    let mut response = Response::done(ResponseKind::Bind, res);
    response.effect = Effect::Bound(identity);
    response
}

/// May a password (bind or Password Modify) travel on this connection? Yes over
/// TLS or ldapi://, or from a network listed in `plaintext_bind_networks`.
pub fn password_transport_ok(state: &ServerState, session: &Session) -> bool {
    session.secure
        || session
            .peer_ip
            .is_some_and(|ip| state.plaintext_networks.iter().any(|n| n.contains(ip)))
}

/// The key failed binds are counted under: the normalised DN, so spelling variants of
/// one DN share a record (an unparsable DN is counted as written, lowercased).
pub fn throttle_key(dn: &str) -> String {
    Dn::parse(dn)
        .map(|d| d.normalized())
        .unwrap_or_else(|_| dn.to_ascii_lowercase())
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
    req: &BindRequest,
) -> Result<Identity, LdapError> {
    if req.version != 3 {
        return Err(LdapError::new(
            ResultCode::ProtocolError,
            "requested protocol version not allowed",
        ));
    }
    let password = match &req.credentials {
        Credentials::Simple(p) => p,
        Credentials::Sasl(_) | Credentials::Unsupported => {
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
    let dn = super::parse_dn(&req.dn)?;
    if !password_transport_ok(state, session) {
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
    // Authentication is asked as an anonymous client would ask it (slapd's `auth`).
    let Some(entry) = DirectoryView::new(state, &Identity::Anonymous).entry_for_bind(&dn)? else {
        return Err(invalid());
    };
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
