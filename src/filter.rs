//! Search filters (RFC 4515 string form, RFC 4511 semantics) in the project's own
//! terms: built from the wire type or parsed from a string (config ACL rules,
//! tests), shown in RFC 4515 form for logs, and evaluated against an entry with
//! three-valued logic and the schema's matching rules.

use crate::entry::Entry;
use crate::schema::matching::{self, RuleKind};
use crate::schema::{AttributeType, Schema};
use ldap3_proto::proto::LdapFilter;
use std::cmp::Ordering;
use std::fmt;
use thiserror::Error;

/// A search filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// All must be true; `(&)` is true.
    And(Vec<Filter>),
    /// One must be true; `(|)` is false.
    Or(Vec<Filter>),
    /// Negation (Undefined stays Undefined).
    Not(Box<Filter>),
    /// `(attr=value)`.
    Equality(String, Vec<u8>),
    /// `(attr=initial*any*...*final)`.
    Substring {
        /// Attribute description.
        attr: String,
        /// Leading fragment.
        initial: Option<Vec<u8>>,
        /// Middle fragments in order.
        any: Vec<Vec<u8>>,
        /// Trailing fragment.
        final_: Option<Vec<u8>>,
    },
    /// `(attr>=value)`.
    GreaterOrEqual(String, Vec<u8>),
    /// `(attr<=value)`.
    LessOrEqual(String, Vec<u8>),
    /// `(attr=*)`.
    Present(String),
    /// `(attr~=value)`.
    Approx(String, Vec<u8>),
    /// `(attr:dn:rule:=value)` and its shorter forms.
    Extensible {
        /// Matching rule name or OID.
        rule: Option<String>,
        /// Attribute description.
        attr: Option<String>,
        /// Assertion value.
        value: Vec<u8>,
        /// Also match the attribute values of the entry's DN.
        dn_attributes: bool,
    },
}

/// The result of evaluating a filter (RFC 4511 4.5.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    /// The entry matches.
    True,
    /// The entry does not match.
    False,
    /// The server cannot tell (unknown attribute, no suitable rule, bad value).
    Undefined,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// True only for [`Tri::True`]: what a search returns.
    pub fn is_true(self) -> bool {
        self == Tri::True
    }
}

/// Why a filter string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad search filter at offset {pos}: {msg}")]
pub struct FilterError {
    /// Byte offset in the string where the problem was found.
    pub pos: usize,
    /// What is wrong.
    pub msg: String,
}

/// Deepest nesting `Filter::parse` accepts, so hostile strings cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

impl Filter {
    /// Translate the wire form (values are raw octets there, not escaped).
    pub fn from_ldap(f: &LdapFilter) -> Filter {
        let b = |s: &String| s.as_bytes().to_vec();
        match f {
            LdapFilter::And(v) => Filter::And(v.iter().map(Filter::from_ldap).collect()),
            LdapFilter::Or(v) => Filter::Or(v.iter().map(Filter::from_ldap).collect()),
            LdapFilter::Not(inner) => Filter::Not(Box::new(Filter::from_ldap(inner))),
            LdapFilter::Equality(a, v) => Filter::Equality(a.clone(), b(v)),
            LdapFilter::Substring(a, s) => Filter::Substring {
                attr: a.clone(),
                initial: s.initial.as_ref().map(b),
                any: s.any.iter().map(b).collect(),
                final_: s.final_.as_ref().map(b),
            },
            LdapFilter::GreaterOrEqual(a, v) => Filter::GreaterOrEqual(a.clone(), b(v)),
            LdapFilter::LessOrEqual(a, v) => Filter::LessOrEqual(a.clone(), b(v)),
            LdapFilter::Present(a) => Filter::Present(a.clone()),
            LdapFilter::Approx(a, v) => Filter::Approx(a.clone(), b(v)),
            LdapFilter::Extensible(m) => Filter::Extensible {
                rule: m.matching_rule.clone(),
                attr: m.type_.clone(),
                value: b(&m.match_value),
                dn_attributes: m.dn_attributes,
            },
        }
    }

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

    /// Evaluate against `entry`. Attributes for which `may_use(name)` is false
    /// (name as the schema spells it, e.g. `userPassword`) are treated as
    /// absent, so access control can hide them from filters.
    pub fn evaluate(&self, entry: &Entry, schema: &Schema, may_use: &dyn Fn(&str) -> bool) -> Tri {
        let ctx = Ctx {
            entry,
            schema,
            may_use,
        };
        ctx.eval(self)
    }
}

struct Ctx<'a> {
    entry: &'a Entry,
    schema: &'a Schema,
    may_use: &'a dyn Fn(&str) -> bool,
}

/// Options of an attribute description, lower-cased (`cn;lang-de` -> [lang-de]).
fn options_of(desc: &str) -> Vec<String> {
    desc.split(';')
        .skip(1)
        .map(|o| o.to_ascii_lowercase())
        .collect()
}

impl Ctx<'_> {
    /// Values of `at` and its subtypes whose options include `wanted`.
    fn values(&self, at: &AttributeType, wanted: &[String]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        for attr in &self.entry.attrs {
            let Some(t) = self.schema.attribute(&attr.name) else {
                continue;
            };
            if !self.schema.is_subtype(t, at) || !(self.may_use)(t.name()) {
                continue;
            }
            let have = options_of(&attr.name);
            if wanted.iter().all(|w| have.contains(w)) {
                out.extend(attr.values.iter().map(Vec::as_slice));
            }
        }
        out
    }

    fn lookup(&self, desc: &str) -> Option<(&AttributeType, Vec<String>)> {
        self.schema.attribute(desc).map(|at| (at, options_of(desc)))
    }

    fn eval(&self, f: &Filter) -> Tri {
        match f {
            Filter::And(list) => {
                let mut result = Tri::True;
                for sub in list {
                    match self.eval(sub) {
                        Tri::False => return Tri::False,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::True => {}
                    }
                }
                result
            }
            Filter::Or(list) => {
                let mut result = Tri::False;
                for sub in list {
                    match self.eval(sub) {
                        Tri::True => return Tri::True,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::False => {}
                    }
                }
                result
            }
            Filter::Not(inner) => match self.eval(inner) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Undefined => Tri::Undefined,
            },
            Filter::Present(desc) => match self.lookup(desc) {
                Some((at, opts)) => Tri::from_bool(!self.values(at, &opts).is_empty()),
                None => Tri::Undefined,
            },
            Filter::Equality(desc, value) => self.equality(desc, value),
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => self.substring(attr, initial.as_deref(), any, final_.as_deref()),
            Filter::GreaterOrEqual(desc, value) => self.ordering(desc, value, true),
            Filter::LessOrEqual(desc, value) => self.ordering(desc, value, false),
            Filter::Approx(desc, value) => {
                let Some((at, opts)) = self.lookup(desc) else {
                    return Tri::Undefined;
                };
                if !at.has_equality() || at.validate(value).is_err() {
                    return Tri::Undefined;
                }
                let key = at.approx_key(value);
                Tri::from_bool(
                    self.values(at, &opts)
                        .iter()
                        .any(|v| at.approx_key(v) == key),
                )
            }
            Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            } => self.extensible(rule.as_deref(), attr.as_deref(), value, *dn_attributes),
        }
    }

    fn equality(&self, desc: &str, value: &[u8]) -> Tri {
        let Some((at, opts)) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        if at.oid == "2.5.4.0" {
            return self.object_class_equality(at, &opts, value);
        }
        if !at.has_equality() || at.validate(value).is_err() {
            return Tri::Undefined;
        }
        let key = at.eq_key(value);
        Tri::from_bool(self.values(at, &opts).iter().any(|v| at.eq_key(v) == key))
    }

    /// objectClass equality also matches superclasses, as slapd does:
    /// `(objectClass=person)` is true for an inetOrgPerson entry.
    fn object_class_equality(&self, at: &AttributeType, opts: &[String], value: &[u8]) -> Tri {
        let values = self.values(at, opts);
        let asserted = String::from_utf8_lossy(value);
        let Some(wanted) = self.schema.object_class(asserted.trim()) else {
            let key = at.eq_key(value);
            return Tri::from_bool(values.iter().any(|v| at.eq_key(v) == key));
        };
        Tri::from_bool(values.iter().any(|v| {
            self.schema
                .object_class(String::from_utf8_lossy(v).trim())
                .is_some_and(|c| self.schema.class_is_a(c, wanted))
        }))
    }

    fn substring(
        &self,
        desc: &str,
        initial: Option<&[u8]>,
        any: &[Vec<u8>],
        final_: Option<&[u8]>,
    ) -> Tri {
        let Some((at, opts)) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        let norm = |v: &[u8]| at.substr_normalize(v);
        let (Some(init), Some(fin)) = (
            initial.map(norm).transpose_opt(),
            final_.map(norm).transpose_opt(),
        ) else {
            return Tri::Undefined;
        };
        let mids: Option<Vec<String>> = any.iter().map(|m| norm(m)).collect();
        let Some(mids) = mids else {
            return Tri::Undefined;
        };
        let matches = |v: &[u8]| -> bool {
            let Some(text) = norm(v) else { return false };
            let mut rest: &str = &text;
            if let Some(i) = &init {
                match rest.strip_prefix(i.as_str()) {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            for m in &mids {
                match rest.find(m.as_str()) {
                    Some(at) => rest = &rest[at + m.len()..],
                    None => return false,
                }
            }
            match &fin {
                Some(f) => rest.ends_with(f.as_str()),
                None => true,
            }
        };
        // A type without a SUBSTR rule makes the whole assertion Undefined.
        if at.substr.is_none() {
            return Tri::Undefined;
        }
        Tri::from_bool(self.values(at, &opts).iter().any(|v| matches(v)))
    }

    fn ordering(&self, desc: &str, value: &[u8], greater: bool) -> Tri {
        let Some((at, opts)) = self.lookup(desc) else {
            return Tri::Undefined;
        };
        // No ordering rule, or an assertion the rule cannot read: Undefined.
        if at.ordering_cmp(value, value).is_none() {
            return Tri::Undefined;
        }
        Tri::from_bool(
            self.values(at, &opts)
                .iter()
                .any(|v| match at.ordering_cmp(v, value) {
                    Some(Ordering::Equal) => true,
                    Some(Ordering::Greater) => greater,
                    Some(Ordering::Less) => !greater,
                    None => false,
                }),
        )
    }

    fn extensible(
        &self,
        rule: Option<&str>,
        attr: Option<&str>,
        value: &[u8],
        dn_attrs: bool,
    ) -> Tri {
        let rule = match rule {
            Some(r) => match matching::lookup(r) {
                Some(info) => Some(info),
                None => return Tri::Undefined,
            },
            None => None,
        };
        let target = match attr {
            Some(a) => match self.lookup(a) {
                Some(t) => Some(t),
                None => return Tri::Undefined,
            },
            None => None,
        };
        // (type, value) pairs to test.
        let mut candidates: Vec<(&AttributeType, &[u8])> = Vec::new();
        match &target {
            Some((at, opts)) => {
                candidates.extend(self.values(at, opts).into_iter().map(|v| (*at, v)))
            }
            None => {
                for a in &self.entry.attrs {
                    if let Some(t) = self.schema.attribute(&a.name) {
                        if (self.may_use)(t.name()) {
                            candidates.extend(a.values.iter().map(|v| (t, v.as_slice())));
                        }
                    }
                }
            }
        }
        if dn_attrs {
            for rdn in &self.entry.dn.rdns {
                for ava in &rdn.avas {
                    let Some(t) = self.schema.attribute(&ava.attr) else {
                        continue;
                    };
                    if target
                        .as_ref()
                        .is_none_or(|(at, _)| self.schema.is_subtype(t, at))
                    {
                        candidates.push((t, ava.value.as_bytes()));
                    }
                }
            }
        }
        let test = |t: &AttributeType, v: &[u8]| -> Option<bool> {
            match rule {
                None => {
                    if !t.has_equality() {
                        return None;
                    }
                    Some(t.values_equal(v, value))
                }
                Some(r) => match r.kind {
                    RuleKind::Equality => {
                        Some(matching::normalize(r.norm, v) == matching::normalize(r.norm, value))
                    }
                    RuleKind::Ordering => {
                        Some(matching::compare(r.norm, v, value)? == Ordering::Less)
                    }
                    RuleKind::BitAnd | RuleKind::BitOr => {
                        let (a, b) = (matching::integer_value(v)?, matching::integer_value(value)?);
                        Some(if r.kind == RuleKind::BitAnd {
                            a & b == b
                        } else {
                            a & b != 0
                        })
                    }
                    RuleKind::Substrings => None,
                },
            }
        };
        if rule.is_none() && target.is_none() {
            return Tri::Undefined;
        }
        if matches!(rule.map(|r| r.kind), Some(RuleKind::Substrings)) {
            return Tri::Undefined;
        }
        let mut undefined = false;
        for (t, v) in candidates {
            match test(t, v) {
                Some(true) => return Tri::True,
                Some(false) => {}
                None => undefined = true,
            }
        }
        if undefined && target.is_some() {
            Tri::Undefined
        } else {
            Tri::False
        }
    }
}

/// `Option<Option<T>>` -> `Option<Option<T>>` with "absent" kept apart from
/// "not normalisable": Some(None) for an absent fragment, None when it fails.
trait TransposeOpt<T> {
    fn transpose_opt(self) -> Option<Option<T>>;
}

impl<T> TransposeOpt<T> for Option<Option<T>> {
    fn transpose_opt(self) -> Option<Option<T>> {
        match self {
            None => Some(None),
            Some(None) => None,
            Some(Some(v)) => Some(Some(v)),
        }
    }
}

/// Escape a value for the string form (RFC 4515 3): `*`, `(`, `)`, `\`, NUL,
/// and every byte of a value that is not UTF-8.
fn escape(value: &[u8], out: &mut fmt::Formatter<'_>) -> fmt::Result {
    let utf8 = std::str::from_utf8(value).is_ok();
    for &b in value {
        if matches!(b, b'*' | b'(' | b')' | b'\\' | 0) || (!utf8 && b >= 0x80) {
            write!(out, "\\{b:02x}")?;
        } else if utf8 && b >= 0x80 {
            // Part of a multi-byte character: written through below.
            continue;
        } else {
            write!(out, "{}", b as char)?;
        }
    }
    Ok(())
}

fn write_value(value: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match std::str::from_utf8(value) {
        Ok(s) if s.is_ascii() => escape(value, f),
        Ok(s) => {
            for c in s.chars() {
                if c.is_ascii() {
                    escape(&[c as u8], f)?;
                } else {
                    write!(f, "{c}")?;
                }
            }
            Ok(())
        }
        Err(_) => escape(value, f),
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::And(list) | Filter::Or(list) => {
                f.write_str(if matches!(self, Filter::And(_)) {
                    "(&"
                } else {
                    "(|"
                })?;
                for sub in list {
                    write!(f, "{sub}")?;
                }
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{inner})"),
            Filter::Equality(a, v) => {
                write!(f, "({a}=")?;
                write_value(v, f)?;
                f.write_str(")")
            }
            Filter::Substring {
                attr,
                initial,
                any,
                final_,
            } => {
                write!(f, "({attr}=")?;
                if let Some(i) = initial {
                    write_value(i, f)?;
                }
                f.write_str("*")?;
                for m in any {
                    write_value(m, f)?;
                    f.write_str("*")?;
                }
                if let Some(x) = final_ {
                    write_value(x, f)?;
                }
                f.write_str(")")
            }
            Filter::GreaterOrEqual(a, v) => {
                write!(f, "({a}>=")?;
                write_value(v, f)?;
                f.write_str(")")
            }
            Filter::LessOrEqual(a, v) => {
                write!(f, "({a}<=")?;
                write_value(v, f)?;
                f.write_str(")")
            }
            Filter::Present(a) => write!(f, "({a}=*)"),
            Filter::Approx(a, v) => {
                write!(f, "({a}~=")?;
                write_value(v, f)?;
                f.write_str(")")
            }
            Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            } => {
                f.write_str("(")?;
                if let Some(a) = attr {
                    f.write_str(a)?;
                }
                if *dn_attributes {
                    f.write_str(":dn")?;
                }
                if let Some(r) = rule {
                    write!(f, ":{r}")?;
                }
                f.write_str(":=")?;
                write_value(value, f)?;
                f.write_str(")")
            }
        }
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
        // Substrings: fragments sit between stars; the first and last may be absent.
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

#[cfg(test)]
mod tests;
