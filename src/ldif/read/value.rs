//! Values: one `name: value` line split into its parts, and the value decoded
//! whichever way it was written (plain, `::` base64, `:<` file URL).

use super::lines::{preview, Line};
use super::Ctx;
use crate::dn::Dn;
use crate::ldif::LdifError;
use base64::Engine;
use std::path::PathBuf;

/// How a value was written after the attribute description.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `attr: value`
    Plain,
    /// `attr:: base64`
    Base64,
    /// `attr:< url`
    Url,
}

/// One `name: value` line split into its parts; `raw` is the value as written, after
/// the FILL spaces.
pub(super) struct Spec<'a> {
    pub(super) no: usize,
    pub(super) name: &'a str,
    kind: Kind,
    raw: &'a [u8],
}

/// RFC 4512 attribute description: a name (letter, then letters/digits/hyphens) or a
/// numeric OID, followed by `;option`s.
pub(super) fn valid_attr_desc(s: &str) -> bool {
    let mut parts = s.split(';');
    let base = parts.next().unwrap_or("");
    let base_ok = match base.as_bytes().first() {
        Some(c) if c.is_ascii_alphabetic() => {
            base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }
        Some(c) if c.is_ascii_digit() => base
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    };
    base_ok
        && parts.all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Split a logical line at its first colon into name, kind and raw value.
pub(super) fn split_spec<'a>(line: &'a Line, ctx: &Ctx) -> Result<Spec<'a>, LdifError> {
    let colon = line.text.iter().position(|b| *b == b':').ok_or_else(|| {
        ctx.err(
            line.no,
            format!(
                "no ':' in {:?} (expected \"attribute: value\"; a folded line must start \
                 with one space)",
                preview(&line.text)
            ),
        )
    })?;
    let name = std::str::from_utf8(&line.text[..colon])
        .map_err(|_| ctx.err(line.no, "attribute description is not UTF-8"))?;
    if !valid_attr_desc(name) {
        return Err(ctx.err(line.no, format!("invalid attribute description {name:?}")));
    }
    let rest = &line.text[colon + 1..];
    let (kind, rest) = match rest.first() {
        Some(b':') => (Kind::Base64, &rest[1..]),
        Some(b'<') => (Kind::Url, &rest[1..]),
        _ => (Kind::Plain, rest),
    };
    // FILL: the RFC drops every space between the separator and the value.
    let start = rest.iter().position(|b| *b != b' ').unwrap_or(rest.len());
    Ok(Spec {
        no: line.no,
        name,
        kind,
        raw: &rest[start..],
    })
}

/// A `::` value decoded (white space inside the base64 text is ignored).
fn decode_base64(spec: &Spec, ctx: &Ctx) -> Result<Vec<u8>, LdifError> {
    let trimmed: Vec<u8> = spec
        .raw
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&trimmed)
        .map_err(|e| {
            ctx.err(
                spec.no,
                format!("bad base64 in the value of {}: {e}", spec.name),
            )
        })
}

/// The value's bytes, whichever way it was written.
pub(super) fn value(spec: &Spec, ctx: &Ctx) -> Result<Vec<u8>, LdifError> {
    match spec.kind {
        Kind::Plain => Ok(spec.raw.to_vec()),
        Kind::Base64 => decode_base64(spec, ctx),
        Kind::Url => read_url(spec, ctx),
    }
}

/// A value that must be text (DNs, keywords): UTF-8, and not from a URL.
pub(super) fn text_value(spec: &Spec, ctx: &Ctx) -> Result<String, LdifError> {
    let bytes = match spec.kind {
        Kind::Plain => spec.raw.to_vec(),
        Kind::Base64 => decode_base64(spec, ctx)?,
        Kind::Url => {
            return Err(ctx.err(
                spec.no,
                format!("{}: cannot take its value from a URL", spec.name),
            ))
        }
    };
    String::from_utf8(bytes)
        .map_err(|_| ctx.err(spec.no, format!("the value of {} is not UTF-8", spec.name)))
}

/// `attr:< file:///abs` or `attr:< file://relative` (looked up in `base_dir`).
fn read_url(spec: &Spec, ctx: &Ctx) -> Result<Vec<u8>, LdifError> {
    let url = std::str::from_utf8(spec.raw)
        .map_err(|_| ctx.err(spec.no, "URL is not UTF-8"))?
        .trim_end();
    let rest = match url.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file://") => &url[7..],
        _ => {
            return Err(ctx.err(
                spec.no,
                format!("unsupported URL {url:?} (only file:// URLs are read)"),
            ))
        }
    };
    let decoded = percent_decode(rest)
        .ok_or_else(|| ctx.err(spec.no, format!("bad %-escape in URL {url:?}")))?;
    let path = PathBuf::from(&decoded);
    let path = if path.is_absolute() {
        path
    } else {
        match ctx.base_dir {
            Some(dir) => dir.join(path),
            None => path,
        }
    };
    // Only regular files: a device such as /dev/zero would never end.
    match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => {
            return Err(ctx.err(spec.no, format!("{} is not a regular file", path.display())))
        }
        _ => {}
    }
    std::fs::read(&path).map_err(|e| {
        ctx.err(
            spec.no,
            format!("cannot read {} for {}: {e}", path.display(), spec.name),
        )
    })
}

/// The path part of a URL with its `%XX` escapes decoded; None when malformed.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            // from_str_radix would also take a sign ("%+1"); a URL escape is two hex digits.
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A DN-valued line (`dn:`, `newsuperior:`) parsed.
pub(super) fn parse_dn(spec: &Spec, ctx: &Ctx) -> Result<Dn, LdifError> {
    let text = text_value(spec, ctx)?;
    Dn::parse(&text).map_err(|e| ctx.err(spec.no, format!("invalid DN {text:?}: {e}")))
}
