//! Extended operations (RFC 4511 4.12): WhoAmI (RFC 4532), StartTLS (RFC 4511 4.14)
//! and Password Modify (RFC 3062).

use super::request::{Effect, ExtendedRequest, ExtendedValue, Reply, Response};
use super::wire::OID_STARTTLS;
use crate::error::{LdapError, OpResult, ResultCode};
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;

/// Answer an extended request with one ExtendedResponse.
pub fn run(state: &ServerState, session: &Session, log: &OpLog, req: ExtendedRequest) -> Response {
    let is_starttls = matches!(req, ExtendedRequest::StartTls);
    let (outcome, name, value) = match req {
        ExtendedRequest::WhoAmI => {
            log.line(format_args!("EXT oid={}", super::wire::OID_WHOAMI));
            let id = session.identity.dn_string();
            let authz = if id.is_empty() {
                String::new()
            } else {
                format!("dn:{id}")
            };
            (Ok(()), None, ExtendedValue::AuthzId(authz))
        }
        ExtendedRequest::StartTls => {
            log.line(format_args!("EXT oid={OID_STARTTLS}"));
            (
                starttls_allowed(state, session),
                Some(OID_STARTTLS.into()),
                ExtendedValue::None,
            )
        }
        ExtendedRequest::PasswordModify(pm) => {
            log.line(format_args!("EXT oid={}", super::wire::OID_PASSWORD_MODIFY));
            match super::passwd::change(state, session, pm) {
                Ok(Some(generated)) => (Ok(()), None, ExtendedValue::GeneratedPassword(generated)),
                Ok(None) => (Ok(()), None, ExtendedValue::None),
                Err(e) => (Err(e), None, ExtendedValue::None),
            }
        }
        ExtendedRequest::Unknown(oid) => {
            log.line(format_args!("EXT oid={oid}"));
            let e = LdapError::new(
                ResultCode::ProtocolError,
                format!("unsupported extended operation {oid}"),
            );
            (Err(e), None, ExtendedValue::None)
        }
    };
    let start_tls = is_starttls && outcome.is_ok();
    let result = OpResult::from(outcome);
    log.result(&result, None);
    Response {
        replies: vec![Reply::Extended {
            result,
            name,
            value,
        }],
        effect: if start_tls {
            Effect::StartTls
        } else {
            Effect::None
        },
    }
}

/// Whether StartTLS may proceed on this connection: not twice, and only with a
/// certificate configured.
fn starttls_allowed(state: &ServerState, session: &Session) -> Result<(), LdapError> {
    if session.secure {
        return Err(LdapError::new(
            ResultCode::OperationsError,
            "TLS already started",
        ));
    }
    if state.tls.is_none() {
        return Err(LdapError::new(
            ResultCode::Unavailable,
            "TLS is not configured",
        ));
    }
    Ok(())
}
