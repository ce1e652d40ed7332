//! Distinguished names (RFC 4514): parsing (parse.rs, with `#hex` values in ber.rs),
//! the string forms clients see (Display, and pretty.rs for DN-valued attributes), and
//! the normalised form used for comparison and as the store key.

use std::fmt;
use thiserror::Error;

mod ber;
mod escape;
mod parse;
mod pretty;
mod scope;
#[cfg(test)]
use escape::escape_each;
pub use escape::escape_value;
use escape::escaped;
pub use scope::{in_scope, Scope};

/// Why a DN string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid DN syntax: {0}")]
pub struct DnError(pub String);

/// One attribute=value assertion inside an RDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ava {
    /// Attribute type as written (e.g. `cn`, `commonName`, `2.5.4.3`).
    pub attr: String,
    /// Unescaped value.
    pub value: String,
}

/// A relative distinguished name: one or more AVAs joined by `+`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rdn {
    /// The AVAs in the order given.
    pub avas: Vec<Ava>,
}

/// A distinguished name; `rdns[0]` is the leftmost (most specific) RDN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dn {
    /// RDNs from the entry itself up to the root.
    pub rdns: Vec<Rdn>,
}

/// Well-known long names folded to the short name slapd shows, so that
/// `commonName=x` and `cn=x` are the same DN.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("commonname", "cn"),
    ("2.5.4.3", "cn"),
    ("organizationname", "o"),
    ("2.5.4.10", "o"),
    ("organizationalunitname", "ou"),
    ("2.5.4.11", "ou"),
    ("domaincomponent", "dc"),
    ("0.9.2342.19200300.100.1.25", "dc"),
    ("userid", "uid"),
    ("0.9.2342.19200300.100.1.1", "uid"),
    ("surname", "sn"),
    ("countryname", "c"),
    ("localityname", "l"),
    ("stateorprovincename", "st"),
    ("streetaddress", "street"),
    ("rfc822mailbox", "mail"),
    ("0.9.2342.19200300.100.1.3", "mail"),
];

/// The canonical (lower-case, short) spelling of an attribute type inside a DN.
pub fn canonical_type(attr: &str) -> String {
    let mut out = String::with_capacity(attr.len());
    push_canonical_type(attr, &mut out);
    out
}

/// `attr` without an `oid.` prefix, and its short alias when it has one.
fn type_parts(attr: &str) -> (&str, Option<&'static str>) {
    // Every alias and the `oid.` prefix is longer than the short names DNs use.
    if attr.len() < 4 {
        return (attr, None);
    }
    let bare = match attr.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("oid.") => &attr[4..],
        _ => attr,
    };
    let alias = TYPE_ALIASES
        .iter()
        .find(|(long, _)| long.eq_ignore_ascii_case(bare))
        .map(|(_, short)| *short);
    (bare, alias)
}

/// Append [`canonical_type`] of `attr` to `out` (no allocation of its own: DNs are
/// normalised for every index key, scope check and ACL rule).
fn push_canonical_type(attr: &str, out: &mut String) {
    match type_parts(attr) {
        (_, Some(short)) => out.push_str(short),
        (bare, None) => out.extend(bare.chars().map(|c| c.to_ascii_lowercase())),
    }
}

/// Whether two attribute types are the same in a DN.
fn same_type(a: &str, b: &str) -> bool {
    fn canon(t: &str) -> &str {
        match type_parts(t) {
            (_, Some(short)) => short,
            (bare, None) => bare,
        }
    }
    canon(a).eq_ignore_ascii_case(canon(b))
}

/// The characters of [`normalize_value`]`(value)`, without building it: byte by
/// byte for ASCII (nearly every DN a mail directory holds; the per-character Unicode
/// case mapping was a tenth of a lookup's instructions), else by Unicode case folding.
fn normalized_chars(value: &str) -> impl Iterator<Item = char> + '_ {
    if value.is_ascii() {
        Folded::Ascii(AsciiFolded::new(value.as_bytes()))
    } else {
        Folded::Unicode(unicode_folded(value))
    }
}

/// [`normalized_chars`] for any value, character by character.
fn unicode_folded(value: &str) -> impl Iterator<Item = char> + '_ {
    value
        .split(' ')
        .filter(|w| !w.is_empty())
        .enumerate()
        .flat_map(|(i, word)| {
            (i > 0)
                .then_some(' ')
                .into_iter()
                .chain(word.chars().flat_map(char::to_lowercase))
        })
}

/// One of the two ways [`normalized_chars`] walks a value.
enum Folded<'v, U> {
    Ascii(AsciiFolded<'v>),
    Unicode(U),
}

impl<U: Iterator<Item = char>> Iterator for Folded<'_, U> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match self {
            Folded::Ascii(a) => a.next(),
            Folded::Unicode(u) => u.next(),
        }
    }
}

/// An ASCII value lower-cased, trimmed, and with inner runs of spaces as one.
struct AsciiFolded<'v> {
    bytes: std::slice::Iter<'v, u8>,
    started: bool,
    /// A character read after a run of spaces, given out after the one space.
    held: Option<u8>,
}

impl<'v> AsciiFolded<'v> {
    fn new(bytes: &'v [u8]) -> Self {
        AsciiFolded {
            bytes: bytes.iter(),
            started: false,
            held: None,
        }
    }
}

impl Iterator for AsciiFolded<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(b) = self.held.take() {
            return Some(char::from(b.to_ascii_lowercase()));
        }
        let mut space = false;
        for &b in self.bytes.by_ref() {
            if b == b' ' {
                space = self.started;
                continue;
            }
            self.started = true;
            if space {
                self.held = Some(b);
                return Some(' ');
            }
            return Some(char::from(b.to_ascii_lowercase()));
        }
        None
    }
}

/// Append the escaped normal form of `value` to `out`: what
/// `escape_value(&normalize_value(value))` gives, in one pass. (A normalised value
/// has no leading or trailing space, so only `#` first and the specials need care.)
fn push_normalized_value(value: &str, out: &mut String) {
    // Each walk compiled on its own: the ASCII one is a lookup's hottest loop.
    if is_plain_ascii(value.as_bytes()) {
        let start = out.len();
        out.push_str(value);
        out[start..].make_ascii_lowercase();
    } else if value.is_ascii() {
        push_escaped(AsciiFolded::new(value.as_bytes()), out)
    } else {
        push_escaped(unicode_folded(value), out)
    }
}

/// Whether `value` is already its normal form but for case: printable ASCII with
/// nothing to escape, no space at either end and no run of spaces (`uid=jdoe`,
/// `o=example.com`: nearly every RDN a mail directory holds).
fn is_plain_ascii(value: &[u8]) -> bool {
    let ends_ok = match (value.first(), value.last()) {
        (Some(&first), Some(&last)) => first != b' ' && first != b'#' && last != b' ',
        _ => false,
    };
    ends_ok
        && value.iter().all(|&b| {
            (b' '..=b'~').contains(&b)
                && !matches!(b, b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' | b'=')
        })
        && !value.windows(2).any(|w| w == b"  ")
}

/// Append normalised characters to `out`, escaped for a DN's string form.
fn push_escaped(chars: impl Iterator<Item = char>, out: &mut String) {
    for (i, c) in chars.enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            '\0' => out.push_str("\\00"),
            c if i == 0 && is_skipped_before_value(c) => push_hex_escape(c, out),
            c => out.push(c),
        }
    }
}

/// Whitespace other than a space that the parser skips before a value (RFC 1779-era
/// line breaks): a value starting with one must escape it to keep it.
fn is_skipped_before_value(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t')
}

/// `\XX` for an ASCII character.
fn push_hex_escape(c: char, out: &mut String) {
    out.push_str(&format!("\\{:02x}", c as u32));
}

/// caseIgnoreMatch-style normalisation (RFC 4518 in short): trim, fold case, and
/// collapse inner runs of spaces. Every naming attribute the mail schemas use
/// (cn, o, ou, dc, uid, mail) matches case-insensitively.
pub fn normalize_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

impl Rdn {
    /// A single-valued RDN.
    pub fn new(attr: &str, value: &str) -> Self {
        Rdn {
            avas: vec![Ava {
                attr: attr.to_string(),
                value: value.to_string(),
            }],
        }
    }

    /// Normalised form: AVAs canonicalised and sorted, so `a=1+b=2` equals `b=2+a=1`.
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        self.push_normalized(&mut out);
        out
    }

    /// Append [`Rdn::normalized`] to `out`.
    fn push_normalized(&self, out: &mut String) {
        if let [ava] = self.avas.as_slice() {
            push_canonical_type(&ava.attr, out);
            out.push('=');
            push_normalized_value(&ava.value, out);
            return;
        }
        let mut parts: Vec<String> = self
            .avas
            .iter()
            .map(|a| {
                let mut part = canonical_type(&a.attr);
                part.push('=');
                push_normalized_value(&a.value, &mut part);
                part
            })
            .collect();
        parts.sort();
        out.push_str(&parts.join("+"));
    }

    /// Whether two RDNs have the same normalised form (single-valued ones compared
    /// without building it).
    pub fn same_as(&self, other: &Rdn) -> bool {
        match (self.avas.as_slice(), other.avas.as_slice()) {
            // The same bytes (how a stored DN and a client's base usually meet) are
            // the same RDN without folding a character (callgrind: a thirtieth of
            // a Postfix lookup went to folding equal values).
            ([a], [b]) if a.value == b.value && a.attr.eq_ignore_ascii_case(&b.attr) => true,
            ([a], [b]) => {
                same_type(&a.attr, &b.attr)
                    && normalized_chars(&a.value).eq(normalized_chars(&b.value))
            }
            _ => self.normalized() == other.normalized(),
        }
    }
}

impl fmt::Display for Rdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.avas.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            f.write_str(&a.attr)?;
            f.write_str("=")?;
            f.write_str(&escaped(&a.value))?;
        }
        Ok(())
    }
}

impl Dn {
    /// The string form (what `Display` writes), built without the formatting
    /// machinery: every entry a search returns needs it, and `to_string` cost a
    /// returned entry about 2,500 instructions (callgrind).
    pub fn to_ldap_string(&self) -> String {
        let len: usize = self
            .rdns
            .iter()
            .flat_map(|r| &r.avas)
            .map(|a| a.attr.len() + a.value.len() + 2)
            .sum();
        let mut out = String::with_capacity(len);
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            for (j, a) in rdn.avas.iter().enumerate() {
                if j > 0 {
                    out.push('+');
                }
                out.push_str(&a.attr);
                out.push('=');
                out.push_str(&escaped(&a.value));
            }
        }
        out
    }

    /// The empty DN (the root DSE).
    pub fn root() -> Self {
        Dn { rdns: Vec::new() }
    }

    /// True for the empty DN.
    pub fn is_root(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The entry's own RDN, if it is not the root.
    pub fn rdn(&self) -> Option<&Rdn> {
        self.rdns.first()
    }

    /// The parent DN (the root's parent is None).
    pub fn parent(&self) -> Option<Dn> {
        if self.rdns.is_empty() {
            None
        } else {
            Some(Dn {
                rdns: self.rdns[1..].to_vec(),
            })
        }
    }

    /// The DN of a child of this entry.
    pub fn child(&self, rdn: Rdn) -> Dn {
        let mut rdns = Vec::with_capacity(self.rdns.len() + 1);
        rdns.push(rdn);
        rdns.extend(self.rdns.iter().cloned());
        Dn { rdns }
    }

    /// Number of RDNs.
    pub fn depth(&self) -> usize {
        self.rdns.len()
    }

    /// Normalised string form, used for equality and logs' matching.
    pub fn normalized(&self) -> String {
        let mut out = String::with_capacity(self.rdns.len() * 24);
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            rdn.push_normalized(&mut out);
        }
        out
    }

    /// True when `self` is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        let n = ancestor.rdns.len();
        if self.rdns.len() < n {
            return false;
        }
        let offset = self.rdns.len() - n;
        self.rdns[offset..]
            .iter()
            .zip(ancestor.rdns.iter())
            .all(|(a, b)| a.same_as(b))
    }

    /// The key that orders the directory as a tree: normalised RDNs from the root
    /// down, each terminated by a NUL byte, so a subtree is one prefix range.
    pub fn tree_key(&self) -> Vec<u8> {
        let mut key = String::with_capacity(self.rdns.len() * 24);
        for rdn in self.rdns.iter().rev() {
            rdn.push_normalized(&mut key);
            key.push('\0');
        }
        key.into_bytes()
    }

    /// [`Dn::tree_key`] of the DN whose [`Dn::normalized`] form is `normalized`,
    /// without normalising its values again (a bind has the normalised form already:
    /// the two normalisations were a tenth of its instructions). RDNs there are
    /// separated by the commas no backslash escapes.
    pub fn tree_key_of_normalized(normalized: &str) -> Vec<u8> {
        let bytes = normalized.as_bytes();
        let mut ends = Vec::with_capacity(8);
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 1,
                b',' => ends.push(i),
                _ => {}
            }
            i += 1;
        }
        let mut key = Vec::with_capacity(bytes.len() + ends.len() + 1);
        let mut end = bytes.len();
        for &comma in ends.iter().rev() {
            key.extend_from_slice(&bytes[comma + 1..end]);
            key.push(0);
            end = comma;
        }
        if !bytes.is_empty() {
            key.extend_from_slice(&bytes[..end]);
            key.push(0);
        }
        key
    }

    /// Same DN, compared by normalised form.
    pub fn same_as(&self, other: &Dn) -> bool {
        self.rdns.len() == other.rdns.len() && self.is_within(other)
    }
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
