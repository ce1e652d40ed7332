//! The `#hex` form of an attribute value in a DN (RFC 4514 2.4, 3): the hex digits of
//! one BER-encoded value. Every naming attribute the mail schemas use is a string, so
//! a value is taken when it is one primitive string (or INTEGER / BOOLEAN) element
//! spanning all the bytes, and kept as its text; anything else is invalid DN syntax.

use super::DnError;

/// Universal tags of the string types a DirectoryString or IA5String value may use.
const UTF8_STRING: u8 = 0x0c;
const OCTET_STRING: u8 = 0x04;
const NUMERIC_STRING: u8 = 0x12;
const PRINTABLE_STRING: u8 = 0x13;
const TELETEX_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const VISIBLE_STRING: u8 = 0x1a;
const UNIVERSAL_STRING: u8 = 0x1c;
const BMP_STRING: u8 = 0x1e;
const INTEGER: u8 = 0x02;
const BOOLEAN: u8 = 0x01;

/// Decode the hex digits after `#` into the value's text.
pub(super) fn decode_hex_value(hex: &str) -> Result<String, DnError> {
    let bytes = hex_bytes(hex)?;
    let (tag, content) = one_element(&bytes)?;
    decode_content(tag, content)
}

/// The bytes of an even, non-empty run of hex digits.
fn hex_bytes(hex: &str) -> Result<Vec<u8>, DnError> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(DnError(format!(
            "#{hex}: a hex value needs pairs of hex digits"
        )));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| DnError(format!("#{hex}: not hex")))
}

/// The tag and content of the single BER element `bytes` must be: a low-numbered
/// primitive tag, a definite length, and no byte left over.
fn one_element(bytes: &[u8]) -> Result<(u8, &[u8]), DnError> {
    let bad = |why: &str| DnError(format!("hex value is not one BER element: {why}"));
    let (&tag, rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
    if tag & 0x1f == 0x1f {
        return Err(bad("high tag numbers are not supported"));
    }
    if tag & 0x20 != 0 {
        return Err(bad("constructed encodings are not supported"));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("no length"))?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x80 => return Err(bad("indefinite length in a primitive element")),
        _ => {
            let n = usize::from(first & 0x7f);
            if n > 4 || rest.len() < n {
                return Err(bad("bad length"));
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        }
    };
    if rest.len() != len {
        return Err(bad("the length does not match the content"));
    }
    Ok((tag, rest))
}

/// The text of a primitive element's content.
fn decode_content(tag: u8, content: &[u8]) -> Result<String, DnError> {
    let text = |bytes: &[u8]| {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DnError("hex value: string is not UTF-8".into()))
    };
    let ascii = |bytes: &[u8]| {
        if bytes.is_ascii() {
            text(bytes)
        } else {
            Err(DnError("hex value: string is not ASCII".into()))
        }
    };
    match tag {
        UTF8_STRING | OCTET_STRING | TELETEX_STRING => text(content),
        NUMERIC_STRING | PRINTABLE_STRING | IA5_STRING | VISIBLE_STRING => ascii(content),
        BMP_STRING => wide(content, 2),
        UNIVERSAL_STRING => wide(content, 4),
        INTEGER => integer(content),
        BOOLEAN => match content {
            [0] => Ok("FALSE".into()),
            [_] => Ok("TRUE".into()),
            _ => Err(DnError("hex value: BOOLEAN of more than one byte".into())),
        },
        other => Err(DnError(format!(
            "hex value: BER tag 0x{other:02x} is not a string type"
        ))),
    }
}

/// BMPString (UCS-2) or UniversalString (UCS-4), big-endian.
fn wide(content: &[u8], width: usize) -> Result<String, DnError> {
    if !content.len().is_multiple_of(width) {
        return Err(DnError("hex value: truncated wide string".into()));
    }
    content
        .chunks(width)
        .map(|c| {
            let code = c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
            char::from_u32(code).ok_or_else(|| DnError("hex value: bad character".into()))
        })
        .collect()
}

/// A two's-complement INTEGER in decimal (at most 8 bytes).
fn integer(content: &[u8]) -> Result<String, DnError> {
    if content.is_empty() || content.len() > 8 {
        return Err(DnError("hex value: INTEGER of unsupported length".into()));
    }
    let negative = content[0] & 0x80 != 0;
    let start = if negative { -1i64 } else { 0 };
    let n = content
        .iter()
        .fold(start, |acc, b| (acc << 8) | i64::from(*b));
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_elements_decode_to_their_text() {
        assert_eq!(decode_hex_value("04034A6F65").unwrap(), "Joe");
        assert_eq!(decode_hex_value("0c03616263").unwrap(), "abc");
        assert_eq!(decode_hex_value("1e0400e90041").unwrap(), "éA");
        assert_eq!(decode_hex_value("020165").unwrap(), "101");
        assert_eq!(decode_hex_value("0201ff").unwrap(), "-1");
        assert_eq!(decode_hex_value("0101ff").unwrap(), "TRUE");
        assert_eq!(decode_hex_value("048103616263").unwrap(), "abc");
    }

    #[test]
    fn anything_but_one_whole_element_is_refused() {
        for bad in [
            "",
            "F",
            "0",
            "04",
            "0403",
            "0403616263ff",
            "040361",
            "zz",
            "3000",
            "2403040161",
            "1f0100",
            "0480",
            "0c02c328",
            "1303e9e9e9",
            "0500",
        ] {
            assert!(decode_hex_value(bad).is_err(), "{bad}");
        }
    }
}
