#!/usr/bin/env python3
"""Writes the seed corpus under fuzz/corpus/<target>/: what Postfix, Courier authlib and
Dovecot send (binds, their lookups), every other request type, the article's LDIF and
schema snippets, and a userPassword value of each scheme. Run from the repository root;
the output is committed, so this only needs re-running when a seed is added."""

import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
SUFFIX = "o=hosting,dc=myhosting,dc=example"
BASE = "dc=myhosting,dc=example"
ACCOUNT = f"mail=user1@domain1.example,o=domain1.example,{SUFFIX}"


# --- BER, as RFC 4511 section 5 and X.690 say ---------------------------------------

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def integer(n, tag=0x02):
    return tlv(tag, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def octets(s, tag=0x04):
    return tlv(tag, s.encode() if isinstance(s, str) else s)


def boolean(v, tag=0x01):
    return tlv(tag, b"\xff" if v else b"\x00")


def seq(*parts, tag=0x30):
    return tlv(tag, b"".join(parts))


def message(msgid, op, controls=None):
    parts = [integer(msgid), op]
    if controls:
        parts.append(seq(*controls, tag=0xA0))
    return seq(*parts)


def control(oid, critical=None, value=None):
    parts = [octets(oid)]
    if critical is not None:
        parts.append(boolean(critical))
    if value is not None:
        parts.append(octets(value))
    return seq(*parts)


# Filters (RFC 4511 4.5.1.7).
def f_and(*fs):
    return seq(*fs, tag=0xA0)


def f_or(*fs):
    return seq(*fs, tag=0xA1)


def f_not(f):
    return seq(f, tag=0xA2)


def f_eq(attr, value, tag=0xA3):
    return seq(octets(attr), octets(value), tag=tag)


def f_present(attr):
    return octets(attr, tag=0x87)


def f_sub(attr, initial=None, any_=(), final=None):
    items = []
    if initial is not None:
        items.append(octets(initial, tag=0x80))
    items += [octets(a, tag=0x81) for a in any_]
    if final is not None:
        items.append(octets(final, tag=0x82))
    return seq(octets(attr), seq(*items), tag=0xA4)


def f_ext(rule=None, attr=None, value="", dn=False):
    parts = []
    if rule:
        parts.append(octets(rule, tag=0x81))
    if attr:
        parts.append(octets(attr, tag=0x82))
    parts.append(octets(value, tag=0x83))
    if dn:
        parts.append(boolean(True, tag=0x84))
    return seq(*parts, tag=0xA9)


# Operations.
def bind(dn, password, version=3):
    return seq(integer(version), octets(dn), octets(password, tag=0x80), tag=0x60)


def sasl_bind(mechanism, credentials=None):
    parts = [octets(mechanism)] + ([octets(credentials)] if credentials is not None else [])
    return seq(integer(3), octets(""), seq(*parts, tag=0xA3), tag=0x60)


def search(base, scope, filt, attrs=(), size=0, time=0, types_only=False, deref=0):
    return seq(octets(base), integer(scope, tag=0x0A), integer(deref, tag=0x0A),
               integer(size), integer(time), boolean(types_only), filt,
               seq(*[octets(a) for a in attrs]), tag=0x63)


def unbind():
    return tlv(0x42, b"")


def attribute(name, *values):
    return seq(octets(name), seq(*[octets(v) for v in values], tag=0x31))


def add(dn, *attrs):
    return seq(octets(dn), seq(*attrs), tag=0x68)


def modify(dn, *changes):
    return seq(octets(dn), seq(*[seq(integer(op, tag=0x0A), attribute(a, *vs))
                                 for op, a, vs in changes]), tag=0x66)


def modrdn(dn, newrdn, delete_old, superior=None):
    parts = [octets(dn), octets(newrdn), boolean(delete_old)]
    if superior is not None:
        parts.append(octets(superior, tag=0x80))
    return seq(*parts, tag=0x6C)


def compare(dn, attr, value):
    return seq(octets(dn), seq(octets(attr), octets(value)), tag=0x6E)


def extended(oid, value=None):
    parts = [octets(oid, tag=0x80)] + ([octets(value, tag=0x81)] if value is not None else [])
    return seq(*parts, tag=0x77)


def stream(*messages, chunk=0xFF):
    """A ldap_message input: the read size, then the bytes a client sends."""
    return bytes([chunk]) + b"".join(messages)


ALIAS = f_and(f_eq("mail", "user1@domain1.example"), f_eq("objectClass", "CourierMailAlias"))
ENABLED = f_not(f_and(f_eq("disableimap", "1"), f_eq("disablepop3", "1")))
POSTFIX_ACCOUNT = f_and(f_eq("mail", "user1@domain1.example"),
                        f_eq("objectClass", "CourierMailAccount"), ENABLED)
DOVECOT_ACCOUNT = f_and(f_eq("objectClass", "CourierMailAccount"),
                        f_eq("mail", "user1@domain1.example"), ENABLED)
COURIER_ACCOUNT = f_and(f_eq("objectClass", "CourierMailAccount"),
                        f_eq("mail", "user1@domain1.example"))
ANON = message(1, bind("", ""))

LDAP_MESSAGES = {
    "postfix_alias": stream(ANON, message(2, search(BASE, 2, ALIAS, ["maildrop"])),
                            message(3, unbind())),
    "postfix_mailbox": stream(ANON, message(2, search(BASE, 2, POSTFIX_ACCOUNT, ["mailbox"]))),
    "postfix_domain": stream(ANON, message(2, search(SUFFIX, 1, f_and(
        f_eq("o", "domain1.example"), f_eq("objectClass", "organization")), ["o"]))),
    "courier_authbind": stream(ANON, message(2, search(BASE, 2, COURIER_ACCOUNT, [
        "mail", "homeDirectory", "mailbox", "uidNumber", "gidNumber", "cn",
        "disableimap", "disablepop3"])), message(3, bind(ACCOUNT, "secret"))),
    "courier_service": stream(message(1, bind(f"cn=courier,{BASE}", "courierpw")),
                              message(2, search(BASE, 2, COURIER_ACCOUNT,
                                                ["mail", "userPassword", "mailbox"]))),
    "dovecot_passdb": stream(message(1, bind(f"cn=dovecot,{BASE}", "dovecotpw")),
                             message(2, search(BASE, 2, DOVECOT_ACCOUNT, ["mail"])),
                             message(3, bind(ACCOUNT, "secret"))),
    "dovecot_iterate": stream(ANON, message(2, search(BASE, 2,
                              f_eq("objectClass", "CourierMailAccount"), ["mail"], size=500))),
    "small_reads": stream(ANON, message(2, search(BASE, 2, ALIAS, ["maildrop"])), chunk=3),
    "sasl_external": stream(message(1, sasl_bind("EXTERNAL")),
                            message(2, sasl_bind("PLAIN", b"\x00user1\x00secret"))),
    "whoami_starttls": stream(message(1, extended("1.3.6.1.4.1.4203.1.11.3")),
                              message(2, extended("1.3.6.1.4.1.1466.20037"))),
    "passwd_modify": stream(message(1, extended("1.3.6.1.4.1.4203.1.11.1", seq(
        octets(ACCOUNT, tag=0x80), octets("old", tag=0x81), octets("new", tag=0x82)))),
        message(2, extended("1.3.6.1.4.1.4203.1.11.1"))),
    "add_account": stream(message(1, add(ACCOUNT.replace("user1", "user2"),
        attribute("objectClass", "top", "courierMailAccount"),
        attribute("mail", "user2@domain1.example"), attribute("homeDirectory", "/var/mail"),
        attribute("uidNumber", "1000"), attribute("gidNumber", "1000"),
        attribute("mailbox", "domain1.example/user2/"), attribute("userPassword", "secret")))),
    "modify": stream(message(1, modify(ACCOUNT, (2, "mailbox", ["domain1.example/u1/"]),
                                       (0, "cn", ["User One"]), (1, "description", []),
                                       (3, "uidNumber", ["1"])))),
    "modrdn_delete": stream(
        message(1, modrdn(ACCOUNT, "mail=user3@domain1.example", True,
                          f"o=domain2.example,{SUFFIX}")),
        message(2, tlv(0x4A, ACCOUNT.encode())),
        message(3, compare(ACCOUNT, "mail", "user1@domain1.example")),
        message(4, integer(2, tag=0x50))),
    "filters": stream(message(1, search(BASE, 2, f_or(
        f_sub("mail", "user", ["@dom"], ".example"), f_eq("uidNumber", "1000", tag=0xA5),
        f_eq("uidNumber", "2000", tag=0xA6), f_eq("cn", "user", tag=0xA8), f_present("mail"),
        f_ext("caseExactMatch", "cn", "User One"), f_ext(None, "o", "domain1.example", True),
        f_ext("2.5.13.2", None, "x")), ["*", "+", "1.1"], types_only=True))),
    "controls": stream(message(1, search(BASE, 2, f_present("objectClass"), ["mail"]), [
        control("1.2.840.113556.1.4.319", True, seq(integer(100), octets(""))),
        control("1.2.840.113556.1.4.473", False, seq(seq(
            octets("mail"), octets("caseIgnoreOrderingMatch", tag=0x80),
            boolean(True, tag=0x81)))),
        control("1.3.6.1.1.12", True, f_eq("objectClass", "CourierMailAccount")),
        control("2.16.840.1.113730.3.4.2", True),
        control("1.2.826.0.1.3344810.2.3", None, seq(f_eq("mail", "x"))),
    ]), message(2, modify(ACCOUNT, (2, "cn", ["x"])), [
        control("1.3.6.1.1.13.1", None, seq(octets("cn"))),
        control("1.3.6.1.1.13.2", True, seq(octets("*"))),
        control("1.2.3.4", True, b"opaque"),
    ])),
    "long_length": stream(message(1, search(BASE, 2, f_eq("description", "x" * 300),
                                            ["mail"]))),
}

FILTERS = {
    "postfix_alias": "(&(mail=user1@domain1.example)(objectClass=CourierMailAlias))",
    "postfix_account": "(&(mail=user1@domain1.example)(objectClass=CourierMailAccount)"
                       "(!(&(disableimap=1)(disablepop3=1))))",
    "postfix_domain": "(&(o=domain1.example)(objectClass=organization))",
    "catchall": "(mail=@domain1.example)",
    "bare": "objectClass=*",
    "rfc4515_1": "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
    "rfc4515_2": "(o=univ*of*mich*)",
    "rfc4515_3": "(seeAlso=)",
    "rfc4515_ext": "(cn:caseExactMatch:=Fred Flintstone)",
    "rfc4515_ext2": "(sn:dn:2.4.6.8.10:=Barney Rubble)",
    "rfc4515_ext3": "(:DN:2.4.6.8.10:=Dino)",
    "rfc4515_ext4": "(o:dn:=Ace Industry)",
    "rfc4515_esc1": "(o=Parens R Us \\28for all your parenthetical needs\\29)",
    "rfc4515_esc2": "(cn=*\\2A*)",
    "rfc4515_esc3": "(filename=C:\\5cMyFile)",
    "rfc4515_utf8": "(sn=Lu\\c4\\8di\\c4\\87)",
    "rfc4515_bin": "(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)",
    "ordering": "(&(uidNumber>=1000)(createTimestamp<=20270101000000Z)(cn~=user))",
    "options": "(cn;lang-de=Benutzer)",
    "not": "(!(cn=Tim Howes))",
}

DNS = {
    "account": ACCOUNT,
    "postmaster": f"cn=postmaster,o=domain1.example,{SUFFIX}",
    "catchall": f"mail=@domain1.example,o=domain1.example,{SUFFIX}",
    "rfc1779_spaces": "cn=admin, dc=myhosting, dc=example",
    "semicolons": "o=hosting; dc=myhosting; dc=example",
    "rfc4514_1": "UID=jsmith,DC=example,DC=net",
    "rfc4514_multi": "OU=Sales+CN=J.  Smith,DC=example,DC=net",
    "rfc4514_quotes": "CN=James \\\"Jim\\\" Smith\\, III,DC=example,DC=net",
    "rfc4514_cr": "CN=Before\\0dAfter,DC=example,DC=net",
    "rfc4514_hex": "1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com",
    "rfc4514_utf8": "CN=Lu\\C4\\8Di\\C4\\87",
    "oid_prefix": "oid.2.5.4.3=x,OID.0.9.2342.19200300.100.1.25=example",
    "long_names": "commonName=x,organizationName=y,domainComponent=z",
    "escaped_ends": "cn=\\ lead and trail\\ ,cn=\\#hash",
    "root": "",
}

PASSWORDS = {
    "ssha": "{SSHA}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k",
    "sha": "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
    "md5": "{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==",
    "smd5": "{SMD5}okWjn2SnYz3xb+DEzmx0YC/1Rn0=",
    "sha256": "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=",
    "ssha512": "{SSHA512}JRNFgCj5+srugmtfMQ3RWh6hSn9h2YdFUs1qZRz22oWTpPtrfQLfRlgdRxgH/fuPF4aP0oUf/FWJU4PJ3fPAd0tNpZqbP+TT",
    "crypt_md5": "{CRYPT}$1$saltsalt$9xy1btjgzLYfb7hivXtC//",
    "crypt_sha256": "{CRYPT}$5$rounds=1000$TWumKHD0xFSZVWxW$8BqpQu4JnwE/pb3R393.1YTSxWpkhx/1GZLj8TdtAT3",
    "crypt_sha512": "{CRYPT}$6$rounds=1000$BsYYybLyUe/IEusg$yl7fF3pdftSGr/bMHV4WOn9vQu.f07p5TrxKA/r6bfecnJ.ed3ze7MpuAVUJyrxGGKwQWjVvX/RU44xjmY1o71",
    "crypt_sha512_default": "{CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
    "crypt_bcrypt": "{CRYPT}$2b$05$5fnytgUTi.ImoaMNJRARPeu61MKNQhsf6ZRiNXWeXS8dYtQl/IIIu",
    "crypt_des": "{CRYPT}txhP1hwAnVcrs",
    "crypt_bsdi": "{CRYPT}_5...ukWQ9GYUGgTeyPo",
    "crypt_bigcrypt": "{CRYPT}txhP1hwAnVcrsAbCdEfGhIjK",
    "crypt_sha1": "{CRYPT}$sha1$1000$SWRMd3YX$yEzhquN2dqBYgg9fZnOuA1jErGqm",
    "crypt_yescrypt": "{CRYPT}$y$j75$68Xl9D/jPv/Tq40JUGnKV.$K6lYmDMFTaMR/V0LC4Y2mXcXVQ9edDx8FHEvMRxDUw6",
    "crypt_gost_yescrypt": "{CRYPT}$gy$j75$jKeChj9tASVrrL73jmXO4/$m2UmkrXMtBTFNOlWaUEMLVsPHejppL89fmQiPCrMC.3",
    "crypt_scrypt": "{CRYPT}$7$66..../....SodiumChloride$ZNW34rz.GYrisIweeFplmH5OKCxTDg1uMQrvw5YnsP/",
    "argon2id": "{ARGON2}$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHRzYWx0$bxgB1vRtfMcScHcwooUjQTL+JYB6gNd3c++XjVmPiPw",
    "argon2i": "{ARGON2}$argon2i$v=19$m=128,t=2,p=2$c29tZXNhbHRzYWx0$pdoAqECaGj69xVBnrPLzKgLJhLWf8TuLbQTuwxpOMhM",
    "argon2_v10": "{ARGON2}$argon2d$m=64,t=1,p=1$c29tZXNhbHRzYWx0$Xq5QcicD9cRDdIgzjILSyFlhyIftn6eyVUJ8zIQUivU",
    "pbkdf2": "{PBKDF2}1000$GeP8n9PaWwvhHGNsbW0tJQ$sbnYSBlC0lPJQj8cDEv6c1xteFg",
    "pbkdf2_sha256": "{PBKDF2-SHA256}1000$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
    "pbkdf2_sha512": "{PBKDF2-SHA512}1000$IQSg1LrXOmdMSQmBsBYCgA$GJDZ876eDWznlmLA09QwAzA9Kdfo4a17J9ljwZlRLNXvutqXXIASZ/iQfJ5r9.EeFe/QjYPj/fQCRB1vcleuSA",
    "pbkdf2_389ds": "{PBKDF2_SHA256}AAAIAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj+B9XeOejtyt4BTjI46i3LtcyOiILFyqJgSilUxXiMS6q73bHB/+ZX8IITSt36w6FEBAtkpXO02/zpH0rHl4YSdeZ5hjbd9nDYq0Avw9pABNQVUEj7GBo+Dt2J6hvxICY6SNDtgyGQljMTA64Cc4E6rd/w3uDixLyqzBEc+Ba4lSmEBR6oQsFCJ2fpEquMVx7EG7YG7PZesWyzC+/itvph53qwWtea21d4DWq+gi+HjlMNggdZ5ycW4VWdnfqvWWsKPbrvrvlPNIIWUdoQUFTVIdMJhjnTZ5AeiM9iXBM3G4qbPigqPZyw922t+6ygi+ignwkbT2jWrtAx+Q87w/wL8",
    "cleartext_tag": "{CLEARTEXT}secret",
    "cleartext": "secret",
    "unknown_scheme": "{SASL}user1@DOMAIN1.EXAMPLE",
}

LDIF_SNIPPETS = {
    "changes": f"""version: 1

dn: {ACCOUNT}
changetype: modify
replace: mailbox
mailbox: domain1.example/user1/
-
add: cn
cn:: VXNlciBPbmUg
-
delete: description
-
increment: uidNumber
uidNumber: 1

dn: mail=old@domain1.example,o=domain1.example,{SUFFIX}
changetype: modrdn
newrdn: mail=new@domain1.example
deleteoldrdn: 1
newsuperior: o=domain2.example,{SUFFIX}

dn: mail=gone@domain1.example,o=domain1.example,{SUFFIX}
control: 1.2.840.113556.1.4.805 true
changetype: delete
""",
    "folding": f"""# a comment
#  continued
dn: mail=user1@domain1.example,o=domain1.example,
 {SUFFIX}
objectClass: top
objectClass: courierMailAccount
mail: user1@domain1.example
homeDirectory: /var/mail
uidNumber: 1000
gidNumber: 1000
mailbox: domain1.example/user1/
userPassword:: e1NTSEF9djRvTnBuU1oxZ1R2Z0FWRlFTOHYxQXgyRDk1ZTRkN2s=
jpegPhoto:< file:///dev/null
description: trailing spaces kept  
""",
}

SCHEMA_SNIPPETS = {
    "macros": """objectIdentifier MailLDAP 1.3.6.1.4.1.99999
objectIdentifier MailLDAPAttr MailLDAP:1
attributetype ( MailLDAPAttr:1 NAME ( 'mailQuota' 'quota' )
	DESC 'bytes a mailbox may hold'
	EQUALITY integerMatch ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( MailLDAP:2.1 NAME 'quotaAccount' SUP top AUXILIARY
	MAY ( mailQuota $ description ) )
""",
    "qmail_like": """attributetype ( 1.3.6.1.4.1.7914.1.2.1.1 NAME 'qmailUID'
	DESC 'UID of the user on the mailsystem'
	EQUALITY integerMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.7914.1.2.1.4 NAME 'mailHost'
	EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.7914.1.2.1.9 NAME 'mailForwardingAddress' SUP mail )
objectclass ( 1.3.6.1.4.1.7914.1.2.2.1 NAME 'qmailUser'
	DESC 'QMail-LDAP User' SUP top AUXILIARY
	MUST ( mail $ uid ) MAY ( mailHost $ qmailUID $ mailForwardingAddress ) )
""",
    "structural_obsolete": """attributetype ( 2.999.1 NAME 'x-test' OBSOLETE SUP name
	USAGE userApplications X-ORIGIN 'fuzz seed' )
objectclass ( 2.999.2 NAME 'x-entry' STRUCTURAL SUP top MUST cn MAY x-test )
objectclass ( 2.999.3 NAME 'x-abstract' ABSTRACT )
""",
}


def write(target, name, data):
    path = os.path.join(CORPUS, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for name, data in LDAP_MESSAGES.items():
        write("ldap_message", name, data)
    for name, text in FILTERS.items():
        write("filter_string", name, text)
    for name, text in DNS.items():
        write("dn_string", name, text)
    for name, value in PASSWORDS.items():
        write("password", name, value + "\nsecret")
    for name in ("base", "domain1.example", "user1.domain1.example"):
        with open(os.path.join(ROOT, "ldif", "article", name + ".ldif"), "rb") as f:
            write("ldif", "article_" + name, f.read())
    for name, text in LDIF_SNIPPETS.items():
        write("ldif", name, text)
    for name in ("courier", "inetorgperson"):
        with open(os.path.join(ROOT, "schema", name + ".schema"), "rb") as f:
            write("schema_file", name, f.read())
    for name, text in SCHEMA_SNIPPETS.items():
        write("schema_file", name, text)


if __name__ == "__main__":
    main()
