//! The RFC 4515 string form of a filter, for logs and round trips through
//! [`Filter::parse`]: values are escaped so the text parses back to the same filter.

use super::Filter;
use std::fmt;

/// Escape a value for the string form (RFC 4515 3): `*`, `(`, `)`, `\`, NUL,
/// and every byte of a value that is not UTF-8.
fn escape(value: &[u8], out: &mut fmt::Formatter<'_>) -> fmt::Result {
    let utf8 = std::str::from_utf8(value).is_ok();
    for &b in value {
        if matches!(b, b'*' | b'(' | b')' | b'\\' | 0) || (!utf8 && b >= 0x80) {
            write!(out, "\\{b:02x}")?;
        } else if utf8 && b >= 0x80 {
            // Part of a multi-byte character: written through below.
            continue;
        } else {
            write!(out, "{}", b as char)?;
        }
    }
    Ok(())
}

fn write_value(value: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match std::str::from_utf8(value) {
        Ok(s) if s.is_ascii() => escape(value, f),
        Ok(s) => {
            for c in s.chars() {
                if c.is_ascii() {
                    escape(&[c as u8], f)?;
                } else {
                    write!(f, "{c}")?;
                }
            }
            Ok(())
        }
        Err(_) => escape(value, f),
    }
}

/// `(attr<op>value)` with the value escaped.
fn write_assertion(f: &mut fmt::Formatter<'_>, attr: &str, op: &str, value: &[u8]) -> fmt::Result {
    write!(f, "({attr}{op}")?;
    write_value(value, f)?;
    f.write_str(")")
}

/// `(initial*any*...*final)` after `(attr=`.
fn write_substring(
    f: &mut fmt::Formatter<'_>,
    attr: &str,
    initial: Option<&[u8]>,
    any: &[Vec<u8>],
    final_: Option<&[u8]>,
) -> fmt::Result {
    write!(f, "({attr}=")?;
    if let Some(i) = initial {
        write_value(i, f)?;
    }
    f.write_str("*")?;
    for m in any {
        write_value(m, f)?;
        f.write_str("*")?;
    }
    if let Some(x) = final_ {
        write_value(x, f)?;
    }
    f.write_str(")")
}

/// `(attr:dn:rule:=value)`, each of attr, `:dn` and rule only when present.
fn write_extensible(
    f: &mut fmt::Formatter<'_>,
    rule: Option<&str>,
    attr: Option<&str>,
    value: &[u8],
    dn_attributes: bool,
) -> fmt::Result {
    f.write_str("(")?;
    if let Some(a) = attr {
        f.write_str(a)?;
    }
    if dn_attributes {
        f.write_str(":dn")?;
    }
    if let Some(r) = rule {
        write!(f, ":{r}")?;
    }
    f.write_str(":=")?;
    write_value(value, f)?;
    f.write_str(")")
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::And(list) | Filter::Or(list) => {
                f.write_str(if matches!(self, Filter::And(_)) {
                    "(&"
                } else {
                    "(|"
                })?;
                for sub in list {
                    write!(f, "{sub}")?;
                }
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{inner})"),
            Filter::Equality(a, v) => write_assertion(f, a, "=", v),
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => write_substring(f, attr, initial.as_deref(), any, final_.as_deref()),
            Filter::GreaterOrEqual(a, v) => write_assertion(f, a, ">=", v),
            Filter::LessOrEqual(a, v) => write_assertion(f, a, "<=", v),
            Filter::Present(a) => write!(f, "({a}=*)"),
            Filter::Approx(a, v) => write_assertion(f, a, "~=", v),
            Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            } => write_extensible(f, rule.as_deref(), attr.as_deref(), value, *dn_attributes),
        }
    }
}
