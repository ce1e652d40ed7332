//! Compare (RFC 4511 4.10).

use super::controls::Honoured;
use super::parse_dn;
use super::request::{CompareRequest, Response, ResponseKind};
use crate::acl::{AccessLevel, Target};
use crate::error::{LdapError, ResultCode};
use crate::filter::Filter;
use crate::log::OpLog;
use crate::session::Session;
use crate::state::ServerState;
use crate::view::DirectoryView;

/// Answer compareTrue or compareFalse, or the error (assertionFailed when the entry
/// does not match the assertion control).
pub fn run(
    state: &ServerState,
    session: &Session,
    log: &OpLog,
    req: CompareRequest,
    controls: &Honoured<'_>,
) -> Response {
    log.line(format_args!("CMP dn=\"{}\" attr=\"{}\"", req.dn, req.attr));
    let view = DirectoryView::new(state, &session.identity);
    let outcome = match compare(&view, &req, controls.assertion) {
        Ok(true) => Err(LdapError::new(ResultCode::CompareTrue, "")),
        Ok(false) => Err(LdapError::new(ResultCode::CompareFalse, "")),
        Err(e) => Err(e),
    };
    super::finish(log, ResponseKind::Compare, outcome)
}

fn compare(
    view: &DirectoryView<'_>,
    req: &CompareRequest,
    assertion: Option<&Filter>,
) -> Result<bool, LdapError> {
    let dn = parse_dn(&req.dn)?;
    let entry = view.visible(&dn)?;
    let schema = view.schema();
    let desc = schema.attr_desc(&req.attr).ok_or_else(|| {
        LdapError::new(
            ResultCode::UndefinedAttributeType,
            format!("{}: attribute type undefined", req.attr),
        )
    })?;
    let name = desc.to_string();
    let granted = view.allows(&dn, Some(&entry), Target::Attr(&name), AccessLevel::Compare);
    view.require(granted, format!("no compare access to {name}"))?;
    if let Some(filter) = assertion {
        view.check_assertion(&entry, filter)?;
    }
    let at = desc.at;
    if !at.has_equality() {
        return Err(LdapError::new(
            ResultCode::InappropriateMatching,
            format!("{name}: no equality matching rule"),
        ));
    }
    // The description's subtypes and tagged forms count too (`name` finds cn's
    // values), each only where the identity may compare it.
    let values = view.with_access(&dn, Some(&entry), |access| {
        let may_compare = |a: &str| access.allows(Target::Attr(a), AccessLevel::Compare);
        schema.described_values(&entry, &desc, &may_compare)
    });
    if values.is_empty() {
        return Err(LdapError::new(
            ResultCode::NoSuchAttribute,
            format!("{name}: no such attribute"),
        ));
    }
    let assertion = at.equality_assertion(&req.value);
    Ok(values.iter().any(|v| assertion.matches(v)))
}
