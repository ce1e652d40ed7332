//! Message framing in front of ldap3_proto's codec: an LDAPMessage's length is read
//! from its BER header as soon as the header arrives, so an oversized message is
//! refused before it is buffered, a large one counts against a server-wide budget
//! for partly received requests, and the codec parses each message once, when it is
//! complete (not again on every read of a slow sender). The codec behind it is
//! ops/wire's, which keeps every control's criticality and raw value.

use crate::budget::Budget;
use crate::ops::wire::{Codec, Incoming};
use ldap3_proto::proto::LdapMsg;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

/// Messages up to this size never count against the budget: every mail client's
/// requests are far smaller, so a flood of big partial requests cannot lock them out.
const UNCOUNTED: usize = 64 * 1024;

/// When the message being received started to arrive (None: between messages);
/// the connection loop reads it to enforce read_timeout_secs.
pub type PartialSince = Arc<Mutex<Option<Instant>>>;

/// The codec a connection's `Framed` runs.
pub struct Framing {
    inner: Codec,
    max_message: usize,
    budget: Arc<Budget>,
    reserved: usize,
    partial: PartialSince,
}

impl Framing {
    /// Framing with the size and nesting limits from the config.
    pub fn new(max_message: usize, max_depth: usize, budget: Arc<Budget>) -> Framing {
        Framing {
            // The inner codec sees only complete messages; its own limit is a backstop.
            inner: Codec::new(max_message, max_depth),
            max_message,
            budget,
            reserved: 0,
            partial: Arc::new(Mutex::new(None)),
        }
    }

    /// The clock of the message being received.
    pub fn partial_since(&self) -> PartialSince {
        self.partial.clone()
    }

    fn set_partial(&self, started: bool) {
        let mut p = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        match (started, p.is_some()) {
            (true, false) => *p = Some(Instant::now()),
            (false, _) => *p = None,
            _ => {}
        }
    }

    fn release(&mut self) {
        if self.reserved > 0 {
            self.budget.release(self.reserved);
            self.reserved = 0;
        }
    }
}

impl Drop for Framing {
    fn drop(&mut self) {
        self.release();
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The length of an LDAPMessage's header and of its contents, once enough bytes
/// are there to tell. RFC 4511 5.1: a SEQUENCE with a definite length.
fn message_length(buf: &[u8]) -> io::Result<Option<(usize, usize)>> {
    let (Some(&tag), Some(&first)) = (buf.first(), buf.get(1)) else {
        return Ok(None);
    };
    if tag != 0x30 {
        return Err(invalid(format!("not an LDAPMessage (tag {tag:#04x})")));
    }
    if first < 0x80 {
        return Ok(Some((2, first as usize)));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return Err(invalid(
            "BER length must be definite and under 4 GiB".into(),
        ));
    }
    let Some(bytes) = buf.get(2..2 + n) else {
        return Ok(None);
    };
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Ok(Some((2 + n, len)))
}

impl Decoder for Framing {
    type Item = Incoming;
    type Error = io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Option<Incoming>> {
        self.set_partial(!buf.is_empty());
        let Some((header, len)) = message_length(buf)? else {
            return Ok(None);
        };
        let total = header + len;
        if total > self.max_message {
            return Err(invalid(format!(
                "message of {total} bytes is too large (max_message_bytes is {})",
                self.max_message
            )));
        }
        if buf.len() < total {
            if total > UNCOUNTED && self.reserved == 0 {
                if !self.budget.reserve(total) {
                    return Err(invalid(format!(
                        "message of {total} bytes refused: the server's buffer for large requests is full"
                    )));
                }
                self.reserved = total;
            }
            return Ok(None);
        }
        self.release();
        let msg = self.inner.decode(buf)?;
        self.set_partial(!buf.is_empty());
        Ok(msg)
    }
}

impl Encoder<LdapMsg> for Framing {
    type Error = io::Error;

    fn encode(&mut self, msg: LdapMsg, buf: &mut BytesMut) -> io::Result<()> {
        self.inner.encode(msg, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_from_the_header() {
        assert_eq!(message_length(&[0x30]).unwrap(), None);
        assert_eq!(message_length(&[0x30, 0x05]).unwrap(), Some((2, 5)));
        assert_eq!(message_length(&[0x30, 0x82, 0x01]).unwrap(), None);
        assert_eq!(
            message_length(&[0x30, 0x82, 0x01, 0x00]).unwrap(),
            Some((4, 256))
        );
        assert!(message_length(&[0x04, 0x01]).is_err());
        assert!(message_length(&[0x30, 0x80]).is_err(), "indefinite length");
    }

    #[test]
    fn oversized_refused_from_the_header_alone() {
        let mut f = Framing::new(1024, 32, Budget::new(1 << 20));
        let mut buf = BytesMut::from(&[0x30u8, 0x84, 0x40, 0x00, 0x00, 0x00][..]);
        let err = f.decode(&mut buf).unwrap_err();
        assert!(err.to_string().contains("max_message_bytes"), "{err}");
    }

    #[test]
    fn large_partial_messages_share_one_budget() {
        let budget = Budget::new(300 * 1024);
        let header = [0x30u8, 0x83, 0x02, 0x00, 0x00]; // 128 KiB of contents
        let mut a = Framing::new(1 << 20, 32, budget.clone());
        let mut b = Framing::new(1 << 20, 32, budget.clone());
        let mut c = Framing::new(1 << 20, 32, budget.clone());
        assert!(a
            .decode(&mut BytesMut::from(&header[..]))
            .unwrap()
            .is_none());
        assert!(b
            .decode(&mut BytesMut::from(&header[..]))
            .unwrap()
            .is_none());
        assert!(
            c.decode(&mut BytesMut::from(&header[..])).is_err(),
            "over budget"
        );
        drop(a);
        let mut d = Framing::new(1 << 20, 32, budget);
        assert!(d
            .decode(&mut BytesMut::from(&header[..]))
            .unwrap()
            .is_none());
    }
}
