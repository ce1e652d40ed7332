//! What can go wrong in an administration command, and the sentence that explains an
//! LDAP result to the person who ran it.

use ldap3::LdapResult;
use thiserror::Error;

/// Why an administration command stopped.
#[derive(Debug, Error)]
pub enum AdminError {
    /// The input breaks a rule (address syntax, unknown domain, a loop): nothing was sent.
    #[error("{0}")]
    Invalid(String),
    /// The server refused an operation; the message says what and why in a sentence.
    #[error("{message}")]
    Refused {
        /// The explanation.
        message: String,
        /// The LDAP result code (50 insufficientAccessRights, 19 constraintViolation ...).
        rc: u32,
    },
    /// No usable connection or identity: connect, TLS, bind or password.
    #[error("{0}")]
    Connect(String),
    /// The client config file or a password file is unusable.
    #[error("{0}")]
    Config(String),
}

impl AdminError {
    /// The process exit status: 1 when the server or a rule said no, 2 when nothing
    /// could be asked (no connection, no password, a broken config file).
    pub fn exit_code(&self) -> i32 {
        match self {
            AdminError::Invalid(_) | AdminError::Refused { .. } => 1,
            AdminError::Connect(_) | AdminError::Config(_) => 2,
        }
    }

    /// The LDAP result code, for `--json`.
    pub fn result_code(&self) -> Option<u32> {
        match self {
            AdminError::Refused { rc, .. } => Some(*rc),
            _ => None,
        }
    }
}

/// Who may do an operation under the default policy (config/mailldap.toml), so that
/// a refusal can name them.
#[derive(Debug, Clone)]
pub enum WhoMay {
    /// The rootdn alone (domains, granting postmaster rights).
    Rootdn,
    /// The rootdn and the postmasters of this domain.
    DomainAdmins(String),
}

/// An operation in words, for explanations: "add the account x@example.org".
#[derive(Debug, Clone)]
pub struct Op {
    /// What was attempted, as a verb phrase.
    pub what: String,
    /// Who may do it.
    pub who_may: WhoMay,
}

impl Op {
    /// An operation the rootdn alone may do.
    pub fn rootdn(what: impl Into<String>) -> Op {
        Op {
            what: what.into(),
            who_may: WhoMay::Rootdn,
        }
    }

    /// An operation the rootdn and the domain's postmasters may do.
    pub fn in_domain(what: impl Into<String>, domain: &str) -> Op {
        Op {
            what: what.into(),
            who_may: WhoMay::DomainAdmins(domain.to_string()),
        }
    }
}

/// The server's own words, when it gave any.
fn said(res: &LdapResult) -> String {
    if res.text.is_empty() {
        String::new()
    } else {
        format!(": {}", res.text)
    }
}

/// The standard name of a result code, as ldap-utils print it.
pub fn code_name(rc: u32) -> &'static str {
    match rc {
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        68 => "entryAlreadyExists",
        _ => "other",
    }
}

/// Turns a refused LDAP result into one sentence naming the operation, the reason and,
/// where there is one, the way out. `caller` is how the bound identity is shown.
pub fn explain(op: &Op, caller: &str, is_root: bool, res: &LdapResult) -> AdminError {
    let name = code_name(res.rc);
    let server = format!("(server: {name}{})", said(res));
    let message = match res.rc {
        50 => match &op.who_may {
            WhoMay::Rootdn => format!(
                "refused: {caller} may not {}: only the rootdn may {server}",
                op.what
            ),
            WhoMay::DomainAdmins(d) if !is_root => format!(
                "refused: {caller} may not {}: only the rootdn and the postmasters of {d} may, \
                 and {caller} is not one of them {server}",
                op.what
            ),
            WhoMay::DomainAdmins(_) => format!("refused: cannot {} {server}", op.what),
        },
        13 => format!(
            "refused: cannot {}: the server accepts passwords from this address only over \
             TLS; use an ldaps:// URI, --starttls or ldapi:// {server}",
            op.what
        ),
        19 => format!("refused: cannot {}: {}", op.what, res.text),
        32 => format!(
            "cannot {}: it does not exist{} {server}",
            op.what,
            if res.matched.is_empty() {
                String::new()
            } else {
                format!(" (the nearest existing entry is {})", res.matched)
            }
        ),
        66 => format!(
            "refused: cannot {}: entries still exist below it {server}",
            op.what
        ),
        68 => format!("cannot {}: it exists already {server}", op.what),
        _ => format!("cannot {} {server}", op.what),
    };
    AdminError::Refused {
        message,
        rc: res.rc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.into(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    #[test]
    fn access_refusals_name_who_may() {
        let op = Op::in_domain("add the account a@d2.example", "d2.example");
        let e = explain(
            &op,
            "user1@d1.example",
            false,
            &result(50, "no write access"),
        );
        let text = e.to_string();
        assert!(
            text.contains("user1@d1.example may not add the account a@d2.example"),
            "{text}"
        );
        assert!(text.contains("postmasters of d2.example"), "{text}");
        assert!(
            text.contains("insufficientAccessRights: no write access"),
            "{text}"
        );
        assert_eq!(e.exit_code(), 1);
        let op = Op::rootdn("add the domain d3.example");
        let text = explain(&op, "user1@d1.example", false, &result(50, "")).to_string();
        assert!(text.contains("only the rootdn may"), "{text}");
    }

    #[test]
    fn constraint_violations_pass_the_servers_reason_on() {
        let op = Op::in_domain("add the account a@d.example", "d.example");
        let text = explain(&op, "x", true, &result(19, "mailbox /m/ belonged to y")).to_string();
        assert_eq!(
            text,
            "refused: cannot add the account a@d.example: mailbox /m/ belonged to y"
        );
    }
}
