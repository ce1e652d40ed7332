//! SearchResultEntry written straight to BER (RFC 4511 4.5.2), the reply a search
//! sends most: ldap3_proto builds a tree of tags per value first, which cost a
//! Courier login (ten attributes) about 79k of its 435k instructions (callgrind).
//! The bytes are the ones ldap3_proto writes (tests compare the two).

use ldap3_proto::proto::{LdapMsg, LdapOp, LdapSearchResultEntry};
use tokio_util::bytes::{BufMut, BytesMut};

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
/// [APPLICATION 4] constructed: searchResEntry.
const SEARCH_RESULT_ENTRY: u8 = 0x64;

/// Write `msg` when it is a SearchResultEntry without controls; false otherwise
/// (the caller encodes it the general way).
pub fn encode_entry(msg: &LdapMsg, buf: &mut BytesMut) -> bool {
    let LdapOp::SearchResultEntry(entry) = &msg.op else {
        return false;
    };
    if !msg.ctrl.is_empty() {
        return false;
    }
    let id = integer(msg.msgid);
    let op = op_len(entry);
    let body = tlv_len(id.len()) + tlv_len(op);
    buf.reserve(tlv_len(body));
    header(buf, SEQUENCE, body);
    header(buf, INTEGER, id.len());
    buf.put_slice(&id);
    header(buf, SEARCH_RESULT_ENTRY, op);
    octets(buf, entry.dn.as_bytes());
    header(buf, SEQUENCE, attrs_len(entry));
    for a in &entry.attributes {
        header(buf, SEQUENCE, attr_len(&a.atype, &a.vals));
        octets(buf, a.atype.as_bytes());
        header(buf, SET, vals_len(&a.vals));
        for v in &a.vals {
            octets(buf, v);
        }
    }
    true
}

fn op_len(entry: &LdapSearchResultEntry) -> usize {
    tlv_len(entry.dn.len()) + tlv_len(attrs_len(entry))
}

fn attrs_len(entry: &LdapSearchResultEntry) -> usize {
    entry
        .attributes
        .iter()
        .map(|a| tlv_len(attr_len(&a.atype, &a.vals)))
        .sum()
}

fn attr_len(name: &str, vals: &[Vec<u8>]) -> usize {
    tlv_len(name.len()) + tlv_len(vals_len(vals))
}

fn vals_len(vals: &[Vec<u8>]) -> usize {
    vals.iter().map(|v| tlv_len(v.len())).sum()
}

/// Bytes of a tag, its length and `content` bytes of content.
fn tlv_len(content: usize) -> usize {
    1 + length_len(content) + content
}

/// Bytes of a definite length: short form below 128, else 0x80|n then n bytes.
fn length_len(n: usize) -> usize {
    match n {
        0..=0x7f => 1,
        _ => 1 + (usize::BITS as usize / 8 - n.leading_zeros() as usize / 8),
    }
}

fn header(buf: &mut BytesMut, tag: u8, len: usize) {
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

fn octets(buf: &mut BytesMut, b: &[u8]) {
    header(buf, OCTET_STRING, b.len());
    buf.put_slice(b);
}

/// An INTEGER's content: the shortest two's complement big-endian form.
fn integer(n: i32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let mut start = 0;
    while start < 3 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::proto::LdapPartialAttribute;
    use ldap3_proto::LdapCodec;
    use tokio_util::codec::Encoder;

    fn entry(msgid: i32, dn: &str, attrs: &[(&str, Vec<Vec<u8>>)]) -> LdapMsg {
        LdapMsg {
            msgid,
            op: LdapOp::SearchResultEntry(LdapSearchResultEntry {
                dn: dn.into(),
                attributes: attrs
                    .iter()
                    .map(|(t, v)| LdapPartialAttribute {
                        atype: (*t).into(),
                        vals: v.clone(),
                    })
                    .collect(),
            }),
            ctrl: Vec::new(),
        }
    }

    #[test]
    fn writes_the_bytes_ldap3_proto_writes() {
        let long = vec![b'x'; 300];
        let huge = vec![b'y'; 70_000];
        let cases = [
            entry(1, "", &[]),
            entry(127, "cn=a", &[("cn", vec![b"a".to_vec()])]),
            entry(
                128,
                "cn=a,o=b",
                &[
                    ("objectClass", vec![b"top".to_vec(), b"person".to_vec()]),
                    ("empty", vec![]),
                ],
            ),
            entry(255, "mail=u@d,o=d", &[("description", vec![long.clone()])]),
            entry(
                65_536,
                &"o=x,".repeat(40),
                &[("jpegPhoto", vec![huge.clone()]), ("cn", vec![long])],
            ),
            entry(i32::MAX, "cn=z", &[("cn", vec![vec![0u8; 128]])]),
        ];
        for msg in cases {
            let mut ours = BytesMut::new();
            assert!(encode_entry(&msg, &mut ours));
            let mut theirs = BytesMut::new();
            LdapCodec::new(None, None)
                .encode(msg.clone(), &mut theirs)
                .unwrap();
            assert_eq!(ours, theirs, "msgid {}", msg.msgid);
        }
    }

    #[test]
    fn other_messages_are_left_to_ldap3_proto() {
        let mut msg = entry(3, "cn=a", &[]);
        msg.ctrl
            .push(ldap3_proto::control::LdapControl::ManageDsaIT { criticality: false });
        assert!(!encode_entry(&msg, &mut BytesMut::new()));
        let done = LdapMsg {
            msgid: 3,
            op: LdapOp::UnbindRequest,
            ctrl: Vec::new(),
        };
        assert!(!encode_entry(&done, &mut BytesMut::new()));
    }
}
