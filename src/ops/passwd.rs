//! Password Modify extended operation (RFC 3062), as ldappasswd uses it.

use crate::acl::{AccessLevel, Identity, Target};
use crate::dn::Dn;
use crate::entry::{ModOp, Modification};
use crate::error::{LdapError, ResultCode};
use crate::password::{self, Verification};
use crate::state::{ServerState, Session};
use ldap3_proto::proto::{
    LdapExtendedRequest, LdapExtendedResponse, LdapPasswordModifyRequest,
    LdapPasswordModifyResponse,
};

/// Change a password; on success the value carries the generated password, if any.
pub fn run(
    state: &ServerState,
    session: &Session,
    req: &LdapExtendedRequest,
) -> (Result<(), LdapError>, Option<Vec<u8>>) {
    match change(state, session, req) {
        Ok(None) => (Ok(()), None),
        Ok(Some(generated)) => {
            let resp: LdapExtendedResponse = LdapPasswordModifyResponse {
                res: super::ldap_result(&Ok(())),
                gen_password: Some(generated),
            }
            .into();
            (Ok(()), resp.value)
        }
        Err(e) => (Err(e), None),
    }
}

fn change(
    state: &ServerState,
    session: &Session,
    req: &LdapExtendedRequest,
) -> Result<Option<String>, LdapError> {
    if !state.password_transport_ok(session) {
        return Err(LdapError::new(
            ResultCode::ConfidentialityRequired,
            "confidentiality required to change passwords",
        ));
    }
    let pm = if req.value.is_none() {
        LdapPasswordModifyRequest {
            user_identity: None,
            old_password: None,
            new_password: None,
        }
    } else {
        LdapPasswordModifyRequest::try_from(req).map_err(|_| {
            LdapError::new(
                ResultCode::ProtocolError,
                "malformed password modify request",
            )
        })?
    };
    let who = &session.identity;
    let target = match &pm.user_identity {
        Some(id) => {
            let id = id.strip_prefix("dn:").unwrap_or(id);
            Dn::parse(id).map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))?
        }
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
    let entry = state.dir.get(&target)?;
    let Some(entry) =
        entry.filter(|_| state.allowed(who, &target, Target::Entry, AccessLevel::Disclose))
    else {
        return Err(state.dir.no_such_object(&target));
    };
    if !state.allowed(
        who,
        &target,
        Target::Attr("userPassword"),
        AccessLevel::Write,
    ) {
        return Err(LdapError::new(
            ResultCode::InsufficientAccessRights,
            "no write access to userPassword",
        ));
    }
    if let Some(old) = &pm.old_password {
        let ok = entry.values("userPassword").iter().any(|v| {
            matches!(
                password::verify(v, old.as_bytes(), state.config.password.allow_cleartext),
                Verification::Match
            )
        });
        if !ok {
            return Err(LdapError::new(
                ResultCode::InvalidCredentials,
                "old password does not match",
            ));
        }
    }
    let (new_password, generated) = match pm.new_password {
        Some(p) if !p.is_empty() => (p, None),
        _ => {
            let g = password::generate_password();
            (g.clone(), Some(g))
        }
    };
    let hashed = password::hash_password(new_password.as_bytes(), &state.dir.hash_params())
        .map_err(LdapError::internal)?;
    state.dir.modify(
        &target,
        &[Modification {
            op: ModOp::Replace,
            attr: "userPassword".into(),
            values: vec![hashed.into_bytes()],
        }],
        &who.dn_string(),
    )?;
    Ok(generated)
}
