//! The direct reader against ldap3_proto: on every message it reads, the request the
//! general path makes of it; on generated requests it reads them all; on mangled
//! bytes it never disagrees (it may only decline). Requests are compared by their
//! debug form, which shows every field.

use super::*;
use crate::ops::wire::{request, Incoming};
use crate::test_rng::Rng;
use ldap3_lber::Parser;
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapDerefAliases, LdapFilter, LdapMsg, LdapOp,
    LdapSearchRequest, LdapSearchScope, LdapSubstringFilter,
};
use ldap3_proto::LdapCodec;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Encoder;

/// The project's request for ldap3_proto's message, as the general path converts it.
fn converted(msg: LdapMsg) -> String {
    let incoming = Incoming::Message {
        msg,
        controls: Vec::new(),
    };
    format!("{:?}", request(incoming))
}

/// The general path's reading of one whole message.
fn general(bytes: &[u8]) -> Option<String> {
    let (rest, tag) = Parser::new(64).parse(bytes).ok()?;
    if !rest.is_empty() {
        return None;
    }
    LdapMsg::try_from(tag).ok().map(converted)
}

/// This reader's request for `bytes`, in the same form.
fn direct(bytes: &[u8]) -> Option<String> {
    decode(bytes).map(|r| format!("{r:?}"))
}

fn encode(msg: &LdapMsg) -> Vec<u8> {
    let mut out = BytesMut::new();
    LdapCodec::new(None, None)
        .encode(msg.clone(), &mut out)
        .unwrap();
    out.to_vec()
}

/// Requests made up from the shared generator.
impl Rng {
    fn text(&mut self) -> String {
        let pool = [
            "",
            "a",
            "mail",
            "objectClass",
            "user1@domain1.example",
            "é*ü",
            "x",
        ];
        let mut s = pool[self.below(pool.len() as u64) as usize].to_string();
        if self.below(8) == 0 {
            s.push_str(&"y".repeat(200));
        }
        s
    }

    fn filter(&mut self, depth: u32) -> LdapFilter {
        let pick = if depth == 0 {
            4 + self.below(6)
        } else {
            self.below(10)
        };
        let list = |r: &mut Rng| (0..r.below(4)).map(|_| r.filter(depth - 1)).collect();
        match pick {
            0 => LdapFilter::And(list(self)),
            1 => LdapFilter::Or(list(self)),
            2 => LdapFilter::Not(Box::new(self.filter(depth - 1))),
            3 => LdapFilter::Substring(
                self.text(),
                LdapSubstringFilter {
                    initial: (self.below(2) == 0).then(|| self.text()),
                    any: (0..self.below(3)).map(|_| self.text()).collect(),
                    final_: Some(self.text()),
                },
            ),
            4 => LdapFilter::Equality(self.text(), self.text()),
            5 => LdapFilter::GreaterOrEqual(self.text(), self.text()),
            6 => LdapFilter::LessOrEqual(self.text(), self.text()),
            7 => LdapFilter::Approx(self.text(), self.text()),
            _ => LdapFilter::Present(self.text()),
        }
    }

    fn message(&mut self) -> LdapMsg {
        let msgid = [0, 1, 127, 128, 255, 65_536, i32::MAX][self.below(7) as usize];
        let op = match self.below(5) {
            0 => LdapOp::UnbindRequest,
            1 => LdapOp::BindRequest(LdapBindRequest {
                version: [2, 3][self.below(2) as usize],
                dn: self.text(),
                cred: LdapBindCred::Simple(self.text()),
            }),
            _ => LdapOp::SearchRequest(LdapSearchRequest {
                base: self.text(),
                scope: [
                    LdapSearchScope::Base,
                    LdapSearchScope::OneLevel,
                    LdapSearchScope::Subtree,
                    LdapSearchScope::Children,
                ][self.below(4) as usize]
                    .clone(),
                aliases: [LdapDerefAliases::Never, LdapDerefAliases::Always]
                    [self.below(2) as usize]
                    .clone(),
                sizelimit: [0, 1, 500, i32::MAX][self.below(4) as usize],
                timelimit: [0, 30][self.below(2) as usize],
                typesonly: self.below(2) == 0,
                filter: {
                    let depth = self.below(5) as u32;
                    self.filter(depth)
                },
                attrs: (0..self.below(4)).map(|_| self.text()).collect(),
            }),
        };
        LdapMsg {
            msgid,
            op,
            ctrl: Vec::new(),
        }
    }
}

#[test]
fn reads_every_generated_request_as_ldap3_proto_does() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let msg = rng.message();
        let bytes = encode(&msg);
        assert_eq!(frame(&bytes), Some(bytes.len()), "{msg:?}");
        let ours = direct(&bytes);
        assert_eq!(ours, Some(converted(msg)), "{bytes:02x?}");
        assert_eq!(ours, general(&bytes), "{bytes:02x?}");
    }
}

#[test]
fn mangled_bytes_are_declined_or_read_as_ldap3_proto_reads_them() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut read = 0;
    for _ in 0..20_000 {
        let mut bytes = encode(&rng.message());
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() as u64) as usize;
            match rng.below(4) {
                0 => bytes[at] = rng.next() as u8,
                1 => bytes[at] ^= 1 << rng.below(8),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, rng.next() as u8),
            }
        }
        let Some(size) = frame(&bytes) else {
            continue;
        };
        if let Some(ours) = direct(&bytes[..size]) {
            read += 1;
            assert_eq!(Some(ours), general(&bytes[..size]), "{bytes:02x?}");
        }
    }
    // The check above must have had something to compare.
    assert!(read > 1000, "only {read} mangled messages were read");
}

#[test]
fn declines_what_the_general_path_must_judge() {
    let search = |filter: LdapFilter| {
        encode(&LdapMsg {
            msgid: 1,
            op: LdapOp::SearchRequest(LdapSearchRequest {
                base: String::new(),
                scope: LdapSearchScope::Base,
                aliases: LdapDerefAliases::Never,
                sizelimit: 0,
                timelimit: 0,
                typesonly: false,
                filter,
                attrs: Vec::new(),
            }),
            ctrl: Vec::new(),
        })
    };
    let mut deep = LdapFilter::Present("cn".into());
    for _ in 0..MAX_FILTER_DEPTH {
        deep = LdapFilter::Not(Box::new(deep));
    }
    assert_eq!(direct(&search(deep)), None, "deeper than MAX_FILTER_DEPTH");
    let mut controlled = LdapMsg {
        msgid: 2,
        op: LdapOp::UnbindRequest,
        ctrl: Vec::new(),
    };
    controlled
        .ctrl
        .push(ldap3_proto::control::LdapControl::ManageDsaIT { criticality: true });
    assert_eq!(direct(&encode(&controlled)), None, "controls");
    // initial after any, and final before it: ldap3_proto refuses both.
    let sub = search(LdapFilter::Substring(
        "cn".into(),
        LdapSubstringFilter {
            initial: None,
            any: vec!["a".into(), "b".into()],
            final_: None,
        },
    ));
    assert!(direct(&sub).is_some());
    let at = |needle: &[u8]| sub.windows(3).position(|w| w == needle).unwrap();
    for (needle, tag) in [(b"\x81\x01b", 0x80), (b"\x81\x01a", 0x82)] {
        let mut bad = sub.clone();
        bad[at(needle)] = tag;
        assert_eq!(direct(&bad), None, "{bad:02x?}");
        assert_eq!(general(&bad), None, "{bad:02x?}");
    }
    // A long-form length that fits the short form, and a negative message id.
    assert_eq!(
        direct(&[0x30, 0x81, 0x05, 0x02, 0x01, 0x01, 0x42, 0x00]),
        None
    );
    assert_eq!(direct(&[0x30, 0x05, 0x02, 0x01, 0xff, 0x42, 0x00]), None);
    assert!(direct(&[0x30, 0x05, 0x02, 0x01, 0x01, 0x42, 0x00]).is_some());
    // Incomplete input is left for the general path to wait on.
    assert_eq!(frame(&[0x30, 0x05, 0x02, 0x01]), None);
}
