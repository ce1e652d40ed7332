//! Attribute descriptions (RFC 4512 2.5): an attribute type and its options.
//!
//! Tagging options (`cn;lang-de`, the language tags of RFC 3866) make subtypes:
//! `cn` covers `cn;lang-de`, and a language range (`lang-en-`) covers every tag it
//! begins. The binary option (RFC 4522) is a transfer option, not a tag:
//! `userCertificate;binary` names the same attribute as `userCertificate`, and the
//! syntaxes that need binary transfer are always stored and returned with it.
//!
//! Searches, filters, compare and access rules all decide "does this request cover
//! that stored attribute" here, so they agree on it.

use super::{base_of, syntax, AttributeType, Schema};
use crate::entry::Entry;
use std::borrow::Cow;
use std::fmt;

/// The transfer option of RFC 4522.
const BINARY: &str = "binary";

/// The options of an attribute description, as matching uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Tagging options, lower-cased (options are case-insensitive), sorted, each once.
    pub tags: Vec<String>,
    /// Whether the binary transfer option was given.
    pub binary: bool,
}

impl Options {
    /// The options of `desc` (`cn;Lang-DE;binary` -> tags `[lang-de]`, binary). None
    /// when one is empty or not made of letters, digits and hyphens (RFC 4512 2.5).
    pub fn parse(desc: &str) -> Option<Options> {
        let mut out = Options::default();
        if !desc.as_bytes().contains(&b';') {
            return Some(out);
        }
        for opt in desc.split(';').skip(1) {
            let keychars = opt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if opt.is_empty() || !keychars {
                return None;
            }
            let opt = opt.to_ascii_lowercase();
            if opt == BINARY {
                out.binary = true;
            } else if !out.tags.contains(&opt) {
                out.tags.push(opt);
            }
        }
        out.tags.sort();
        Some(out)
    }

    /// Whether an attribute stored with these options is covered by a description
    /// asking for `asked`'s: every tag asked for is carried (or, for a language
    /// range, some tag it begins is). The binary option plays no part.
    pub fn covered_by(&self, asked: &Options) -> bool {
        asked
            .tags
            .iter()
            .all(|a| self.tags.iter().any(|s| tag_covers(a, s)))
    }

    /// True when a tag is a language range, which requests may use but stored
    /// attributes may not carry (RFC 3866 section 3).
    pub fn has_range(&self) -> bool {
        self.tags.iter().any(|t| is_language_range(t))
    }
}

/// `lang-` and `lang-en-`: a language tag option with a trailing hyphen.
fn is_language_range(tag: &str) -> bool {
    tag.starts_with("lang-") && tag.ends_with('-')
}

/// RFC 3866: a tag covers itself; the range `lang-en-` covers `lang-en` and every
/// tag below it (`lang-en-us`), and `lang-` covers every language tag.
fn tag_covers(asked: &str, stored: &str) -> bool {
    if asked == stored {
        return true;
    }
    if !is_language_range(asked) {
        return false;
    }
    let stem = &asked[..asked.len() - 1];
    stored.starts_with(stem)
        && (stored.len() == stem.len() || stored.as_bytes()[stem.len()] == b'-')
}

/// Whether two descriptions as written in an entry name the same attribute: the
/// same type name and tags, whatever the case, the option order or a binary option.
pub fn same_description(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    // Types compared by spelling start alike: most pairs differ at the first byte,
    // told before either is scanned for options (perf: a bulk import asks this of
    // every pair of an entry's attributes as it reads them).
    if let (Some(x), Some(y)) = (a.as_bytes().first(), b.as_bytes().first()) {
        if !x.eq_ignore_ascii_case(y) {
            return false;
        }
    }
    // Entry::add_values and set_values call this for every attribute of the entry
    // (callgrind: a twentieth of an import); a byte scan is cheaper than a str search.
    let plain = |s: &str| !s.as_bytes().contains(&b';');
    if plain(a) && plain(b) {
        return false;
    }
    base_of(a).eq_ignore_ascii_case(base_of(b))
        && matches!((Options::parse(a), Options::parse(b)), (Some(x), Some(y)) if x.tags == y.tags)
}

/// [`AttrDesc::covers`] by names alone, for callers without a schema: the same
/// type name, and the stored options covered by the asked ones (no subtyping).
pub fn name_covers(asked: &str, stored: &str) -> bool {
    if asked.eq_ignore_ascii_case(stored) {
        return true;
    }
    let (a, s) = (base_of(asked), base_of(stored));
    // Two names without options were compared whole just above.
    let no_options = a.len() == asked.len() && s.len() == stored.len();
    !no_options
        && a.eq_ignore_ascii_case(s)
        && matches!((Options::parse(asked), Options::parse(stored)), (Some(a), Some(s)) if s.covered_by(&a))
}

/// An attribute description resolved against the schema.
#[derive(Debug, Clone)]
pub struct AttrDesc<'s> {
    /// The attribute type.
    pub at: &'s AttributeType,
    /// Its options.
    pub options: Options,
}

impl<'s> AttrDesc<'s> {
    /// Whether `stored`, an attribute of an entry, is this description or one of its
    /// subtypes (RFC 4512 2.5.1 and 2.5.2): its type is this type or derives from it,
    /// and it carries the tags asked for.
    pub fn covers(&self, schema: &Schema, stored: &AttrDesc<'_>) -> bool {
        // A type nothing derives from covers only itself: no walk up the SUP chain.
        let same_type = stored.at.oid == self.at.oid;
        stored.options.covered_by(&self.options)
            && (same_type || (self.at.derived_from && schema.is_subtype(stored.at, self.at)))
    }

    /// True when this description surely does not cover an attribute an entry stores
    /// as `name`, told from the name alone, without a schema lookup: it has no tags,
    /// nothing derives from its type, and `name`'s type is a plain name that is none
    /// of its type's names. False means "resolve `name` and see".
    pub fn surely_misses(&self, name: &str) -> bool {
        self.surely_misses_raw(name.as_bytes())
    }

    /// [`AttrDesc::surely_misses`] for a name still in stored bytes, not yet checked
    /// to be UTF-8 (a scan checks only the names it keeps).
    pub fn surely_misses_raw(&self, name: &[u8]) -> bool {
        self.options.tags.is_empty() && !self.at.derived_from && surely_other_type(name, self.at)
    }

    /// The canonical spelling: the schema's name for the type, the tags in order, and
    /// `;binary` for syntaxes that travel only in binary (`commonName;Lang-DE` ->
    /// `cn;lang-de`, `userCertificate` -> `userCertificate;binary`).
    pub fn shown(&self) -> Cow<'s, str> {
        if self.options.tags.is_empty() && !self.at.binary_transfer() {
            Cow::Borrowed(self.at.name())
        } else {
            Cow::Owned(self.to_string())
        }
    }
}

impl fmt::Display for AttrDesc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.at.name())?;
        for tag in &self.options.tags {
            write!(f, ";{tag}")?;
        }
        if self.at.binary_transfer() {
            write!(f, ";{BINARY}")?;
        }
        Ok(())
    }
}

impl AttributeType {
    /// True when the syntax has no LDAP-specific encoding, so values always travel
    /// with the binary option (RFC 4522 section 4: certificates and the like).
    pub fn binary_transfer(&self) -> bool {
        self.syntax
            .as_deref()
            .is_some_and(syntax::requires_binary_transfer)
    }
}

impl Schema {
    /// The description `desc` resolved: its type (any alias or OID) and options. None
    /// when the type is unknown, an option is malformed, or `;binary` is given for a
    /// syntax without a BER form (RFC 4522 3: such a description is unrecognized).
    pub fn attr_desc(&self, desc: &str) -> Option<AttrDesc<'_>> {
        let at = self.attribute(desc)?;
        let options = Options::parse(desc)?;
        if options.binary && !at.binary_transfer() {
            return None;
        }
        Some(AttrDesc { at, options })
    }

    /// An attribute as an entry names it: like [`Schema::attr_desc`], but a binary
    /// option is tolerated on any syntax (earlier versions stored `jpegPhoto;binary`
    /// as given), so such values stay readable.
    pub fn stored_attr_desc(&self, name: &str) -> Option<AttrDesc<'_>> {
        Some(AttrDesc {
            at: self.attribute(name)?,
            options: Options::parse(name)?,
        })
    }

    /// The canonical spelling of a description (see [`AttrDesc::shown`]), the form
    /// attributes are stored under: options kept, lower-cased and sorted, so
    /// `cn;X;lang-DE` and `commonName;lang-de;x` are one attribute. None when
    /// unrecognized. A language range keeps its form here (it is a valid request);
    /// [`Schema::check_entry`] refuses it in an entry.
    pub fn canonical_attr_name(&self, desc: &str) -> Option<String> {
        self.attr_desc(desc).map(|d| d.to_string())
    }

    /// Whether the description `asked` covers the attribute `stored` (as an entry
    /// names it): `cn` covers `cn;lang-de`, `name` covers `sn`. False when either is
    /// unknown.
    pub fn describes(&self, asked: &str, stored: &str) -> bool {
        match (self.attr_desc(asked), self.stored_attr_desc(stored)) {
            (Some(a), Some(s)) => a.covers(self, &s),
            _ => false,
        }
    }

    /// The values `asked` finds in `entry`: those of every attribute it covers, from
    /// attributes `may_use` allows (asked with the attribute's canonical spelling, so
    /// access rules see `cn;lang-de` for a tagged value).
    pub fn described_values<'e>(
        &self,
        entry: &'e Entry,
        asked: &AttrDesc<'_>,
        may_use: &dyn Fn(&str) -> bool,
    ) -> Vec<&'e [u8]> {
        let mut out = Vec::new();
        self.any_described_value(entry, asked, may_use, &mut |v| {
            out.push(v);
            false
        });
        out
    }

    /// Whether one of the values [`Schema::described_values`] finds passes `test`,
    /// trying them in order and stopping at the first that does.
    pub fn any_described_value<'e>(
        &self,
        entry: &'e Entry,
        asked: &AttrDesc<'_>,
        may_use: &dyn Fn(&str) -> bool,
        test: &mut dyn FnMut(&'e [u8]) -> bool,
    ) -> bool {
        // Passed over by name where possible (callgrind: resolving every stored
        // attribute for every filter leaf was a tenth of a Postfix lookup).
        for attr in &entry.attrs {
            if asked.surely_misses(&attr.name) {
                continue;
            }
            let Some(stored) = self.stored_attr_desc(&attr.name) else {
                continue;
            };
            if asked.covers(self, &stored)
                && may_use(&stored.shown())
                && attr.values.iter().any(|v| test(v))
            {
                return true;
            }
        }
        false
    }
}

/// Whether the stored description `name` is surely not of type `at`: its type is a
/// plain name (a letter, then letters, digits, hyphens; no OID) that is none of
/// `at`'s names. One pass over the bytes finds the type's end and checks its form.
fn surely_other_type(bytes: &[u8], at: &AttributeType) -> bool {
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b';' {
            end = i;
            break;
        }
        let plain = b.is_ascii_alphabetic() || (i > 0 && (b.is_ascii_digit() || b == b'-'));
        if !plain {
            return false;
        }
    }
    let base = &bytes[..end];
    !base.is_empty()
        && !at
            .names
            .iter()
            .any(|n| n.as_bytes().eq_ignore_ascii_case(base))
}

#[cfg(test)]
#[path = "description_tests.rs"]
mod tests;
