//! Bind (RFC 4511 4.2, RFC 4513): anonymous and simple binds.
//!
//! A bind runs in three steps: what can be decided at once (protocol, transport, the
//! entry, the guess budget), the password check (inline for digests, on the hashing
//! pool for slow schemes), and the bookkeeping of the outcome (backoff, budget). The
//! session awaits [`serve`], which sleeps where the throttle asks (before the check
//! for a throttled address, after it for a wrong password) and waits for the pool
//! without holding a thread; [`run`] is the same bind in one synchronous call.

use super::request::{
    BindRequest, Credentials, Effect, Operation, Request, Response, ResponseKind,
};
use crate::acl::Identity;
use crate::dn::Dn;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::log::OpLog;
use crate::password::check::{Check, Checked};
use crate::password::pool::PoolBusy;
use crate::password::Verification;
use crate::session::Session;
use crate::state::ServerState;
use crate::throttle::Attempt;
use crate::view::DirectoryView;
use std::time::Duration;

/// How a bind ended, for the throttle's books and the reply.
enum Outcome {
    /// Decided without a password check (anonymous, a protocol or transport error).
    Decided(Result<Identity, LdapError>),
    /// The password was checked (or there was nothing it could match).
    Checked(Result<Identity, LdapError>),
    /// Refused unchecked: the DN's guess budget is spent.
    Refused,
    /// The hashing pool's queue was full.
    Busy,
}

/// A password check still to run, and who the bind is as if it matches.
struct Pending {
    check: Check,
    identity: Identity,
}

enum Step {
    Done(Outcome),
    Check(Pending),
}

/// What [`prepare`] decided, and the key the throttle counts the bind under (empty
/// when it was decided before the DN was parsed; such outcomes are not counted).
struct Prepared {
    step: Step,
    key: String,
}

/// Authenticate, in one synchronous call (a slow hash blocks this thread on the pool).
/// Whatever happens, the connection is anonymous until a bind succeeds (RFC 4513
/// 5.1), and a failed bind leaves it usable: the effect is the identity the connection
/// is bound as afterwards.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: BindRequest) -> Response {
    log_request(log, &req);
    let prepared = prepare(state, session, &req);
    let outcome = match prepared.step {
        Step::Done(o) => o,
        Step::Check(p) => checked(p.identity, p.check.run_blocking(&state.hash_pool)),
    };
    settle(state, session, &req, &prepared.key, &outcome);
    respond(log, outcome)
}

/// Authenticate as the session does: the address's backoff and a wrong password's
/// hold are tokio sleeps, and a slow hash is awaited on the pool, so no thread is held
/// while the bind waits. Controls are refused as for any request.
pub async fn serve(
    state: &ServerState,
    session: &Session,
    op_no: u64,
    request: Request,
) -> Response {
    let Operation::Bind(req) = &request.op else {
        return super::do_op(state, session, op_no, request);
    };
    if super::controls::honoured(&request.controls, ResponseKind::Bind).is_err() {
        return super::do_op(state, session, op_no, request);
    }
    let mut timer = state.metrics.operation(crate::metrics::OpKind::Bind);
    let log = OpLog::new(session.conn, op_no);
    log_request(&log, req);
    if let Some(dn) = req.throttled_dn() {
        let wait = state.throttle.address_delay(session.peer_ip);
        if !wait.is_zero() {
            state.metrics.binds.address_delayed.inc();
        }
        pause(
            session,
            dn,
            wait,
            "before its check, after failed binds from this address",
        )
        .await;
    }
    let prepared = prepare(state, session, req);
    let outcome = match prepared.step {
        Step::Done(o) => o,
        Step::Check(p) => checked(p.identity, p.check.run_on(&state.hash_pool).await),
    };
    let hold = settle(state, session, req, &prepared.key, &outcome);
    if !hold.is_zero() {
        state.metrics.binds.answers_held.inc();
    }
    pause(session, &req.dn, hold, "after failed binds for this DN").await;
    let response = respond(&log, outcome);
    for reply in &response.replies {
        super::metered::observe(&mut timer, reply);
    }
    response
}

/// Sleep `wait` (if any), logging why.
async fn pause(session: &Session, dn: &str, wait: Duration, why: &str) {
    if wait.is_zero() {
        return;
    }
    tracing::info!(
        "conn={} bind dn=\"{dn}\" from {} delayed {} ms {why}",
        session.conn,
        session.peer,
        wait.as_millis()
    );
    tokio::time::sleep(wait).await;
}

fn log_request(log: &OpLog, req: &BindRequest) {
    let method = match &req.credentials {
        Credentials::Simple(_) => "128",
        Credentials::Sasl(_) => "163",
        Credentials::Unsupported => "?",
    };
    log.line(format_args!("BIND dn=\"{}\" method={method}", req.dn));
}

/// The outcome of a check that ran (or could not run).
fn checked(identity: Identity, result: Result<Checked, PoolBusy>) -> Outcome {
    match result {
        Ok(c) => {
            report_problems(&identity, &c.problems);
            Outcome::Checked(if c.matched {
                Ok(identity)
            } else {
                Err(invalid())
            })
        }
        Err(PoolBusy) => Outcome::Busy,
    }
}

/// Keep the throttle's books under `key` (from [`prepare`]); returns how long the
/// answer is held.
fn settle(
    state: &ServerState,
    session: &Session,
    req: &BindRequest,
    key: &str,
    outcome: &Outcome,
) -> Duration {
    let attempt = Attempt {
        dn: key,
        conn: session.conn,
        ip: session.peer_ip,
    };
    let (conn, dn, peer) = (session.conn, &req.dn, &session.peer);
    match outcome {
        Outcome::Decided(_) => Duration::ZERO,
        Outcome::Checked(Ok(_)) => {
            state.throttle.success(attempt);
            Duration::ZERO
        }
        Outcome::Checked(Err(_)) => {
            let hold = state.throttle.failure(attempt);
            tracing::warn!(
                "conn={conn} failed bind dn=\"{dn}\" from {peer}; answer held {} ms",
                hold.as_millis()
            );
            hold
        }
        Outcome::Refused => {
            state.metrics.binds.guesses_refused.inc();
            let hold = state.throttle.refused(attempt);
            tracing::info!(
                "conn={conn} bind dn=\"{dn}\" from {peer} refused unchecked: the DN's guess budget is spent"
            );
            hold
        }
        Outcome::Busy => {
            state.throttle.not_checked(attempt);
            tracing::warn!("conn={conn} bind dn=\"{dn}\" from {peer} answered busy: {PoolBusy}");
            Duration::ZERO
        }
    }
}

/// The reply and the identity the connection has afterwards.
fn respond(log: &OpLog, outcome: Outcome) -> Response {
    let result = match outcome {
        Outcome::Decided(r) | Outcome::Checked(r) => r,
        // Unchecked, so it cannot be a success; it looks like any wrong password.
        Outcome::Refused => Err(invalid()),
        Outcome::Busy => Err(LdapError::new(
            ResultCode::Busy,
            format!("{PoolBusy}; try again"),
        )),
    };
    if let Ok(id) = &result {
        log.line(format_args!("BIND dn=\"{id}\" mech=SIMPLE"));
    }
    let (res, identity) = match result {
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
/// one DN share a record. Taken from the DN the bind already parsed (a parse costs
/// about a tenth of a bind's CPU).
fn throttle_key(dn: &Dn) -> String {
    dn.normalized()
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

/// Log, once per value, the stored values of `identity` that could not be checked.
fn report_problems(identity: &Identity, problems: &[Verification]) {
    let clean = |p: &Verification| matches!(p, Verification::Match | Verification::Mismatch);
    if problems.iter().all(clean) {
        return;
    }
    let dn = identity.dn_string();
    for p in problems {
        match p {
            Verification::UnknownScheme(s) => {
                if first_report(&dn, s) {
                    tracing::warn!("userPassword of \"{dn}\" uses unknown scheme {s}")
                }
            }
            Verification::Malformed(m) => {
                if first_report(&dn, m) {
                    tracing::warn!("userPassword of \"{dn}\" is malformed: {m}")
                }
            }
            Verification::Match | Verification::Mismatch => {}
        }
    }
}

/// Everything up to the password check: the checks that need no hash, the entry,
/// and the DN's guess budget.
fn prepare(state: &ServerState, session: &Session, req: &BindRequest) -> Prepared {
    let done = |r| Prepared {
        step: Step::Done(Outcome::Decided(r)),
        key: String::new(),
    };
    if req.version != 3 {
        return done(Err(LdapError::new(
            ResultCode::ProtocolError,
            "requested protocol version not allowed",
        )));
    }
    let password = match &req.credentials {
        Credentials::Simple(p) => p,
        Credentials::Sasl(_) | Credentials::Unsupported => {
            return done(Err(LdapError::new(
                ResultCode::AuthMethodNotSupported,
                "only simple binds are supported",
            )))
        }
    };
    if req.dn.is_empty() {
        return done(if password.is_empty() {
            Ok(Identity::Anonymous)
        } else {
            Err(invalid())
        });
    }
    if password.is_empty() {
        // RFC 4513 5.1.2: an unauthenticated bind is refused by default.
        return done(Err(LdapError::new(
            ResultCode::UnwillingToPerform,
            "unauthenticated bind (DN with no password) disallowed",
        )));
    }
    let dn = match super::parse_dn(&req.dn) {
        Ok(dn) => dn,
        Err(e) => return done(Err(e)),
    };
    if !password_transport_ok(state, session) {
        return done(Err(LdapError::new(
            ResultCode::ConfidentialityRequired,
            "confidentiality required: use StartTLS, ldaps:// or ldapi://",
        )));
    }
    let key = throttle_key(&dn);
    let pending = match candidate(state, dn, &key, password) {
        Ok(p) => p,
        Err(e) => return done(Err(e)),
    };
    let attempt = Attempt {
        dn: &key,
        conn: session.conn,
        ip: session.peer_ip,
    };
    let step = if !state.throttle.admit(attempt) {
        Step::Done(Outcome::Refused)
    } else {
        match pending {
            Some(p) => Step::Check(p),
            // No entry, or no rootpw: a wrong password like any other.
            None => Step::Done(Outcome::Checked(Err(invalid()))),
        }
    };
    Prepared { step, key }
}

/// The values `password` must match to bind as `dn`: the rootpw, or the userPassword
/// of the entry as an anonymous client may authenticate against it (slapd's `auth`).
/// `normalized` is `dn`'s normalised form. The identity bound is `dn` as the client
/// spelled it (slapd binds as the request's DN too), which names the entry found.
fn candidate(
    state: &ServerState,
    dn: Dn,
    normalized: &str,
    password: &str,
) -> Result<Option<Pending>, LdapError> {
    if dn.same_as(&state.rootdn) {
        return Ok(state.config.rootpw.as_ref().map(|rootpw| Pending {
            check: Check::new(
                vec![rootpw.as_bytes().to_vec()],
                password.as_bytes(),
                state.config.rootpw_cleartext_allowed(),
            ),
            identity: Identity::Root(state.rootdn.clone()),
        }));
    }
    let view = DirectoryView::new(state, &Identity::Anonymous);
    let stored = view.passwords_for_bind(&dn, normalized)?;
    Ok(stored.map(|stored| Pending {
        check: Check::new(
            stored,
            password.as_bytes(),
            state.config.password.allow_cleartext,
        ),
        identity: Identity::User(dn),
    }))
}
