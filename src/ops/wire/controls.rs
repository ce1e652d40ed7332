//! Controls between the wire and the project's types: request control values decoded
//! (ldap3_proto's decoders for paged results and sort, ldap3_lber for the rest), and
//! response controls encoded.

use super::codec::RawControl;
use super::filter::filter_from_wire;
use crate::filter::Filter;
use crate::ops::request::{
    Control, ControlValue, PagedResults, ResponseControl, SearchEntry, SortKey,
};
use ldap3_lber::common::TagClass;
use ldap3_lber::structure::StructureTag;
use ldap3_lber::structures::{ASNTag, Enumerated, OctetString, Sequence, Tag};
use ldap3_lber::universal::Types;
use ldap3_lber::Parser;
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::LdapFilter;
use tokio_util::bytes::BytesMut;

/// RFC 3296 ManageDsaIT.
pub const OID_MANAGE_DSA_IT: &str = "2.16.840.1.113730.3.4.2";
/// RFC 2696 simple paged results.
pub const OID_PAGED_RESULTS: &str = "1.2.840.113556.1.4.319";
/// RFC 2891 server-side sort request.
pub const OID_SORT_REQUEST: &str = "1.2.840.113556.1.4.473";
/// RFC 2891 sortKeyResponseControl.
pub const OID_SORT_RESPONSE: &str = "1.2.840.113556.1.4.474";
/// RFC 3876 values return filter.
pub const OID_VALUES_RETURN: &str = "1.2.826.0.1.3344810.2.3";
/// RFC 4528 assertion.
pub const OID_ASSERTION: &str = "1.3.6.1.1.12";
/// RFC 4527 pre-read.
pub const OID_PRE_READ: &str = "1.3.6.1.1.13.1";
/// RFC 4527 post-read.
pub const OID_POST_READ: &str = "1.3.6.1.1.13.2";

/// Filters nest at most this deep inside a control value.
const MAX_FILTER_DEPTH: usize = 32;

/// The project's control for one control off the wire.
pub fn control(raw: RawControl) -> Control {
    let value = match decode(&raw) {
        Ok(value) => value,
        Err(why) => ControlValue::Malformed(why.to_string()),
    };
    Control {
        oid: raw.oid,
        critical: raw.critical,
        value,
    }
}

fn decode(raw: &RawControl) -> Result<ControlValue, &'static str> {
    let value = raw.value.as_deref();
    Ok(match raw.oid.as_str() {
        OID_MANAGE_DSA_IT => match value {
            None => ControlValue::ManageDsaIt,
            Some(_) => return Err("ManageDsaIT takes no value"),
        },
        OID_PAGED_RESULTS => match LdapControl::try_from(raw.tag.clone()) {
            Ok(LdapControl::SimplePagedResults { size, cookie }) => {
                ControlValue::PagedResults(PagedResults { size, cookie })
            }
            _ => return Err("bad paged results value"),
        },
        OID_SORT_REQUEST => match LdapControl::try_from(raw.tag.clone()) {
            Ok(LdapControl::ServerSort { sort_requests }) => ControlValue::Sort(
                sort_requests
                    .into_iter()
                    .map(|k| SortKey {
                        attr: k.attribute_name,
                        ordering_rule: k.ordering_rule,
                        reverse: k.reverse_order,
                    })
                    .collect(),
            ),
            _ => return Err("bad sort request value"),
        },
        OID_VALUES_RETURN => ControlValue::ValuesReturn(values_return(value.ok_or("no value")?)?),
        OID_ASSERTION => {
            let tag = parse_whole(value.ok_or("no value")?)?;
            ControlValue::Assertion(filter(tag)?)
        }
        OID_PRE_READ => ControlValue::PreRead(attribute_selection(value)?),
        OID_POST_READ => ControlValue::PostRead(attribute_selection(value)?),
        super::sync::OID_SYNC_REQUEST => ControlValue::SyncRequest(super::sync::sync_request(raw)?),
        _ => ControlValue::Unsupported,
    })
}

/// One BER element filling `bytes` exactly.
fn parse_whole(bytes: &[u8]) -> Result<StructureTag, &'static str> {
    match Parser::new(MAX_FILTER_DEPTH).parse(bytes) {
        Ok(([], tag)) => Ok(tag),
        _ => Err("value is not one BER element"),
    }
}

fn filter(tag: StructureTag) -> Result<Filter, &'static str> {
    LdapFilter::try_from(tag)
        .map(|f| filter_from_wire(&f))
        .map_err(|_| "bad filter")
}

/// ValuesReturnFilter ::= SEQUENCE OF SimpleFilterItem: filter choices without
/// and, or and not, whose tags are those of the search filter.
fn values_return(bytes: &[u8]) -> Result<Vec<Filter>, &'static str> {
    let items = parse_whole(bytes)?
        .match_class(TagClass::Universal)
        .and_then(|t| t.match_id(Types::Sequence as u64))
        .and_then(|t| t.expect_constructed())
        .ok_or("values return filter is not a sequence")?;
    if items.is_empty() {
        return Err("empty values return filter");
    }
    items
        .into_iter()
        .map(|item| match filter(item)? {
            Filter::And(_) | Filter::Or(_) | Filter::Not(_) => {
                Err("values return filter items are simple filters")
            }
            simple => Ok(simple),
        })
        .collect()
}

/// AttributeSelection ::= SEQUENCE OF selector LDAPString (RFC 4527, RFC 4511 4.5.1.8).
fn attribute_selection(bytes: Option<&[u8]>) -> Result<Vec<String>, &'static str> {
    let items = parse_whole(bytes.ok_or("no value")?)?
        .match_class(TagClass::Universal)
        .and_then(|t| t.match_id(Types::Sequence as u64))
        .and_then(|t| t.expect_constructed())
        .ok_or("attribute selection is not a sequence")?;
    items
        .into_iter()
        .map(|t| {
            t.match_class(TagClass::Universal)
                .and_then(|t| t.match_id(Types::OctetString as u64))
                .and_then(|t| t.expect_primitive())
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or("bad attribute selector")
        })
        .collect()
}

/// The codec's control for a response control.
pub fn response_control(control: ResponseControl) -> LdapControl {
    let raw = |oid: &str, value: Tag| LdapControl::Unknown {
        oid: oid.to_string(),
        criticality: false,
        value: Some(ber(value)),
    };
    match control {
        ResponseControl::PagedResults { size, cookie } => {
            LdapControl::SimplePagedResults { size, cookie }
        }
        // Encoded here: ldap3_proto writes attributeType untagged, RFC 2891 tags it [0].
        ResponseControl::SortResult { code, attr } => {
            let mut inner = vec![Tag::Enumerated(Enumerated {
                inner: i64::from(code.as_i32()),
                ..Default::default()
            })];
            if let Some(attr) = attr {
                inner.push(Tag::OctetString(OctetString {
                    class: TagClass::Context,
                    id: 0,
                    inner: attr.into_bytes(),
                }));
            }
            let value = Tag::Sequence(Sequence {
                inner,
                ..Default::default()
            });
            raw(OID_SORT_RESPONSE, value)
        }
        ResponseControl::PreRead(entry) => raw(OID_PRE_READ, search_result_entry(entry)),
        ResponseControl::PostRead(entry) => raw(OID_POST_READ, search_result_entry(entry)),
        ResponseControl::Sync(control) => super::sync::sync_control(control),
    }
}

/// RFC 4527: the control value is a SearchResultEntry PDU.
fn search_result_entry(entry: SearchEntry) -> Tag {
    super::reply::entry_op(entry).into()
}

fn ber(tag: Tag) -> Vec<u8> {
    let mut buf = BytesMut::new();
    // Writing into memory cannot fail.
    let _ = ldap3_lber::write::encode_into(&mut buf, tag.into_structure());
    buf.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ResultCode;
    use ldap3_lber::structures::Boolean;

    fn raw(oid: &str, critical: bool, value: Option<Vec<u8>>) -> RawControl {
        let mut inner = vec![Tag::OctetString(OctetString {
            inner: oid.as_bytes().to_vec(),
            ..Default::default()
        })];
        if critical {
            inner.push(Tag::Boolean(Boolean {
                inner: true,
                ..Default::default()
            }));
        }
        if let Some(v) = &value {
            inner.push(Tag::OctetString(OctetString {
                inner: v.clone(),
                ..Default::default()
            }));
        }
        let tag = Tag::Sequence(Sequence {
            inner,
            ..Default::default()
        })
        .into_structure();
        RawControl {
            oid: oid.into(),
            critical,
            value,
            tag,
        }
    }

    fn filter_ber(f: &str) -> Vec<u8> {
        let wire = ldap3_proto::parse_ldap_filter_str(f).unwrap();
        ber(Tag::from(wire))
    }

    fn strings(items: &[&str]) -> Vec<u8> {
        ber(Tag::Sequence(Sequence {
            inner: items
                .iter()
                .map(|s| {
                    Tag::OctetString(OctetString {
                        inner: s.as_bytes().to_vec(),
                        ..Default::default()
                    })
                })
                .collect(),
            ..Default::default()
        }))
    }

    #[test]
    fn assertion_and_read_controls_decode() {
        let c = control(raw(OID_ASSERTION, true, Some(filter_ber("(cn=x*)"))));
        assert!(c.critical);
        assert_eq!(
            c.value,
            ControlValue::Assertion(Filter::parse("(cn=x*)").unwrap())
        );
        let c = control(raw(OID_PRE_READ, false, Some(strings(&["cn", "+"]))));
        assert_eq!(
            c.value,
            ControlValue::PreRead(vec!["cn".into(), "+".into()])
        );
        let c = control(raw(OID_POST_READ, false, Some(strings(&[]))));
        assert_eq!(c.value, ControlValue::PostRead(vec![]));
    }

    #[test]
    fn values_return_takes_simple_items_only() {
        let items = ber(Tag::Sequence(Sequence {
            inner: vec![
                Tag::from(ldap3_proto::parse_ldap_filter_str("(mail=*)").unwrap()),
                Tag::from(ldap3_proto::parse_ldap_filter_str("(cn=a)").unwrap()),
            ],
            ..Default::default()
        }));
        let c = control(raw(OID_VALUES_RETURN, true, Some(items)));
        assert_eq!(
            c.value,
            ControlValue::ValuesReturn(vec![
                Filter::parse("(mail=*)").unwrap(),
                Filter::parse("(cn=a)").unwrap()
            ])
        );
        let nested = ber(Tag::Sequence(Sequence {
            inner: vec![Tag::from(
                ldap3_proto::parse_ldap_filter_str("(&(cn=a)(sn=b))").unwrap(),
            )],
            ..Default::default()
        }));
        let c = control(raw(OID_VALUES_RETURN, true, Some(nested)));
        assert!(matches!(c.value, ControlValue::Malformed(_)));
    }

    #[test]
    fn bad_values_are_malformed_and_unknown_oids_unsupported() {
        for oid in [
            OID_ASSERTION,
            OID_PRE_READ,
            OID_PAGED_RESULTS,
            OID_SORT_REQUEST,
        ] {
            let c = control(raw(oid, false, Some(b"\x04\x05ab".to_vec())));
            assert!(matches!(c.value, ControlValue::Malformed(_)), "{oid}");
        }
        let c = control(raw(OID_ASSERTION, false, None));
        assert!(matches!(c.value, ControlValue::Malformed(_)));
        let c = control(raw("1.2.3.4", true, Some(b"anything".to_vec())));
        assert_eq!(c.value, ControlValue::Unsupported);
        let c = control(raw(OID_MANAGE_DSA_IT, true, None));
        assert_eq!(c.value, ControlValue::ManageDsaIt);
    }

    #[test]
    fn sort_result_tags_the_attribute() {
        let c = response_control(ResponseControl::SortResult {
            code: ResultCode::NoSuchAttribute,
            attr: Some("cn".into()),
        });
        let LdapControl::Unknown { oid, value, .. } = c else {
            panic!("raw control");
        };
        assert_eq!(oid, OID_SORT_RESPONSE);
        // SEQUENCE { ENUMERATED 16, [0] "cn" }
        assert_eq!(
            value.unwrap(),
            vec![0x30, 0x07, 0x0a, 0x01, 0x10, 0x80, 0x02, b'c', b'n']
        );
    }
}
