//! Tests of the entry record codec, both versions.

use super::*;

fn sample() -> Entry {
    let mut e = Entry::new(Dn::parse("cn=a+sn=b\\, c,o=hosting,dc=example").unwrap());
    e.add_values("objectClass", vec![b"top".to_vec(), b"person".to_vec()]);
    // Binary values (a JPEG header, NULs, invalid UTF-8) must come back byte for byte.
    e.add_values("jpegPhoto;binary", vec![vec![0xff, 0xd8, 0x00, 0x00, 0xfe]]);
    e.add_values("description", vec![Vec::new()]);
    e
}

#[test]
fn round_trips_binary_values_and_multi_valued_rdns() {
    let e = sample();
    assert_eq!(decode(&encode(&e)).unwrap(), e);
    let root = Entry::new(Dn::root());
    assert_eq!(decode(&encode(&root)).unwrap(), root);
}

#[test]
fn rebase_replaces_the_ancestor_and_keeps_the_attributes() {
    let e = sample();
    let base = Dn::parse("o=renamed,dc=example").unwrap();
    let moved = decode(&rebase(&encode(&e), 2, &base).unwrap()).unwrap();
    assert_eq!(moved.dn.to_string(), "cn=a+sn=b\\, c,o=renamed,dc=example");
    assert_eq!(moved.attrs, e.attrs);
    assert_eq!(decode_dn(&encode(&e)).unwrap(), e.dn);
    assert_eq!(
        rebase(&encode(&e), 4, &base),
        Err(DecodeError::NotBelow(3, 4))
    );
}

/// What version 1 wrote for `e`: the same layout as [`encode`] with u32 lengths,
/// kept apart on purpose (the product never writes version 1 again).
fn encode_v1(e: &Entry) -> Vec<u8> {
    fn put(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    }
    let count = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_be_bytes());
    let mut out = vec![FIXED_VERSION];
    count(&mut out, e.dn.rdns.len());
    for rdn in &e.dn.rdns {
        count(&mut out, rdn.avas.len());
        for ava in &rdn.avas {
            put(&mut out, ava.attr.as_bytes());
            put(&mut out, ava.value.as_bytes());
        }
    }
    count(&mut out, e.attrs.len());
    for a in &e.attrs {
        put(&mut out, a.name.as_bytes());
        count(&mut out, a.values.len());
        for v in &a.values {
            put(&mut out, v);
        }
    }
    out
}

#[test]
fn version_1_records_still_read_and_a_rebase_rewrites_them() {
    let e = sample();
    let old = encode_v1(&e);
    assert!(encode(&e).len() < old.len() * 3 / 4, "varints save little");
    assert_eq!(decode(&old).unwrap(), e);
    assert_eq!(decode_dn(&old).unwrap(), e.dn);
    let keep = |n: &[u8]| n == b"objectClass";
    assert_eq!(decode_where(&old, &keep), decode_where(&encode(&e), &keep));
    let base = Dn::parse("o=renamed,dc=example").unwrap();
    let moved = rebase(&old, 2, &base).unwrap();
    assert_eq!(moved[0], VERSION);
    assert_eq!(decode(&moved).unwrap().attrs, e.attrs);
    assert_eq!(
        decode(&moved),
        decode(&rebase(&encode(&e), 2, &base).unwrap())
    );
}

#[test]
fn lengths_of_every_varint_width_round_trip() {
    let mut e = sample();
    for n in [127, 128, 16_383, 16_384, 2_100_000] {
        e.add_values(&format!("description{n}"), vec![vec![b'x'; n]]);
    }
    assert_eq!(decode(&encode(&e)).unwrap(), e);
    // Six groups is no u32: damage, not a length.
    assert_eq!(
        decode(&[VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    for bytes in [encode(&sample()), encode_v1(&sample())] {
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "prefix of {n} bytes decoded");
        }
    }
}

#[test]
fn rejects_damage_with_typed_errors() {
    let mut bytes = encode(&sample());
    bytes.push(0);
    assert_eq!(decode(&bytes), Err(DecodeError::TrailingBytes(1)));
    assert_eq!(decode(&[9, 0, 0]), Err(DecodeError::UnknownVersion(9)));
    // A count claiming 4 billion RDNs must fail fast instead of allocating.
    assert_eq!(
        decode(&[1, 0xff, 0xff, 0xff, 0xff]),
        Err(DecodeError::Truncated)
    );
    assert_eq!(
        decode(&[VERSION, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        Err(DecodeError::Truncated)
    );
    // One RDN, one AVA, attr of length 1 that is not UTF-8.
    let bad = [
        1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(decode(&bad), Err(DecodeError::BadUtf8));
    assert_eq!(
        decode(&[VERSION, 1, 1, 1, 0xff, 0, 0]),
        Err(DecodeError::BadUtf8)
    );
}

#[test]
fn flipped_bytes_never_panic() {
    for bytes in [encode(&sample()), encode_v1(&sample())] {
        flip_each(&bytes);
    }
}

fn flip_each(bytes: &[u8]) {
    for i in 0..bytes.len() {
        for x in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.to_vec();
            b[i] ^= x;
            let _ = decode(&b);
        }
    }
}
