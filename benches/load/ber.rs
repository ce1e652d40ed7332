//! Just enough BER for LDAP messages: a writer that builds nested TLVs into a reused
//! buffer (lengths patched in minimal form, as servers expect) and a reader that walks
//! TLVs in place, so the client neither allocates nor builds trees per operation.

/// Builds BER into one buffer that is cleared, not freed, between messages.
#[derive(Default)]
pub struct BerWriter {
    buf: Vec<u8>,
    /// Positions of the tags of the constructed values still open.
    open: Vec<usize>,
}

impl BerWriter {
    /// Forgets the content, keeps the allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.open.clear();
    }

    /// The encoded bytes (every `begin` must have had its `end`).
    pub fn bytes(&self) -> &[u8] {
        debug_assert!(self.open.is_empty(), "unclosed BER value");
        &self.buf
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Opens a constructed value; its length is written by the matching `end`.
    pub fn begin(&mut self, tag: u8) {
        self.open.push(self.buf.len());
        self.buf.push(tag);
        self.buf.push(0);
    }

    /// Closes the innermost open value. A length of 128 or more needs more than the one
    /// byte reserved, so the content moves right by the extra bytes.
    pub fn end(&mut self) {
        let start = self.open.pop().expect("BerWriter::end without begin");
        let content = start + 2;
        let len = self.buf.len() - content;
        if len < 0x80 {
            self.buf[start + 1] = len as u8;
            return;
        }
        let extra = length_octets(len);
        self.buf
            .splice(content..content, std::iter::repeat_n(0, extra));
        self.buf[start + 1] = 0x80 | extra as u8;
        for i in 0..extra {
            self.buf[content + i] = (len >> (8 * (extra - 1 - i))) as u8;
        }
    }

    /// A primitive value with the given tag.
    pub fn octets(&mut self, tag: u8, data: &[u8]) {
        self.buf.push(tag);
        self.length(data.len());
        self.buf.extend_from_slice(data);
    }

    /// An INTEGER or ENUMERATED in minimal two's complement.
    pub fn integer(&mut self, tag: u8, value: i64) {
        let bytes = value.to_be_bytes();
        let mut skip = 0;
        while skip < 7 {
            let (b, next) = (bytes[skip], bytes[skip + 1]);
            let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
            if !redundant {
                break;
            }
            skip += 1;
        }
        self.octets(tag, &bytes[skip..]);
    }

    /// A BOOLEAN (0xff for true, as DER and every LDAP server write it).
    pub fn boolean(&mut self, value: bool) {
        self.octets(0x01, &[if value { 0xff } else { 0 }]);
    }

    fn length(&mut self, len: usize) {
        if len < 0x80 {
            self.buf.push(len as u8);
            return;
        }
        let n = length_octets(len);
        self.buf.push(0x80 | n as u8);
        for i in (0..n).rev() {
            self.buf.push((len >> (8 * i)) as u8);
        }
    }
}

/// Bytes the long form of `len` takes after its first length octet.
fn length_octets(len: usize) -> usize {
    let bits = usize::BITS - len.leading_zeros();
    bits.div_ceil(8) as usize
}

/// One TLV seen in place: its (single-byte) tag and its content.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// The identifier octet (LDAP never needs the multi-byte form).
    pub tag: u8,
    /// The content octets.
    pub body: &'a [u8],
}

/// The header of the TLV at the start of `input`: (header length, content length),
/// or None when the header itself is not complete yet or is not definite-length BER.
pub fn header(input: &[u8]) -> Option<(usize, usize)> {
    let first = *input.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 || input.len() < 2 + n {
        return None;
    }
    let len = input[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    Some((2 + n, len))
}

/// Splits the TLV at the start of `input` from what follows it.
pub fn split(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (head, len) = header(input)?;
    let end = head.checked_add(len)?;
    if input.len() < end {
        return None;
    }
    let tlv = Tlv {
        tag: input[0],
        body: &input[head..end],
    };
    Some((tlv, &input[end..]))
}

/// The value of an INTEGER or ENUMERATED body.
pub fn integer(body: &[u8]) -> Option<i64> {
    if body.is_empty() || body.len() > 8 {
        return None;
    }
    let negative = body[0] & 0x80 != 0;
    let start = if negative { -1i64 } else { 0 };
    Some(body.iter().fold(start, |acc, &b| (acc << 8) | b as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        let cases: [(i64, &[u8]); 6] = [
            (0, &[0]),
            (127, &[0x7f]),
            (128, &[0, 0x80]),
            (256, &[1, 0]),
            (-1, &[0xff]),
            (-129, &[0xff, 0x7f]),
        ];
        for (v, want) in cases {
            let mut w = BerWriter::default();
            w.integer(0x02, v);
            assert_eq!(&w.bytes()[2..], want, "{v}");
            assert_eq!(integer(&w.bytes()[2..]), Some(v));
        }
    }

    #[test]
    fn long_lengths_are_patched_and_read_back() {
        for len in [0usize, 127, 128, 255, 256, 70_000] {
            let mut w = BerWriter::default();
            w.begin(0x30);
            w.octets(0x04, &vec![b'x'; len]);
            w.end();
            let (outer, rest) = split(w.bytes()).expect("outer");
            assert!(rest.is_empty());
            let (inner, _) = split(outer.body).expect("inner");
            assert_eq!(inner.body.len(), len);
        }
    }

    #[test]
    fn incomplete_input_is_not_a_value() {
        let mut w = BerWriter::default();
        w.octets(0x04, &[1; 300]);
        let bytes = w.bytes();
        assert!(split(&bytes[..1]).is_none());
        assert!(split(&bytes[..3]).is_none());
        assert!(split(&bytes[..bytes.len() - 1]).is_none());
        assert!(split(bytes).is_some());
    }
}
