//! Password Modify extended operation (RFC 3062), as ldappasswd uses it.

use super::request::PasswordModify;
use crate::acl::{AccessLevel, Identity, Target};
use crate::entry::{ModOp, Modification};
use crate::error::{LdapError, ResultCode};
use crate::password::check::Check;
use crate::password::{self, PasswordError};
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Change a password as RFC 3062 asks (`None`: the request did not decode); on
/// success, the password generated when the request named none.
pub fn change(
    state: &ServerState,
    session: &Session,
    req: Option<PasswordModify>,
) -> Result<Option<String>, LdapError> {
    if !super::bind::password_transport_ok(state, session) {
        return Err(LdapError::new(
            ResultCode::ConfidentialityRequired,
            "confidentiality required to change passwords",
        ));
    }
    let pm = req.ok_or_else(|| {
        LdapError::new(
            ResultCode::ProtocolError,
            "malformed password modify request",
        )
    })?;
    let who = &session.identity;
    let target = match &pm.user {
        Some(id) => super::parse_dn(id.strip_prefix("dn:").unwrap_or(id))?,
        None => match who {
            Identity::User(dn) => dn.clone(),
            Identity::Root(_) => {
                return Err(LdapError::new(
                    ResultCode::UnwillingToPerform,
                    "the rootdn's password lives in the configuration file",
                ))
            }
            Identity::Anonymous => {
                return Err(LdapError::new(
                    ResultCode::UnwillingToPerform,
                    "only authenticated users may change passwords",
                ))
            }
        },
    };
    let view = DirectoryView::new(state, who);
    let entry = view.visible(&target)?;
    // Checked before the old password, so a guess never learns whether it was right.
    let granted = view.allows(
        &target,
        Some(&entry),
        Target::Attr("userPassword"),
        AccessLevel::Write,
    );
    view.require(granted, "no write access to userPassword")?;
    if let Some(old) = &pm.old {
        let check = Check::new(
            entry.values("userPassword").to_vec(),
            old.as_bytes(),
            state.config.password.allow_cleartext,
        );
        // Extended operations run on a blocking thread: waiting for the pool is fine.
        let checked = check.run_blocking(&state.hash_pool).map_err(busy)?;
        if !checked.matched {
            return Err(LdapError::new(
                ResultCode::InvalidCredentials,
                "old password does not match",
            ));
        }
    }
    let (new_password, generated) = match pm.new {
        Some(p) if !p.is_empty() => (p, None),
        _ => {
            let g = password::generate_password();
            (g.clone(), Some(g))
        }
    };
    let hashed = password::hash_password(new_password.as_bytes(), &state.dir.hash_params())
        .map_err(|e| match e {
            PasswordError::Busy(b) => busy(b),
            other => LdapError::internal(other),
        })?;
    view.modify(
        &target,
        &[Modification {
            op: ModOp::Replace,
            attr: "userPassword".into(),
            values: vec![hashed.into_bytes()],
        }],
    )?;
    Ok(generated)
}

/// The hashing pool's queue was full: busy, to be retried.
fn busy(e: crate::password::pool::PoolBusy) -> LdapError {
    LdapError::new(ResultCode::Busy, format!("{e}; try again"))
}
