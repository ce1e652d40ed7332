//! Change records: the body after `changetype:` for add, delete, modify and
//! modrdn (or its synonym moddn).

use super::lines::{is_dash, key_is, preview, Line};
use super::value::{parse_dn, split_spec, text_value, valid_attr_desc, value};
use super::{entry_from, Ctx};
use crate::dn::{Dn, Rdn};
use crate::entry::{ModOp, Modification};
use crate::ldif::{ChangeRecord, LdifError};

/// The change a `changetype:` line and the lines after it (`rest`) describe.
pub(super) fn change_record(
    dn: Dn,
    changetype: &Line,
    rest: &[Line],
    ctx: &Ctx,
) -> Result<ChangeRecord, LdifError> {
    let spec = split_spec(changetype, ctx)?;
    let change = text_value(&spec, ctx)?;
    Ok(match change.trim_end().to_ascii_lowercase().as_str() {
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
}

/// The `add:`/`delete:`/`replace:`/`increment:` blocks of a modify record.
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

/// The newrdn:, deleteoldrdn: and optional newsuperior: lines of a modrdn record.
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
