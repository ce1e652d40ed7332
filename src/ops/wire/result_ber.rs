//! The replies that are an LDAPResult alone (bind without SASL credentials, search
//! done, modify, add, delete, modify DN, compare; RFC 4511 4.1.9) written straight
//! to BER: ldap3_proto builds a tree of tags first, about 4.7k of a bind's 73k
//! instructions (callgrind). The bytes are the ones ldap3_proto writes (tests
//! compare the two).

use super::ber_writer::{header, integer, octets, tlv_len, ENUMERATED, INTEGER, SEQUENCE};
use ldap3_proto::proto::{LdapMsg, LdapOp, LdapResult};
use tokio_util::bytes::{BufMut, BytesMut};

/// Write `msg` when it is one of those replies, without controls or referrals;
/// false otherwise (the caller encodes it the general way).
pub fn encode_result(msg: &LdapMsg, buf: &mut BytesMut) -> bool {
    let Some((tag, res)) = result_of(&msg.op) else {
        return false;
    };
    if !msg.ctrl.is_empty() || !res.referral.is_empty() {
        return false;
    }
    let id = integer(msg.msgid.into());
    let code = integer(res.code.clone() as i64);
    let op = tlv_len(code.width()) + tlv_len(res.matcheddn.len()) + tlv_len(res.message.len());
    let body = tlv_len(id.width()) + tlv_len(op);
    buf.reserve(tlv_len(body));
    header(buf, SEQUENCE, body);
    header(buf, INTEGER, id.width());
    buf.put_slice(id.as_slice());
    header(buf, tag, op);
    header(buf, ENUMERATED, code.width());
    buf.put_slice(code.as_slice());
    octets(buf, res.matcheddn.as_bytes());
    octets(buf, res.message.as_bytes());
    true
}

/// The [APPLICATION n] constructed tag of a reply that is an LDAPResult alone.
fn result_of(op: &LdapOp) -> Option<(u8, &LdapResult)> {
    Some(match op {
        LdapOp::BindResponse(b) if b.saslcreds.is_none() => (0x61, &b.res),
        LdapOp::SearchResultDone(r) => (0x65, r),
        LdapOp::ModifyResponse(r) => (0x67, r),
        LdapOp::AddResponse(r) => (0x69, r),
        LdapOp::DelResponse(r) => (0x6b, r),
        LdapOp::ModifyDNResponse(r) => (0x6d, r),
        LdapOp::CompareResult(r) => (0x6f, r),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::proto::{LdapBindResponse, LdapResultCode};
    use ldap3_proto::LdapCodec;
    use tokio_util::codec::Encoder;

    fn result(code: LdapResultCode, matched: &str, message: &str) -> LdapResult {
        LdapResult {
            code,
            matcheddn: matched.into(),
            message: message.into(),
            referral: Vec::new(),
        }
    }

    fn msg(msgid: i32, op: LdapOp) -> LdapMsg {
        LdapMsg {
            msgid,
            op,
            ctrl: Vec::new(),
        }
    }

    fn theirs(m: &LdapMsg) -> BytesMut {
        let mut out = BytesMut::new();
        LdapCodec::new(None, None)
            .encode(m.clone(), &mut out)
            .unwrap();
        out
    }

    #[test]
    fn writes_the_bytes_ldap3_proto_writes() {
        let long = "x".repeat(300);
        let ok = || result(LdapResultCode::Success, "", "");
        let bind = |res| {
            LdapOp::BindResponse(LdapBindResponse {
                res,
                saslcreds: None,
            })
        };
        let cases = [
            msg(1, bind(ok())),
            msg(
                127,
                bind(result(LdapResultCode::InvalidCredentials, "", "")),
            ),
            msg(128, LdapOp::SearchResultDone(ok())),
            msg(
                65_536,
                LdapOp::SearchResultDone(result(LdapResultCode::NoSuchObject, "o=x", &long)),
            ),
            msg(i32::MAX, LdapOp::ModifyResponse(ok())),
            msg(
                5,
                LdapOp::AddResponse(result(LdapResultCode::Other, &long, "m")),
            ),
            msg(6, LdapOp::DelResponse(ok())),
            msg(7, LdapOp::ModifyDNResponse(ok())),
            msg(
                8,
                LdapOp::CompareResult(result(LdapResultCode::CompareTrue, "", "")),
            ),
            msg(
                9,
                LdapOp::SearchResultDone(result(LdapResultCode::EsyncRefreshRequired, "", "")),
            ),
            msg(
                10,
                LdapOp::SearchResultDone(result(LdapResultCode::AssertionFailed, "", "")),
            ),
        ];
        for m in cases {
            let mut ours = BytesMut::new();
            assert!(encode_result(&m, &mut ours), "msgid {}", m.msgid);
            assert_eq!(ours, theirs(&m), "msgid {}", m.msgid);
        }
    }

    #[test]
    fn referrals_controls_and_sasl_credentials_are_left_to_ldap3_proto() {
        let mut with_referral = result(LdapResultCode::Referral, "", "");
        with_referral.referral.push("ldap://other/".into());
        let sasl = LdapOp::BindResponse(LdapBindResponse {
            res: result(LdapResultCode::SaslBindInProgress, "", ""),
            saslcreds: Some(b"challenge".to_vec()),
        });
        let mut controlled = msg(
            3,
            LdapOp::DelResponse(result(LdapResultCode::Success, "", "")),
        );
        controlled
            .ctrl
            .push(ldap3_proto::control::LdapControl::ManageDsaIT { criticality: false });
        for m in [
            msg(1, LdapOp::SearchResultDone(with_referral)),
            msg(2, sasl),
            controlled,
        ] {
            assert!(
                !encode_result(&m, &mut BytesMut::new()),
                "msgid {}",
                m.msgid
            );
        }
        assert!(!encode_result(
            &msg(4, LdapOp::UnbindRequest),
            &mut BytesMut::new()
        ));
    }
}
