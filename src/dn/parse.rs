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
    /// Walks the bytes: every separator and escape is ASCII, so a multi-byte
    /// character is copied whole and never mistaken for one (a char-by-char walk
    /// cost a Vec of chars and a String grown per character on every request).
    pub fn parse(s: &str) -> Result<Dn, DnError> {
        let bytes = s.as_bytes();
        let mut pos = 0;
        // One allocation for the depths a directory has (growing from empty took
        // two, and a count of the separators cost more than it saved).
        let mut rdns = Vec::with_capacity(8);
        skip_spaces(bytes, &mut pos);
        if pos == bytes.len() {
            return Ok(Dn::root());
        }
        loop {
            let mut avas = Vec::with_capacity(1);
            loop {
                skip_spaces(bytes, &mut pos);
                let attr = parse_type(s, &mut pos)?;
                skip_spaces(bytes, &mut pos);
                if bytes.get(pos) != Some(&b'=') {
                    return Err(DnError(format!("expected '=' after {attr:?} in {s:?}")));
                }
                pos += 1;
                skip_spaces(bytes, &mut pos);
                let value = parse_value(s, &mut pos)?;
                avas.push(Ava { attr, value });
                skip_spaces(bytes, &mut pos);
                if bytes.get(pos) == Some(&b'+') {
                    pos += 1;
                    continue;
                }
                break;
            }
            rdns.push(Rdn { avas });
            match bytes.get(pos) {
                None => break,
                Some(b',') | Some(b';') => {
                    pos += 1;
                }
                Some(_) => {
                    let c = s[pos..].chars().next().unwrap_or_default();
                    return Err(DnError(format!("unexpected {c:?} in {s:?}")));
                }
            }
        }
        Ok(Dn { rdns })
    }
}

fn skip_spaces(bytes: &[u8], pos: &mut usize) {
    while bytes
        .get(*pos)
        .is_some_and(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
    {
        *pos += 1;
    }
}

/// An attribute type (RFC 4514 3): a descr (a letter, then letters, digits and
/// hyphens) or a numericoid (two or more numbers without leading zeros).
fn parse_type(s: &str, pos: &mut usize) -> Result<String, DnError> {
    let bytes = s.as_bytes();
    let start = *pos;
    while bytes
        .get(*pos)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')
    {
        *pos += 1;
    }
    let t = &s[start..*pos];
    // The walk took only letters, digits, hyphens and dots: a descr (`leadkeychar
    // *keychar`, RFC 4512 1.4) is one that starts with a letter and has no dot.
    let descr = t.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && !t.contains('.');
    if descr || is_numericoid(t) {
        return Ok(t.to_string());
    }
    let rest: String = s[start..].chars().take(20).collect();
    Err(DnError(format!("bad attribute type at {rest:?}")))
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

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn parse_value(s: &str, pos: &mut usize) -> Result<String, DnError> {
    match s.as_bytes().get(*pos) {
        Some(b'#') => parse_ber_value(s, pos),
        Some(b'"') => parse_quoted_value(s, pos),
        _ => parse_string_value(s, pos),
    }
}

/// `#` and the hex of one BER-encoded value, decoded to its text (see `ber`).
fn parse_ber_value(s: &str, pos: &mut usize) -> Result<String, DnError> {
    *pos += 1;
    let start = *pos;
    while s.as_bytes().get(*pos).is_some_and(u8::is_ascii_hexdigit) {
        *pos += 1;
    }
    decode_hex_value(&s[start..*pos])
}

/// An RFC 2253-era quoted value.
fn parse_quoted_value(s: &str, pos: &mut usize) -> Result<String, DnError> {
    let bytes = s.as_bytes();
    *pos += 1;
    let mut out = Vec::new();
    loop {
        match bytes.get(*pos) {
            None => return Err(DnError("unterminated quoted value".into())),
            Some(b'"') => {
                *pos += 1;
                break;
            }
            Some(b'\\') if *pos + 1 < bytes.len() => {
                // The escaped character, whole, whatever its length.
                let c = s[*pos + 1..].chars().next().unwrap_or_default();
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                *pos += 1 + c.len_utf8();
            }
            Some(&b) => {
                out.push(b);
                *pos += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| DnError("value is not UTF-8".into()))
}

/// An RFC 4514 string value with backslash escapes, up to the next separator.
fn parse_string_value(s: &str, pos: &mut usize) -> Result<String, DnError> {
    match plain_value(s, pos) {
        Some(value) => Ok(value),
        None => walk_string_value(s, pos),
    }
}

/// [`parse_string_value`] byte by byte, escapes decoded.
fn walk_string_value(s: &str, pos: &mut usize) -> Result<String, DnError> {
    let input = s.as_bytes();
    let mut bytes: Vec<u8> = Vec::with_capacity(input.len() - *pos);
    // Trailing unescaped spaces are not part of the value.
    let mut keep_len = 0;
    while let Some(&c) = input.get(*pos) {
        match c {
            b',' | b';' | b'+' => break,
            b'\\' => {
                let a = input.get(*pos + 1).copied();
                let b = input.get(*pos + 2).copied();
                match (a, a.and_then(hex), b.and_then(hex)) {
                    (Some(_), Some(h), Some(l)) => {
                        bytes.push(h * 16 + l);
                        *pos += 3;
                    }
                    (Some(e), _, _)
                        if matches!(
                            e,
                            b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' | b'=' | b' ' | b'#'
                        ) =>
                    {
                        bytes.push(e);
                        *pos += 2;
                    }
                    _ => return Err(DnError("bad escape sequence".into())),
                }
                keep_len = bytes.len();
                continue;
            }
            b'\0' => return Err(DnError("unescaped NUL in value".into())),
            b'"' | b'<' | b'>' => {
                // RFC 4514 requires these escaped; '=' inside values is common in the
                // wild (base64-ish) and slapd accepts it, so only these are errors.
                return Err(DnError(format!("unescaped {:?} in value", c as char)));
            }
            c => {
                // Bytes of a multi-byte character are copied one by one; none of them
                // is ASCII, so none is a separator.
                bytes.push(c);
                if c != b' ' {
                    keep_len = bytes.len();
                }
            }
        }
        *pos += 1;
    }
    bytes.truncate(keep_len);
    String::from_utf8(bytes).map_err(|_| DnError("value is not UTF-8".into()))
}

/// The common case of [`parse_string_value`]: a value without escapes or characters
/// to refuse, copied as one slice (no UTF-8 check: it ends at an ASCII separator).
/// None, with `pos` untouched, sends the value to the byte-by-byte walk (callgrind:
/// that walk was a tenth of a bind's instructions for a five-RDN DN).
fn plain_value(s: &str, pos: &mut usize) -> Option<String> {
    let rest = &s.as_bytes()[*pos..];
    let len = rest
        .iter()
        .position(|&c| matches!(c, b',' | b';' | b'+' | b'\\' | b'\0' | b'"' | b'<' | b'>'))
        .unwrap_or(rest.len());
    // Stopped by an escape or a byte to refuse, not a separator: the walk's work.
    if !matches!(rest.get(len), None | Some(b',' | b';' | b'+')) {
        return None;
    }
    // Trailing unescaped spaces are not part of the value.
    let kept = rest[..len]
        .iter()
        .rposition(|&c| c != b' ')
        .map_or(0, |i| i + 1);
    let value = s[*pos..*pos + kept].to_string();
    *pos += len;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut and the walk read the same value and stop at the same byte.
    #[test]
    fn a_plain_value_reads_as_the_walk_reads_it() {
        for s in [
            "abc",
            "a b  ,o=x",
            "Jürgen Groß+cn=x",
            "x=y;z",
            "  ",
            "a=b=c",
            "tab\t ",
        ] {
            let (mut fast, mut walk) = (0, 0);
            let by_walk = walk_string_value(s, &mut walk).unwrap();
            assert_eq!(plain_value(s, &mut fast), Some(by_walk), "{s:?}");
            assert_eq!(fast, walk, "{s:?}");
        }
        for s in ["a\\,b", "a\"b", "x<y", "nul\0"] {
            assert_eq!(plain_value(s, &mut 0), None, "{s:?}");
        }
    }
}
