//! Parsing a large LDIF file a piece at a time: the reader holds every logical line
//! of its input while it parses (for a 48 MB file, 600 MB at its peak), so the file
//! is cut into pieces of a few megabytes at record boundaries and each piece parsed
//! alone, its line numbers shifted to the file's. A piece starts only at a `dn:`
//! line after a blank line, where the reader is between records whatever came
//! before, so the records and errors are those of one parse of the whole file.

use crate::ldif::{self, LdifError, LocatedRecord};
use std::path::Path;

/// Bytes a piece holds at least (all of the input if less).
const PIECE: usize = 4 << 20;

/// The records of `input`, as [`ldif::parse_ldif`] reads them, parsed piecewise.
pub(super) fn parse_in_pieces(
    input: &[u8],
    source: &str,
    base_dir: Option<&Path>,
) -> Result<Vec<LocatedRecord>, LdifError> {
    let mut records = Vec::new();
    for_each_piece(input, source, base_dir, &mut |piece| {
        records.extend(piece);
        true
    })?;
    Ok(records)
}

/// Parse `input` piece by piece, handing each piece's records (lines those of the
/// file) to `take` until it returns false; the first parse error ends it.
pub(super) fn for_each_piece(
    input: &[u8],
    source: &str,
    base_dir: Option<&Path>,
    take: &mut dyn FnMut(Vec<LocatedRecord>) -> bool,
) -> Result<(), LdifError> {
    let (mut start, mut lines_before) = (0, 0);
    while start < input.len() {
        let end = piece_end(input, start + PIECE);
        let piece = &input[start..end];
        let shift = |line: usize| line + lines_before;
        let parsed = ldif::parse_ldif(piece, source, base_dir).map_err(|e| LdifError {
            line: shift(e.line),
            ..e
        })?;
        let shifted = parsed.into_iter().map(|r| LocatedRecord {
            line: shift(r.line),
            ..r
        });
        if !take(shifted.collect()) {
            return Ok(());
        }
        lines_before += piece.iter().filter(|b| **b == b'\n').count();
        start = end;
    }
    Ok(())
}

/// The first position at or after `from` that starts a `dn:` line following a blank
/// line (`\n\n` or `\n\r\n` before it), or the end of `input`.
fn piece_end(input: &[u8], from: usize) -> usize {
    let mut pos = from;
    while pos < input.len() {
        let Some(next) = input[pos..].iter().position(|b| *b == b'\n') else {
            return input.len();
        };
        // `line` starts just after this newline; the one before ended at `pos + next`.
        let line = pos + next + 1;
        let blank_before =
            input[..pos + next].ends_with(b"\n") || input[..pos + next].ends_with(b"\n\r");
        if blank_before && starts_dn(&input[line..]) {
            return line;
        }
        pos = line;
    }
    input.len()
}

/// Whether `rest` starts with `dn:` (any case), as the reader recognises a record.
fn starts_dn(rest: &[u8]) -> bool {
    rest.len() > 2 && rest[..2].eq_ignore_ascii_case(b"dn") && rest[2] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cut_only_between_records_and_keep_the_file_lines() {
        let record =
            |i: usize| format!("dn: cn=r{i},o=x\r\n# note\ncn: r{i}\n description: folded\n\r\n");
        let text: String = (0..2_000).map(record).collect();
        let whole = ldif::parse_ldif(text.as_bytes(), "f", None).unwrap();
        for at in [1, 7, 100, 5_000] {
            let mut pieces = Vec::new();
            let mut start = 0;
            while start < text.len() {
                let end = piece_end(text.as_bytes(), start + at);
                pieces.push(&text[start..end]);
                start = end;
            }
            assert!(pieces.len() > 1);
            assert!(pieces[1..].iter().all(|p| p.starts_with("dn: ")));
        }
        assert_eq!(parse_in_pieces(text.as_bytes(), "f", None).unwrap(), whole);
        let bad = format!("{text}dn: cn=bad,o=x\n cont\n\n");
        let e = parse_in_pieces(bad.as_bytes(), "f", None).unwrap_err();
        assert_eq!(e, ldif::parse_ldif(bad.as_bytes(), "f", None).unwrap_err());
    }
}
