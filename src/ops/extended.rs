//! Extended operations (RFC 4511 4.12): WhoAmI (RFC 4532), StartTLS (RFC 4511 4.14)
//! and Password Modify (RFC 3062).

use super::{ldap_result, Outcome};
use crate::error::{LdapError, ResultCode};
use crate::log::OpLog;
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{LdapExtendedRequest, LdapExtendedResponse, LdapMsg, LdapOp};

/// RFC 4511 StartTLS.
pub const OID_STARTTLS: &str = "1.3.6.1.4.1.1466.20037";
/// RFC 4532 WhoAmI.
pub const OID_WHOAMI: &str = "1.3.6.1.4.1.4203.1.11.3";
/// RFC 3062 Password Modify.
pub const OID_PASSWORD_MODIFY: &str = "1.3.6.1.4.1.4203.1.11.1";

/// Handle an ExtendedRequest.
pub fn handle(
    state: &ServerState,
    session: &mut Session,
    log: &OpLog,
    msgid: i32,
    req: LdapExtendedRequest,
) -> Outcome {
    log.line(&format!("EXT oid={}", req.name));
    let reply = |res: Result<(), LdapError>, name: Option<String>, value: Option<Vec<u8>>| {
        let res = ldap_result(&res);
        log.result(&res, None);
        LdapMsg::new(
            msgid,
            LdapOp::ExtendedResponse(LdapExtendedResponse { res, name, value }),
        )
    };
    match req.name.as_str() {
        OID_WHOAMI => {
            let id = session.identity.dn_string();
            let authz = if id.is_empty() {
                String::new()
            } else {
                format!("dn:{id}")
            };
            Outcome::Reply(vec![reply(Ok(()), None, Some(authz.into_bytes()))])
        }
        OID_STARTTLS => match crate::tls::starttls_allowed(state, session) {
            Ok(()) => Outcome::StartTls(reply(Ok(()), Some(OID_STARTTLS.into()), None)),
            Err(e) => Outcome::Reply(vec![reply(Err(e), Some(OID_STARTTLS.into()), None)]),
        },
        OID_PASSWORD_MODIFY => {
            let (res, value) = crate::ops::passwd::run(state, session, &req);
            Outcome::Reply(vec![reply(res, None, value)])
        }
        other => Outcome::Reply(vec![reply(
            Err(LdapError::new(
                ResultCode::ProtocolError,
                format!("unsupported extended operation {other}"),
            )),
            None,
            None,
        )]),
    }
}
