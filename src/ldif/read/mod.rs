//! The LDIF reader: physical lines -> logical lines (unfolded, comments dropped) ->
//! records separated by blank lines -> typed records. Every error names the line.
//!
//! lines.rs does the unfolding and grouping, value.rs splits `name: value` lines
//! and decodes their values, change.rs reads `changetype:` records; this file
//! reads a record's head (`dn:`, `control:`) and plain entries.

mod change;
mod heads;
mod lines;
mod value;

use super::{LdifError, LdifRecord, LocatedRecord};
use crate::dn::Dn;
use crate::entry::Entry;
pub use heads::{parse_heads, RecordHead};
use lines::{key_is, logical_blocks, preview, Line};
use std::path::Path;
use value::{parse_dn, split_spec, text_value, value};

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
    each_record(&logical_blocks(input, &ctx)?, &ctx, parse_record)
}

/// `read` of each record's lines, a leading `version:` line checked and set aside.
fn each_record<T>(
    blocks: &[Vec<Line>],
    ctx: &Ctx,
    read: impl Fn(&[Line], &Ctx) -> Result<T, LdifError>,
) -> Result<Vec<T>, LdifError> {
    let mut records = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.iter().enumerate() {
        let mut lines = block.as_slice();
        if index == 0 && key_is(&lines[0], "version") {
            check_version(&lines[0], ctx)?;
            lines = &lines[1..];
            if lines.is_empty() {
                continue;
            }
        }
        records.push(read(lines, ctx)?);
    }
    Ok(records)
}

/// A leading `version:` line: only version 1 exists.
fn check_version(line: &Line, ctx: &Ctx) -> Result<(), LdifError> {
    let spec = split_spec(line, ctx)?;
    let version = text_value(&spec, ctx)?;
    if version.trim_end() != "1" {
        return Err(ctx.err(
            spec.no,
            format!("unsupported LDIF version {version:?} (only 1 exists)"),
        ));
    }
    Ok(())
}

/// The first line of a record, which must be its `dn:`.
fn first_is_dn<'l>(lines: &'l [Line], ctx: &Ctx) -> Result<&'l Line, LdifError> {
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
    Ok(first)
}

/// One record: `dn:`, any `control:` lines, then a change or a plain entry.
fn parse_record(lines: &[Line], ctx: &Ctx) -> Result<LocatedRecord, LdifError> {
    let first = first_is_dn(lines, ctx)?;
    let dn_spec = split_spec(first, ctx)?;
    let dn = parse_dn(&dn_spec, ctx)?;
    let i = 1 + skip_controls(&lines[1..], ctx)?;
    let record = if i < lines.len() && key_is(&lines[i], "changetype") {
        LdifRecord::Change(change::change_record(dn, &lines[i], &lines[i + 1..], ctx)?)
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

/// Check the leading `control:` lines and count them: they are ignored (see the
/// module docs of `ldif`), but each must at least name an OID.
fn skip_controls(lines: &[Line], ctx: &Ctx) -> Result<usize, LdifError> {
    let mut i = 0;
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
    Ok(i)
}

/// The entry a content record or `changetype: add` describes.
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
