use super::*;
use crate::entry::{Attribute, ModOp};

const DEMO: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/ldif/demo.ldif"));
const SLAPCAT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ldif/slapcat-sample.ldif"
));
const BASE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ldif/article/base.ldif"
));
const DOMAIN1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ldif/article/domain1.example.ldif"
));
const USER1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ldif/article/user1.domain1.example.ldif"
));

fn parse(text: &str) -> Vec<LocatedRecord> {
    parse_ldif(text.as_bytes(), "test.ldif", None).expect("valid LDIF")
}

fn parse_err(text: &str) -> LdifError {
    parse_ldif(text.as_bytes(), "bad.ldif", None).expect_err("should be rejected")
}

fn content(rec: &LocatedRecord) -> &Entry {
    match &rec.record {
        LdifRecord::Content(e) => e,
        other => panic!("expected a content record, got {other:?}"),
    }
}

fn dn(s: &str) -> Dn {
    Dn::parse(s).expect("test DN")
}

fn find<'a>(recs: &'a [LocatedRecord], d: &str) -> &'a Entry {
    let want = dn(d);
    recs.iter()
        .map(content)
        .find(|e| e.dn.same_as(&want))
        .unwrap_or_else(|| panic!("{d} not found"))
}

/// 1-based line number of the first line of `text` equal to `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).expect("line present") + 1
}

// ------------------------------------------------------------------ shipped files

#[test]
fn demo_tree_loads_with_its_accounts_aliases_and_catch_all() {
    let recs = parse(DEMO);
    assert_eq!(recs.len(), 17);
    assert_eq!(recs[0].line, line_of(DEMO, "dn: dc=myhosting,dc=example"));
    let suffix = dn("dc=myhosting,dc=example");
    for (i, r) in recs.iter().enumerate() {
        let e = content(r);
        assert!(e.dn.is_within(&suffix), "{} outside the suffix", e.dn);
        // slapadd needs parents first.
        if let Some(parent) = e.dn.parent().filter(|_| e.dn.depth() > 2) {
            assert!(
                recs[..i].iter().any(|p| content(p).dn.same_as(&parent)),
                "{} comes before its parent",
                e.dn
            );
        }
    }
    let base = "o=hosting,dc=myhosting,dc=example";
    let pm = find(&recs, &format!("cn=postmaster,o=domain1.example,{base}"));
    let occupant = pm.first_str("roleOccupant").unwrap();
    assert_eq!(
        occupant,
        format!("mail=user1@domain1.example,o=domain1.example,{base}")
    );
    assert!(pm.has_object_class("CourierMailAlias"));

    let team = find(
        &recs,
        &format!("mail=team@domain1.example,o=domain1.example,{base}"),
    );
    assert_eq!(
        team.values("maildrop"),
        &[
            b"user1@domain1.example".to_vec(),
            b"user2@domain1.example".to_vec()
        ]
    );
    let catch_all = find(
        &recs,
        &format!("mail=@domain2.example,o=domain2.example,{base}"),
    );
    assert_eq!(
        catch_all.first_str("maildrop"),
        Some("sales@domain2.example")
    );
    let sales = find(
        &recs,
        &format!("mail=sales@domain2.example,o=domain2.example,{base}"),
    );
    assert_eq!(sales.first_str("mail"), Some("Sales@Domain2.example"));

    let accounts: Vec<&Entry> = recs
        .iter()
        .map(content)
        .filter(|e| e.has_object_class("CourierMailAccount"))
        .collect();
    assert_eq!(accounts.len(), 4);
    for a in accounts {
        assert!(a.first_str("mailbox").unwrap().ends_with('/'), "{}", a.dn);
        assert_eq!(a.first_str("uidNumber"), Some("125"));
        assert_eq!(a.first_str("gidNumber"), Some("120"));
        let pw = a.first_str("userPassword").unwrap();
        let raw = pw.strip_prefix("{SSHA}").expect("SSHA hash");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap();
        assert_eq!(bytes.len(), 24, "SHA-1 digest plus a 4-byte salt");
    }
}

use base64::Engine;

#[test]
fn slapcat_sample_holds_the_demo_tree_with_operational_attributes() {
    let recs = parse_ldif(SLAPCAT, "slapcat-sample.ldif", None).unwrap();
    let demo = parse(DEMO);
    assert_eq!(recs.len(), demo.len());
    for (s, d) in recs.iter().zip(&demo) {
        let (s, d) = (content(s), content(d));
        assert!(s.dn.same_as(&d.dn));
        for attr in ["entryUUID", "entryCSN", "createTimestamp", "creatorsName"] {
            assert_eq!(s.values(attr).len(), 1, "{attr} of {}", s.dn);
        }
        assert!(s.get("structuralObjectClass").is_some());
    }
    let base = "o=hosting,dc=myhosting,dc=example";
    let user2 = format!("mail=user2@domain1.example,o=domain1.example,{base}");
    // slapcat base64-encodes userPassword; decoded it is the hash demo.ldif holds.
    assert_eq!(
        find(&recs, &user2).values("userPassword"),
        find(&demo, &user2).values("userPassword")
    );
    let sales = find(
        &recs,
        &format!("mail=Sales@Domain2.example,o=domain2.example,{base}"),
    );
    assert_eq!(
        sales.first_str("description"),
        Some("Vertrieb – Müller & Söhne")
    );
    assert_eq!(
        sales.first_str("structuralObjectClass"),
        Some("inetOrgPerson")
    );
}

#[test]
fn article_base_ldif_keeps_its_spaced_dns() {
    let recs = parse(BASE);
    assert_eq!(recs.len(), 3);
    let root = content(&recs[0]);
    assert!(root.dn.same_as(&dn("dc=myhosting,dc=example")));
    assert_eq!(root.attrs.len(), 1);
    assert_eq!(root.values("objectClass"), &[b"top".to_vec()]);
    assert_eq!(
        recs[2].line,
        line_of(BASE, "dn: o=hosting, dc=myhosting, dc=example")
    );
    assert_eq!(content(&recs[1]).first_str("cn"), Some("Manager"));
}

#[test]
fn article_domain_ldif_unfolds_wrapped_dns() {
    let recs = parse(DOMAIN1);
    assert_eq!(recs.len(), 3);
    let base = "o=hosting,dc=myhosting,dc=example";
    assert!(content(&recs[0])
        .dn
        .same_as(&dn(&format!("o=domain1.example,{base}"))));
    let abuse = content(&recs[2]);
    assert!(abuse.dn.same_as(&dn(&format!(
        "mail=abuse@domain1.example,o=domain1.example,{base}"
    ))));
    // As printed: CourierMailAlias only, mail only in the RDN.
    assert_eq!(
        abuse.values("objectClass"),
        &[b"top".to_vec(), b"CourierMailAlias".to_vec()]
    );
    assert!(abuse.get("mail").is_none());
}

#[test]
fn article_user_ldif_mixes_an_add_and_a_modify() {
    let recs = parse(USER1);
    assert_eq!(recs.len(), 2);
    let account = content(&recs[0]);
    assert_eq!(account.first_str("mailbox"), Some("domain1.example/user1"));
    assert_eq!(
        recs[1].line,
        line_of(USER1, "dn: cn=postmaster, o=domain1.example, o=hosting,")
    );
    match &recs[1].record {
        LdifRecord::Change(ChangeRecord::Modify { dn: target, mods }) => {
            assert!(target.same_as(&dn(
                "cn=postmaster,o=domain1.example,o=hosting,dc=myhosting,dc=example"
            )));
            assert_eq!(mods.len(), 1);
            assert_eq!(mods[0].op, ModOp::Add);
            assert_eq!(mods[0].attr, "roleOccupant");
            // The second space of each continuation survives: the article's spacing.
            assert_eq!(
                mods[0].values,
                vec![b"mail=user1@domain1.example, o=domain1.example, o=hosting, dc=myhosting, dc=example".to_vec()]
            );
        }
        other => panic!("expected modify, got {other:?}"),
    }
}

// ------------------------------------------------------------------ syntax

#[test]
fn folding_crlf_comments_and_version() {
    let text = "version: 1\r\n# a comment\r\n  that is folded\r\ndn: cn=Barbara J Jensen,dc=exa\r\n mple,dc=com\r\ncn: Barbara J\r\n  Jensen\r\n# inside\r\ndescription:: SGVsbG8=\r\n\r\n\r\n";
    let recs = parse(text);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].line, 4);
    let e = content(&recs[0]);
    assert_eq!(e.dn.to_string(), "cn=Barbara J Jensen,dc=example,dc=com");
    assert_eq!(e.first_str("cn"), Some("Barbara J Jensen"));
    assert_eq!(e.first_str("description"), Some("Hello"));
}

#[test]
fn values_keep_trailing_spaces_and_lose_leading_fill() {
    let recs = parse("dn: cn=x\ncn:    x  \ncn;lang-de:x\ndescription:\n");
    let e = content(&recs[0]);
    assert_eq!(e.values("cn"), &[b"x  ".to_vec()]);
    assert_eq!(e.first_str("cn;lang-de"), Some("x"));
    assert_eq!(e.values("description"), &[Vec::<u8>::new()]);
}

#[test]
fn base64_dn_and_controls() {
    let text = "dn:: Y249TcO8bGxlcixkYz1leGFtcGxl\ncontrol: 1.2.840.113556.1.4.805 true\nchangetype: delete\n";
    let recs = parse(text);
    match &recs[0].record {
        LdifRecord::Change(ChangeRecord::Delete(d)) => {
            assert_eq!(d.to_string(), "cn=Müller,dc=example")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn file_urls_absolute_and_relative() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("photo.bin"), [0u8, 1, 2, 255]).unwrap();
    let abs = dir.path().join("photo.bin");
    let text = format!(
        "dn: cn=x\njpegPhoto:< file://{}\njpegPhoto:< file://photo.bin\n",
        abs.display()
    );
    let recs = parse_ldif(text.as_bytes(), "u.ldif", Some(dir.path())).unwrap();
    let e = content(&recs[0]);
    assert_eq!(
        e.values("jpegPhoto"),
        &[vec![0u8, 1, 2, 255], vec![0u8, 1, 2, 255]]
    );

    let err = parse_ldif(
        b"dn: cn=x\ncn: a\n\ndn: cn=y\njpegPhoto:< file://missing.bin\n",
        "u.ldif",
        Some(dir.path()),
    )
    .unwrap_err();
    assert_eq!(err.line, 5);
    assert!(err.message.contains("missing.bin"), "{err}");
    let err = parse_err("dn: cn=x\njpegPhoto:< http://example.com/a\n");
    assert_eq!(err.line, 2);
    let err = parse_err("dn: cn=x\ncn: a\njpegPhoto:< file:///dev/zero\n");
    assert_eq!(err.line, 3);
    assert!(err.message.contains("not a regular file"), "{err}");
    let err = parse_err("dn: cn=x\njpegPhoto:< file:///tmp/%+1\n");
    assert!(err.message.contains("%-escape"), "{err}");
}

#[test]
fn change_records_of_every_kind() {
    let text = "\
dn: cn=new,dc=example
changetype: add
objectClass: top
cn: new

dn: cn=old,dc=example
changetype: delete

dn: cn=x,dc=example
changetype: modify
add: mail
mail: a@example
mail: b@example
-
delete: description
-
replace: cn
cn: y
-
increment: uidNumber
uidNumber: 1
-

dn: cn=x,dc=example
changetype: modrdn
newrdn: cn=z
deleteoldrdn: 1

dn: cn=z,dc=example
changetype: moddn
newrdn: cn=z
deleteoldrdn: 0
newsuperior: o=elsewhere,dc=example
";
    let recs = parse(text);
    assert_eq!(recs.len(), 5);
    assert_eq!(
        recs.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![1, 6, 9, 24, 29]
    );
    match &recs[0].record {
        LdifRecord::Change(ChangeRecord::Add(e)) => assert_eq!(e.first_str("cn"), Some("new")),
        other => panic!("{other:?}"),
    }
    match &recs[2].record {
        LdifRecord::Change(ChangeRecord::Modify { mods, .. }) => {
            let ops: Vec<(ModOp, &str, usize)> = mods
                .iter()
                .map(|m| (m.op, m.attr.as_str(), m.values.len()))
                .collect();
            assert_eq!(
                ops,
                vec![
                    (ModOp::Add, "mail", 2),
                    (ModOp::Delete, "description", 0),
                    (ModOp::Replace, "cn", 1),
                    (ModOp::Increment, "uidNumber", 1)
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    match &recs[4].record {
        LdifRecord::Change(ChangeRecord::ModRdn {
            new_rdn,
            delete_old_rdn,
            new_superior,
            ..
        }) => {
            assert_eq!(new_rdn.to_string(), "cn=z");
            assert!(!delete_old_rdn);
            assert_eq!(
                new_superior.as_ref().map(|d| d.to_string()),
                Some("o=elsewhere,dc=example".to_string())
            );
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ errors

#[test]
fn errors_name_the_line_and_the_problem() {
    let cases: &[(&str, usize, &str)] = &[
        ("cn: x\n", 1, "does not start with \"dn:\""),
        (
            "dn: cn=a\ncn: a\n\n\ncn: b\n",
            5,
            "does not start with \"dn:\"",
        ),
        ("dn: cn=a\ncn:: !!!!\n", 2, "bad base64"),
        ("# c\ndn: cn=a,,\ncn: a\n", 2, "invalid DN"),
        ("dn: cn=a\nobjectClass top\n", 2, "no ':'"),
        ("dn: cn=a\nchangetype: rename\n", 2, "unknown changetype"),
        (
            "dn: cn=a\nchangetype: modify\nadd: mail\nmail: x\ncn: y\n-\n",
            5,
            "expected mail values or a '-'",
        ),
        (
            "dn: cn=a\nchangetype: modify\nadd: mail\nmail: x\nreplace: cn\ncn: y\n-\n",
            5,
            "'-' line ending the block",
        ),
        ("dn: cn=a\nchangetype: modify\n-\n", 3, "'-' without"),
        (
            "dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 2\n",
            4,
            "0 or 1",
        ),
        (
            "dn: cn=a\nchangetype: modrdn\ndeleteoldrdn: 1\n",
            3,
            "newrdn",
        ),
        (
            "dn: cn=a\nchangetype: delete\ncn: a\n",
            3,
            "after changetype: delete",
        ),
        ("dn: cn=a\n", 1, "no attributes"),
        (
            "version: 2\n\ndn: cn=a\ncn: a\n",
            1,
            "unsupported LDIF version",
        ),
        (" dn: cn=a\ncn: a\n", 1, "no line before it"),
        ("dn: cn=a\nc n: a\n", 2, "invalid attribute description"),
        // The article as printed: records not separated by blank lines.
        ("dn: cn=a\ncn: a\ndn: cn=b\ncn: b\n", 3, "second dn:"),
    ];
    for (text, line, needle) in cases {
        let err = parse_err(text);
        assert_eq!(err.line, *line, "{text:?}: {err}");
        assert!(err.message.contains(needle), "{text:?}: {err}");
        assert_eq!(err.source, "bad.ldif");
    }
}

#[test]
fn non_utf8_is_rejected_where_text_is_needed_but_kept_in_values() {
    let err = parse_ldif(b"dn: cn=\xff\xfe\ncn: a\n", "bad.ldif", None).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.message.contains("not UTF-8"), "{err}");
    let err = parse_ldif(b"dn: cn=a\n\xffcn: a\n", "bad.ldif", None).unwrap_err();
    assert_eq!(err.line, 2);
    let recs = parse_ldif(b"dn: cn=a\naudio: \xff\x00\n", "ok.ldif", None).unwrap();
    assert_eq!(content(&recs[0]).values("audio"), &[vec![0xffu8, 0]]);
}

#[test]
fn error_display_is_file_line_message() {
    let err = parse_err("dn: cn=a\nchangetype: rename\n");
    assert_eq!(
        err.to_string(),
        "bad.ldif:2: unknown changetype \"rename\" (expected add, delete, modify, modrdn or moddn)"
    );
}

use crate::test_rng::Rng;

#[test]
fn random_and_mangled_input_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"dn:cn=,; -#<\r\n\n\n:changetype modify add delete modrdn newrdn deleteoldrdn\x00\xff\xc3=";
    for round in 0..3000 {
        let len = (rng.next() % 300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = rng.next();
                if round % 2 == 0 {
                    r as u8
                } else {
                    alphabet[(r % alphabet.len() as u64) as usize]
                }
            })
            .collect();
        let _ = parse_ldif(&bytes, "fuzz", Some(std::path::Path::new("/nonexistent")));
    }
    // Valid files with a few bytes changed exercise the deeper paths.
    for src in [DEMO.as_bytes(), USER1.as_bytes(), SLAPCAT] {
        for _ in 0..300 {
            let mut bytes = src.to_vec();
            for _ in 0..(1 + rng.next() % 4) {
                let at = (rng.next() % bytes.len() as u64) as usize;
                bytes[at] = alphabet[(rng.next() % alphabet.len() as u64) as usize];
            }
            let _ = parse_ldif(&bytes, "fuzz", Some(std::path::Path::new("/nonexistent")));
        }
    }
}

// ------------------------------------------------------------------ writer

fn tricky_entry() -> Entry {
    let mut e = Entry::new(dn(r"cn=Müller\, Hans,o=domain1.example,dc=example"));
    let long: String = "x".repeat(200);
    let values: Vec<(&str, Vec<u8>)> = vec![
        ("objectClass", b"inetOrgPerson".to_vec()),
        ("cn", "Müller, Hans".as_bytes().to_vec()),
        ("cn;lang-de", b"plain".to_vec()),
        ("description", b" leading space".to_vec()),
        ("description", b":colon".to_vec()),
        ("description", b"<angle".to_vec()),
        ("description", b"trailing ".to_vec()),
        ("description", b"two\r\nlines".to_vec()),
        ("description", Vec::new()),
        ("description", long.into_bytes()),
        ("jpegPhoto", (0u8..=255).collect()),
    ];
    for (name, v) in values {
        e.add_values(name, std::iter::once(v));
    }
    e
}

#[test]
fn written_entries_parse_back_identically() {
    let e = tricky_entry();
    let text = write_entry(&e);
    assert!(text.lines().all(|l| l.len() <= 76), "{text}");
    assert!(text.starts_with("dn:: "), "non-ASCII DN is base64: {text}");
    assert!(text.contains("\ncn;lang-de: plain\n"));
    assert!(text.contains("\ndescription:\n"));
    for prefix in ["cn:: ", "description:: ", "jpegPhoto:: "] {
        assert!(text.contains(&format!("\n{prefix}")), "{prefix} in {text}");
    }
    let recs = parse(&text);
    assert_eq!(recs.len(), 1);
    assert_eq!(content(&recs[0]), &e);
}

#[test]
fn demo_round_trips_through_the_writer() {
    let recs = parse(DEMO);
    let text: String = recs.iter().map(|r| write_record(&r.record)).collect();
    let again = parse(&text);
    assert_eq!(
        recs.iter().map(|r| &r.record).collect::<Vec<_>>(),
        again.iter().map(|r| &r.record).collect::<Vec<_>>()
    );
}

#[test]
fn change_records_round_trip() {
    let changes = vec![
        ChangeRecord::Add(tricky_entry()),
        ChangeRecord::Delete(dn("cn=old,dc=example")),
        ChangeRecord::Modify {
            dn: dn("cn=x,dc=example"),
            mods: vec![
                Modification {
                    op: ModOp::Add,
                    attr: "mail".into(),
                    values: vec![b"a@example".to_vec(), "ü@example".as_bytes().to_vec()],
                },
                Modification {
                    op: ModOp::Delete,
                    attr: "description".into(),
                    values: vec![],
                },
                Modification {
                    op: ModOp::Increment,
                    attr: "uidNumber".into(),
                    values: vec![b"1".to_vec()],
                },
            ],
        },
        ChangeRecord::ModRdn {
            dn: dn("cn=x,dc=example"),
            new_rdn: Rdn::parse("cn=Zoë").unwrap(),
            delete_old_rdn: true,
            new_superior: Some(dn("o=other,dc=example")),
        },
    ];
    let text: String = changes.iter().map(write_change).collect();
    let back: Vec<LdifRecord> = parse(&text).into_iter().map(|r| r.record).collect();
    let want: Vec<LdifRecord> = changes.into_iter().map(LdifRecord::Change).collect();
    assert_eq!(back, want);
}

#[test]
fn attribute_struct_is_what_the_reader_builds() {
    // Values of one attribute spelled in two cases land in one Attribute, in file order.
    let recs = parse("dn: cn=a\nmail: 1\nMAIL: 2\n");
    assert_eq!(
        content(&recs[0]).attrs,
        vec![Attribute {
            name: "mail".into(),
            values: vec![b"1".to_vec(), b"2".to_vec()]
        }]
    );
}
