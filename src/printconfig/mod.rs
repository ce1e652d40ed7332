//! `mailldap print-config postfix|courier|dovecot`: ready-to-use client configuration
//! for the tree being served.

/// What the generated configuration needs to know about the served tree.
#[derive(Debug, Clone)]
pub struct PrintParams {
    /// LDAP URI the mail software should use, e.g. `ldap://127.0.0.1:3389`.
    pub uri: String,
    /// The directory suffix, e.g. `dc=myhosting,dc=example`.
    pub suffix: String,
    /// Where the hosted domains live: `o=hosting,<suffix>`.
    pub hosting_base: String,
    /// Unix uid and gid that own all virtual mailboxes (the article's vmail: 125/120).
    pub vmail_uid: u32,
    /// See `vmail_uid`.
    pub vmail_gid: u32,
    /// Base directory of the virtual mailboxes (the article's /home/vmail/domains).
    pub vmail_base: String,
}

/// The attributes `mailldap account disable` sets to "1": Courier's own per-account
/// switches, which authldap passes on as account options (LDAP_AUXOPTIONS).
pub const DISABLE_ATTRS: [&str; 2] = ["disableimap", "disablepop3"];

/// The filter term that leaves disabled accounts out of the Postfix and Dovecot
/// lookups: an account with both of [`DISABLE_ATTRS`] set to 1 is not found, so Postfix
/// rejects its mail and Dovecot its logins. Accounts with only one of them set (a
/// POP3-only user) stay found.
pub const ENABLED_TERM: &str = "(!(&(disableimap=1)(disablepop3=1)))";

/// Courier authlib's authdaemonrc and authldaprc.
pub mod courier;
/// Dovecot's ldap passdb/userdb.
pub mod dovecot;
/// Postfix ldap_table files and main.cf lines.
pub mod postfix;

impl PrintParams {
    /// Parameters for a tree with the article's layout below `suffix`: domains under
    /// `o=hosting`, every mailbox owned by vmail (125/120) under /home/vmail/domains.
    pub fn article(uri: &str, suffix: &str) -> Self {
        PrintParams {
            uri: uri.to_string(),
            suffix: suffix.to_string(),
            hosting_base: format!("o=hosting,{suffix}"),
            vmail_uid: 125,
            vmail_gid: 120,
            vmail_base: "/home/vmail/domains".into(),
        }
    }
}

/// The configuration text for `kind` (postfix, courier, dovecot), if known.
pub fn render(kind: &str, params: &PrintParams) -> Option<String> {
    match kind {
        "postfix" => Some(postfix::postfix(params)),
        "courier" => Some(courier::courier(params)),
        "dovecot" => Some(dovecot::dovecot(params)),
        _ => None,
    }
}
