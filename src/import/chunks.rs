//! Parsing a large LDIF file a piece at a time: the reader holds every logical line
//! of its input while it parses (for a 48 MB file, 600 MB at its peak), so the file
//! is cut into pieces of a few megabytes at record boundaries and each piece parsed
//! alone, its line numbers shifted to the file's. A piece starts only at a `dn:`
//! line after a blank line, where the reader is between records whatever came
//! before, so the records and errors are those of one parse of the whole file.

use crate::ldif::{self, LdifError, LocatedRecord, RecordHead};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{mpsc, Mutex};

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
    for piece in Pieces::new(input) {
        if !take(piece.parse(input, source, base_dir)?) {
            return Ok(());
        }
    }
    Ok(())
}

/// What a piece is read into: whole records, or only their heads (an import's
/// survey), each knowing its line so that it can be shifted to the file's.
pub(super) trait PieceItem: Sized + Send {
    /// The items of `input` (one piece), lines counted from the piece's start.
    fn parse(input: &[u8], source: &str, base_dir: Option<&Path>) -> Result<Vec<Self>, LdifError>;
    /// The line the item starts on.
    fn line_mut(&mut self) -> &mut usize;
}

impl PieceItem for LocatedRecord {
    fn parse(input: &[u8], source: &str, base_dir: Option<&Path>) -> Result<Vec<Self>, LdifError> {
        ldif::parse_ldif(input, source, base_dir)
    }

    fn line_mut(&mut self) -> &mut usize {
        &mut self.line
    }
}

impl PieceItem for RecordHead {
    fn parse(input: &[u8], source: &str, _: Option<&Path>) -> Result<Vec<Self>, LdifError> {
        ldif::parse_heads(input, source)
    }

    fn line_mut(&mut self) -> &mut usize {
        &mut self.line
    }
}

/// [`for_each_piece`] with the parsing and `work` on each piece's items done by
/// one thread per core, their results handed to `take` in the file's order (the
/// first parse error is still the first in the file). An import's checks of its
/// entries kept one core busy while the other mostly waited.
pub(super) fn map_pieces<R: PieceItem, T: Send>(
    input: &[u8],
    source: &str,
    base_dir: Option<&Path>,
    work: &(dyn Fn(Vec<R>) -> T + Sync),
    take: &mut dyn FnMut(T) -> bool,
) -> Result<(), LdifError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    // Pieces parsed ahead of `take` at most: bounds the memory they hold.
    let in_flight = 2 * workers;
    let (jobs, queue) = mpsc::sync_channel::<(usize, Piece)>(in_flight);
    let queue = Mutex::new(queue);
    let (results, done) = mpsc::channel::<(usize, Result<T, LdifError>)>();
    std::thread::scope(|scope| {
        // Dropped when this returns: the workers' queue then ends and they stop.
        let jobs = jobs;
        for _ in 0..workers {
            let (queue, results) = (&queue, results.clone());
            scope.spawn(move || loop {
                let job = queue
                    .lock()
                    .map_err(drop)
                    .and_then(|q| q.recv().map_err(drop));
                let Ok((n, piece)) = job else { return };
                let out = piece.parse(input, source, base_dir).map(work);
                if results.send((n, out)).is_err() {
                    return;
                }
            });
        }
        drop(results);
        let mut pieces = Pieces::new(input).enumerate();
        let (mut sent, mut next) = (0, 0);
        let mut ready = BTreeMap::new();
        loop {
            while sent - next < in_flight {
                let Some(job) = pieces.next() else { break };
                if jobs.send(job).is_err() {
                    break;
                }
                sent += 1;
            }
            if next == sent {
                return Ok(());
            }
            while !ready.contains_key(&next) {
                let Ok((n, out)) = done.recv() else {
                    return Err(LdifError {
                        source: source.to_string(),
                        line: 0,
                        message: "a parsing thread stopped".into(),
                    });
                };
                ready.insert(n, out);
            }
            let out = ready.remove(&next).expect("checked just above");
            next += 1;
            if !take(out?) {
                return Ok(());
            }
        }
    })
}

/// One piece of an input: its byte range and the lines before it.
struct Piece {
    start: usize,
    end: usize,
    lines_before: usize,
}

impl Piece {
    /// The items of this piece of `input`, their lines (and errors') the file's.
    fn parse<R: PieceItem>(
        &self,
        input: &[u8],
        source: &str,
        base_dir: Option<&Path>,
    ) -> Result<Vec<R>, LdifError> {
        let piece = &input[self.start..self.end];
        let mut parsed = R::parse(piece, source, base_dir).map_err(|e| LdifError {
            line: e.line + self.lines_before,
            ..e
        })?;
        for item in &mut parsed {
            *item.line_mut() += self.lines_before;
        }
        Ok(parsed)
    }
}

/// The pieces of an input, in order.
struct Pieces<'a> {
    input: &'a [u8],
    start: usize,
    lines_before: usize,
}

impl<'a> Pieces<'a> {
    fn new(input: &'a [u8]) -> Self {
        Pieces {
            input,
            start: 0,
            lines_before: 0,
        }
    }
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        if self.start >= self.input.len() {
            return None;
        }
        let end = piece_end(self.input, self.start + PIECE);
        let piece = Piece {
            start: self.start,
            end,
            lines_before: self.lines_before,
        };
        self.lines_before += self.input[self.start..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.start = end;
        Some(piece)
    }
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

    /// Every record of `input` through [`map_pieces`], in the order taken.
    fn parsed_in_parallel(input: &[u8]) -> Result<Vec<LocatedRecord>, LdifError> {
        let mut all = Vec::new();
        map_pieces(input, "f", None, &|piece| piece, &mut |piece| {
            all.extend(piece);
            true
        })?;
        Ok(all)
    }

    #[test]
    fn pieces_parsed_in_parallel_come_in_file_order_with_the_first_error() {
        // Three pieces and more, so several threads parse at once.
        let record = |i: usize| {
            format!(
                "dn: cn=r{i},o=x\ncn: r{i}\ndescription: {}\n\n",
                "x".repeat(200)
            )
        };
        let text: String = (0..45_000).map(record).collect();
        assert!(text.len() > 2 * PIECE);
        let whole = ldif::parse_ldif(text.as_bytes(), "f", None).unwrap();
        assert_eq!(parsed_in_parallel(text.as_bytes()).unwrap(), whole);
        // A bad record in the second piece and another in the last: the first wins.
        let mut bad = text.clone();
        bad.insert_str(PIECE + PIECE / 2, "\n\ndn: cn=bad1,o=x\nnot a line\n\n");
        bad.push_str("dn: cn=bad2,o=x\nnot a line either\n\n");
        let want = ldif::parse_ldif(bad.as_bytes(), "f", None).unwrap_err();
        assert_eq!(parsed_in_parallel(bad.as_bytes()).unwrap_err(), want);
        // A taker that stops takes nothing more.
        let mut taken = 0;
        map_pieces(
            text.as_bytes(),
            "f",
            None,
            &|piece: Vec<LocatedRecord>| piece.len(),
            &mut |_| {
                taken += 1;
                false
            },
        )
        .unwrap();
        assert_eq!(taken, 1);
    }

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
        assert_eq!(
            parsed_in_parallel(bad.as_bytes()).unwrap_err(),
            ldif::parse_ldif(bad.as_bytes(), "f", None).unwrap_err()
        );
        let e = parse_in_pieces(bad.as_bytes(), "f", None).unwrap_err();
        assert_eq!(e, ldif::parse_ldif(bad.as_bytes(), "f", None).unwrap_err());
    }
}
