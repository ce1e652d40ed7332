//! The few BER pieces the hand-written replies are made of (X.690 definite-length
//! encoding, as ldap3_proto writes it).

use tokio_util::bytes::{BufMut, BytesMut};

/// SEQUENCE, constructed.
pub const SEQUENCE: u8 = 0x30;
/// SET, constructed.
pub const SET: u8 = 0x31;
/// INTEGER.
pub const INTEGER: u8 = 0x02;
/// ENUMERATED.
pub const ENUMERATED: u8 = 0x0a;
/// OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;

/// Bytes of a tag, its length and `content` bytes of content.
pub fn tlv_len(content: usize) -> usize {
    1 + length_len(content) + content
}

/// Bytes of a definite length: short form below 128, else 0x80|n then n bytes.
fn length_len(n: usize) -> usize {
    match n {
        0..=0x7f => 1,
        _ => 1 + (usize::BITS as usize / 8 - n.leading_zeros() as usize / 8),
    }
}

/// Write a tag and a definite length.
pub fn header(buf: &mut BytesMut, tag: u8, len: usize) {
    buf.put_u8(tag);
    if len < 0x80 {
        buf.put_u8(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = len.leading_zeros() as usize / 8;
    buf.put_u8(0x80 | (bytes.len() - skip) as u8);
    buf.put_slice(&bytes[skip..]);
}

/// Write an OCTET STRING.
pub fn octets(buf: &mut BytesMut, b: &[u8]) {
    header(buf, OCTET_STRING, b.len());
    buf.put_slice(b);
}

/// The content of an INTEGER or ENUMERATED, held without an allocation.
pub struct IntContent {
    bytes: [u8; 8],
    start: usize,
}

impl IntContent {
    /// The content bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// How many content bytes there are (never none).
    pub fn width(&self) -> usize {
        8 - self.start
    }
}

/// An INTEGER's content: the shortest two's complement big-endian form.
pub fn integer(n: i64) -> IntContent {
    let bytes = n.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    IntContent { bytes, start }
}
