//! SearchResultEntry written straight to BER (RFC 4511 4.5.2), the reply a search
//! sends most: ldap3_proto builds a tree of tags per value first, which cost a
//! Courier login (ten attributes) about 79k of its 435k instructions (callgrind).
//! The bytes are the ones ldap3_proto writes (tests compare the two).

use super::ber_writer::{header, integer, octets, tlv_len, INTEGER, SEQUENCE, SET};
use ldap3_proto::proto::{LdapMsg, LdapOp, LdapSearchResultEntry};
use tokio_util::bytes::{BufMut, BytesMut};

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
    let id = integer(msg.msgid.into());
    let op = op_len(entry);
    let body = tlv_len(id.width()) + tlv_len(op);
    buf.reserve(tlv_len(body));
    header(buf, SEQUENCE, body);
    header(buf, INTEGER, id.width());
    buf.put_slice(id.as_slice());
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
