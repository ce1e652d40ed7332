//! RFC 4514 string form to [`Dn`]: the parser, tolerant of RFC 1779-era spacing.

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

fn parse_type(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    let start = *pos;
    while chars
        .get(*pos)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.' || *c == ';')
    {
        // ';' belongs to options only when followed by a letter; as a separator it ends the RDN.
        if chars[*pos] == ';' {
            break;
        }
        *pos += 1;
    }
    let t: String = chars[start..*pos].iter().collect();
    let valid = match t.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => {
            t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }
        Some(c) if c.is_ascii_digit() => t
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())),
        _ => false,
    };
    if !valid {
        let rest: String = chars[start..].iter().take(20).collect();
        return Err(DnError(format!("bad attribute type at {rest:?}")));
    }
    Ok(t)
}

fn hex(c: char) -> Option<u8> {
    c.to_digit(16).map(|d| d as u8)
}

fn parse_value(chars: &[char], pos: &mut usize) -> Result<String, DnError> {
    match chars.get(*pos) {
        Some('#') => Ok(parse_ber_value(chars, pos)),
        Some('"') => parse_quoted_value(chars, pos),
        _ => parse_string_value(chars, pos),
    }
}

/// A BER-encoded value: its string form is kept; it is rare in mail trees.
fn parse_ber_value(chars: &[char], pos: &mut usize) -> String {
    let start = *pos;
    *pos += 1;
    while chars.get(*pos).is_some_and(|c| c.is_ascii_hexdigit()) {
        *pos += 1;
    }
    chars[start..*pos].iter().collect()
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
