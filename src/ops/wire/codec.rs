//! The framing codec. Decoding reads one BER message with ldap3_lber and takes its
//! controls out before ldap3_proto builds the message: ldap3_proto drops the
//! criticality of the controls it types itself (paged results, sort), and a control
//! value it cannot parse fails the whole message, where RFC 4511 wants only that
//! operation to fail. The requests sent on every lookup and login are read
//! without either when they are in their plain form (`request_ber`). Encoding is
//! ldap3_proto's, but for search result entries and plain results (`entry_ber`,
//! `result_ber`).

use crate::ops::request::Request;
use ldap3_lber::common::TagClass;
use ldap3_lber::structure::{StructureTag, PL};
use ldap3_lber::universal::Types;
use ldap3_lber::Parser;
use ldap3_proto::proto::LdapMsg;
use ldap3_proto::LdapCodec;
use std::io;
use tokio_util::bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// A request message as decoded.
#[derive(Debug)]
pub enum Incoming {
    /// ldap3_proto's message, with its controls apart.
    Message {
        /// The message; its `ctrl` is always empty.
        msg: LdapMsg,
        /// The controls the message carried, in order.
        controls: Vec<RawControl>,
    },
    /// A plain search, simple bind or unbind, read straight into the project's form.
    Plain(Request),
}

/// One control as the client sent it (RFC 4511 4.1.11).
#[derive(Debug, Clone)]
pub struct RawControl {
    /// The controlType.
    pub oid: String,
    /// The criticality (absent means false).
    pub critical: bool,
    /// The controlValue's octets, when present.
    pub value: Option<Vec<u8>>,
    /// The whole control, for ldap3_proto's decoders of the controls it knows.
    pub tag: StructureTag,
}

/// ldap3_proto's codec with the controls kept whole; the same size and depth limits.
pub struct Codec {
    encoder: LdapCodec,
    max_message: usize,
    max_depth: usize,
}

impl Codec {
    /// A codec refusing messages over `max_message` bytes or nested deeper than `max_depth`.
    pub fn new(max_message: usize, max_depth: usize) -> Codec {
        Codec {
            encoder: LdapCodec::new(Some(max_message), Some(max_depth)),
            max_message,
            max_depth,
        }
    }
}

impl Decoder for Codec {
    type Item = Incoming;
    type Error = io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Option<Incoming>> {
        // Checked before parsing, so a client cannot make the buffer grow without bound.
        if buf.len() > self.max_message.saturating_mul(2) {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "buffer too large",
            ));
        }
        if self.max_depth >= super::request_ber::NESTING {
            if let Some(size) = super::request_ber::frame(buf).filter(|&n| n <= self.max_message) {
                if let Some(request) = super::request_ber::decode(&buf[..size]) {
                    buf.advance(size);
                    return Ok(Some(Incoming::Plain(request)));
                }
            }
        }
        let (rest, tag) = match Parser::new(self.max_depth).parse(buf) {
            Ok(parsed) => parsed,
            Err(ldap3_lber::Err::Incomplete(_)) => return Ok(None),
            Err(_) => return Err(io::Error::other("malformed BER")),
        };
        let size = buf.len() - rest.len();
        if size > self.max_message {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "message too large",
            ));
        }
        buf.advance(size);
        let (tag, controls) = take_controls(tag)?;
        let msg = LdapMsg::try_from(tag).map_err(io::Error::other)?;
        Ok(Some(Incoming::Message { msg, controls }))
    }
}

impl Encoder<LdapMsg> for Codec {
    type Error = io::Error;

    fn encode(&mut self, msg: LdapMsg, buf: &mut BytesMut) -> io::Result<()> {
        if super::entry_ber::encode_entry(&msg, buf) || super::result_ber::encode_result(&msg, buf)
        {
            return Ok(());
        }
        self.encoder.encode(msg, buf)
    }
}

/// Split `[0] Controls` off an LDAPMessage: the message without them, and each
/// control. A controls element that is not a sequence of controls is malformed.
fn take_controls(mut message: StructureTag) -> io::Result<(StructureTag, Vec<RawControl>)> {
    let malformed = || io::Error::other("malformed controls");
    let PL::C(parts) = &mut message.payload else {
        return Ok((message, Vec::new()));
    };
    let has_controls = parts.len() == 3
        && parts[2].class == TagClass::Context
        && parts[2].id == 0
        && matches!(parts[2].payload, PL::C(_));
    if !has_controls {
        return Ok((message, Vec::new()));
    }
    let Some(PL::C(items)) = parts.pop().map(|t| t.payload) else {
        return Err(malformed());
    };
    let controls = items
        .into_iter()
        .map(raw_control)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(malformed)?;
    Ok((message, controls))
}

/// Control ::= SEQUENCE { controlType LDAPOID, criticality BOOLEAN DEFAULT FALSE,
/// controlValue OCTET STRING OPTIONAL }
fn raw_control(tag: StructureTag) -> Option<RawControl> {
    let whole = tag.clone();
    let mut fields = tag
        .match_class(TagClass::Universal)?
        .match_id(Types::Sequence as u64)?
        .expect_constructed()?
        .into_iter();
    let oid = fields
        .next()?
        .match_class(TagClass::Universal)?
        .match_id(Types::OctetString as u64)?
        .expect_primitive()?;
    let mut control = RawControl {
        oid: String::from_utf8(oid).ok()?,
        critical: false,
        value: None,
        tag: whole,
    };
    for field in fields {
        match (field.class, field.id) {
            (TagClass::Universal, id) if id == Types::Boolean as u64 && control.value.is_none() => {
                control.critical = field.expect_primitive()?.first().is_some_and(|b| *b != 0);
            }
            (TagClass::Universal, id) if id == Types::OctetString as u64 => {
                control.value = Some(field.expect_primitive()?);
            }
            _ => return None,
        }
    }
    Some(control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::control::LdapControl;
    use ldap3_proto::proto::LdapOp;

    /// The message and controls the codec reads back from a delete carrying `ctrl`.
    fn round_trip(ctrl: Vec<LdapControl>) -> (LdapMsg, Vec<RawControl>) {
        let mut codec = Codec::new(1 << 20, 32);
        let mut buf = BytesMut::new();
        let msg = LdapMsg::new_with_ctrls(5, LdapOp::DelRequest("cn=x".into()), ctrl);
        codec.encode(msg, &mut buf).unwrap();
        let got = codec.decode(&mut buf).unwrap().expect("one message");
        assert!(buf.is_empty());
        match got {
            Incoming::Message { msg, controls } => (msg, controls),
            Incoming::Plain(r) => panic!("a delete read as a plain request: {r:?}"),
        }
    }

    #[test]
    fn controls_keep_their_criticality_and_value() {
        let (msg, controls) = round_trip(vec![
            LdapControl::Unknown {
                oid: "1.3.6.1.1.12".into(),
                criticality: true,
                value: Some(vec![0x87, 0x02, b'c', b'n']),
            },
            LdapControl::ManageDsaIT { criticality: false },
        ]);
        assert_eq!(msg.msgid, 5);
        assert!(msg.ctrl.is_empty());
        assert_eq!(controls.len(), 2);
        assert_eq!(controls[0].oid, "1.3.6.1.1.12");
        assert!(controls[0].critical);
        assert_eq!(
            controls[0].value.as_deref(),
            Some(&[0x87, 0x02, b'c', b'n'][..])
        );
        assert!(!controls[1].critical);
        assert_eq!(controls[1].value, None);
    }

    #[test]
    fn a_malformed_control_value_does_not_fail_the_message() {
        // ldap3_proto alone refuses this message: the paged results value is no BER.
        let (msg, controls) = round_trip(vec![LdapControl::Unknown {
            oid: "1.2.840.113556.1.4.319".into(),
            criticality: true,
            value: Some(b"junk".to_vec()),
        }]);
        assert!(matches!(msg.op, LdapOp::DelRequest(_)));
        assert_eq!(controls[0].value.as_deref(), Some(&b"junk"[..]));
    }

    #[test]
    fn incomplete_input_waits_and_oversized_input_fails() {
        let mut codec = Codec::new(64, 32);
        let mut buf = BytesMut::from(&[0x30u8, 0x10, 0x02][..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        let mut big = BytesMut::from(&vec![0x30u8; 200][..]);
        assert!(codec.decode(&mut big).is_err());
    }
}
