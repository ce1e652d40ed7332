//! Record heads: what an import's survey needs of each record (where it starts and,
//! for an add, its DN) without reading the attributes. The head is the `dn:` line,
//! any `control:` lines and the line after them, which says whether it is a change;
//! the rest of a record is checked when the whole record is parsed.

use super::lines::{key_is, logical_blocks_while, Line};
use super::value::{parse_dn, split_spec, text_value};
use super::{each_record, first_is_dn, skip_controls, Ctx};
use crate::dn::Dn;
use crate::ldif::LdifError;

/// The head of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHead {
    /// The line of its `dn:`.
    pub line: usize,
    /// The DN it adds: a content record's or a `changetype: add`'s; `None` for other
    /// changes.
    pub added: Option<Dn>,
}

/// The heads of the records of `input`, as [`super::parse_ldif`] would find the
/// records (the same errors in their heads; the rest of each record is not read).
pub fn parse_heads(input: &[u8], source: &str) -> Result<Vec<RecordHead>, LdifError> {
    let ctx = Ctx {
        source,
        base_dir: None,
    };
    each_record(&logical_blocks_while(input, &ctx, &wants_more)?, &ctx, head)
}

/// Whether a block whose first lines are `kept` needs its next line for the head:
/// until a line after the `dn:` is not a `control:` (a leading `version:` aside).
fn wants_more(kept: &[Line]) -> bool {
    let body = match kept.first() {
        Some(first) if key_is(first, "version") => &kept[1..],
        _ => kept,
    };
    body.iter().skip(1).all(|line| key_is(line, "control"))
}

/// The head of one record (its lines from the `dn:` on).
fn head(lines: &[Line], ctx: &Ctx) -> Result<RecordHead, LdifError> {
    let first = first_is_dn(lines, ctx)?;
    let dn = parse_dn(&split_spec(first, ctx)?, ctx)?;
    let i = 1 + skip_controls(&lines[1..], ctx)?;
    let added = match lines.get(i).filter(|line| key_is(line, "changetype")) {
        Some(changetype) => {
            let spec = split_spec(changetype, ctx)?;
            let change = text_value(&spec, ctx)?;
            change.trim_end().eq_ignore_ascii_case("add").then_some(dn)
        }
        None => Some(dn),
    };
    Ok(RecordHead {
        line: first.no,
        added,
    })
}
