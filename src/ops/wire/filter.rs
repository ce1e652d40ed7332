//! Search filters from the wire into the project's `Filter`.

use crate::filter::Filter;
use ldap3_proto::proto::LdapFilter;

/// Translate a wire filter into the project's [`Filter`]. Values are raw octets on
/// the wire (not RFC 4515 escaped), so they are taken as they are.
pub fn filter_from_wire(f: &LdapFilter) -> Filter {
    let b = |s: &String| s.as_bytes().to_vec();
    match f {
        LdapFilter::And(v) => Filter::And(v.iter().map(filter_from_wire).collect()),
        LdapFilter::Or(v) => Filter::Or(v.iter().map(filter_from_wire).collect()),
        LdapFilter::Not(inner) => Filter::Not(Box::new(filter_from_wire(inner))),
        LdapFilter::Equality(a, v) => Filter::Equality(a.clone(), b(v)),
        LdapFilter::Substring(a, s) => Filter::Substring {
            attr: a.clone(),
            initial: s.initial.as_ref().map(b),
            any: s.any.iter().map(b).collect(),
            final_: s.final_.as_ref().map(b),
        },
        LdapFilter::GreaterOrEqual(a, v) => Filter::GreaterOrEqual(a.clone(), b(v)),
        LdapFilter::LessOrEqual(a, v) => Filter::LessOrEqual(a.clone(), b(v)),
        LdapFilter::Present(a) => Filter::Present(a.clone()),
        LdapFilter::Approx(a, v) => Filter::Approx(a.clone(), b(v)),
        LdapFilter::Extensible(m) => Filter::Extensible {
            rule: m.matching_rule.clone(),
            attr: m.type_.clone(),
            value: b(&m.match_value),
            dn_attributes: m.dn_attributes,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::proto::{LdapMatchingRuleAssertion, LdapSubstringFilter};

    #[test]
    fn filter_from_wire_keeps_every_filter_type() {
        let wire = LdapFilter::And(vec![
            LdapFilter::Equality("mail".into(), "a*b@x".into()),
            LdapFilter::Or(vec![
                LdapFilter::Present("cn".into()),
                LdapFilter::Not(Box::new(LdapFilter::Approx("sn".into(), "smith".into()))),
            ]),
            LdapFilter::Substring(
                "cn".into(),
                LdapSubstringFilter {
                    initial: Some("jo".into()),
                    any: vec!["h".into()],
                    final_: None,
                },
            ),
            LdapFilter::GreaterOrEqual("uidNumber".into(), "1".into()),
            LdapFilter::LessOrEqual("uidNumber".into(), "9".into()),
            LdapFilter::Extensible(LdapMatchingRuleAssertion {
                matching_rule: Some("caseExactMatch".into()),
                type_: Some("cn".into()),
                match_value: "X".into(),
                dn_attributes: true,
            }),
        ]);
        let f = filter_from_wire(&wire);
        assert_eq!(
            f.to_string(),
            "(&(mail=a\\2ab@x)(|(cn=*)(!(sn~=smith)))(cn=jo*h*)(uidNumber>=1)(uidNumber<=9)(cn:dn:caseExactMatch:=X))"
        );
        assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
    }
}
