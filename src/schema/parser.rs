//! Parser for OpenLDAP's .schema file format: `attributetype ( ... )`,
//! `objectclass ( ... )` and `objectidentifier NAME OID` statements, `#`
//! comments, and continuation lines that start with white space.

use super::syntax::{is_descr, is_numeric_oid};
use super::{AttributeType, ClassKind, Declared, ObjectClass, SchemaError, Usage};
use std::collections::HashMap;

/// One definition read from a file, with the line it starts on.
pub(crate) enum Parsed {
    /// An attribute type.
    Attribute(AttributeType),
    /// An object class.
    Class(ObjectClass),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Quoted(String),
    Word(String),
}

/// A logical statement: its first line number and its joined text.
struct Statement {
    line: usize,
    text: String,
}

/// Join continuation lines and drop comments and blank lines.
fn statements(text: &str, file: &str) -> Result<Vec<Statement>, SchemaError> {
    let mut out: Vec<Statement> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with(|c: char| c.is_whitespace()) {
            match out.last_mut() {
                Some(st) => {
                    st.text.push(' ');
                    st.text.push_str(trimmed);
                }
                None => {
                    return Err(SchemaError::Syntax {
                        file: file.into(),
                        line,
                        msg: "continuation line (starts with white space) before any statement"
                            .into(),
                    })
                }
            }
        } else {
            out.push(Statement {
                line,
                text: trimmed.to_string(),
            });
        }
    }
    Ok(out)
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            ')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            '\'' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated quoted string".into()),
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            // RFC 4512 escapes (\27, \5C) and the older \' and \\.
                            let hex: String = chars.iter().skip(i + 1).take(2).collect();
                            match hex.to_ascii_lowercase().as_str() {
                                "27" => {
                                    s.push('\'');
                                    i += 3;
                                }
                                "5c" => {
                                    s.push('\\');
                                    i += 3;
                                }
                                _ => match chars.get(i + 1) {
                                    Some(e @ ('\'' | '\\')) => {
                                        s.push(*e);
                                        i += 2;
                                    }
                                    _ => {
                                        s.push('\\');
                                        i += 1;
                                    }
                                },
                            }
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                toks.push(Tok::Quoted(s));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '\'')
                {
                    i += 1;
                }
                toks.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(toks)
}

/// Expand an OID that may use a macro (`name` or `name:suffix`).
pub(crate) fn expand_oid(token: &str, macros: &HashMap<String, String>) -> Result<String, String> {
    if is_numeric_oid(token) {
        return Ok(token.to_string());
    }
    let (name, suffix) = match token.split_once(':') {
        Some((n, s)) => (n, Some(s)),
        None => (token, None),
    };
    let base = macros.get(&name.to_ascii_lowercase()).ok_or_else(|| {
        format!("{token:?} is neither a numeric OID nor a known objectidentifier")
    })?;
    let oid = match suffix {
        Some(s) => format!("{base}.{s}"),
        None => base.clone(),
    };
    if is_numeric_oid(&oid) {
        Ok(oid)
    } else {
        Err(format!(
            "{token:?} expands to {oid:?}, which is not a numeric OID"
        ))
    }
}

/// Cursor over a definition's tokens.
struct Cursor {
    toks: Vec<Tok>,
    pos: usize,
}

impl Cursor {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    /// One name/OID, or a `( a $ b )` list.
    fn oids(&mut self, what: &str) -> Result<Vec<String>, String> {
        match self.next() {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Ok(vec![w]),
            Some(Tok::Open) => {
                let mut out = Vec::new();
                loop {
                    match self.next() {
                        Some(Tok::Close) => break,
                        Some(Tok::Word(w)) if w == "$" => {}
                        Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => {
                            // Tolerate `a$b` written without spaces.
                            out.extend(w.split('$').filter(|p| !p.is_empty()).map(String::from))
                        }
                        _ => return Err(format!("unterminated list after {what}")),
                    }
                }
                if out.is_empty() {
                    return Err(format!("empty list after {what}"));
                }
                Ok(out)
            }
            _ => Err(format!("{what} needs a value")),
        }
    }

    /// NAME 'a' or NAME ( 'a' 'b' ); unquoted names are tolerated as slapd does.
    fn names(&mut self) -> Result<Vec<String>, String> {
        let names = match self.next() {
            Some(Tok::Quoted(n)) | Some(Tok::Word(n)) => vec![n],
            Some(Tok::Open) => {
                let mut out = Vec::new();
                loop {
                    match self.next() {
                        Some(Tok::Close) => break,
                        Some(Tok::Quoted(n)) | Some(Tok::Word(n)) => out.push(n),
                        _ => return Err("unterminated NAME list".into()),
                    }
                }
                out
            }
            _ => return Err("NAME needs a value".into()),
        };
        if names.is_empty() {
            return Err("empty NAME list".into());
        }
        if let Some(bad) = names.iter().find(|n| !is_descr(n)) {
            return Err(format!("{bad:?} is not a valid name"));
        }
        Ok(names)
    }

    fn qdstring(&mut self, what: &str) -> Result<String, String> {
        match self.next() {
            Some(Tok::Quoted(s)) => Ok(s),
            _ => Err(format!("{what} needs a quoted string")),
        }
    }

    fn word(&mut self, what: &str) -> Result<String, String> {
        match self.next() {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Ok(w),
            _ => Err(format!("{what} needs a value")),
        }
    }

    /// Skip the value(s) of an X- extension: a quoted string or a list of them.
    fn skip_extension(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Tok::Quoted(_)) => Ok(()),
            Some(Tok::Open) => loop {
                match self.next() {
                    Some(Tok::Close) => return Ok(()),
                    Some(_) => {}
                    None => return Err("unterminated extension list".into()),
                }
            },
            _ => Err("extension needs a quoted value".into()),
        }
    }
}

/// Split `oid{len}` into the OID and its length bound.
fn split_len(s: &str) -> Result<(&str, Option<u32>), String> {
    match s.split_once('{') {
        None => Ok((s, None)),
        Some((oid, rest)) => {
            let n = rest
                .strip_suffix('}')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("bad length bound in SYNTAX {s:?}"))?;
            Ok((oid, Some(n)))
        }
    }
}

fn parse_attribute(
    c: &mut Cursor,
    macros: &HashMap<String, String>,
) -> Result<AttributeType, String> {
    let oid_tok = c.word("attributetype")?;
    let mut at = AttributeType {
        oid: expand_oid(&oid_tok, macros)?,
        names: Vec::new(),
        desc: None,
        sup: None,
        equality: None,
        ordering: None,
        substr: None,
        syntax: None,
        syntax_len: None,
        single_value: false,
        collective: false,
        no_user_modification: false,
        usage: Usage::UserApplications,
        obsolete: false,
        declared: Declared::default(),
        derived_from: false,
        norms: Default::default(),
    };
    loop {
        let kw = match c.next() {
            Some(Tok::Close) => break,
            Some(Tok::Word(w)) => w,
            Some(t) => return Err(format!("unexpected {t:?} in attributetype")),
            None => return Err("missing closing parenthesis".into()),
        };
        match kw.to_ascii_uppercase().as_str() {
            "NAME" => at.names = c.names()?,
            "DESC" => at.desc = Some(c.qdstring("DESC")?),
            "OBSOLETE" => at.obsolete = true,
            "SUP" => at.sup = Some(c.word("SUP")?),
            "EQUALITY" => at.declared.equality = Some(c.word("EQUALITY")?),
            "ORDERING" => at.declared.ordering = Some(c.word("ORDERING")?),
            "SUBSTR" => at.declared.substr = Some(c.word("SUBSTR")?),
            "SYNTAX" => {
                let w = c.word("SYNTAX")?;
                let (oid, len) = split_len(&w)?;
                at.declared.syntax = Some(expand_oid(oid, macros)?);
                at.syntax_len = len;
            }
            "SINGLE-VALUE" => at.single_value = true,
            "COLLECTIVE" => at.collective = true,
            "NO-USER-MODIFICATION" => at.no_user_modification = true,
            "USAGE" => {
                let u = c.word("USAGE")?;
                at.usage = match u.to_ascii_lowercase().as_str() {
                    "userapplications" => Usage::UserApplications,
                    "directoryoperation" => Usage::DirectoryOperation,
                    "distributedoperation" => Usage::DistributedOperation,
                    "dsaoperation" => Usage::DsaOperation,
                    _ => return Err(format!("unknown USAGE {u:?}")),
                }
            }
            k if k.starts_with("X-") => c.skip_extension()?,
            _ => return Err(format!("unknown keyword {kw:?} in attributetype")),
        }
    }
    at.norms = super::attribute::Norms::of(&at);
    Ok(at)
}

fn parse_class(c: &mut Cursor, macros: &HashMap<String, String>) -> Result<ObjectClass, String> {
    let oid_tok = c.word("objectclass")?;
    let mut oc = ObjectClass {
        oid: expand_oid(&oid_tok, macros)?,
        names: Vec::new(),
        desc: None,
        sup: Vec::new(),
        kind: ClassKind::Structural,
        must: Vec::new(),
        may: Vec::new(),
        obsolete: false,
    };
    loop {
        let kw = match c.next() {
            Some(Tok::Close) => break,
            Some(Tok::Word(w)) => w,
            Some(t) => return Err(format!("unexpected {t:?} in objectclass")),
            None => return Err("missing closing parenthesis".into()),
        };
        match kw.to_ascii_uppercase().as_str() {
            "NAME" => oc.names = c.names()?,
            "DESC" => oc.desc = Some(c.qdstring("DESC")?),
            "OBSOLETE" => oc.obsolete = true,
            "SUP" => oc.sup = c.oids("SUP")?,
            "ABSTRACT" => oc.kind = ClassKind::Abstract,
            "STRUCTURAL" => oc.kind = ClassKind::Structural,
            "AUXILIARY" => oc.kind = ClassKind::Auxiliary,
            "MUST" => oc.must = c.oids("MUST")?,
            "MAY" => oc.may = c.oids("MAY")?,
            k if k.starts_with("X-") => c.skip_extension()?,
            _ => return Err(format!("unknown keyword {kw:?} in objectclass")),
        }
    }
    Ok(oc)
}

/// Parse a whole file. Macros defined with `objectidentifier` are added to
/// `macros` (they stay visible to files loaded later, as in slapd).
pub(crate) fn parse(
    text: &str,
    file: &str,
    macros: &mut HashMap<String, String>,
) -> Result<Vec<(Parsed, usize)>, SchemaError> {
    let mut out = Vec::new();
    for st in statements(text, file)? {
        let err = |msg: String| SchemaError::Syntax {
            file: file.into(),
            line: st.line,
            msg,
        };
        let toks = tokenize(&st.text).map_err(err)?;
        let mut c = Cursor { toks, pos: 0 };
        let keyword = match c.next() {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            _ => return Err(err("expected a keyword".into())),
        };
        match keyword.as_str() {
            "objectidentifier" => {
                let name = c.word("objectidentifier").map_err(err)?;
                let value = c.word("objectidentifier").map_err(err)?;
                if c.peek().is_some() {
                    return Err(err("objectidentifier takes a name and an OID".into()));
                }
                if !is_descr(&name) {
                    return Err(err(format!("{name:?} is not a valid macro name")));
                }
                let oid = expand_oid(&value, macros).map_err(err)?;
                macros.insert(name.to_ascii_lowercase(), oid);
            }
            "attributetype" | "attributetypes" | "objectclass" | "objectclasses" => {
                if c.next() != Some(Tok::Open) {
                    return Err(err(format!("expected '(' after {keyword}")));
                }
                let def = if keyword.starts_with("attribute") {
                    Parsed::Attribute(parse_attribute(&mut c, macros).map_err(err)?)
                } else {
                    Parsed::Class(parse_class(&mut c, macros).map_err(err)?)
                };
                if let Some(t) = c.peek() {
                    return Err(err(format!(
                        "unexpected {t:?} after the closing parenthesis"
                    )));
                }
                out.push((def, st.line));
            }
            _ => return Err(err(format!("unknown statement {keyword:?}"))),
        }
    }
    Ok(out)
}
