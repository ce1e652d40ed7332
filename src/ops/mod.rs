//! LDAP operations, one file each. Each turns the protocol request into the project's
//! own types, asks the ACL and the directory, and turns the outcome back into messages.

pub mod abandon;
pub mod add;
pub mod bind;
pub mod compare;
pub mod delete;
pub mod extended;
pub mod modify;
pub mod modrdn;
pub mod passwd;
pub mod rootdse;
pub mod search;
pub mod wire;

use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::state::{ServerState, Session};
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::{LdapMsg, LdapOp, LdapResult, LdapResultCode};

/// What the session loop does after an operation.
pub enum Outcome {
    /// Send these messages and read the next request.
    Reply(Vec<LdapMsg>),
    /// Send nothing (abandon).
    Silent,
    /// Unbind: close the connection without a reply.
    Close,
    /// Send the StartTLS success reply, then run the TLS handshake.
    StartTls(LdapMsg),
}

/// Map the project's result code to the codec's.
pub fn wire_code(code: ResultCode) -> LdapResultCode {
    use LdapResultCode as W;
    use ResultCode as R;
    match code {
        R::Success => W::Success,
        R::OperationsError => W::OperationsError,
        R::ProtocolError => W::ProtocolError,
        R::TimeLimitExceeded => W::TimeLimitExceeded,
        R::SizeLimitExceeded => W::SizeLimitExceeded,
        R::CompareFalse => W::CompareFalse,
        R::CompareTrue => W::CompareTrue,
        R::AuthMethodNotSupported => W::AuthMethodNotSupported,
        R::StrongerAuthRequired => W::StrongerAuthRequired,
        R::AdminLimitExceeded => W::AdminLimitExceeded,
        R::UnavailableCriticalExtension => W::UnavailableCriticalExtension,
        R::ConfidentialityRequired => W::ConfidentialityRequired,
        R::NoSuchAttribute => W::NoSuchAttribute,
        R::UndefinedAttributeType => W::UndefinedAttributeType,
        R::InappropriateMatching => W::InappropriateMatching,
        R::ConstraintViolation => W::ConstraintViolation,
        R::AttributeOrValueExists => W::AttributeOrValueExists,
        R::InvalidAttributeSyntax => W::InvalidAttributeSyntax,
        R::NoSuchObject => W::NoSuchObject,
        R::InvalidDnSyntax => W::InvalidDNSyntax,
        R::InappropriateAuthentication => W::InappropriateAuthentication,
        R::InvalidCredentials => W::InvalidCredentials,
        R::InsufficientAccessRights => W::InsufficentAccessRights,
        R::Busy => W::Busy,
        R::Unavailable => W::Unavailable,
        R::UnwillingToPerform => W::UnwillingToPerform,
        R::NamingViolation => W::NamingViolation,
        R::ObjectClassViolation => W::ObjectClassViolation,
        R::NotAllowedOnNonLeaf => W::NotAllowedOnNonLeaf,
        R::NotAllowedOnRdn => W::NotALlowedOnRDN,
        R::EntryAlreadyExists => W::EntryAlreadyExists,
        R::ObjectClassModsProhibited => W::ObjectClassModsProhibited,
        R::AffectsMultipleDsas => W::AffectsMultipleDSAs,
        R::Other => W::Other,
    }
}

/// An LDAPResult from the outcome of an operation.
pub fn ldap_result(outcome: &Result<(), LdapError>) -> LdapResult {
    match outcome {
        Ok(()) => LdapResult {
            code: LdapResultCode::Success,
            matcheddn: String::new(),
            message: String::new(),
            referral: Vec::new(),
        },
        Err(e) => LdapResult {
            code: wire_code(e.code),
            matcheddn: e.matched.clone(),
            message: e.message.clone(),
            referral: Vec::new(),
        },
    }
}

/// Parse a DN from the wire, mapping failure to invalidDNSyntax.
pub fn parse_dn(s: &str) -> Result<Dn, LdapError> {
    Dn::parse(s).map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))
}

/// The response message that answers `op` with `result` (used for errors before
/// the operation runs, e.g. an unsupported critical control).
pub fn response_for(msgid: i32, op: &LdapOp, result: LdapResult) -> Option<LdapMsg> {
    use ldap3_proto::proto::{LdapBindResponse, LdapExtendedResponse};
    let op = match op {
        LdapOp::BindRequest(_) => LdapOp::BindResponse(LdapBindResponse {
            res: result,
            saslcreds: None,
        }),
        LdapOp::SearchRequest(_) => LdapOp::SearchResultDone(result),
        LdapOp::ModifyRequest(_) => LdapOp::ModifyResponse(result),
        LdapOp::AddRequest(_) => LdapOp::AddResponse(result),
        LdapOp::DelRequest(_) => LdapOp::DelResponse(result),
        LdapOp::ModifyDNRequest(_) => LdapOp::ModifyDNResponse(result),
        LdapOp::CompareRequest(_) => LdapOp::CompareResult(result),
        LdapOp::ExtendedRequest(_) => LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: result,
            name: None,
            value: None,
        }),
        _ => return None,
    };
    Some(LdapMsg::new(msgid, op))
}

/// A control the server does not implement and the client marked critical (RFC 4511 4.1.11).
fn unsupported_critical(ctrls: &[LdapControl]) -> Option<String> {
    ctrls.iter().find_map(|c| match c {
        LdapControl::Unknown {
            oid,
            criticality: true,
            ..
        } => Some(oid.clone()),
        LdapControl::SyncRequest {
            criticality: true, ..
        } => Some("1.3.6.1.4.1.4203.1.9.1.1 (sync)".into()),
        LdapControl::PasswordPolicyRequest { criticality: true } => {
            Some("1.3.6.1.4.1.42.2.27.8.5.1 (ppolicy)".into())
        }
        LdapControl::SearchOptions {
            criticality: true, ..
        }
        | LdapControl::ShowDeleted { criticality: true }
        | LdapControl::SdFlags {
            criticality: true, ..
        }
        | LdapControl::ExtendedDn {
            criticality: true, ..
        } => Some("an Active Directory control".into()),
        _ => None,
    })
}

/// Run one request. `op_no` numbers operations within the connection for the logs.
pub fn dispatch(state: &ServerState, session: &mut Session, op_no: u64, msg: LdapMsg) -> Outcome {
    let LdapMsg { msgid, op, ctrl } = msg;
    let log = crate::log::OpLog::new(session.conn, op_no);
    if let Some(oid) = unsupported_critical(&ctrl) {
        let res = ldap_result(&Err(LdapError::new(
            ResultCode::UnavailableCriticalExtension,
            format!("critical extension is not recognized: {oid}"),
        )));
        log.result(&res, None);
        return match response_for(msgid, &op, res) {
            Some(m) => Outcome::Reply(vec![m]),
            None => Outcome::Silent,
        };
    }
    match op {
        LdapOp::BindRequest(req) => bind::handle(state, session, &log, msgid, req),
        LdapOp::UnbindRequest => {
            log.line("UNBIND");
            Outcome::Close
        }
        LdapOp::SearchRequest(req) => search::handle(state, session, &log, msgid, req),
        LdapOp::AddRequest(req) => add::handle(state, session, &log, msgid, req),
        LdapOp::ModifyRequest(req) => modify::handle(state, session, &log, msgid, req),
        LdapOp::DelRequest(dn) => delete::handle(state, session, &log, msgid, &dn),
        LdapOp::ModifyDNRequest(req) => modrdn::handle(state, session, &log, msgid, req),
        LdapOp::CompareRequest(req) => compare::handle(state, session, &log, msgid, req),
        LdapOp::AbandonRequest(id) => abandon::handle(&log, id),
        LdapOp::ExtendedRequest(req) => extended::handle(state, session, &log, msgid, req),
        other => {
            // A response PDU or intermediate sent by a client: a protocol error.
            log.line(&format!("unexpected PDU {other:?}"));
            Outcome::Close
        }
    }
}
