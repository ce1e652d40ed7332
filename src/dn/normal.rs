//! The normal forms of a DN's parts: attribute types folded to the short names slapd
//! shows, values case-folded with spaces collapsed and escaped for the string form.

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
pub(super) fn type_parts(attr: &str) -> (&str, Option<&'static str>) {
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
pub(super) fn push_canonical_type(attr: &str, out: &mut String) {
    match type_parts(attr) {
        (_, Some(short)) => out.push_str(short),
        (bare, None) => out.extend(bare.chars().map(|c| c.to_ascii_lowercase())),
    }
}

/// Whether two attribute types are the same in a DN.
pub(super) fn same_type(a: &str, b: &str) -> bool {
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
pub(super) fn normalized_chars(value: &str) -> impl Iterator<Item = char> + '_ {
    if value.is_ascii() {
        Folded::Ascii(AsciiFolded::new(value.as_bytes()))
    } else {
        Folded::Unicode(unicode_folded(value))
    }
}

/// [`normalized_chars`] for any value, character by character.
pub(super) fn unicode_folded(value: &str) -> impl Iterator<Item = char> + '_ {
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
pub(super) struct AsciiFolded<'v> {
    bytes: std::slice::Iter<'v, u8>,
    started: bool,
    /// A character read after a run of spaces, given out after the one space.
    held: Option<u8>,
}

impl<'v> AsciiFolded<'v> {
    pub(super) fn new(bytes: &'v [u8]) -> Self {
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
pub(super) fn push_normalized_value(value: &str, out: &mut String) {
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
pub(super) fn is_skipped_before_value(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t')
}

/// `\XX` for an ASCII character.
pub(super) fn push_hex_escape(c: char, out: &mut String) {
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
