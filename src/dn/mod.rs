//! Distinguished names (RFC 4514): parsing (parse.rs, with `#hex` values in ber.rs),
//! the string forms clients see (Display, and pretty.rs for DN-valued attributes), and
//! the normalised form used for comparison and as the store key (normal.rs).

use std::fmt;
use thiserror::Error;

mod ber;
mod escape;
mod normal;
mod parse;
mod pretty;
mod scope;
#[cfg(test)]
use escape::escape_each;
pub use escape::escape_value;
use escape::escaped;
pub use normal::{canonical_type, normalize_value};
use normal::{normalized_chars, push_canonical_type, push_normalized_value, same_type};
#[cfg(test)]
use normal::{unicode_folded, AsciiFolded};
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

    /// The [`Dn::tree_key`] of the parent of the DN whose tree key is `key` (a
    /// prefix of it: normalised values escape NUL), or None for the root and for
    /// a DN of one RDN, whose parent is the root.
    pub fn parent_tree_key(key: &[u8]) -> Option<&[u8]> {
        let last = key.len().checked_sub(1)?;
        let cut = key[..last].iter().rposition(|&b| b == 0)?;
        Some(&key[..=cut])
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
