//! Which of a request's controls its operation honours (RFC 4511 4.1.11): a control
//! the server does not implement, or one that does not apply to the operation, fails
//! it with unavailableCriticalExtension when critical and is ignored otherwise; a
//! malformed or repeated control is a protocolError.

use super::request::{Control, ControlValue, PagedResults, ResponseKind, SortKey};
use crate::error::{LdapError, ResultCode};
use crate::filter::Filter;
use crate::view::WriteControls;

/// The controls an operation acts on, borrowed from its request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Honoured<'a> {
    /// RFC 2696 simple paged results (search).
    pub paged: Option<&'a PagedResults>,
    /// RFC 2891 sort keys (search), and whether the client marked them critical.
    pub sort: Option<(&'a [SortKey], bool)>,
    /// RFC 3876 values return filter items (search).
    pub values_return: Option<&'a [Filter]>,
    /// RFC 4528 assertion (search, compare and the writes).
    pub assertion: Option<&'a Filter>,
    /// RFC 4527 pre-read attributes (modify, delete, modrdn).
    pub pre_read: Option<&'a [String]>,
    /// RFC 4527 post-read attributes (add, modify, modrdn).
    pub post_read: Option<&'a [String]>,
    /// RFC 4533 sync request (search).
    pub sync: Option<&'a crate::sync::SyncRequest>,
}

impl<'a> Honoured<'a> {
    /// What a write asks of the view besides the change.
    pub fn write(&self) -> WriteControls<'a> {
        WriteControls {
            assertion: self.assertion,
            pre_read: self.pre_read,
            post_read: self.post_read,
        }
    }
}

/// Check `controls` for an operation answered with `kind`, and pick out the ones it honours.
pub fn honoured(controls: &[Control], kind: ResponseKind) -> Result<Honoured<'_>, LdapError> {
    use ResponseKind as K;
    let mut out = Honoured::default();
    for (i, c) in controls.iter().enumerate() {
        if let ControlValue::Malformed(why) = &c.value {
            return Err(protocol_error(&c.oid, why));
        }
        let known = !matches!(c.value, ControlValue::Unsupported);
        if known && controls[..i].iter().any(|o| o.oid == c.oid) {
            return Err(protocol_error(&c.oid, "given more than once"));
        }
        let applies = match &c.value {
            ControlValue::ManageDsaIt => true,
            ControlValue::PagedResults(_)
            | ControlValue::Sort(_)
            | ControlValue::ValuesReturn(_)
            | ControlValue::SyncRequest(_) => kind == K::Search,
            ControlValue::Assertion(_) => matches!(
                kind,
                K::Search | K::Compare | K::Add | K::Delete | K::Modify | K::ModDn
            ),
            ControlValue::PreRead(_) => matches!(kind, K::Delete | K::Modify | K::ModDn),
            ControlValue::PostRead(_) => matches!(kind, K::Add | K::Modify | K::ModDn),
            ControlValue::Malformed(_) | ControlValue::Unsupported => false,
        };
        if !applies {
            if c.critical {
                return Err(LdapError::new(
                    ResultCode::UnavailableCriticalExtension,
                    format!("critical extension is not recognized: {}", c.oid),
                ));
            }
            continue;
        }
        match &c.value {
            ControlValue::PagedResults(p) => out.paged = Some(p),
            ControlValue::Sort(keys) => out.sort = Some((keys, c.critical)),
            ControlValue::ValuesReturn(items) => out.values_return = Some(items),
            ControlValue::Assertion(f) => out.assertion = Some(f),
            ControlValue::PreRead(attrs) => out.pre_read = Some(attrs),
            ControlValue::PostRead(attrs) => out.post_read = Some(attrs),
            ControlValue::SyncRequest(r) => out.sync = Some(r),
            _ => {}
        }
    }
    Ok(out)
}

fn protocol_error(oid: &str, why: &str) -> LdapError {
    LdapError::new(ResultCode::ProtocolError, format!("control {oid}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(oid: &str, critical: bool, value: ControlValue) -> Control {
        Control {
            oid: oid.into(),
            critical,
            value,
        }
    }

    #[test]
    fn inapplicable_controls_fail_only_when_critical() {
        let paged = ControlValue::PagedResults(PagedResults {
            size: 2,
            cookie: Vec::new(),
        });
        let on_modify = [control("1.2.840.113556.1.4.319", true, paged.clone())];
        let err = honoured(&on_modify, ResponseKind::Modify).unwrap_err();
        assert_eq!(err.code, ResultCode::UnavailableCriticalExtension);
        let lax = [control("1.2.840.113556.1.4.319", false, paged)];
        let h = honoured(&lax, ResponseKind::Modify).unwrap();
        assert!(h.paged.is_none());
        let h = honoured(&lax, ResponseKind::Search).unwrap();
        assert!(h.paged.is_some());
        let pre = [control(
            "1.3.6.1.1.13.1",
            true,
            ControlValue::PreRead(vec![]),
        )];
        assert!(honoured(&pre, ResponseKind::Add).is_err());
        assert!(honoured(&pre, ResponseKind::Delete)
            .unwrap()
            .pre_read
            .is_some());
    }

    #[test]
    fn malformed_and_repeated_controls_are_protocol_errors() {
        let bad = [control(
            "1.3.6.1.1.12",
            false,
            ControlValue::Malformed("bad filter".into()),
        )];
        let err = honoured(&bad, ResponseKind::Search).unwrap_err();
        assert_eq!(err.code, ResultCode::ProtocolError);
        let twice = [
            control("1.3.6.1.1.13.2", false, ControlValue::PostRead(vec![])),
            control("1.3.6.1.1.13.2", false, ControlValue::PostRead(vec![])),
        ];
        let err = honoured(&twice, ResponseKind::Add).unwrap_err();
        assert_eq!(err.code, ResultCode::ProtocolError);
    }
}
