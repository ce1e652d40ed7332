//! Replies from the project's types into the codec's messages.

use super::super::request::{ExtendedValue, OpResult, Reply, ResponseKind, SearchEntry};
use super::controls::response_control;
use crate::error::ResultCode;
use ldap3_proto::proto::{
    LdapBindResponse, LdapExtendedResponse, LdapMsg, LdapOp, LdapPartialAttribute,
    LdapPasswordModifyResponse, LdapResult, LdapResultCode, LdapSearchResultEntry,
};

/// RFC 4511 4.4.1 Notice of Disconnection.
const OID_NOTICE_OF_DISCONNECTION: &str = "1.3.6.1.4.1.1466.20036";

/// The codec message for one reply to request `id`.
pub fn message(id: i32, reply: Reply) -> LdapMsg {
    let op = match reply {
        Reply::WithControls { reply, controls } => {
            let mut msg = message(id, *reply);
            msg.ctrl = controls.into_iter().map(response_control).collect();
            return msg;
        }
        Reply::Entry(e) => entry_op(e),
        Reply::SyncInfo(info) => LdapOp::IntermediateResponse(super::sync::sync_info(info)),
        // The reply sinks drop it before the wire; an empty intermediate response
        // (name and value absent) would be harmless if one ever got here.
        Reply::KeepAlive => {
            LdapOp::IntermediateResponse(ldap3_proto::proto::LdapIntermediateResponse::Raw {
                name: None,
                value: None,
            })
        }
        Reply::Done(kind, result) => done(kind, result),
        Reply::Extended {
            result,
            name,
            value,
        } => LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: ldap_result(result),
            name,
            value: extended_value(value),
        }),
    };
    LdapMsg::new(id, op)
}

fn done(kind: ResponseKind, result: OpResult) -> LdapOp {
    let res = ldap_result(result);
    match kind {
        ResponseKind::Bind => LdapOp::BindResponse(LdapBindResponse {
            res,
            saslcreds: None,
        }),
        ResponseKind::Search => LdapOp::SearchResultDone(res),
        ResponseKind::Modify => LdapOp::ModifyResponse(res),
        ResponseKind::Add => LdapOp::AddResponse(res),
        ResponseKind::Delete => LdapOp::DelResponse(res),
        ResponseKind::ModDn => LdapOp::ModifyDNResponse(res),
        ResponseKind::Compare => LdapOp::CompareResult(res),
        ResponseKind::Extended => LdapOp::ExtendedResponse(LdapExtendedResponse {
            res,
            name: None,
            value: None,
        }),
    }
}

fn extended_value(value: ExtendedValue) -> Option<Vec<u8>> {
    match value {
        ExtendedValue::None => None,
        ExtendedValue::AuthzId(id) => Some(id.into_bytes()),
        ExtendedValue::GeneratedPassword(p) => {
            let resp: LdapExtendedResponse = LdapPasswordModifyResponse {
                res: ldap_result(OpResult::success()),
                gen_password: Some(p),
            }
            .into();
            resp.value
        }
    }
}

/// An unsolicited Notice of Disconnection (RFC 4511 4.4.1), sent before closing.
pub fn notice_of_disconnection(code: ResultCode, message: &str) -> LdapMsg {
    LdapMsg::new(
        0,
        LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: ldap_result(OpResult {
                code,
                matched: String::new(),
                message: message.to_string(),
                referral: Vec::new(),
            }),
            name: Some(OID_NOTICE_OF_DISCONNECTION.to_string()),
            value: None,
        }),
    )
}

fn ldap_result(r: OpResult) -> LdapResult {
    LdapResult {
        code: result_code(r.code),
        matcheddn: r.matched,
        message: r.message,
        referral: r.referral,
    }
}

/// Map the project's result code to the codec's.
fn result_code(code: ResultCode) -> LdapResultCode {
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
        R::Referral => W::Referral,
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
        R::AssertionFailed => W::AssertionFailed,
    }
}

/// A SearchResultEntry PDU (also the value of the pre-/post-read controls).
pub(super) fn entry_op(entry: SearchEntry) -> LdapOp {
    LdapOp::SearchResultEntry(LdapSearchResultEntry {
        dn: entry.dn,
        attributes: entry
            .attrs
            .into_iter()
            .map(|a| LdapPartialAttribute {
                atype: a.name,
                vals: a.values,
            })
            .collect(),
    })
}
