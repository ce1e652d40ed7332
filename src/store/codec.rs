//! The on-disk form of an entry: a version byte, then the DN structurally (RDNs and
//! AVAs, so no reparsing is needed and any value survives) and the attributes.
//! Every length and count is an unsigned LEB128 varint (7 bits a byte, low group
//! first) in front of what it measures:
//!
//! ```text
//! u8 version (2)
//! len rdns   { len avas { str attr, str value } }
//! len attrs  { str name, len values { bytes value } }
//! ```
//!
//! Version 1 wrote every length as a big-endian u32; its records are still read (a
//! store written before keeps working), and a rename rewrites one as version 2.
//! Varints make an account a quarter smaller: nearly every length fits one byte, and
//! smaller records mean fewer pages on disk and in memory.
//!
//! Decoding never trusts a count for allocation and reports damage as [`DecodeError`].

use crate::dn::{Ava, Dn, Rdn};
use crate::entry::{Attribute, Entry};
use thiserror::Error;

/// The version written; another first byte than it or [`FIXED_VERSION`] is refused,
/// not guessed at.
const VERSION: u8 = 2;
/// The first version: lengths as big-endian u32.
const FIXED_VERSION: u8 = 1;

/// Why stored entry bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The input ended inside a field.
    #[error("truncated entry record")]
    Truncated,
    /// The version byte is not one this build writes.
    #[error("unknown entry format version {0}")]
    UnknownVersion(u8),
    /// A DN component or attribute name is not UTF-8.
    #[error("text field is not UTF-8")]
    BadUtf8,
    /// Bytes remain after the last attribute.
    #[error("{0} trailing bytes after entry record")]
    TrailingBytes(usize),
    /// A subtree rename found a descendant whose DN is shorter than the renamed entry's.
    #[error("DN of {0} RDNs cannot lie below one of {1}")]
    NotBelow(usize, usize),
}

/// Encode an entry for `id2entry`.
pub fn encode(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(VERSION);
    put_rdns(&mut out, &entry.dn.rdns);
    put_len(&mut out, entry.attrs.len());
    for attr in &entry.attrs {
        put_bytes(&mut out, attr.name.as_bytes());
        put_len(&mut out, attr.values.len());
        for v in &attr.values {
            put_bytes(&mut out, v);
        }
    }
    out
}

/// Decode what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
    let mut r = Reader::new(bytes);
    let rdns = r.dn()?;
    let n_attrs = r.count()?;
    let mut attrs = Vec::with_capacity(n_attrs);
    for _ in 0..n_attrs {
        let name = r.string()?;
        let n_values = r.count()?;
        let mut values = Vec::with_capacity(n_values);
        for _ in 0..n_values {
            values.push(r.bytes()?.to_vec());
        }
        attrs.push(Attribute { name, values });
    }
    let rest = bytes.len() - r.pos;
    if rest != 0 {
        return Err(DecodeError::TrailingBytes(rest));
    }
    Ok(Entry {
        dn: Dn { rdns },
        attrs,
    })
}

/// The attributes of a record [`encode`] wrote whose names `keep` accepts, under the
/// root DN (the DN is skipped, not decoded): what a filter that reads only those
/// attributes needs, at a fraction of a whole decode's allocations.
pub fn decode_attrs_where(
    bytes: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
) -> Result<Entry, DecodeError> {
    decode_selected(bytes, keep, false)
}

/// The DN and the attributes whose names `keep` accepts of a record [`encode`]
/// wrote: an entry for a caller that reads a known few of its attributes (a bind).
pub fn decode_where(bytes: &[u8], keep: &dyn Fn(&[u8]) -> bool) -> Result<Entry, DecodeError> {
    decode_selected(bytes, keep, true)
}

fn decode_selected(
    bytes: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
    with_dn: bool,
) -> Result<Entry, DecodeError> {
    let mut r = Reader::new(bytes);
    let dn = if with_dn {
        Dn { rdns: r.dn()? }
    } else {
        r.skip_dn()?;
        Dn::default()
    };
    let n_attrs = r.count()?;
    let mut attrs = Vec::new();
    for _ in 0..n_attrs {
        let name = r.bytes()?;
        let n_values = r.count()?;
        if !keep(name) {
            for _ in 0..n_values {
                r.bytes()?;
            }
            continue;
        }
        let name = std::str::from_utf8(name).map_err(|_| DecodeError::BadUtf8)?;
        let mut values = Vec::with_capacity(n_values);
        for _ in 0..n_values {
            values.push(r.bytes()?.to_vec());
        }
        attrs.push(Attribute {
            name: name.to_string(),
            values,
        });
    }
    Ok(Entry { dn, attrs })
}

/// The DN of a record [`encode`] wrote, without decoding its attributes.
pub fn decode_dn(record: &[u8]) -> Result<Dn, DecodeError> {
    Ok(Dn {
        rdns: Reader::new(record).dn()?,
    })
}

/// `record` (what [`encode`] wrote) with the last `old_depth` RDNs of its DN, the DN
/// of a renamed ancestor, replaced by `new_base`: a descendant's record after a subtree
/// rename. Only the DN is decoded; the attributes are copied as they are.
pub fn rebase(record: &[u8], old_depth: usize, new_base: &Dn) -> Result<Vec<u8>, DecodeError> {
    let mut r = Reader::new(record);
    let mut rdns = r.dn()?;
    if rdns.len() < old_depth {
        return Err(DecodeError::NotBelow(rdns.len(), old_depth));
    }
    rdns.truncate(rdns.len() - old_depth);
    rdns.extend(new_base.rdns.iter().cloned());
    if r.fixed {
        // The attributes are in the old length form: rewrite the whole record.
        let mut entry = decode(record)?;
        entry.dn = Dn { rdns };
        return Ok(encode(&entry));
    }
    let mut out = Vec::with_capacity(record.len() + 64);
    out.push(VERSION);
    put_rdns(&mut out, &rdns);
    out.extend_from_slice(&record[r.pos..]);
    Ok(out)
}

fn put_rdns(out: &mut Vec<u8>, rdns: &[Rdn]) {
    put_len(out, rdns.len());
    for rdn in rdns {
        put_len(out, rdn.avas.len());
        for ava in &rdn.avas {
            put_bytes(out, ava.attr.as_bytes());
            put_bytes(out, ava.value.as_bytes());
        }
    }
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Lengths are u32 (version 1), not varints; known once the version is read.
    fixed: bool,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            fixed: false,
        }
    }

    /// The version byte: which length form follows.
    fn version(&mut self) -> Result<(), DecodeError> {
        match self.u8()? {
            VERSION => self.fixed = false,
            FIXED_VERSION => self.fixed = true,
            other => return Err(DecodeError::UnknownVersion(other)),
        }
        Ok(())
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// The version byte and the DN's RDNs.
    fn dn(&mut self) -> Result<Vec<Rdn>, DecodeError> {
        self.version()?;
        let n_rdns = self.count()?;
        let mut rdns = Vec::with_capacity(n_rdns);
        for _ in 0..n_rdns {
            let n_avas = self.count()?;
            let mut avas = Vec::with_capacity(n_avas);
            for _ in 0..n_avas {
                let attr = self.string()?;
                let value = self.string()?;
                avas.push(Ava { attr, value });
            }
            rdns.push(Rdn { avas });
        }
        Ok(rdns)
    }

    /// Past the version byte and the DN, checking only that they are there.
    fn skip_dn(&mut self) -> Result<(), DecodeError> {
        self.version()?;
        for _ in 0..self.count()? {
            for _ in 0..self.count()? {
                self.bytes()?;
                self.bytes()?;
            }
        }
        Ok(())
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A length or count in the record's form.
    #[inline]
    fn len(&mut self) -> Result<usize, DecodeError> {
        if self.fixed {
            let b = self.take(4)?;
            return Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        }
        // Nearly every length in a mail entry fits one byte: read it without the
        // loop (an unindexed scan reads every value's length to skip it).
        if let Some(&b) = self.bytes.get(self.pos).filter(|b| **b < 0x80) {
            self.pos += 1;
            return Ok(usize::from(b));
        }
        let mut n = 0usize;
        // Five groups hold any u32; a longer varint is damage, not a length.
        for shift in (0..35).step_by(7) {
            let b = self.u8()?;
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(DecodeError::Truncated)
    }

    /// A count of items that each take at least one length: one larger than the rest
    /// of the input allows is damage, and refusing it keeps allocation bounded by input.
    #[inline]
    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.len()?;
        let least = if self.fixed { 4 } else { 1 };
        if n > (self.bytes.len() - self.pos) / least {
            return Err(DecodeError::Truncated);
        }
        Ok(n)
    }

    #[inline]
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.len()?;
        self.take(n)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::BadUtf8)
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
