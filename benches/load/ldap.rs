//! The LDAP requests the workloads send, encoded by hand (RFC 4511's ASN.1, the tags
//! written out), and the few fields of the answers they check, read in place.

use crate::ber::{self, BerWriter, Tlv};

/// Protocol-op tags of the answers (APPLICATION class, constructed).
pub mod tag {
    /// BindResponse.
    pub const BIND_RESPONSE: u8 = 0x61;
    /// SearchResultEntry.
    pub const SEARCH_ENTRY: u8 = 0x64;
    /// SearchResultDone.
    pub const SEARCH_DONE: u8 = 0x65;
    /// ModifyResponse.
    pub const MODIFY_RESPONSE: u8 = 0x67;
    /// AddResponse.
    pub const ADD_RESPONSE: u8 = 0x69;
    /// DelResponse.
    pub const DEL_RESPONSE: u8 = 0x6b;
    /// SearchResultReference.
    pub const SEARCH_REFERENCE: u8 = 0x73;
}

/// resultCode success.
pub const SUCCESS: i64 = 0;
/// resultCode invalidCredentials.
pub const INVALID_CREDENTIALS: i64 = 49;

/// A search filter the workloads use.
#[derive(Clone, Copy)]
pub enum Filter<'a> {
    /// `(attr=value)`.
    Eq(&'a str, &'a str),
    /// `(&(a=x)(b=y))`.
    AndEq(&'a str, &'a str, &'a str, &'a str),
}

fn equality(w: &mut BerWriter, attr: &str, value: &str) {
    w.begin(0xa3);
    w.octets(0x04, attr.as_bytes());
    w.octets(0x04, value.as_bytes());
    w.end();
}

fn filter(w: &mut BerWriter, f: Filter<'_>) {
    match f {
        Filter::Eq(a, v) => equality(w, a, v),
        Filter::AndEq(a, x, b, y) => {
            w.begin(0xa0);
            equality(w, a, x);
            equality(w, b, y);
            w.end();
        }
    }
}

/// Appends a subtree SearchRequest (derefAliases never, no limits, as Postfix asks).
pub fn search(w: &mut BerWriter, msgid: i32, base: &str, f: Filter<'_>, attrs: &[&str]) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.begin(0x63);
    w.octets(0x04, base.as_bytes());
    w.integer(0x0a, 2);
    w.integer(0x0a, 0);
    w.integer(0x02, 0);
    w.integer(0x02, 0);
    w.boolean(false);
    filter(w, f);
    w.begin(0x30);
    for a in attrs {
        w.octets(0x04, a.as_bytes());
    }
    w.end();
    w.end();
    w.end();
}

/// Appends a simple BindRequest (LDAPv3).
pub fn bind(w: &mut BerWriter, msgid: i32, dn: &str, password: &str) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.begin(0x60);
    w.integer(0x02, 3);
    w.octets(0x04, dn.as_bytes());
    w.octets(0x80, password.as_bytes());
    w.end();
    w.end();
}

/// Appends an UnbindRequest.
pub fn unbind(w: &mut BerWriter, msgid: i32) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.octets(0x42, &[]);
    w.end();
}

/// Appends a ModifyRequest replacing `attr` with the one value `value`.
pub fn modify_replace(w: &mut BerWriter, msgid: i32, dn: &str, attr: &str, value: &[u8]) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.begin(0x66);
    w.octets(0x04, dn.as_bytes());
    w.begin(0x30);
    w.begin(0x30);
    w.integer(0x0a, 2);
    w.begin(0x30);
    w.octets(0x04, attr.as_bytes());
    w.begin(0x31);
    w.octets(0x04, value);
    w.end();
    w.end();
    w.end();
    w.end();
    w.end();
    w.end();
}

/// Appends an AddRequest; each attribute with its values.
pub fn add(w: &mut BerWriter, msgid: i32, dn: &str, attrs: &[(&str, &[&str])]) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.begin(0x68);
    w.octets(0x04, dn.as_bytes());
    w.begin(0x30);
    for (name, values) in attrs {
        w.begin(0x30);
        w.octets(0x04, name.as_bytes());
        w.begin(0x31);
        for v in *values {
            w.octets(0x04, v.as_bytes());
        }
        w.end();
        w.end();
    }
    w.end();
    w.end();
    w.end();
}

/// Appends a DelRequest.
pub fn delete(w: &mut BerWriter, msgid: i32, dn: &str) {
    w.begin(0x30);
    w.integer(0x02, msgid.into());
    w.octets(0x4a, dn.as_bytes());
    w.end();
}

/// One received LDAPMessage: its id and protocol op, content not yet parsed.
pub struct Message<'a> {
    /// messageID.
    pub msgid: i32,
    /// The protocol op (see [`tag`]).
    pub op: Tlv<'a>,
}

/// Splits one complete LDAPMessage frame into id and op; None if it is malformed.
pub fn message(frame: &[u8]) -> Option<Message<'_>> {
    let (outer, _) = ber::split(frame)?;
    if outer.tag != 0x30 {
        return None;
    }
    let (id, rest) = ber::split(outer.body)?;
    let (op, _) = ber::split(rest)?;
    Some(Message {
        msgid: i32::try_from(ber::integer(id.body)?).ok()?,
        op,
    })
}

/// The resultCode of an LDAPResult-shaped op (done, bind, modify, add, delete).
pub fn result_code(op: Tlv<'_>) -> Option<i64> {
    let (code, _) = ber::split(op.body)?;
    ber::integer(code.body)
}

/// The diagnosticMessage of an LDAPResult-shaped op, for error reports.
pub fn diagnostic(op: Tlv<'_>) -> String {
    let text = ber::split(op.body)
        .and_then(|(_, rest)| ber::split(rest))
        .and_then(|(_, rest)| ber::split(rest))
        .map(|(msg, _)| msg.body)
        .unwrap_or_default();
    String::from_utf8_lossy(text).into_owned()
}

/// A SearchResultEntry's DN and the first value of `attr` (matched without case).
pub fn entry_value<'a>(op: Tlv<'a>, attr: &str) -> Option<(&'a [u8], Option<&'a [u8]>)> {
    let (dn, rest) = ber::split(op.body)?;
    let (list, _) = ber::split(rest)?;
    let mut attrs = list.body;
    while let Some((one, next)) = ber::split(attrs) {
        attrs = next;
        let (name, rest) = ber::split(one.body)?;
        if name.body.eq_ignore_ascii_case(attr.as_bytes()) {
            let (set, _) = ber::split(rest)?;
            let first = ber::split(set.body).map(|(v, _)| v.body);
            return Some((dn.body, first));
        }
    }
    Some((dn.body, None))
}

#[cfg(test)]
mod tests {
    //! Every request is decoded by the codec the server uses, so a mistake in the
    //! hand encoding fails here and not as a confusing server error.
    use super::*;
    use ldap3_proto::proto::{LdapFilter, LdapOp};
    use ldap3_proto::LdapCodec;
    use tokio_util::bytes::BytesMut;
    use tokio_util::codec::Decoder;

    fn decode(w: &BerWriter) -> ldap3_proto::LdapMsg {
        let mut buf = BytesMut::from(w.bytes());
        let msg = LdapCodec::default().decode(&mut buf).expect("decodes");
        assert!(buf.is_empty(), "trailing bytes");
        msg.expect("complete")
    }

    #[test]
    fn search_decodes_as_sent() {
        let mut w = BerWriter::default();
        let base = "o=hosting,dc=myhosting,dc=example";
        let f = Filter::AndEq("mail", "a@b.example", "objectClass", "CourierMailAlias");
        search(&mut w, 300, base, f, &["maildrop"]);
        let msg = decode(&w);
        assert_eq!(msg.msgid, 300);
        let LdapOp::SearchRequest(req) = msg.op else {
            panic!("not a search: {:?}", msg.op)
        };
        assert_eq!(req.base, base);
        assert_eq!(req.attrs, vec!["maildrop".to_string()]);
        let LdapFilter::And(parts) = req.filter else {
            panic!("not an AND")
        };
        assert_eq!(
            parts[0],
            LdapFilter::Equality("mail".into(), "a@b.example".into())
        );
    }

    #[test]
    fn writes_and_binds_decode_as_sent() {
        let mut w = BerWriter::default();
        bind(&mut w, 1, "cn=x", "pw");
        assert!(matches!(decode(&w).op, LdapOp::BindRequest(b) if b.dn == "cn=x"));
        w.clear();
        let long = "v".repeat(300);
        modify_replace(&mut w, 2, "cn=x", "userPassword", long.as_bytes());
        assert!(matches!(decode(&w).op, LdapOp::ModifyRequest(m)
            if m.changes[0].modification.vals[0] == long.as_bytes()));
        w.clear();
        add(
            &mut w,
            3,
            "cn=y",
            &[("objectClass", &["top", "organizationalRole"])],
        );
        assert!(matches!(decode(&w).op, LdapOp::AddRequest(a)
            if a.attributes[0].vals.len() == 2));
        w.clear();
        delete(&mut w, 4, "cn=y");
        assert!(matches!(decode(&w).op, LdapOp::DelRequest(dn) if dn == "cn=y"));
        w.clear();
        unbind(&mut w, 5);
        assert!(matches!(decode(&w).op, LdapOp::UnbindRequest));
    }

    #[test]
    fn answers_encoded_by_the_codec_are_read() {
        use ldap3_proto::proto::{LdapMsg, LdapSearchResultEntry};
        use ldap3_proto::proto::{LdapPartialAttribute, LdapResult, LdapResultCode};
        use tokio_util::codec::Encoder;
        let entry = LdapMsg::new(
            7,
            LdapOp::SearchResultEntry(LdapSearchResultEntry {
                dn: "mail=a@b,o=b".into(),
                attributes: vec![LdapPartialAttribute {
                    atype: "mailDrop".into(),
                    vals: vec![b"c@b".to_vec()],
                }],
            }),
        );
        let done = LdapMsg::new(
            7,
            LdapOp::SearchResultDone(LdapResult {
                code: LdapResultCode::NoSuchObject,
                matcheddn: String::new(),
                message: "gone".into(),
                referral: vec![],
            }),
        );
        let mut buf = BytesMut::new();
        let mut codec = LdapCodec::default();
        codec.encode(entry, &mut buf).expect("encode");
        let m = message(&buf).expect("entry");
        assert_eq!((m.msgid, m.op.tag), (7, tag::SEARCH_ENTRY));
        let (dn, value) = entry_value(m.op, "maildrop").expect("parsed");
        assert_eq!((dn, value), (&b"mail=a@b,o=b"[..], Some(&b"c@b"[..])));
        buf.clear();
        codec.encode(done, &mut buf).expect("encode");
        let m = message(&buf).expect("done");
        assert_eq!(result_code(m.op), Some(32));
        assert_eq!(diagnostic(m.op), "gone");
    }
}
