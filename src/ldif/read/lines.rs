//! Logical lines: physical lines unfolded (a continuation starts with one space),
//! comments dropped, grouped into blank-line separated blocks, one per record.

use super::Ctx;
use crate::ldif::LdifError;

/// A logical line: a physical line with its continuations appended, numbered by the
/// physical line it starts on.
pub(super) struct Line {
    pub(super) no: usize,
    pub(super) text: Vec<u8>,
}

/// Unfold lines, drop comments, and group logical lines into blank-line separated blocks.
pub(super) fn logical_blocks(input: &[u8], ctx: &Ctx) -> Result<Vec<Vec<Line>>, LdifError> {
    logical_blocks_while(input, ctx, &|_| true)
}

/// [`logical_blocks`] keeping of each block only its first lines: a line is kept
/// while `wanted` answers true for the lines kept before it. The rest of a block is
/// still read for its shape (where it ends, continuations with nothing to continue)
/// but not copied: the survey of a large import reads only each record's head.
pub(super) fn logical_blocks_while(
    input: &[u8],
    ctx: &Ctx,
    wanted: &dyn Fn(&[Line]) -> bool,
) -> Result<Vec<Vec<Line>>, LdifError> {
    #[derive(PartialEq)]
    enum Prev {
        Blank,
        Line,
        Comment,
    }
    let mut blocks = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    let mut prev = Prev::Blank;
    // Whether the last logical line was kept (its continuations go with it).
    let mut kept = false;
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
                    if let Some(last) = current.last_mut().filter(|_| kept) {
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
                kept = wanted(&current);
                if kept {
                    current.push(Line {
                        no,
                        text: raw.to_vec(),
                    });
                }
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
pub(super) fn key_is(line: &Line, name: &str) -> bool {
    line.text.len() > name.len()
        && line.text[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        && line.text[name.len()] == b':'
}

/// A `-` line closing a modify block (trailing blanks tolerated).
pub(super) fn is_dash(line: &Line) -> bool {
    line.text.first() == Some(&b'-') && line.text[1..].iter().all(|b| *b == b' ' || *b == b'\t')
}

/// A short printable excerpt of a line for error messages.
pub(super) fn preview(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}
