//! LDAP syntaxes (RFC 4517 and friends): the table cn=Subschema publishes as
//! ldapSyntaxes, and value validation for the syntaxes mail schemas use.

use crate::dn::Dn;

/// Prefix of the syntax OIDs RFC 4517 assigns.
const P: &str = "1.3.6.1.4.1.1466.115.121.1.";

/// One syntax the server knows: OID, description, and whether its values are
/// text a person can read (RFC 4512 X-NOT-HUMAN-READABLE when not).
pub struct SyntaxInfo {
    /// Numeric OID.
    pub oid: &'static str,
    /// Human-readable description.
    pub desc: &'static str,
    /// False for binary syntaxes.
    pub human_readable: bool,
}

macro_rules! syn {
    ($oid:expr, $desc:expr) => {
        SyntaxInfo {
            oid: $oid,
            desc: $desc,
            human_readable: true,
        }
    };
    ($oid:expr, $desc:expr, binary) => {
        SyntaxInfo {
            oid: $oid,
            desc: $desc,
            human_readable: false,
        }
    };
}

/// Every syntax listed in ldapSyntaxes.
pub const SYNTAXES: &[SyntaxInfo] = &[
    syn!("1.3.6.1.4.1.1466.115.121.1.3", "Attribute Type Description"),
    syn!("1.3.6.1.4.1.1466.115.121.1.4", "Audio", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.5", "Binary", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.6", "Bit String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.7", "Boolean"),
    syn!("1.3.6.1.4.1.1466.115.121.1.8", "Certificate", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.9", "Certificate List", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.10", "Certificate Pair", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.11", "Country String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.12", "Distinguished Name"),
    syn!("1.3.6.1.4.1.1466.115.121.1.14", "Delivery Method"),
    syn!("1.3.6.1.4.1.1466.115.121.1.15", "Directory String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.21", "Enhanced Guide"),
    syn!(
        "1.3.6.1.4.1.1466.115.121.1.22",
        "Facsimile Telephone Number"
    ),
    syn!("1.3.6.1.4.1.1466.115.121.1.23", "Fax", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.24", "Generalized Time"),
    syn!("1.3.6.1.4.1.1466.115.121.1.25", "Guide"),
    syn!("1.3.6.1.4.1.1466.115.121.1.26", "IA5 String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.27", "Integer"),
    syn!("1.3.6.1.4.1.1466.115.121.1.28", "JPEG", binary),
    syn!("1.3.6.1.4.1.1466.115.121.1.30", "Matching Rule Description"),
    syn!(
        "1.3.6.1.4.1.1466.115.121.1.31",
        "Matching Rule Use Description"
    ),
    syn!("1.3.6.1.4.1.1466.115.121.1.34", "Name And Optional UID"),
    syn!("1.3.6.1.4.1.1466.115.121.1.36", "Numeric String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.37", "Object Class Description"),
    syn!("1.3.6.1.4.1.1466.115.121.1.38", "OID"),
    syn!("1.3.6.1.4.1.1466.115.121.1.39", "Other Mailbox"),
    syn!("1.3.6.1.4.1.1466.115.121.1.40", "Octet String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.41", "Postal Address"),
    syn!("1.3.6.1.4.1.1466.115.121.1.44", "Printable String"),
    syn!("1.3.6.1.4.1.1466.115.121.1.45", "SubtreeSpecification"),
    syn!("1.3.6.1.4.1.1466.115.121.1.50", "Telephone Number"),
    syn!(
        "1.3.6.1.4.1.1466.115.121.1.51",
        "Teletex Terminal Identifier"
    ),
    syn!("1.3.6.1.4.1.1466.115.121.1.52", "Telex Number"),
    syn!("1.3.6.1.4.1.1466.115.121.1.54", "LDAP Syntax Description"),
    syn!("1.3.6.1.4.1.1466.115.121.1.58", "Substring Assertion"),
    syn!("1.3.6.1.1.1.0.0", "RFC2307 NIS Netgroup Triple"),
    syn!("1.3.6.1.1.1.0.1", "RFC2307 Boot Parameter"),
    syn!("1.3.6.1.1.16.1", "UUID"),
    syn!("1.3.6.1.4.1.4203.666.11.2.1", "CSN"),
];

/// RFC 4522 section 4: syntaxes defined without an LDAP-specific encoding, whose
/// values travel BER-encoded with the binary option (certificate, certificate list,
/// certificate pair, supported algorithm). Only these accept `;binary`.
pub fn requires_binary_transfer(oid: &str) -> bool {
    oid.strip_prefix(P)
        .is_some_and(|n| matches!(n, "8" | "9" | "10" | "49"))
}

/// True for the characters of PrintableString (RFC 4517 3.2).
fn printable(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b" '()+,-./:?=".contains(&c)
}

fn utf8(value: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(value).map_err(|_| "value is not valid UTF-8".to_string())
}

fn non_empty_utf8(value: &[u8]) -> Result<&str, String> {
    let s = utf8(value)?;
    if s.is_empty() {
        return Err("value is empty".into());
    }
    Ok(s)
}

/// RFC 4517 Integer: an optional minus and digits with no leading zero.
pub fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0"
}

/// A numeric OID such as 2.5.4.3.
pub fn is_numeric_oid(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A descriptor (keystring): a letter, then letters, digits and hyphens.
pub fn is_descr(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// RFC 4517 BitString: `'` binary digits `'B`.
pub fn is_bit_string(s: &str) -> bool {
    s.len() >= 3
        && s.starts_with('\'')
        && s.ends_with("'B")
        && s[1..s.len() - 2].bytes().all(|b| b == b'0' || b == b'1')
}

/// A Name and Optional UID value (RFC 4517 3.3.21) split into its DN and its
/// bit string, if any. A value that ends in `#'...'B` has one, which must hold
/// binary digits only; any other `#` belongs to the DN.
pub fn split_name_and_uid(s: &str) -> Result<(&str, Option<&str>), String> {
    let Some(i) = s.rfind('#') else {
        return Ok((s, None));
    };
    let bits = &s[i + 1..];
    if bits.len() < 3 || !bits.starts_with('\'') || !bits.ends_with("'B") {
        return Ok((s, None));
    }
    if !is_bit_string(bits) {
        return Err(format!("{bits:?} is not a bit string"));
    }
    Ok((&s[..i], Some(bits)))
}

/// Ok when `ok`, else the reason `why` gives.
fn require(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(why())
    }
}

/// Check `value` against the syntax `oid` (given without a `{len}` bound).
/// Syntaxes the server does not know accept any value, as slapd does for
/// syntaxes it only carries through.
pub fn validate(oid: &str, value: &[u8]) -> Result<(), String> {
    let Some(num) = oid.strip_prefix(P) else {
        return validate_other(oid, value);
    };
    match num {
        // Directory String and the description syntaxes: non-empty UTF-8.
        "15" | "3" | "30" | "31" | "37" | "54" | "41" => non_empty_utf8(value).map(|_| ()),
        "34" => {
            let s = non_empty_utf8(value)?;
            let (dn, _) = split_name_and_uid(s)?;
            Dn::parse(dn).map(|_| ()).map_err(|e| e.to_string())
        }
        "26" => require(value.is_ascii(), || {
            "value contains non-IA5 (non-ASCII) characters".into()
        }),
        "27" => {
            let s = utf8(value)?;
            require(is_integer(s), || format!("{s:?} is not an INTEGER"))
        }
        "12" => {
            let s = utf8(value)?;
            Dn::parse(s).map(|_| ()).map_err(|e| e.to_string())
        }
        "7" => match value {
            b"TRUE" | b"FALSE" => Ok(()),
            _ => Err("value must be TRUE or FALSE".into()),
        },
        "24" => {
            let s = utf8(value)?;
            require(super::matching::parse_generalized_time(s).is_some(), || {
                format!("{s:?} is not a GeneralizedTime")
            })
        }
        "38" => {
            let s = utf8(value)?;
            require(is_numeric_oid(s) || is_descr(s), || {
                format!("{s:?} is not an OID or descriptor")
            })
        }
        "36" => require(
            !value.is_empty() && value.iter().all(|b| b.is_ascii_digit() || *b == b' '),
            || "value is not a NumericString".into(),
        ),
        "44" | "50" => require(
            !value.is_empty() && value.iter().all(|b| printable(*b)),
            || "value contains characters outside PrintableString".into(),
        ),
        "11" => require(
            value.len() == 2 && value.iter().all(|b| printable(*b)),
            || "value is not a two-letter country code".into(),
        ),
        "6" => {
            let s = utf8(value)?;
            require(is_bit_string(s), || format!("{s:?} is not a bit string"))
        }
        // Binary, JPEG, certificates, octet strings and the rest: anything.
        _ => Ok(()),
    }
}

/// The syntaxes outside the RFC 4517 arc: UUID (RFC 4530) and OpenLDAP's CSN.
fn validate_other(oid: &str, value: &[u8]) -> Result<(), String> {
    match oid {
        "1.3.6.1.1.16.1" => {
            let s = utf8(value)?;
            require(is_uuid(s), || format!("{s:?} is not a UUID"))
        }
        "1.3.6.1.4.1.4203.666.11.2.1" => require(
            !value.is_empty() && value.iter().all(|b| b.is_ascii_graphic()),
            || "invalid CSN".into(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: &str) -> String {
        format!("{P}{n}")
    }

    #[test]
    fn validates_the_syntaxes_mail_schemas_use() {
        assert!(validate(&s("15"), "Jürgen".as_bytes()).is_ok());
        assert!(validate(&s("15"), b"").is_err());
        assert!(validate(&s("15"), &[0xff, 0xfe]).is_err());
        assert!(validate(&s("26"), b"user1@domain1.example").is_ok());
        assert!(validate(&s("26"), "jürgen@x".as_bytes()).is_err());
        assert!(validate(&s("27"), b"101").is_ok());
        assert!(validate(&s("27"), b"-5").is_ok());
        assert!(validate(&s("27"), b"abc").is_err());
        assert!(validate(&s("27"), b"012").is_err());
        assert!(validate(&s("12"), b"mail=a@b,o=hosting").is_ok());
        assert!(validate(&s("12"), b"not a dn").is_err());
        assert!(validate(&s("7"), b"TRUE").is_ok());
        assert!(validate(&s("7"), b"yes").is_err());
        assert!(validate(&s("24"), b"20240131120000Z").is_ok());
        assert!(validate(&s("24"), b"2024-01-31").is_err());
        assert!(validate(&s("38"), b"2.5.6.6").is_ok());
        assert!(validate(&s("38"), b"person").is_ok());
        assert!(validate(&s("38"), b"1..2").is_err());
        assert!(validate(&s("36"), b"123 456").is_ok());
        assert!(validate(&s("36"), b"12a").is_err());
        assert!(validate(&s("50"), b"+1 555 0100").is_ok());
        assert!(validate(&s("50"), b"call me!").is_err());
        assert!(validate(&s("11"), b"DE").is_ok());
        assert!(validate(&s("11"), b"DEU").is_err());
        assert!(validate(&s("40"), &[0, 1, 2, 255]).is_ok());
        assert!(validate("1.3.6.1.1.16.1", b"9e1a9c4e-8b3f-4c3c-9a47-0c6a1b2c3d4e").is_ok());
        assert!(validate("1.3.6.1.1.16.1", b"9e1a9c4e").is_err());
        assert!(validate("1.2.3.4.5", &[0xff]).is_ok());
    }

    #[test]
    fn dns_and_name_and_optional_uid() {
        for good in [
            "CN=Foo, O=Bar",
            "cn=a+sn=b;o=x",
            "",
            "cn=#04034A6F65",
            "2.5.4.3=x",
        ] {
            assert!(validate(&s("12"), good.as_bytes()).is_ok(), "{good}");
        }
        for bad in ["01.1=jsmith", "1.1.1=#F", "cn=a,,o=b", "cn=a<b", "cn=\\C3"] {
            assert!(validate(&s("12"), bad.as_bytes()).is_err(), "{bad}");
        }
        for good in [
            "cn=Foo,o=Bar#'0101'B",
            "cn=foo#''B",
            "#'01'B",
            "cn=a#b,o=x",
            "cn=foo#'B",
        ] {
            assert!(validate(&s("34"), good.as_bytes()).is_ok(), "{good}");
        }
        for bad in [
            "cn=foo#'0102'B",
            "cn=foo#'x'B",
            "cn=foo\\#'01'B",
            "01.1=a#'1'B",
        ] {
            assert!(validate(&s("34"), bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(
            split_name_and_uid("cn=a,o=b#'01'B"),
            Ok(("cn=a,o=b", Some("'01'B")))
        );
        assert!(validate(&s("6"), b"'0101'B").is_ok());
        assert!(validate(&s("6"), b"'0102'B").is_err());
    }
}
