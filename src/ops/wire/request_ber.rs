//! The requests a mail host sends on every lookup and login (search, simple bind,
//! unbind) read straight from BER: ldap3_lber builds a tree of tags and ldap3_proto
//! then walks it, about 20k of a Postfix lookup's 95k instructions (callgrind).
//! They are read into the project's `Request` at once: building ldap3_proto's message
//! and then converting it allocated every string twice (callgrind: a fortieth of a
//! Postfix lookup). Only the plain, definite-length, minimal form without controls is
//! read here; anything else returns `None` and takes the general path, so every
//! answer is the one ldap3_proto and the conversion give (tests compare the two on
//! generated and mangled input).

use crate::dn::Scope;
use crate::filter::Filter;
use crate::ops::request::{BindRequest, Credentials, Operation, Request, SearchRequest};

/// Filters nested deeper than this take the general path (and its depth limit).
const MAX_FILTER_DEPTH: usize = 8;

/// The deepest BER nesting a message read here can have (message, operation, the
/// filters, a substring filter's two levels), with room to spare: a codec whose
/// depth limit is lower sends everything the general way, which enforces it.
pub const NESTING: usize = 2 + MAX_FILTER_DEPTH + 2 + 4;

/// The size of the complete message at the start of `buf`, when its header is a
/// SEQUENCE with a minimal definite length and all of it is there.
pub fn frame(buf: &[u8]) -> Option<usize> {
    let mut r = Reader { bytes: buf };
    let (tag, _) = r.tlv()?;
    (tag == 0x30).then(|| buf.len() - r.bytes.len())
}

/// The message in `msg` (exactly one message, as [`frame`] measured it), when it is
/// one of the requests read here in their plain form.
pub fn decode(msg: &[u8]) -> Option<Request> {
    let (tag, body) = Reader { bytes: msg }.only()?;
    if tag != 0x30 {
        return None;
    }
    let mut r = Reader { bytes: body };
    let msgid = r.expect(0x02).and_then(small_int)?;
    let (op_tag, op) = r.tlv()?;
    if !r.bytes.is_empty() {
        return None; // controls: the general path keeps their criticality
    }
    let op = match op_tag {
        0x42 if op.is_empty() => Operation::Unbind,
        0x60 => Operation::Bind(bind(op)?),
        0x63 => Operation::Search(search(op)?),
        _ => return None,
    };
    Some(Request {
        id: msgid,
        op,
        controls: Vec::new(),
    })
}

/// BindRequest ::= [APPLICATION 0] SEQUENCE { version, name, simple [0] }
fn bind(body: &[u8]) -> Option<BindRequest> {
    let mut r = Reader { bytes: body };
    let version = r.expect(0x02).and_then(small_int)?;
    let dn = r.expect(0x04).and_then(utf8)?;
    let password = r.expect(0x80).and_then(utf8)?;
    r.bytes.is_empty().then_some(BindRequest {
        version: version.into(),
        dn,
        credentials: Credentials::Simple(password),
    })
}

/// SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject, scope, derefAliases,
/// sizeLimit, timeLimit, typesOnly, filter, attributes }
fn search(body: &[u8]) -> Option<SearchRequest> {
    let mut r = Reader { bytes: body };
    let base = r.expect(0x04).and_then(utf8)?;
    let scope = match r.expect(0x0a).and_then(small_int)? {
        0 => Scope::Base,
        1 => Scope::OneLevel,
        2 => Scope::Subtree,
        3 => Scope::Children,
        _ => return None,
    };
    // neverDerefAliases (0) to derefAlways (3); others are ldap3_proto's to refuse.
    let deref = match r.expect(0x0a).and_then(small_int)? {
        d @ 0..=3 => i64::from(d),
        _ => return None,
    };
    let sizelimit = r.expect(0x02).and_then(small_int)?;
    let timelimit = r.expect(0x02).and_then(small_int)?;
    let typesonly = match r.expect(0x01)? {
        [0x00] => false,
        [0xff] => true,
        _ => return None,
    };
    let (tag, content) = r.tlv()?;
    let filter = filter(tag, content, MAX_FILTER_DEPTH)?;
    let mut list = Reader {
        bytes: r.expect(0x30)?,
    };
    let mut attrs = Vec::new();
    while !list.bytes.is_empty() {
        attrs.push(list.expect(0x04).and_then(utf8)?);
    }
    r.bytes.is_empty().then_some(SearchRequest {
        base,
        scope,
        deref,
        size_limit: sizelimit,
        time_limit: timelimit,
        types_only: typesonly,
        filter,
        attrs,
    })
}

/// One Filter CHOICE (RFC 4511 4.5.1.7), but extensibleMatch. Values must be UTF-8,
/// as ldap3_proto's are.
fn filter(tag: u8, content: &[u8], depth: usize) -> Option<Filter> {
    let depth = depth.checked_sub(1)?;
    let mut r = Reader { bytes: content };
    let pair = |r: &mut Reader<'_>| -> Option<(String, Vec<u8>)> {
        let attr = r.expect(0x04).and_then(utf8)?;
        let value = r.expect(0x04).and_then(utf8_bytes)?;
        r.bytes.is_empty().then_some((attr, value))
    };
    Some(match tag {
        0xa0 | 0xa1 => {
            let mut list = Vec::new();
            while !r.bytes.is_empty() {
                let (t, c) = r.tlv()?;
                list.push(filter(t, c, depth)?);
            }
            if tag == 0xa0 {
                Filter::And(list)
            } else {
                Filter::Or(list)
            }
        }
        0xa2 => {
            let (t, c) = r.only()?;
            Filter::Not(Box::new(filter(t, c, depth)?))
        }
        0xa3 => pair(&mut r).map(|(a, v)| Filter::Equality(a, v))?,
        0xa5 => pair(&mut r).map(|(a, v)| Filter::GreaterOrEqual(a, v))?,
        0xa6 => pair(&mut r).map(|(a, v)| Filter::LessOrEqual(a, v))?,
        0xa8 => pair(&mut r).map(|(a, v)| Filter::Approx(a, v))?,
        0x87 => Filter::Present(utf8(content)?),
        0xa4 => {
            let attr = r.expect(0x04).and_then(utf8)?;
            let parts = r.expect(0x30)?;
            if !r.bytes.is_empty() {
                return None;
            }
            substrings(attr, parts)?
        }
        _ => return None,
    })
}

/// A substring filter on `attr` from its substrings: initial first, final last, any
/// between; at least one.
fn substrings(attr: String, parts: &[u8]) -> Option<Filter> {
    let mut r = Reader { bytes: parts };
    let (mut initial, mut any, mut final_) = (None, Vec::new(), None);
    let mut first = true;
    while !r.bytes.is_empty() {
        let (tag, value) = r.tlv()?;
        let value = utf8_bytes(value)?;
        let last = r.bytes.is_empty();
        match tag {
            0x80 if first => initial = Some(value),
            0x81 => any.push(value),
            0x82 if last => final_ = Some(value),
            _ => return None,
        }
        first = false;
    }
    (!first).then_some(Filter::Substring {
        attr,
        initial,
        any,
        final_,
    })
}

/// A non-negative INTEGER or ENUMERATED of one to four content bytes (so ldap3_proto's
/// unsigned reading and its truncation to i32 give the same value).
fn small_int(content: &[u8]) -> Option<i32> {
    match content {
        [first, ..] if content.len() <= 4 && *first < 0x80 => {
            Some(content.iter().fold(0i32, |n, &b| (n << 8) | i32::from(b)))
        }
        _ => None,
    }
}

fn utf8(content: &[u8]) -> Option<String> {
    std::str::from_utf8(content).ok().map(str::to_string)
}

/// The bytes of a value that must be UTF-8.
fn utf8_bytes(content: &[u8]) -> Option<Vec<u8>> {
    std::str::from_utf8(content).ok().map(|_| content.to_vec())
}

/// A cursor over BER elements.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// The next element: a one-byte tag and its content. Lengths must be definite
    /// and minimal (the long form only past 127, no leading zero byte, at most four).
    fn tlv(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.bytes.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // a multi-byte tag number
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = match first {
            0..=0x7f => usize::from(first),
            0x81..=0x84 => {
                let n = usize::from(first & 0x7f);
                let (digits, after) = (rest.get(..n)?, rest.get(n..)?);
                if digits[0] == 0 {
                    return None;
                }
                let len = digits
                    .iter()
                    .fold(0usize, |l, &d| (l << 8) | usize::from(d));
                if len < 0x80 {
                    return None;
                }
                rest = after;
                len
            }
            _ => return None,
        };
        let content = rest.get(..len)?;
        self.bytes = &rest[len..];
        Some((tag, content))
    }

    /// The next element's content when its tag is `tag`.
    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (t, content) = self.tlv()?;
        (t == tag).then_some(content)
    }

    /// The one element these bytes hold, and nothing after it.
    fn only(mut self) -> Option<(u8, &'a [u8])> {
        let element = self.tlv()?;
        self.bytes.is_empty().then_some(element)
    }
}

#[cfg(test)]
#[path = "request_ber_tests.rs"]
mod tests;
