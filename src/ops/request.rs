//! The requests and replies the operations work on: the project's own types, made
//! from ldap3_proto's at the wire edge (ops/wire.rs), so nothing past that edge
//! depends on the codec.

use crate::acl::Identity;
use crate::dn::Scope;
use crate::entry::{Attribute, Modification};
pub use crate::error::OpResult;
use crate::filter::Filter;

/// One request as the client sent it: its message ID, operation and controls.
#[derive(Debug, Clone)]
pub struct Request {
    /// The message ID every reply to this request carries.
    pub id: i32,
    /// What is asked.
    pub op: Operation,
    /// The controls attached to the request.
    pub controls: Vec<Control>,
}

/// A request control (RFC 4511 4.1.11): its OID, criticality and decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// The control's OID.
    pub oid: String,
    /// Whether the client marked it critical.
    pub critical: bool,
    /// What it asks, for the controls the server implements.
    pub value: ControlValue,
}

/// The value of a request control, decoded for the controls the server honours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlValue {
    /// RFC 3296 ManageDsaIT: accepted, there are no referrals to manage.
    ManageDsaIt,
    /// RFC 2696 simple paged results.
    PagedResults(PagedResults),
    /// RFC 2891 server-side sorting, the keys in order of precedence.
    Sort(Vec<SortKey>),
    /// RFC 3876 values return filter: its simple filter items.
    ValuesReturn(Vec<Filter>),
    /// RFC 4528 assertion: the filter the target entry must match.
    Assertion(Filter),
    /// RFC 4527 pre-read: the attributes to return from the entry before the write.
    PreRead(Vec<String>),
    /// RFC 4527 post-read: the attributes to return from the entry after the write.
    PostRead(Vec<String>),
    /// RFC 4533 Sync Request (search): replicate the search's content.
    SyncRequest(crate::sync::SyncRequest),
    /// A control the server implements whose value did not decode (protocolError).
    Malformed(String),
    /// A control the server does not implement.
    Unsupported,
}

/// The request value of simple paged results (RFC 2696).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagedResults {
    /// Entries wanted in this page; 0 abandons the paged search.
    pub size: i64,
    /// Empty on the first request, then the cookie of the previous page.
    pub cookie: Vec<u8>,
}

/// One sort key of a server-side sort request (RFC 2891).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The attribute description to sort by.
    pub attr: String,
    /// An ordering rule to use instead of the attribute's own.
    pub ordering_rule: Option<String>,
    /// Largest first.
    pub reverse: bool,
}

/// The operations of RFC 4511 4.2-4.12.
#[derive(Debug, Clone)]
pub enum Operation {
    /// Bind (4.2).
    Bind(BindRequest),
    /// Unbind (4.3): close the connection.
    Unbind,
    /// Search (4.5).
    Search(SearchRequest),
    /// Modify (4.6).
    Modify(ModifyRequest),
    /// Add (4.7).
    Add(AddRequest),
    /// Delete (4.8), naming the entry.
    Delete(String),
    /// ModifyDN (4.9).
    ModDn(ModDnRequest),
    /// Compare (4.10).
    Compare(CompareRequest),
    /// Abandon (4.11), naming the message ID to abandon.
    Abandon(i32),
    /// Extended (4.12).
    Extended(ExtendedRequest),
    /// A PDU a client may not send (a response or intermediate): a protocol error.
    Unexpected(&'static str),
}

/// How a bind authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Simple bind with a password (empty: anonymous or unauthenticated).
    Simple(String),
    /// SASL, by mechanism name.
    Sasl(String),
    /// An authentication choice the codec does not know.
    Unsupported,
}

/// A BindRequest.
#[derive(Debug, Clone)]
pub struct BindRequest {
    /// The protocol version the client asks for.
    pub version: i64,
    /// The name to bind as, as sent.
    pub dn: String,
    /// The credentials.
    pub credentials: Credentials,
}

impl BindRequest {
    /// The DN a bind is throttled under: simple binds with a DN and a password
    /// (anonymous binds, which Dovecot sends after each failure, never wait).
    pub fn throttled_dn(&self) -> Option<&str> {
        match &self.credentials {
            Credentials::Simple(pw) if !self.dn.is_empty() && !pw.is_empty() => Some(&self.dn),
            _ => None,
        }
    }
}

/// A SearchRequest.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The base DN, as sent.
    pub base: String,
    /// How far below the base.
    pub scope: Scope,
    /// The alias dereferencing the client asked for (logged; there are no aliases).
    pub deref: i64,
    /// The client's size limit (0 = none).
    pub size_limit: i32,
    /// The client's time limit in seconds (0 = none).
    pub time_limit: i32,
    /// Attribute names only, no values.
    pub types_only: bool,
    /// The filter.
    pub filter: Filter,
    /// The attributes asked for ("*", "+", "1.1" or names).
    pub attrs: Vec<String>,
}

/// An AddRequest.
#[derive(Debug, Clone)]
pub struct AddRequest {
    /// The new entry's DN, as sent.
    pub dn: String,
    /// Its attributes.
    pub attrs: Vec<Attribute>,
}

/// A ModifyRequest.
#[derive(Debug, Clone)]
pub struct ModifyRequest {
    /// The entry's DN, as sent.
    pub dn: String,
    /// The changes, applied in order.
    pub changes: Vec<Modification>,
}

/// A ModifyDNRequest.
#[derive(Debug, Clone)]
pub struct ModDnRequest {
    /// The entry's DN, as sent.
    pub dn: String,
    /// The new RDN, as sent.
    pub new_rdn: String,
    /// Remove the old RDN's values from the entry.
    pub delete_old_rdn: bool,
    /// The new parent, when the entry moves.
    pub new_superior: Option<String>,
}

/// A CompareRequest.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// The entry's DN, as sent.
    pub dn: String,
    /// The attribute description.
    pub attr: String,
    /// The asserted value.
    pub value: Vec<u8>,
}

/// The extended operations the server knows, decoded.
#[derive(Debug, Clone)]
pub enum ExtendedRequest {
    /// RFC 4532 WhoAmI.
    WhoAmI,
    /// RFC 4511 4.14 StartTLS.
    StartTls,
    /// RFC 3062 Password Modify; None when its value did not decode.
    PasswordModify(Option<PasswordModify>),
    /// Any other OID.
    Unknown(String),
}

/// The fields of a Password Modify request, each optional (RFC 3062 2).
#[derive(Debug, Clone, Default)]
pub struct PasswordModify {
    /// Whose password ("dn:..." or a DN); None = the bound identity.
    pub user: Option<String>,
    /// The current password, to be verified.
    pub old: Option<String>,
    /// The new password; None or empty = generate one.
    pub new: Option<String>,
}

/// Which response PDU carries a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// BindResponse.
    Bind,
    /// SearchResultDone.
    Search,
    /// ModifyResponse.
    Modify,
    /// AddResponse.
    Add,
    /// DelResponse.
    Delete,
    /// ModifyDNResponse.
    ModDn,
    /// CompareResponse.
    Compare,
    /// ExtendedResponse.
    Extended,
}

impl Operation {
    /// The DNs the request names, as sent (for limits checked before parsing).
    pub fn dns(&self) -> Vec<&str> {
        match self {
            Operation::Bind(r) => vec![&r.dn],
            Operation::Search(r) => vec![&r.base],
            Operation::Modify(r) => vec![&r.dn],
            Operation::Add(r) => vec![&r.dn],
            Operation::Delete(dn) => vec![dn],
            Operation::ModDn(r) => {
                let mut dns = vec![r.dn.as_str(), &r.new_rdn];
                dns.extend(r.new_superior.as_deref());
                dns
            }
            Operation::Compare(r) => vec![&r.dn],
            Operation::Extended(ExtendedRequest::PasswordModify(Some(p))) => {
                p.user.as_deref().into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    /// The response PDU this operation is answered with; None for unbind, abandon
    /// and PDUs a client may not send.
    pub fn response_kind(&self) -> Option<ResponseKind> {
        Some(match self {
            Operation::Bind(_) => ResponseKind::Bind,
            Operation::Search(_) => ResponseKind::Search,
            Operation::Modify(_) => ResponseKind::Modify,
            Operation::Add(_) => ResponseKind::Add,
            Operation::Delete(_) => ResponseKind::Delete,
            Operation::ModDn(_) => ResponseKind::ModDn,
            Operation::Compare(_) => ResponseKind::Compare,
            Operation::Extended(_) => ResponseKind::Extended,
            Operation::Unbind | Operation::Abandon(_) | Operation::Unexpected(_) => return None,
        })
    }
}

/// One search result entry: the DN and the attributes the identity may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    /// The entry's DN as stored.
    pub dn: String,
    /// Selected attributes with their values (none with typesOnly).
    pub attrs: Vec<Attribute>,
}

/// The value an extended response carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtendedValue {
    /// No value.
    None,
    /// The authzId WhoAmI answers ("dn:..." or empty).
    AuthzId(String),
    /// The password Password Modify generated.
    GeneratedPassword(String),
}

/// A response control (RFC 4511 4.1.11) the server attaches to a final reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseControl {
    /// RFC 2696: the estimated result size and the cookie for the next page (empty
    /// when the paged search is over).
    PagedResults {
        /// Entries in the whole result set, as far as the server knows.
        size: i64,
        /// Opaque; the next request sends it back.
        cookie: Vec<u8>,
    },
    /// RFC 2891 sortKeyResponseControl: whether the results are sorted.
    SortResult {
        /// success, or why the server did not sort.
        code: crate::error::ResultCode,
        /// The sort key's attribute that caused the failure.
        attr: Option<String>,
    },
    /// RFC 4527: the entry before the write.
    PreRead(SearchEntry),
    /// RFC 4527: the entry after the write.
    PostRead(SearchEntry),
    /// RFC 4533 Sync State (on an entry) or Sync Done (on SearchResultDone).
    Sync(crate::sync::SyncControl),
}

/// One message to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A SearchResultEntry.
    Entry(SearchEntry),
    /// The final response of an operation.
    Done(ResponseKind, OpResult),
    /// An ExtendedResponse with its name and value.
    Extended {
        /// The result.
        result: OpResult,
        /// The responseName (StartTLS names itself).
        name: Option<String>,
        /// The responseValue.
        value: ExtendedValue,
    },
    /// RFC 4533 Sync Info (an IntermediateResponse).
    SyncInfo(crate::sync::SyncInfo),
    /// Nothing to send: a long-running operation asks whether it is still wanted
    /// (the reply sink answers false once it is abandoned or the connection closes).
    KeepAlive,
    /// A reply that carries response controls.
    WithControls {
        /// The reply itself.
        reply: Box<Reply>,
        /// The controls attached to its message.
        controls: Vec<ResponseControl>,
    },
}

impl Reply {
    /// `reply` with `controls` attached, or as it is when there are none.
    pub fn with_controls(reply: Reply, controls: Vec<ResponseControl>) -> Reply {
        if controls.is_empty() {
            reply
        } else {
            Reply::WithControls {
                reply: Box::new(reply),
                controls,
            }
        }
    }
}

/// What the connection loop does after sending the replies of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: read the next request.
    None,
    /// The connection is now bound as this identity (anonymous after a failed bind).
    Bound(Identity),
    /// Run the TLS handshake (the StartTLS success reply has been sent).
    StartTls,
    /// Close the connection (unbind or a protocol error).
    Close,
}

/// An operation's answer: the messages to send, then what changes for the connection.
#[derive(Debug, Clone)]
pub struct Response {
    /// The replies, in order; all carry the request's message ID.
    pub replies: Vec<Reply>,
    /// What the connection loop applies afterwards.
    pub effect: Effect,
}

impl Response {
    /// A single final reply and no change to the connection.
    pub fn done(kind: ResponseKind, result: impl Into<OpResult>) -> Response {
        Response {
            replies: vec![Reply::Done(kind, result.into())],
            effect: Effect::None,
        }
    }

    /// No reply at all (abandon).
    pub fn silent() -> Response {
        Response {
            replies: Vec::new(),
            effect: Effect::None,
        }
    }
}
