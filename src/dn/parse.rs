//! RFC 4514 string form to [`Dn`]: the parser, tolerant of RFC 1779-era spacing.

use super::ber::decode_hex_value;
use super::{Ava, Dn, DnError, Rdn};

impl Rdn {
    /// Parse one RDN such as `mail=user1@domain1.example` or `cn=a+sn=b`.
    pub fn parse(s: &str) -> Result<Rdn, DnError> {
        let dn = Dn::parse(s)?;
        match dn.rdns.len() {
            1 => Ok(dn.rdns.into_iter().next().expect("one rdn")),
            0 => Err(DnError("empty RDN".into())),
            _ => Err(DnError(format!("{s:?} holds more than one RDN"))),
        }
    }
}

impl Dn {
    /// Parse a DN string (RFC 4514, tolerating the spaces after commas and `;`
    /// separators that RFC 1779-era LDIF, like the article's, contains).
    pub fn parse(s: &str) -> Result<Dn, DnError> {
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let mut rdns = Vec::new();
        skip_spaces(&chars, &mut pos);
        if pos == chars.len() {
            return Ok(Dn::root());
        }
        loop {
            let mut avas = Vec::new();
            loop {
                skip_spaces(&chars, &mut pos);
                let attr = parse_type(&chars, &mut pos)?;
                skip_spaces(&chars, &mut pos);
                if chars.get(pos) != Some(&'=') {
                    return Err(DnError(format!("expected '=' after {attr:?} in {s:?}")));
                }
                pos += 1;
                skip_spaces(&chars, &mut pos);
                let value = parse_value(&chars, &mut pos)?;
                avas.push(Ava { attr, value });
                skip_spaces(&chars, &mut pos);
                if chars.get(pos) == Some(&'+') {
                    pos += 1;
                    continue;
                }
                break;
            }
            rdns.push(Rdn { avas });
            match chars.get(pos) {
                None => break,
                Some(',') | Some(';') => {
                    pos += 1;
                }
                Some(c) => return Err(DnError(format!("unexpected {c:?} in {s:?}"))),
            }
        }
        Ok(Dn { rdns })
    }
}

fn skip_spaces(chars: &[char], pos: &mut usize) {
    while chars
        .get(*pos)
        .is_some_and(|c| *c == ' ' || *c == '\n' || *c == '\r' || *c == '\t')
    {
        *pos += 1;
    }
}

/// An attribute type (RFC 4514 3): a descr (a letter, then letters, digits and
/// hyphens) or a numericoid (two or more numbers without leading zeros).
fn parse_type(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    let start = *pos;
    while chars
        .get(*pos)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
    {
        *pos += 1;
    }
    let t: String = chars[start..*pos].iter().collect();
    if is_descr(&t) || is_numericoid(&t) {
        return Ok(t);
    }
    let rest: String = chars[start..].iter().take(20).collect();
    Err(DnError(format!("bad attribute type at {rest:?}")))
}

/// `descr = leadkeychar *keychar` (RFC 4512 1.4).
fn is_descr(t: &str) -> bool {
    let mut chars = t.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `numericoid = number 1*( DOT number )`, `number = DIGIT / ( LDIGIT 1*DIGIT )`.
fn is_numericoid(t: &str) -> bool {
    let arcs: Vec<&str> = t.split('.').collect();
    arcs.len() >= 2
        && arcs.iter().all(|a| {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a.len() == 1 || !a.starts_with('0'))
        })
}

fn hex(c: char) -> Option<u8> {
    c.to_digit(16).map(|d| d as u8)
}

fn parse_value(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    match chars.get(*pos) {
        Some('#') => parse_ber_value(chars, pos),
        Some('"') => parse_quoted_value(chars, pos),
        _ => parse_string_value(chars, pos),
    }
}

/// `#` and the hex of one BER-encoded value, decoded to its text (see `ber`).
fn parse_ber_value(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    *pos += 1;
    let start = *pos;
    while chars.get(*pos).is_some_and(|c| c.is_ascii_hexdigit()) {
        *pos += 1;
    }
    let hex: String = chars[start..*pos].iter().collect();
    decode_hex_value(&hex)
}

/// An RFC 2253-era quoted value.
fn parse_quoted_value(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    *pos += 1;
    let mut out = String::new();
    loop {
        match chars.get(*pos) {
            None => return Err(DnError("unterminated quoted value".into())),
            Some('"') => {
                *pos += 1;
                return Ok(out);
            }
            Some('\\') if *pos + 1 < chars.len() => {
                out.push(chars[*pos + 1]);
                *pos += 2;
            }
            Some(c) => {
                out.push(*c);
                *pos += 1;
            }
        }
    }
}

/// An RFC 4514 string value with backslash escapes, up to the next separator.
fn parse_string_value(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    let mut bytes: Vec<u8> = Vec::new();
    // Trailing unescaped spaces are not part of the value.
    let mut keep_len = 0;
    while let Some(&c) = chars.get(*pos) {
        match c {
            ',' | ';' | '+' => break,
            '\\' => {
                let a = chars.get(*pos + 1).copied();
                let b = chars.get(*pos + 2).copied();
                match (a, a.and_then(hex), b.and_then(hex)) {
                    (Some(_), Some(h), Some(l)) => {
                        bytes.push(h * 16 + l);
                        *pos += 3;
                    }
                    (Some(e), _, _)
                        if matches!(
                            e,
                            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | ' ' | '#'
                        ) =>
                    {
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(e.encode_utf8(&mut buf).as_bytes());
                        *pos += 2;
                    }
                    _ => return Err(DnError("bad escape sequence".into())),
                }
                keep_len = bytes.len();
                continue;
            }
            '\0' => return Err(DnError("unescaped NUL in value".into())),
            '"' | '<' | '>' | '=' => {
                // RFC 4514 requires these escaped; '=' inside values is common in the
                // wild (base64-ish) and slapd accepts it, so only the others are errors.
                if c != '=' {
                    return Err(DnError(format!("unescaped {c:?} in value")));
                }
                bytes.push(b'=');
                keep_len = bytes.len();
            }
            c => {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                if c != ' ' {
                    keep_len = bytes.len();
                }
            }
        }
        *pos += 1;
    }
    bytes.truncate(keep_len);
    String::from_utf8(bytes).map_err(|_| DnError("value is not UTF-8".into()))
}
