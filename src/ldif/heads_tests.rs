//! The survey's reader: record heads agree with whole records, and head errors
//! name their line as a whole parse does.

use super::*;

/// What a whole parse says of each record's head: its line and the DN it adds.
fn heads_of_whole_parse(text: &[u8]) -> Vec<(usize, Option<String>)> {
    let records = parse_ldif(text, "t.ldif", None).expect("valid LDIF");
    records
        .iter()
        .map(|rec| {
            let added = match &rec.record {
                LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => {
                    Some(e.dn.to_string())
                }
                LdifRecord::Change(_) => None,
            };
            (rec.line, added)
        })
        .collect()
}

fn heads(text: &[u8]) -> Vec<(usize, Option<String>)> {
    parse_heads(text, "t.ldif")
        .expect("valid heads")
        .into_iter()
        .map(|h| (h.line, h.added.map(|dn| dn.to_string())))
        .collect()
}

#[test]
fn heads_agree_with_whole_records_on_shipped_and_tricky_files() {
    let tricky = "version: 1\r\n# comment\r\n  folded comment\r\ndn: cn=Barbara J Jensen,dc=exa\r\n mple,dc=com\r\ncn: Barbara\r\n  J\r\n\r\ndn:: Y249TcO8bGxlcixkYz1leGFtcGxl\ncontrol: 1.2.840.113556.1.4.805 true\nchangetype: delete\n\ndn: cn=a,dc=example\nchangetype: ad\n d\ncn: a\n\ndn: cn=b,dc=example\nchangetype: modify\nadd: cn\ncn: b\n-\n\n\ndn: cn=c,dc=example\ncn: c\n";
    let shipped: [&[u8]; 3] = [
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/ldif/demo.ldif")),
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ldif/slapcat-sample.ldif"
        )),
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ldif/article/user1.domain1.example.ldif"
        )),
    ];
    for text in shipped.into_iter().chain([tricky.as_bytes()]) {
        let want = heads_of_whole_parse(text);
        assert!(!want.is_empty());
        assert_eq!(heads(text), want);
    }
    // The tricky file: the folded `changetype: add` adds, the delete and modify do not.
    let got = heads(tricky.as_bytes());
    let added: Vec<bool> = got.iter().map(|(_, a)| a.is_some()).collect();
    assert_eq!(added, [true, false, true, false, true]);
    assert_eq!(got[0].0, 4);
}

#[test]
fn head_errors_name_their_line_and_the_rest_is_left_to_the_whole_parse() {
    let bad_dn = "dn: o=ok,dc=example\no: ok\n\ndn: not a dn\no: x\n";
    let err = parse_heads(bad_dn.as_bytes(), "t.ldif").unwrap_err();
    assert_eq!(err.line, 4);
    assert_eq!(
        err,
        parse_ldif(bad_dn.as_bytes(), "t.ldif", None).unwrap_err()
    );
    let no_dn = "o: x\n";
    assert_eq!(parse_heads(no_dn.as_bytes(), "t.ldif").unwrap_err().line, 1);
    // A bad attribute line is past the head: the whole parse reports it.
    let bad_body = "dn: o=ok,dc=example\no: ok\nnot an attribute line\n";
    assert_eq!(
        heads(bad_body.as_bytes()),
        [(1, Some("o=ok,dc=example".into()))]
    );
    assert_eq!(
        parse_ldif(bad_body.as_bytes(), "t.ldif", None)
            .unwrap_err()
            .line,
        3
    );
}
