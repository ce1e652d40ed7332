//! The wire edge: ldap3_proto's messages to and from the project's own types. The
//! session frames the connection with `Codec`, calls `request` on what it decoded and
//! `message` on every reply; nothing past this folder sees a codec type.

mod ber_writer;
mod codec;
mod controls;
mod entry_ber;
mod filter;
mod reply;
mod request_ber;
mod result_ber;
mod sync;

pub use codec::{Codec, Incoming, RawControl};
pub use controls::{
    OID_ASSERTION, OID_MANAGE_DSA_IT, OID_PAGED_RESULTS, OID_POST_READ, OID_PRE_READ,
    OID_SORT_REQUEST, OID_VALUES_RETURN,
};
pub use filter::filter_from_wire;
pub use reply::{message, notice_of_disconnection};
pub use sync::OID_SYNC_REQUEST;

use super::request::{
    AddRequest, BindRequest, CompareRequest, Credentials, ExtendedRequest, ModDnRequest,
    ModifyRequest, Operation, PasswordModify, Request, SearchRequest,
};
use crate::dn::Scope;
use crate::entry::{Attribute, ModOp, Modification};
use ldap3_proto::proto::{
    LdapBindCred, LdapExtendedRequest, LdapModifyType, LdapMsg, LdapOp, LdapPartialAttribute,
    LdapPasswordModifyRequest, LdapSearchScope,
};

/// RFC 4511 StartTLS.
pub const OID_STARTTLS: &str = "1.3.6.1.4.1.1466.20037";
/// RFC 4532 WhoAmI.
pub const OID_WHOAMI: &str = "1.3.6.1.4.1.4203.1.11.3";
/// RFC 3062 Password Modify.
pub const OID_PASSWORD_MODIFY: &str = "1.3.6.1.4.1.4203.1.11.1";

/// The project's request for a decoded message.
pub fn request(incoming: Incoming) -> Request {
    let (msg, controls) = match incoming {
        Incoming::Plain(request) => return request,
        Incoming::Message { msg, controls } => (msg, controls),
    };
    let LdapMsg { msgid, op, .. } = msg;
    Request {
        id: msgid,
        op: operation(op),
        controls: controls.into_iter().map(controls::control).collect(),
    }
}

fn operation(op: LdapOp) -> Operation {
    match op {
        LdapOp::BindRequest(b) => Operation::Bind(BindRequest {
            version: b.version,
            dn: b.dn,
            credentials: match b.cred {
                LdapBindCred::Simple(p) => Credentials::Simple(p),
                LdapBindCred::SASL(s) => Credentials::Sasl(s.mechanism),
                LdapBindCred::Unsupported => Credentials::Unsupported,
            },
        }),
        LdapOp::UnbindRequest => Operation::Unbind,
        LdapOp::SearchRequest(s) => Operation::Search(SearchRequest {
            scope: match s.scope {
                LdapSearchScope::Base => Scope::Base,
                LdapSearchScope::OneLevel => Scope::OneLevel,
                LdapSearchScope::Subtree => Scope::Subtree,
                LdapSearchScope::Children => Scope::Children,
            },
            deref: s.aliases as i64,
            filter: filter_from_wire(&s.filter),
            base: s.base,
            size_limit: s.sizelimit,
            time_limit: s.timelimit,
            types_only: s.typesonly,
            attrs: s.attrs,
        }),
        LdapOp::ModifyRequest(m) => Operation::Modify(ModifyRequest {
            dn: m.dn,
            changes: m
                .changes
                .into_iter()
                .map(|c| Modification {
                    op: match c.operation {
                        LdapModifyType::Add => ModOp::Add,
                        LdapModifyType::Delete => ModOp::Delete,
                        LdapModifyType::Replace => ModOp::Replace,
                        LdapModifyType::Increment => ModOp::Increment,
                    },
                    attr: c.modification.atype,
                    values: c.modification.vals,
                })
                .collect(),
        }),
        LdapOp::AddRequest(a) => Operation::Add(AddRequest {
            dn: a.dn,
            attrs: a.attributes.into_iter().map(attribute).collect(),
        }),
        LdapOp::DelRequest(dn) => Operation::Delete(dn),
        LdapOp::ModifyDNRequest(r) => Operation::ModDn(ModDnRequest {
            dn: r.dn,
            new_rdn: r.newrdn,
            delete_old_rdn: r.deleteoldrdn,
            new_superior: r.new_superior,
        }),
        LdapOp::CompareRequest(c) => Operation::Compare(CompareRequest {
            dn: c.dn,
            attr: c.atype,
            value: c.val,
        }),
        LdapOp::AbandonRequest(id) => Operation::Abandon(id),
        LdapOp::ExtendedRequest(x) => Operation::Extended(extended(&x)),
        LdapOp::BindResponse(_)
        | LdapOp::SearchResultEntry(_)
        | LdapOp::SearchResultDone(_)
        | LdapOp::SearchResultReference(_)
        | LdapOp::ModifyResponse(_)
        | LdapOp::AddResponse(_)
        | LdapOp::DelResponse(_)
        | LdapOp::ModifyDNResponse(_)
        | LdapOp::CompareResult(_)
        | LdapOp::ExtendedResponse(_) => Operation::Unexpected("a response PDU"),
        LdapOp::IntermediateResponse(_) => Operation::Unexpected("an intermediate response"),
    }
}

fn attribute(a: LdapPartialAttribute) -> Attribute {
    Attribute {
        name: a.atype,
        values: a.vals,
    }
}

fn extended(x: &LdapExtendedRequest) -> ExtendedRequest {
    match x.name.as_str() {
        OID_WHOAMI => ExtendedRequest::WhoAmI,
        OID_STARTTLS => ExtendedRequest::StartTls,
        // RFC 3062: the request value is optional; absent means "all fields absent".
        OID_PASSWORD_MODIFY if x.value.is_none() => {
            ExtendedRequest::PasswordModify(Some(PasswordModify::default()))
        }
        OID_PASSWORD_MODIFY => {
            ExtendedRequest::PasswordModify(LdapPasswordModifyRequest::try_from(x).ok().map(|p| {
                PasswordModify {
                    user: p.user_identity,
                    old: p.old_password,
                    new: p.new_password,
                }
            }))
        }
        other => ExtendedRequest::Unknown(other.to_string()),
    }
}
