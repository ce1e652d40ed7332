//! Escaping a value for the string form of a DN (RFC 4514 2.4).

use super::normal::{is_skipped_before_value, push_hex_escape};

/// Escape a value for the string form of a DN (RFC 4514 2.4).
pub fn escape_value(value: &str) -> String {
    escaped(value).into_owned()
}

/// [`escape_value`], borrowing a value that needs no escape: one starting with an
/// ASCII letter or digit, not ending in a space, without special characters (every
/// name a mail directory holds; escaping each RDN into a new string was 5% of a
/// Dovecot lookup).
pub(super) fn escaped(value: &str) -> std::borrow::Cow<'_, str> {
    let b = value.as_bytes();
    let plain = b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last() != Some(&b' ')
        && !b.iter().any(|c| {
            matches!(
                c,
                b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' | b'=' | 0
            )
        });
    match plain {
        true => std::borrow::Cow::Borrowed(value),
        false => std::borrow::Cow::Owned(escape_each(value)),
    }
}

/// [`escape_value`] character by character.
pub(super) fn escape_each(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c if i == 0 && is_skipped_before_value(c) => push_hex_escape(c, &mut out),
            c => out.push(c),
        }
    }
    out
}
