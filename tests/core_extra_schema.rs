//! Other mail schemas load from their own .schema files through `schema_files`, with no
//! code change: here one in the shape of postfix-book.schema (objectidentifier macros,
//! an AUXILIARY class next to inetOrgPerson).

mod common;
use common::*;

const POSTFIX_BOOK_LIKE: &str = r#"
# A postfix-book style schema: macros, continuation lines, AUXILIARY class.
objectidentifier PostfixBook 1.3.6.1.4.1.29426.1
objectidentifier PostfixBookAttr PostfixBook:10
objectidentifier PostfixBookOC PostfixBook:2

attributetype ( PostfixBookAttr:1 NAME 'mailAcceptingGeneralId'
	DESC 'Postfix mail local address alias attribute'
	EQUALITY caseIgnoreMatch
	SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{1024} )

attributetype ( PostfixBookAttr:2 NAME 'mailDrop'
	DESC 'Postfix mail final destination attribute'
	EQUALITY caseIgnoreIA5Match
	SUBSTR caseIgnoreIA5SubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{1024} )

attributetype ( PostfixBookAttr:3 NAME 'mailQuota'
	DESC 'Mail quota limit in kilobytes'
	EQUALITY integerMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

objectclass ( PostfixBookOC:1 NAME 'PostfixBookMailAccount'
	SUP top AUXILIARY
	DESC 'Mail account used in Postfix Book'
	MUST ( mail )
	MAY ( mailAcceptingGeneralId $ mailQuota ) )

objectclass ( PostfixBookOC:2 NAME 'PostfixBookMailForward'
	SUP top AUXILIARY
	DESC 'Mail forward used in Postfix Book'
	MUST ( mail $ mailAcceptingGeneralId ) )
"#;

#[test]
fn a_third_party_mail_schema_loads_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("postfix-book.schema");
    std::fs::write(&schema, POSTFIX_BOOK_LIKE).unwrap();
    // Courier's maildrop and this schema's mailDrop share a name: the later file wins,
    // as when slapd includes them in that order (a warning is logged).
    let s = Server::start_with(
        &format!("schema_files = [{:?}]\n", schema.display().to_string()),
        true,
    );
    let dn = format!("mail=pb@domain1.example,o=domain1.example,{HOSTING}");
    s.add_root(&format!(
        "dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: PostfixBookMailAccount\ncn: pb\nsn: pb\nmailAcceptingGeneralId: PB-Alias\nmailQuota: 10240\n"
    ))
    .ok();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        HOSTING,
        "(mailAcceptingGeneralId=pb-alias)",
        &["1.1"],
    );
    r.ok();
    assert_eq!(dns(&r.stdout), vec![dn.clone()]);
    // Its rules are enforced like the built-in ones.
    s.modify_root(&modify_ldif(&dn, "add: mailQuota\nmailQuota: 1\n"))
        .expect_code(19);
    s.modify_root(&replace_ldif(&dn, "mailQuota", "lots"))
        .expect_code(21);
    let sch = s.subschema(&["objectClasses"]);
    assert!(
        sch.stdout.contains("'PostfixBookMailAccount'"),
        "published in cn=Subschema"
    );
}

#[test]
fn a_broken_schema_file_stops_the_server_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("bad.schema");
    std::fs::write(&schema, "attributetype ( 1.2.3.4 NAME 'ok' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n\nobjectclass ( 1.2.3.5 NAME 'broken' MUST ( nosuchattr ) )\n").unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "schema_files = [{:?}]\ndata_dir = {:?}\n",
            schema.display().to_string(),
            dir.path().join("d").display().to_string()
        ),
    )
    .unwrap();
    let r = mailldap(&["export", "--config", &cfg.display().to_string()], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("bad.schema:3"), "{}", r.stderr);
}
