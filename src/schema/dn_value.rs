//! DN-valued attributes under the schema (member, roleOccupant, seeAlso, manager,
//! uniqueMember ...): as slapd's dnPretty does, a value is valid when it parses, every
//! attribute type in it is defined, once per RDN, and every AVA value is valid for
//! its type's syntax; it is stored and returned in the pretty form (types by schema name).

use super::{syntax, AttributeType, Schema};
use crate::dn::Dn;

/// Distinguished Name syntax (RFC 4517 3.3.9).
const DN_SYNTAX: &str = "1.3.6.1.4.1.1466.115.121.1.12";
/// Name and Optional UID syntax (RFC 4517 3.3.21).
const NAME_AND_UID_SYNTAX: &str = "1.3.6.1.4.1.1466.115.121.1.34";

impl Schema {
    /// For a value of a type with DN or Name and Optional UID syntax: the value in the
    /// RFC 4514 form slapd returns (`CN=Foo, O=Bar` -> `cn=Foo,o=Bar`, a bit string
    /// kept after `#`). None for values of other syntaxes; Err says why the value is
    /// not a valid DN.
    pub fn pretty_dn_value(
        &self,
        at: &AttributeType,
        value: &[u8],
    ) -> Result<Option<Vec<u8>>, String> {
        let with_uid = match at.syntax.as_deref() {
            Some(DN_SYNTAX) => false,
            Some(NAME_AND_UID_SYNTAX) => true,
            _ => return Ok(None),
        };
        let text = std::str::from_utf8(value).map_err(|_| "value is not valid UTF-8")?;
        let (dn_text, uid) = if with_uid {
            syntax::split_name_and_uid(text)?
        } else {
            (text, None)
        };
        let mut dn = Dn::parse(dn_text).map_err(|e| e.to_string())?;
        for rdn in dn.rdns.iter_mut() {
            let mut seen: Vec<&str> = Vec::with_capacity(rdn.avas.len());
            for ava in rdn.avas.iter_mut() {
                let t = self
                    .attribute(&ava.attr)
                    .ok_or_else(|| format!("attribute type '{}' undefined in the DN", ava.attr))?;
                t.validate(ava.value.as_bytes())
                    .map_err(|why| format!("{} in the DN: {why}", ava.attr))?;
                if seen.contains(&t.oid.as_str()) {
                    return Err(format!("attribute type '{}' twice in one RDN", t.name()));
                }
                seen.push(&t.oid);
                ava.attr = t.name().to_string();
            }
        }
        let mut pretty = dn.pretty();
        if let Some(bits) = uid {
            pretty.push('#');
            pretty.push_str(bits);
        }
        Ok(Some(pretty.into_bytes()))
    }

    /// Check a value against its type's syntax, DN values against the schema too.
    pub fn validate_value(&self, at: &AttributeType, value: &[u8]) -> Result<(), String> {
        at.validate(value)?;
        self.pretty_dn_value(at, value).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::Schema;

    fn pretty(attr: &str, value: &str) -> Result<String, String> {
        let s = Schema::builtin();
        let at = s.attribute(attr).unwrap();
        s.validate_value(at, value.as_bytes())?;
        let out = s.pretty_dn_value(at, value.as_bytes())?.unwrap();
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn dn_values_take_slapds_form_with_schema_names() {
        assert_eq!(
            pretty("roleOccupant", "CN=Foo, O=Bar").unwrap(),
            "cn=Foo,o=Bar"
        );
        assert_eq!(
            pretty("member", "commonName=Foo;2.5.4.10=Bar").unwrap(),
            "cn=Foo,o=Bar"
        );
        assert_eq!(
            pretty("seeAlso", "UID=js+CN=John,DC=example").unwrap(),
            "cn=John+uid=js,dc=example"
        );
        assert_eq!(
            pretty("uniqueMember", "CN=Foo, O=Bar#'0101'B").unwrap(),
            "cn=Foo,o=Bar#'0101'B"
        );
        assert_eq!(pretty("manager", "").unwrap(), "");
        let s = Schema::builtin();
        assert_eq!(
            s.pretty_dn_value(s.attribute("cn").unwrap(), b"x"),
            Ok(None)
        );
    }

    #[test]
    fn invalid_dn_values_are_refused() {
        for (attr, bad) in [
            ("member", "01.1=jsmith"),
            ("member", "1.1.1=#F"),
            ("member", "foo=bar"),
            ("member", "1.2=x"),
            ("member", "cn="),
            ("member", "uidNumber=abc,o=x"),
            ("member", "cn=a+cn=b,o=x"),
            ("member", "cn=a+commonName=a,o=x"),
            ("roleOccupant", "cn=a,,o=b"),
            ("uniqueMember", "cn=foo#'0102'B"),
            ("uniqueMember", "01.1=a#'01'B"),
        ] {
            assert!(pretty(attr, bad).is_err(), "{attr}: {bad}");
        }
        let why = pretty("member", "foo=bar").unwrap_err();
        assert!(why.contains("'foo' undefined"), "{why}");
    }
}
