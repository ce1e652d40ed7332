//! The RFC 4515 string parser: `\XX` escapes, attribute options, extensible
//! matches, and a bare item without parentheses as ldapsearch accepts it.

use super::{Filter, FilterError};

/// Deepest nesting `Filter::parse` accepts, so hostile strings cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

impl Filter {
    /// Parse the RFC 4515 string form, with `\XX` escapes and attribute options.
    /// A bare item without parentheses (`objectClass=*`) is accepted, as
    /// ldapsearch accepts it.
    pub fn parse(s: &str) -> Result<Filter, FilterError> {
        let mut p = Parser {
            s: s.as_bytes(),
            pos: 0,
        };
        p.skip_ws();
        let f = if p.peek() == Some(b'(') {
            p.filter(0)?
        } else {
            p.item(true)?
        };
        p.skip_ws();
        if p.pos != p.s.len() {
            return Err(p.err("unexpected text after the filter"));
        }
        Ok(f)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

/// A value piece: literal bytes, or an unescaped `*`.
enum Piece {
    Bytes(Vec<u8>),
    Star,
}

impl Parser<'_> {
    fn err(&self, msg: &str) -> FilterError {
        FilterError {
            pos: self.pos,
            msg: msg.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self
            .peek()
            .is_some_and(|b| b == b' ' || b == b'\t' || b == b'\n' || b == b'\r')
        {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), FilterError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{}'", b as char)))
        }
    }

    fn filter(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return Err(self.err("filter nested too deeply"));
        }
        self.expect(b'(')?;
        self.skip_ws();
        let f = match self.peek() {
            Some(b'&') => {
                self.pos += 1;
                Filter::And(self.list(depth)?)
            }
            Some(b'|') => {
                self.pos += 1;
                Filter::Or(self.list(depth)?)
            }
            Some(b'!') => {
                self.pos += 1;
                self.skip_ws();
                Filter::Not(Box::new(self.filter(depth + 1)?))
            }
            _ => self.item(false)?,
        };
        self.skip_ws();
        self.expect(b')')?;
        Ok(f)
    }

    fn list(&mut self, depth: usize) -> Result<Vec<Filter>, FilterError> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'(') {
                return Ok(out);
            }
            out.push(self.filter(depth + 1)?);
        }
    }

    /// Attribute description: a name or numeric OID, then `;options`.
    fn attr_desc(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|b| {
            b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b';' || b == b'_'
        }) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    fn check_desc(&self, desc: &str, start: usize) -> Result<(), FilterError> {
        let mut parts = desc.split(';');
        let base = parts.next().unwrap_or("");
        let base_ok =
            crate::schema::syntax::is_descr(base) || crate::schema::syntax::is_numeric_oid(base);
        let opts_ok = parts
            .all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if base_ok && opts_ok {
            Ok(())
        } else {
            Err(FilterError {
                pos: start,
                msg: format!("invalid attribute description {desc:?}"),
            })
        }
    }

    /// Value pieces up to the closing parenthesis (or the end, for a bare item).
    fn value(&mut self, bare: bool) -> Result<Vec<Piece>, FilterError> {
        let mut pieces = Vec::new();
        let mut cur = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b')' if !bare => break,
                b'*' => {
                    if !cur.is_empty() {
                        pieces.push(Piece::Bytes(std::mem::take(&mut cur)));
                    }
                    pieces.push(Piece::Star);
                    self.pos += 1;
                }
                b'\\' => {
                    let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
                    match (hex(self.s.get(self.pos + 1)), hex(self.s.get(self.pos + 2))) {
                        (Some(h), Some(l)) => {
                            cur.push((h * 16 + l) as u8);
                            self.pos += 3;
                        }
                        _ => match self.s.get(self.pos + 1) {
                            // RFC 2254-era `\*`, `\(`, `\)` and `\\`.
                            Some(c @ (b'*' | b'(' | b')' | b'\\')) => {
                                cur.push(*c);
                                self.pos += 2;
                            }
                            _ => {
                                return Err(
                                    self.err("invalid escape: expected \\ and two hex digits")
                                )
                            }
                        },
                    }
                }
                b'(' => return Err(self.err("unescaped '(' in value")),
                _ => {
                    cur.push(b);
                    self.pos += 1;
                }
            }
        }
        if !cur.is_empty() {
            pieces.push(Piece::Bytes(cur));
        }
        Ok(pieces)
    }

    fn plain(&mut self, bare: bool) -> Result<Vec<u8>, FilterError> {
        let mut out = Vec::new();
        for p in self.value(bare)? {
            match p {
                Piece::Bytes(b) => out.extend(b),
                Piece::Star => return Err(self.err("unescaped '*' in value")),
            }
        }
        Ok(out)
    }

    fn item(&mut self, bare: bool) -> Result<Filter, FilterError> {
        let start = self.pos;
        let attr = self.attr_desc();
        if self.peek() == Some(b':') {
            return self.extensible(attr, start, bare);
        }
        self.check_desc(&attr, start)?;
        let op = match (self.peek(), self.s.get(self.pos + 1)) {
            (Some(b'='), _) => {
                self.pos += 1;
                b'='
            }
            (Some(c @ (b'~' | b'>' | b'<')), Some(b'=')) => {
                self.pos += 2;
                c
            }
            _ => return Err(self.err("expected '=', '~=', '>=' or '<='")),
        };
        if op != b'=' {
            let v = self.plain(bare)?;
            return Ok(match op {
                b'~' => Filter::Approx(attr, v),
                b'>' => Filter::GreaterOrEqual(attr, v),
                _ => Filter::LessOrEqual(attr, v),
            });
        }
        let pieces = self.value(bare)?;
        if !pieces.iter().any(|p| matches!(p, Piece::Star)) {
            let v = pieces
                .into_iter()
                .flat_map(|p| match p {
                    Piece::Bytes(b) => b,
                    Piece::Star => Vec::new(),
                })
                .collect();
            return Ok(Filter::Equality(attr, v));
        }
        if pieces.len() == 1 {
            return Ok(Filter::Present(attr));
        }
        self.substring(attr, pieces)
    }

    /// Substrings: fragments sit between stars; the first and last may be absent.
    fn substring(&self, attr: String, pieces: Vec<Piece>) -> Result<Filter, FilterError> {
        let mut fragments: Vec<Option<Vec<u8>>> = vec![None];
        for p in pieces {
            match p {
                Piece::Star => fragments.push(None),
                Piece::Bytes(b) => {
                    if let Some(last) = fragments.last_mut() {
                        *last = Some(b);
                    }
                }
            }
        }
        let initial = fragments.first().cloned().flatten();
        let final_ = fragments.last().cloned().flatten();
        let n = fragments.len();
        let mut any = Vec::new();
        for frag in fragments.into_iter().take(n - 1).skip(1) {
            match frag {
                Some(b) => any.push(b),
                None => return Err(self.err("empty substring between two '*'")),
            }
        }
        Ok(Filter::Substring {
            attr,
            initial,
            any,
            final_,
        })
    }

    fn extensible(
        &mut self,
        attr: String,
        start: usize,
        bare: bool,
    ) -> Result<Filter, FilterError> {
        let attr = if attr.is_empty() {
            None
        } else {
            self.check_desc(&attr, start)?;
            Some(attr)
        };
        let mut dn_attributes = false;
        let mut rule = None;
        loop {
            self.expect(b':')?;
            if self.peek() == Some(b'=') {
                self.pos += 1;
                break;
            }
            let tok_start = self.pos;
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                self.pos += 1;
            }
            let tok = String::from_utf8_lossy(&self.s[tok_start..self.pos]).into_owned();
            if tok.is_empty() || rule.is_some() {
                return Err(self.err("expected ':=' in extensible match"));
            }
            if tok.eq_ignore_ascii_case("dn") && !dn_attributes {
                dn_attributes = true;
            } else {
                rule = Some(tok);
            }
        }
        if attr.is_none() && rule.is_none() {
            return Err(self.err("extensible match needs an attribute or a matching rule"));
        }
        let value = self.plain(bare)?;
        Ok(Filter::Extensible {
            rule,
            attr,
            value,
            dn_attributes,
        })
    }
}
