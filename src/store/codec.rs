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

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A length or count in the record's form.
    fn len(&mut self) -> Result<usize, DecodeError> {
        if self.fixed {
            let b = self.take(4)?;
            return Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
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
    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.len()?;
        let least = if self.fixed { 4 } else { 1 };
        if n > (self.bytes.len() - self.pos) / least {
            return Err(DecodeError::Truncated);
        }
        Ok(n)
    }

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
mod tests {
    use super::*;

    fn sample() -> Entry {
        let mut e = Entry::new(Dn::parse("cn=a+sn=b\\, c,o=hosting,dc=example").unwrap());
        e.add_values("objectClass", vec![b"top".to_vec(), b"person".to_vec()]);
        // Binary values (a JPEG header, NULs, invalid UTF-8) must come back byte for byte.
        e.add_values("jpegPhoto;binary", vec![vec![0xff, 0xd8, 0x00, 0x00, 0xfe]]);
        e.add_values("description", vec![Vec::new()]);
        e
    }

    #[test]
    fn round_trips_binary_values_and_multi_valued_rdns() {
        let e = sample();
        assert_eq!(decode(&encode(&e)).unwrap(), e);
        let root = Entry::new(Dn::root());
        assert_eq!(decode(&encode(&root)).unwrap(), root);
    }

    #[test]
    fn rebase_replaces_the_ancestor_and_keeps_the_attributes() {
        let e = sample();
        let base = Dn::parse("o=renamed,dc=example").unwrap();
        let moved = decode(&rebase(&encode(&e), 2, &base).unwrap()).unwrap();
        assert_eq!(moved.dn.to_string(), "cn=a+sn=b\\, c,o=renamed,dc=example");
        assert_eq!(moved.attrs, e.attrs);
        assert_eq!(decode_dn(&encode(&e)).unwrap(), e.dn);
        assert_eq!(
            rebase(&encode(&e), 4, &base),
            Err(DecodeError::NotBelow(3, 4))
        );
    }

    /// What version 1 wrote for `e`: the same layout with u32 lengths.
    fn encode_v1(e: &Entry) -> Vec<u8> {
        fn put(out: &mut Vec<u8>, b: &[u8]) {
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        let count = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_be_bytes());
        let mut out = vec![FIXED_VERSION];
        count(&mut out, e.dn.rdns.len());
        for rdn in &e.dn.rdns {
            count(&mut out, rdn.avas.len());
            for ava in &rdn.avas {
                put(&mut out, ava.attr.as_bytes());
                put(&mut out, ava.value.as_bytes());
            }
        }
        count(&mut out, e.attrs.len());
        for a in &e.attrs {
            put(&mut out, a.name.as_bytes());
            count(&mut out, a.values.len());
            for v in &a.values {
                put(&mut out, v);
            }
        }
        out
    }

    #[test]
    fn version_1_records_still_read_and_a_rebase_rewrites_them() {
        let e = sample();
        let old = encode_v1(&e);
        assert!(encode(&e).len() < old.len() * 3 / 4, "varints save little");
        assert_eq!(decode(&old).unwrap(), e);
        assert_eq!(decode_dn(&old).unwrap(), e.dn);
        let keep = |n: &[u8]| n == b"objectClass";
        assert_eq!(decode_where(&old, &keep), decode_where(&encode(&e), &keep));
        let base = Dn::parse("o=renamed,dc=example").unwrap();
        let moved = rebase(&old, 2, &base).unwrap();
        assert_eq!(moved[0], VERSION);
        assert_eq!(decode(&moved).unwrap().attrs, e.attrs);
        assert_eq!(
            decode(&moved),
            decode(&rebase(&encode(&e), 2, &base).unwrap())
        );
    }

    #[test]
    fn lengths_of_every_varint_width_round_trip() {
        let mut e = sample();
        for n in [127, 128, 16_383, 16_384, 2_100_000] {
            e.add_values(&format!("description{n}"), vec![vec![b'x'; n]]);
        }
        assert_eq!(decode(&encode(&e)).unwrap(), e);
        // Six groups is no u32: damage, not a length.
        assert_eq!(
            decode(&[VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(DecodeError::Truncated)
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for bytes in [encode(&sample()), encode_v1(&sample())] {
            for n in 0..bytes.len() {
                assert!(decode(&bytes[..n]).is_err(), "prefix of {n} bytes decoded");
            }
        }
    }

    #[test]
    fn rejects_damage_with_typed_errors() {
        let mut bytes = encode(&sample());
        bytes.push(0);
        assert_eq!(decode(&bytes), Err(DecodeError::TrailingBytes(1)));
        assert_eq!(decode(&[9, 0, 0]), Err(DecodeError::UnknownVersion(9)));
        // A count claiming 4 billion RDNs must fail fast instead of allocating.
        assert_eq!(
            decode(&[1, 0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode(&[VERSION, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            Err(DecodeError::Truncated)
        );
        // One RDN, one AVA, attr of length 1 that is not UTF-8.
        let bad = [
            1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(decode(&bad), Err(DecodeError::BadUtf8));
        assert_eq!(
            decode(&[VERSION, 1, 1, 1, 0xff, 0, 0]),
            Err(DecodeError::BadUtf8)
        );
    }

    #[test]
    fn flipped_bytes_never_panic() {
        for bytes in [encode(&sample()), encode_v1(&sample())] {
            flip_each(&bytes);
        }
    }

    fn flip_each(bytes: &[u8]) {
        for i in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.to_vec();
                b[i] ^= x;
                let _ = decode(&b);
            }
        }
    }
}
