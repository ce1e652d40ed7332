//! The LDIF reader: physical lines -> logical lines (unfolded, comments dropped) ->
//! records separated by blank lines -> typed records. Every error names the line.

use super::{ChangeRecord, LdifError, LdifRecord, LocatedRecord};
use crate::dn::{Dn, Rdn};
use crate::entry::{Entry, ModOp, Modification};
use base64::Engine;
use std::path::{Path, PathBuf};

/// A logical line: a physical line with its continuations appended, numbered by the
/// physical line it starts on.
struct Line {
    no: usize,
    text: Vec<u8>,
}

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
struct Spec<'a> {
    no: usize,
    name: &'a str,
    kind: Kind,
    raw: &'a [u8],
}

/// Where errors are reported and relative `file://` URLs resolved.
struct Ctx<'a> {
    source: &'a str,
    base_dir: Option<&'a Path>,
}

impl Ctx<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> LdifError {
        LdifError {
            source: self.source.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parse a whole LDIF input (RFC 2849) into records, each with the line of its `dn:`.
///
/// `source` labels errors (normally the file name); `base_dir` is where relative
/// `file://name` URLs are looked up (the current directory when `None`). Stops at the
/// first error, so an import can be all-or-nothing.
pub fn parse_ldif(
    input: &[u8],
    source: &str,
    base_dir: Option<&Path>,
) -> Result<Vec<LocatedRecord>, LdifError> {
    let ctx = Ctx { source, base_dir };
    let blocks = logical_blocks(input, &ctx)?;
    let mut records = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.iter().enumerate() {
        let mut lines = block.as_slice();
        if index == 0 && key_is(&lines[0], "version") {
            let spec = split_spec(&lines[0], &ctx)?;
            let version = text_value(&spec, &ctx)?;
            if version.trim_end() != "1" {
                return Err(ctx.err(
                    spec.no,
                    format!("unsupported LDIF version {version:?} (only 1 exists)"),
                ));
            }
            lines = &lines[1..];
            if lines.is_empty() {
                continue;
            }
        }
        records.push(parse_record(lines, &ctx)?);
    }
    Ok(records)
}

/// Unfold lines, drop comments, and group logical lines into blank-line separated blocks.
fn logical_blocks(input: &[u8], ctx: &Ctx) -> Result<Vec<Vec<Line>>, LdifError> {
    #[derive(PartialEq)]
    enum Prev {
        Blank,
        Line,
        Comment,
    }
    let mut blocks = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    let mut prev = Prev::Blank;
    for (index, raw) in input.split(|b| *b == b'\n').enumerate() {
        let no = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match raw.first() {
            None => {
                if !current.is_empty() {
                    blocks.push(std::mem::take(&mut current));
                }
                prev = Prev::Blank;
            }
            Some(b' ') => match prev {
                Prev::Line => {
                    if let Some(last) = current.last_mut() {
                        last.text.extend_from_slice(&raw[1..]);
                    }
                }
                // A folded comment is still a comment.
                Prev::Comment => {}
                Prev::Blank => {
                    // Editors leave whitespace-only "blank" lines; nothing else may start
                    // with a space here, because there is nothing to continue.
                    if raw.iter().all(|b| *b == b' ' || *b == b'\t') {
                        if !current.is_empty() {
                            blocks.push(std::mem::take(&mut current));
                        }
                    } else {
                        return Err(ctx.err(
                            no,
                            "line starts with a space (a continuation) but there is no line \
                             before it to continue",
                        ));
                    }
                }
            },
            Some(b'#') => prev = Prev::Comment,
            Some(_) => {
                current.push(Line {
                    no,
                    text: raw.to_vec(),
                });
                prev = Prev::Line;
            }
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    Ok(blocks)
}

/// Does the logical line start with `name:` (case-insensitive)?
fn key_is(line: &Line, name: &str) -> bool {
    line.text.len() > name.len()
        && line.text[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        && line.text[name.len()] == b':'
}

/// A `-` line closing a modify block (trailing blanks tolerated).
fn is_dash(line: &Line) -> bool {
    line.text.first() == Some(&b'-') && line.text[1..].iter().all(|b| *b == b' ' || *b == b'\t')
}

/// A short printable excerpt of a line for error messages.
fn preview(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
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

fn split_spec<'a>(line: &'a Line, ctx: &Ctx) -> Result<Spec<'a>, LdifError> {
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
fn value(spec: &Spec, ctx: &Ctx) -> Result<Vec<u8>, LdifError> {
    match spec.kind {
        Kind::Plain => Ok(spec.raw.to_vec()),
        Kind::Base64 => decode_base64(spec, ctx),
        Kind::Url => read_url(spec, ctx),
    }
}

/// A value that must be text (DNs, keywords): UTF-8, and not from a URL.
fn text_value(spec: &Spec, ctx: &Ctx) -> Result<String, LdifError> {
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

fn parse_dn(spec: &Spec, ctx: &Ctx) -> Result<Dn, LdifError> {
    let text = text_value(spec, ctx)?;
    Dn::parse(&text).map_err(|e| ctx.err(spec.no, format!("invalid DN {text:?}: {e}")))
}

fn parse_record(lines: &[Line], ctx: &Ctx) -> Result<LocatedRecord, LdifError> {
    let first = &lines[0];
    if !key_is(first, "dn") {
        return Err(ctx.err(
            first.no,
            format!(
                "record does not start with \"dn:\" (found {:?})",
                preview(&first.text)
            ),
        ));
    }
    let dn_spec = split_spec(first, ctx)?;
    let dn = parse_dn(&dn_spec, ctx)?;
    let mut i = 1;
    // control: lines are checked and ignored (see the module docs).
    while i < lines.len() && key_is(&lines[i], "control") {
        let spec = split_spec(&lines[i], ctx)?;
        let text = text_value(&spec, ctx)?;
        let oid = text.split(' ').next().unwrap_or("");
        if oid.is_empty()
            || !oid
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ctx.err(spec.no, format!("control: needs an OID, found {oid:?}")));
        }
        i += 1;
    }
    let record = if i < lines.len() && key_is(&lines[i], "changetype") {
        let spec = split_spec(&lines[i], ctx)?;
        let change = text_value(&spec, ctx)?;
        let rest = &lines[i + 1..];
        LdifRecord::Change(match change.trim_end().to_ascii_lowercase().as_str() {
            "add" => {
                if rest.is_empty() {
                    return Err(ctx.err(spec.no, "changetype: add without any attributes"));
                }
                ChangeRecord::Add(entry_from(dn, rest, ctx)?)
            }
            "delete" => {
                if let Some(extra) = rest.first() {
                    return Err(ctx.err(
                        extra.no,
                        format!(
                            "unexpected {:?} after changetype: delete (missing blank line?)",
                            preview(&extra.text)
                        ),
                    ));
                }
                ChangeRecord::Delete(dn)
            }
            "modify" => ChangeRecord::Modify {
                dn,
                mods: parse_mods(rest, ctx)?,
            },
            "modrdn" | "moddn" => parse_modrdn(dn, spec.no, rest, ctx)?,
            other => {
                return Err(ctx.err(
                    spec.no,
                    format!(
                        "unknown changetype {other:?} (expected add, delete, modify, modrdn \
                         or moddn)"
                    ),
                ))
            }
        })
    } else {
        if i > 1 {
            return Err(ctx.err(
                lines[1].no,
                "control: lines are only allowed in change records (before changetype:)",
            ));
        }
        if lines.len() == 1 {
            return Err(ctx.err(first.no, format!("entry {dn} has no attributes")));
        }
        LdifRecord::Content(entry_from(dn, &lines[1..], ctx)?)
    };
    Ok(LocatedRecord {
        line: first.no,
        record,
    })
}

fn entry_from(dn: Dn, lines: &[Line], ctx: &Ctx) -> Result<Entry, LdifError> {
    let mut entry = Entry::new(dn);
    for line in lines {
        let spec = split_spec(line, ctx)?;
        if spec.name.eq_ignore_ascii_case("dn") {
            return Err(ctx.err(
                line.no,
                "a second dn: in one record (records must be separated by a blank line)",
            ));
        }
        if spec.name.eq_ignore_ascii_case("changetype") {
            return Err(ctx.err(
                line.no,
                "changetype: must come right after dn: (and any control: lines)",
            ));
        }
        let v = value(&spec, ctx)?;
        entry.add_values(spec.name, std::iter::once(v));
    }
    Ok(entry)
}

fn parse_mods(lines: &[Line], ctx: &Ctx) -> Result<Vec<Modification>, LdifError> {
    let mut mods = Vec::new();
    let mut j = 0;
    while j < lines.len() {
        let line = &lines[j];
        if is_dash(line) {
            return Err(ctx.err(
                line.no,
                "'-' without an add:, delete:, replace: or increment: line before it",
            ));
        }
        let spec = split_spec(line, ctx)?;
        let op = match spec.name.to_ascii_lowercase().as_str() {
            "add" => ModOp::Add,
            "delete" => ModOp::Delete,
            "replace" => ModOp::Replace,
            "increment" => ModOp::Increment,
            _ => {
                return Err(ctx.err(
                    line.no,
                    format!(
                        "expected add:, delete:, replace: or increment: in a changetype: \
                         modify record, found {:?}",
                        spec.name
                    ),
                ))
            }
        };
        let op_name = spec.name.to_ascii_lowercase();
        let attr = text_value(&spec, ctx)?.trim_end().to_string();
        if !valid_attr_desc(&attr) {
            return Err(ctx.err(
                line.no,
                format!("invalid attribute description {attr:?} after {op_name}:"),
            ));
        }
        j += 1;
        let mut values = Vec::new();
        // A missing '-' at the very end of the record is tolerated, as ldapmodify does.
        while let Some(line) = lines.get(j) {
            j += 1;
            if is_dash(line) {
                break;
            }
            let spec = split_spec(line, ctx)?;
            if !spec.name.eq_ignore_ascii_case(&attr) {
                return Err(ctx.err(
                    line.no,
                    format!(
                        "{:?} inside the \"{op_name}: {attr}\" block: expected {attr} values \
                         or a '-' line ending the block",
                        spec.name
                    ),
                ));
            }
            values.push(value(&spec, ctx)?);
        }
        mods.push(Modification { op, attr, values });
    }
    Ok(mods)
}

fn parse_modrdn(
    dn: Dn,
    changetype_line: usize,
    lines: &[Line],
    ctx: &Ctx,
) -> Result<ChangeRecord, LdifError> {
    let newrdn_line = lines
        .first()
        .filter(|l| key_is(l, "newrdn"))
        .ok_or_else(|| {
            ctx.err(
                lines.first().map_or(changetype_line, |l| l.no),
                "changetype: modrdn needs a newrdn: line next",
            )
        })?;
    let spec = split_spec(newrdn_line, ctx)?;
    let text = text_value(&spec, ctx)?;
    let new_rdn =
        Rdn::parse(&text).map_err(|e| ctx.err(spec.no, format!("invalid newrdn {text:?}: {e}")))?;

    let del_line = lines
        .get(1)
        .filter(|l| key_is(l, "deleteoldrdn"))
        .ok_or_else(|| {
            ctx.err(
                lines.get(1).map_or(newrdn_line.no, |l| l.no),
                "newrdn: must be followed by a deleteoldrdn: line",
            )
        })?;
    let spec = split_spec(del_line, ctx)?;
    let delete_old_rdn = match text_value(&spec, ctx)?.trim_end() {
        "0" => false,
        "1" => true,
        other => {
            return Err(ctx.err(
                spec.no,
                format!("deleteoldrdn must be 0 or 1, found {other:?}"),
            ))
        }
    };

    let mut next = 2;
    let new_superior = match lines.get(2) {
        Some(l) if key_is(l, "newsuperior") => {
            next = 3;
            Some(parse_dn(&split_spec(l, ctx)?, ctx)?)
        }
        _ => None,
    };
    if let Some(extra) = lines.get(next) {
        return Err(ctx.err(
            extra.no,
            format!(
                "unexpected {:?} in a modrdn record (missing blank line?)",
                preview(&extra.text)
            ),
        ));
    }
    Ok(ChangeRecord::ModRdn {
        dn,
        new_rdn,
        delete_old_rdn,
        new_superior,
    })
}
