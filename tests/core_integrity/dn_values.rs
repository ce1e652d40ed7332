//! DN-syntax values: refused when invalid, returned in slapd's RFC 4514 form, matched
//! by distinguishedNameMatch; RDNs that an entry could not keep.

use super::*;

#[test]
fn invalid_dn_values_are_refused_with_invalid_syntax() {
    let s = Server::demo();
    for bad in [
        "01.1=jsmith",
        "1.1.1=#F",
        "cn=#04",
        "foo=bar,o=x",
        "1.2=x",
        "cn=,o=x",
        "cn=a,,o=x",
        "cn=a<b",
        "uidNumber=abc,o=x",
        "OID.2.5.4.3=x",
    ] {
        let r = add_value(&s, &postmaster(), "roleOccupant", bad);
        refused(&r, 21, "roleOccupant: value #0 invalid per syntax");
    }
    for bad in ["cn=foo#'0102'B", "cn=foo,o=x#'2'B", "01.1=a#'01'B"] {
        let group =
            format!("dn: cn=g,{D1}\nobjectClass: groupOfUniqueNames\ncn: g\nuniqueMember: {bad}\n");
        refused(
            &s.add_root(&group),
            21,
            "uniqueMember: value #0 invalid per syntax",
        );
    }
    let r = s.add_root(&account(
        "mgr@domain1.example",
        &[],
        "manager: cn=x,o=y\nseeAlso: 01.1=jsmith\n",
    ));
    refused(&r, 21, "seeAlso: value #0 invalid per syntax");
}

#[test]
fn dn_values_are_returned_in_rfc4514_form_and_match_by_distinguished_name_match() {
    let s = Server::demo();
    let user1 = mail_dn("user1@domain1.example");
    // LDAPv2 separators, spaces after commas, upper-case and long type names, OIDs.
    add_value(
        &s,
        &postmaster(),
        "roleOccupant",
        "MAIL=user2@domain1.example; O=domain1.example, 2.5.4.10=hosting, DC=myhosting, domainComponent=example",
    )
    .ok();
    let group = format!(
        "dn: cn=team,{D1}\nobjectClass: groupOfUniqueNames\ncn: team\nuniqueMember: CN=Foo, O=Bar#'0101'B\nuniqueMember: SN=b+CN=a, O=x\n"
    );
    s.add_root(&group).ok();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        &postmaster(),
        "(objectClass=*)",
        &["-s", "base", "roleOccupant"],
    );
    assert!(
        values(&r.stdout, "roleOccupant").contains(
            &"mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example"
                .to_string()
        ),
        "{}",
        r.stdout
    );
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        &format!("cn=team,{D1}"),
        "(objectClass=*)",
        &["-s", "base", "uniqueMember"],
    );
    let mut got = values(&r.stdout, "uniqueMember");
    got.sort();
    assert_eq!(got, vec!["cn=Foo,o=Bar#'0101'B", "cn=a+sn=b,o=x"]);

    // Filters match by distinguishedNameMatch: OIDs for types, AVAs in any order.
    let found = |filter: &str| dns(&s.search_as(ROOTDN, ROOTPW, D1, filter, &["dn"]).stdout);
    let oid_form = user1
        .replace("mail=", "0.9.2342.19200300.100.1.3=")
        .replace("o=", "2.5.4.10=");
    assert_eq!(
        found(&format!("(roleOccupant={oid_form})")),
        vec![postmaster()]
    );
    assert_eq!(
        found(&format!(
            "(roleOccupant={})",
            user1.to_uppercase().replace(',', ", ")
        )),
        vec![postmaster()]
    );
    assert_eq!(
        found("(uniqueMember=cn=A+sn=B,o=X)"),
        vec![format!("cn=team,{D1}")]
    );
    assert_eq!(
        found("(uniqueMember=commonName=foo,o=bar#'0101'B)"),
        vec![format!("cn=team,{D1}")]
    );
    assert!(found("(uniqueMember=cn=foo,o=bar#'0100'B)").is_empty());
    assert!(found("(uniqueMember=cn=foo,o=bar)").is_empty());
    // The same DN spelled another way is a duplicate value.
    let r = add_value(&s, &postmaster(), "roleOccupant", &user1.to_uppercase());
    refused(&r, 20, "roleOccupant");
    // Compare uses the same rule.
    let r = s.tool(
        "ldapcompare",
        &[
            "-x",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            &postmaster(),
            &format!("roleOccupant:{}", user1.replace("mail=", "rfc822Mailbox=")),
        ],
    );
    r.expect_code(6);
}

#[test]
fn uuid_rdn_values_match_by_uuid_match() {
    let s = Server::demo();
    let upper = "entryUUID=597AE2F6-16A6-1027-98F4-D28B5365DC14,o=x";
    add_value(&s, &postmaster(), "seeAlso", upper).ok();
    let found = dns(&s
        .search_as(
            ROOTDN,
            ROOTPW,
            D1,
            "(seeAlso=entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14,o=x)",
            &["dn"],
        )
        .stdout);
    assert_eq!(found, vec![postmaster()]);
}

#[test]
fn an_rdn_may_not_name_an_operational_attribute() {
    let s = Server::demo();
    let r = s.add_root(&format!(
        "dn: entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14,{D1}\nobjectClass: organizationalRole\ncn: x\n"
    ));
    refused(&r, 64, "naming attribute 'entryUUID' is operational");
    let r = s.add_root(&format!(
        "dn: createTimestamp=20200101000000Z,{D1}\nobjectClass: organizationalRole\ncn: x\n"
    ));
    refused(&r, 64, "naming attribute 'createTimestamp' is operational");
}

#[test]
fn an_equality_index_on_dn_values_finds_them_under_distinguished_name_match() {
    let s = Server::start_with(
        "[indexes]\nobjectClass = [\"eq\", \"pres\"]\nmail = [\"eq\"]\nroleOccupant = [\"eq\"]\n",
        true,
    );
    let user1 = mail_dn("user1@domain1.example");
    let spelled = user1
        .to_uppercase()
        .replace("MAIL=", "rfc822Mailbox=")
        .replace(',', "; ");
    let found = dns(&s
        .search_as(
            ROOTDN,
            ROOTPW,
            D1,
            &format!("(roleOccupant={spelled})"),
            &["dn"],
        )
        .stdout);
    assert_eq!(found, vec![postmaster()]);
}
