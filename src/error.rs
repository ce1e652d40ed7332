//! LDAP result codes and the error every operation returns, independent of the codec.

use std::fmt;

/// RFC 4511 result codes the server produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ResultCode {
    Success = 0,
    OperationsError = 1,
    ProtocolError = 2,
    TimeLimitExceeded = 3,
    SizeLimitExceeded = 4,
    CompareFalse = 5,
    CompareTrue = 6,
    AuthMethodNotSupported = 7,
    StrongerAuthRequired = 8,
    /// A write sent to a read-only replica: the referral names its provider.
    Referral = 10,
    AdminLimitExceeded = 11,
    UnavailableCriticalExtension = 12,
    ConfidentialityRequired = 13,
    NoSuchAttribute = 16,
    UndefinedAttributeType = 17,
    InappropriateMatching = 18,
    ConstraintViolation = 19,
    AttributeOrValueExists = 20,
    InvalidAttributeSyntax = 21,
    NoSuchObject = 32,
    InvalidDnSyntax = 34,
    InappropriateAuthentication = 48,
    InvalidCredentials = 49,
    InsufficientAccessRights = 50,
    Busy = 51,
    Unavailable = 52,
    UnwillingToPerform = 53,
    NamingViolation = 64,
    ObjectClassViolation = 65,
    NotAllowedOnNonLeaf = 66,
    NotAllowedOnRdn = 67,
    EntryAlreadyExists = 68,
    ObjectClassModsProhibited = 69,
    AffectsMultipleDsas = 71,
    Other = 80,
    /// RFC 4528: the entry did not match the assertion control's filter.
    AssertionFailed = 122,
}

impl ResultCode {
    /// The numeric code on the wire.
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

/// A failed operation: the code, the matchedDN (for noSuchObject) and a message
/// that ldap-utils print as "additional info".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapError {
    /// The result code.
    pub code: ResultCode,
    /// The deepest existing ancestor, for noSuchObject; empty otherwise.
    pub matched: String,
    /// Human-readable detail.
    pub message: String,
    /// The URI of a `Referral` result (boxed: errors travel in every `Result`).
    pub referral: Option<Box<String>>,
}

impl LdapError {
    /// An error with a code and message and no matchedDN.
    pub fn new(code: ResultCode, message: impl Into<String>) -> Self {
        LdapError {
            code,
            matched: String::new(),
            message: message.into(),
            referral: None,
        }
    }

    /// noSuchObject with the deepest existing ancestor as matchedDN.
    pub fn no_such_object(matched: impl Into<String>) -> Self {
        LdapError {
            code: ResultCode::NoSuchObject,
            matched: matched.into(),
            message: String::new(),
            referral: None,
        }
    }

    /// referral (10) to `uri`: the server holds a read-only copy, `uri` takes writes.
    pub fn referral(uri: String, message: impl Into<String>) -> Self {
        LdapError {
            referral: Some(Box::new(uri)),
            ..LdapError::new(ResultCode::Referral, message)
        }
    }

    /// sizeLimitExceeded: a search found more entries than it may return.
    pub fn size_limit_exceeded() -> Self {
        LdapError::new(ResultCode::SizeLimitExceeded, "size limit exceeded")
    }

    /// An internal failure (store I/O): the client learns only that it failed.
    pub fn internal(message: impl fmt::Display) -> Self {
        LdapError::new(
            ResultCode::OperationsError,
            format!("internal error: {message}"),
        )
    }
}

impl fmt::Display for LdapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({})", self.code, self.code.as_i32())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for LdapError {}

/// The outcome of an operation as the client sees it: LDAPResult's three fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    /// The result code.
    pub code: ResultCode,
    /// The matchedDN (noSuchObject).
    pub matched: String,
    /// The diagnostic message.
    pub message: String,
    /// The referral URIs (resultCode referral).
    pub referral: Vec<String>,
}

impl OpResult {
    /// Success, with no message.
    pub fn success() -> OpResult {
        OpResult {
            code: ResultCode::Success,
            matched: String::new(),
            message: String::new(),
            referral: Vec::new(),
        }
    }
}

impl From<Result<(), LdapError>> for OpResult {
    fn from(outcome: Result<(), LdapError>) -> OpResult {
        match outcome {
            Ok(()) => OpResult::success(),
            Err(e) => e.into(),
        }
    }
}

impl From<LdapError> for OpResult {
    fn from(e: LdapError) -> OpResult {
        OpResult {
            code: e.code,
            matched: e.matched,
            message: e.message,
            referral: e.referral.map(|uri| *uri).into_iter().collect(),
        }
    }
}
