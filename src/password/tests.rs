//! Fixed vectors made by independent tools for the password "secret", round trips of
//! every scheme we write, and malformed values.

use base64::Engine;

use super::*;

/// (stored value, the tool that made it). All hash the password "secret".
const VECTORS: &[(&str, &str)] = &[
    // slappasswd (Debian slapd 2.5) -h ... -s secret
    ("{SSHA}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k", "slappasswd"),
    ("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "slappasswd"),
    ("{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "slappasswd"),
    ("{SMD5}okWjn2SnYz3xb+DEzmx0YC/1Rn0=", "slappasswd"),
    ("{CRYPT}$6$1rYvtBnOfmO.TU.z$fI7Supppq76wLQczsXEhPoZpTEuc7ellhdShRoA7PyMZ/2BT1QwJlZnFRXHHI/PEWvSxBtuWCyyGS13mi6GIe.", "slappasswd -c '$6$%.16s'"),
    ("{CRYPT}$5$rounds=10000$dKzrCDZHRagfXLy$ADHZWXofIk7zQISKj13dMuKaRfmVDRhEUQ3yqGT4NW.", "slappasswd -c '$5$rounds=10000$%.16s'"),
    ("{CRYPT}$1$cITqKKcc$C/ilKjH1eAKXq9euqQrJf.", "slappasswd -c '$1$%.8s'"),
    ("{CRYPT}txhP1hwAnVcrs", "slappasswd -h {CRYPT}"),
    // slappasswd -o module-load=pw-sha2
    ("{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", "slappasswd pw-sha2"),
    ("{SSHA256}eB8R8HFX+0HV9KvQB6DIAFGwQofUbamYzdXNRzHwwP4ZqihEu7hydg==", "slappasswd pw-sha2"),
    ("{SHA384}WKd1ukESvjAFrkQHznV9iP2nHUBJe7gCbsrFTU4//HIyzo3jq1rLMK45dg/ufFPt", "slappasswd pw-sha2"),
    ("{SSHA384}ga98DHtT6B/KT58lpf2HQYnV6+p9JKkhnZcjV2V6u1dBrUDRAmEevipzuzU3PvqrySr1i3BOxOg=", "slappasswd pw-sha2"),
    ("{SHA512}vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==", "slappasswd pw-sha2"),
    ("{SSHA512}JRNFgCj5+srugmtfMQ3RWh6hSn9h2YdFUs1qZRz22oWTpPtrfQLfRlgdRxgH/fuPF4aP0oUf/FWJU4PJ3fPAd0tNpZqbP+TT", "slappasswd pw-sha2"),
    // slappasswd -o module-load=argon2 (Debian's build writes argon2i)
    ("{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$Yh2TZKHJlZp1LzGEj1NTqw$scHD2n3aQLD7DGI2i2MO9uTU3MK9bzVFTlWunlVL3cA", "slappasswd argon2"),
    // openssl passwd -1/-5/-6 -salt saltsalt
    ("{CRYPT}$1$saltsalt$9xy1btjgzLYfb7hivXtC//", "openssl passwd -1"),
    ("{CRYPT}$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA", "openssl passwd -5"),
    ("{CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1", "openssl passwd -6"),
    // mkpasswd (whois) -m ...
    ("{CRYPT}$y$j9T$jTASGUJCbkQhiKCizUBsL1$9ohx9TIIL41TA44wLkTxn437/SlsOgTnQpXc4FYcgZ8", "mkpasswd -m yescrypt"),
    ("{CRYPT}$gy$j9T$rnSKD75NA24o0UZMIeimt/$e9IKrBd7.n15HO5WVY9gEdD4ZfF8FaNk5uapRM.CoI5", "mkpasswd -m gost-yescrypt"),
    ("{CRYPT}$7$CU..../....oU1Uul.TVOz8jGfQ/rRFA1$pLJ/BKUgxzUzahneIXZU72xIE.4VYH2V5NgdluRWsi6", "mkpasswd -m scrypt"),
    ("{CRYPT}$2b$05$5fnytgUTi.ImoaMNJRARPeu61MKNQhsf6ZRiNXWeXS8dYtQl/IIIu", "mkpasswd -m bcrypt"),
    ("{CRYPT}$2a$05$LXja7OvnH3hSodmRHVCxB.0qF8tRXi0YaxD8jzKzmTAO1j9mtptY.", "mkpasswd -m bcrypt-a"),
    ("{CRYPT}zZ5x4y8hS4SZE", "mkpasswd -m des"),
    ("{CRYPT}_J9..RtWZxrW6BwdO6Gs", "mkpasswd -m bsdicrypt"),
    ("{CRYPT}$6$rounds=12345$qIC78vRu8yPhfvfa$8XsBHlO3axoQKr7JFtOiipGMSBimmX7iVeLUe.fM.fWDn5trk9FjnPmExdnJnhIwqB1YgvfCs1Q0oHMYJ9t.q.", "mkpasswd -m sha512crypt -R 12345"),
    // python3 crypt.crypt (libxcrypt) with a $2y$ setting
    ("{CRYPT}$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a", "python crypt $2y$"),
    // argon2 CLI: echo -n secret | argon2 somesaltsalt -id/-i/-d -e ...
    ("{ARGON2}$argon2id$v=19$m=4096,t=2,p=1$c29tZXNhbHRzYWx0$sEn/ACjRGd0PpV+ePykwrOQg2kBZ0K9LA8J3UleojG0", "argon2 -id"),
    ("{ARGON2}$argon2i$v=19$m=1024,t=3,p=1$c29tZXNhbHRzYWx0$B8tclCJ+NcvSAVcEvD+vtsNMAtgSrL6kbHCmE5X/Unk", "argon2 -i"),
    ("{ARGON2}$argon2d$v=19$m=1024,t=3,p=1$c29tZXNhbHRzYWx0$Xq5QcicD9cRDdIgzjILSyFlhyIftn6eyVUJ8zIQUivU", "argon2 -d"),
    ("{ARGON2}$argon2i$v=16$m=1024,t=3,p=1$c29tZXNhbHRzYWx0$vzu+8mh/+nEdU4ow9yXQ1Lclt9ytCpM6RYJe9c7q1zI", "argon2 -i -v 10"),
    // The same with "v=16$" removed: libargon2 reads a missing version as 1.0.
    ("{ARGON2}$argon2i$m=1024,t=3,p=1$c29tZXNhbHRzYWx0$vzu+8mh/+nEdU4ow9yXQ1Lclt9ytCpM6RYJe9c7q1zI", "argon2 -i -v 10, no v="),
    // passlib 1.7.4 ldap_* hashes
    ("{PBKDF2}1000$GeP8n9PaWwvhHGNsbW0tJQ$sbnYSBlC0lPJQj8cDEv6c1xteFg", "passlib ldap_pbkdf2_sha1"),
    ("{PBKDF2-SHA256}1000$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U", "passlib ldap_pbkdf2_sha256"),
    ("{PBKDF2-SHA512}1000$IQSg1LrXOmdMSQmBsBYCgA$GJDZ876eDWznlmLA09QwAzA9Kdfo4a17J9ljwZlRLNXvutqXXIASZ/iQfJ5r9.EeFe/QjYPj/fQCRB1vcleuSA", "passlib ldap_pbkdf2_sha512"),
    ("{SSHA256}iHlL3O0aiUs5rPnazPTw9SFjhEWCBsgnqb0+ZM5GBkB6DwFAqPUeYw==", "passlib ldap_salted_sha256"),
    ("{SSHA}n9yGCe0mMdNKhSvCfS4E/EFdVUgbA4AwZqyVklKKEaLUGqOU", "passlib ldap_salted_sha1, 16-byte salt"),
    ("{SMD5}hpeqNMSJTDBRjAmMrMRzWt4bg1BqDWFs", "passlib ldap_salted_md5, 8-byte salt"),
    ("{CRYPT}$sha1$480000$SWRMd3YX$yEzhquN2dqBYgg9fZnOuA1jErGqm", "passlib ldap_sha1_crypt"),
    // python3 hashlib: 8-byte salt 0102030405060708; salts of 1 and 32 bytes
    ("{SSHA256}A7N1lAy5bBb4T6qH9e85zAvHBmzNPhRFbZ105DjjWDIBAgMEBQYHCA==", "hashlib"),
    ("{SSHA512}KO8EsMPQTwZrxxbOkDAOOXEeVCc2grMQg1pnZwZhC1bBQLby8zCmFn7qTZRvoTd+yQdROQQNYHWpTUST4zjTdQECAwQFBgcI", "hashlib"),
    ("{SSHA}03BL9cNhPiCICTL0gElU39UxbvZa", "hashlib, 1-byte salt"),
    ("{SSHA}ZOGSok/hwN1e00DTN6CP6MqLLuJaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWg==", "hashlib, 32-byte salt"),
    // python3 hashlib in 389-ds's layout: be32(2048) || salt 00..3f || 256-byte key
    ("{PBKDF2_SHA256}AAAIAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj+B9XeOejtyt4BTjI46i3LtcyOiILFyqJgSilUxXiMS6q73bHB/+ZX8IITSt36w6FEBAtkpXO02/zpH0rHl4YSdeZ5hjbd9nDYq0Avw9pABNQVUEj7GBo+Dt2J6hvxICY6SNDtgyGQljMTA64Cc4E6rd/w3uDixLyqzBEc+Ba4lSmEBR6oQsFCJ2fpEquMVx7EG7YG7PZesWyzC+/itvph53qwWtea21d4DWq+gi+HjlMNggdZ5ycW4VWdnfqvWWsKPbrvrvlPNIIWUdoQUFTVIdMJhjnTZ5AeiM9iXBM3G4qbPigqPZyw922t+6ygi+ignwkbT2jWrtAx+Q87w/wL8", "hashlib, 389-ds layout"),
];

#[test]
fn tool_vectors_match_the_right_password_only() {
    for (stored, tool) in VECTORS {
        let right = verify(stored.as_bytes(), b"secret", false);
        assert_eq!(right, Verification::Match, "{tool}: {stored}");
        for wrong in [&b"Secret"[..], b"secret ", b"secre", b"", b"secret\0"] {
            // HMAC pads its key with NULs, so to PBKDF2 "secret\0" is "secret" (in
            // every implementation): harmless, as it takes knowing the password.
            if stored.contains("PBKDF2") && wrong.ends_with(b"\0") {
                continue;
            }
            let got = verify(stored.as_bytes(), wrong, false);
            assert_eq!(
                got,
                Verification::Mismatch,
                "{tool} with {wrong:?}: {stored}"
            );
        }
    }
}

#[test]
fn scheme_tags_are_case_insensitive() {
    let cases = [
        "{ssha}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k",
        "{Crypt}$1$saltsalt$9xy1btjgzLYfb7hivXtC//",
        "{pbkdf2-sha256}1000$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
        "{argon2}$argon2i$v=19$m=1024,t=3,p=1$c29tZXNhbHRzYWx0$B8tclCJ+NcvSAVcEvD+vtsNMAtgSrL6kbHCmE5X/Unk",
    ];
    for stored in cases {
        assert_eq!(
            verify(stored.as_bytes(), b"secret", false),
            Verification::Match,
            "{stored}"
        );
        assert_eq!(
            verify(stored.as_bytes(), b"wrong", false),
            Verification::Mismatch,
            "{stored}"
        );
    }
    for scheme in PasswordScheme::ALL {
        assert_eq!(PasswordScheme::from_tag(scheme.tag()), Some(scheme));
        assert_eq!(
            PasswordScheme::from_tag(&scheme.tag().to_lowercase()),
            Some(scheme)
        );
    }
    assert_eq!(
        PasswordScheme::from_tag("PBKDF2-SHA1"),
        Some(PasswordScheme::Pbkdf2)
    );
    assert_eq!(PasswordScheme::from_tag("{SSHA}"), None);
    assert_eq!(PasswordScheme::from_tag("SASL"), None);
}

#[test]
fn cleartext_matches_only_when_allowed() {
    for stored in [&b"{CLEARTEXT}secret"[..], b"secret", b"{cleartext}secret"] {
        assert_eq!(verify(stored, b"secret", true), Verification::Match);
        assert_eq!(verify(stored, b"secret2", true), Verification::Mismatch);
        assert_eq!(
            verify(stored, b"secret", false),
            Verification::UnknownScheme("CLEARTEXT".into())
        );
    }
    // A brace that opens no tag is an ordinary cleartext character, as in slapd.
    assert_eq!(
        verify(b"{not a tag}x", b"{not a tag}x", true),
        Verification::Match
    );
    assert_eq!(
        verify(b"{unclosed", b"{unclosed", true),
        Verification::Match
    );
    // Cleartext allowed must not make hashed values compare as text.
    let ssha = b"{SSHA}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k";
    assert_eq!(verify(ssha, ssha, true), Verification::Mismatch);
}

#[test]
fn unknown_schemes_never_match() {
    assert_eq!(
        verify(b"{SASL}user@REALM", b"secret", true),
        Verification::UnknownScheme("SASL".into())
    );
    assert_eq!(
        verify(b"{k5key}x", b"x", true),
        Verification::UnknownScheme("K5KEY".into())
    );
    let sunmd5 = b"{CRYPT}$md5,rounds=50010$QsMeHMgy$$qhcSLCjmxLK4TGlngQIPW0";
    assert!(
        matches!(verify(sunmd5, b"secret", true), Verification::UnknownScheme(s) if s.starts_with("CRYPT $md5"))
    );
}

#[test]
fn scheme_of_and_is_hashed() {
    assert_eq!(scheme_of(b"{ssha}abc").as_deref(), Some("SSHA"));
    assert_eq!(scheme_of(b"{SASL}u@R").as_deref(), Some("SASL"));
    assert_eq!(scheme_of(b"plain"), None);
    assert!(is_hashed(b"{SSHA}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k"));
    assert!(is_hashed(b"{crypt}$6$x$y"));
    assert!(is_hashed(b"{PBKDF2_SHA256}AAAA"));
    assert!(!is_hashed(b"{CLEARTEXT}secret"));
    assert!(!is_hashed(b"secret"));
    assert!(!is_hashed(b"{SASL}u@R"));
}

#[test]
fn every_hashing_scheme_round_trips() {
    for scheme in PasswordScheme::ALL {
        let params = HashParams {
            scheme,
            // Keep the test quick; the defaults are checked separately.
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            crypt_rounds: match scheme {
                PasswordScheme::Crypt => None,
                _ => Some(1000),
            },
            ..HashParams::default()
        };
        let result = hash_password(b"s3cr\xc3\xa9t pw", &params);
        if scheme == PasswordScheme::Cleartext {
            assert_eq!(result, Err(PasswordError::NotAHash(scheme)));
            continue;
        }
        let value = result.unwrap_or_else(|e| panic!("{scheme}: {e}"));
        assert!(
            value.starts_with(&format!("{{{}}}", scheme.tag())),
            "{value}"
        );
        assert!(is_hashed(value.as_bytes()), "{value}");
        assert_eq!(
            verify(value.as_bytes(), b"s3cr\xc3\xa9t pw", false),
            Verification::Match,
            "{value}"
        );
        assert_eq!(
            verify(value.as_bytes(), b"s3cr\xc3\xa9t pW", false),
            Verification::Mismatch,
            "{value}"
        );
        // A second hash of the same password differs unless the scheme has no salt.
        let again = hash_password(b"s3cr\xc3\xa9t pw", &params).unwrap_or_default();
        let unsalted = matches!(
            scheme,
            PasswordScheme::Sha
                | PasswordScheme::Sha256
                | PasswordScheme::Sha384
                | PasswordScheme::Sha512
                | PasswordScheme::Md5
        );
        assert_eq!(again == value, unsalted, "{scheme}");
    }
}

#[test]
fn ssha_uses_slappasswd_salt_length() {
    let params = HashParams {
        scheme: PasswordScheme::Ssha,
        ..HashParams::default()
    };
    let value = hash_password(b"secret", &params).unwrap_or_default();
    let b64 = value.strip_prefix("{SSHA}").unwrap_or_default();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap_or_default();
    assert_eq!(raw.len(), 20 + 4, "{value}");
    let smd5 = hash_password(
        b"secret",
        &HashParams {
            scheme: PasswordScheme::Smd5,
            ..params
        },
    )
    .unwrap_or_default();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(smd5.strip_prefix("{SMD5}").unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(raw.len(), 16 + 4, "{smd5}");
}

#[test]
fn crypt_output_is_sha512_crypt_with_16_char_salt() {
    let params = HashParams {
        scheme: PasswordScheme::Crypt,
        ..HashParams::default()
    };
    let value = hash_password(b"secret", &params).unwrap_or_default();
    let fields: Vec<&str> = value.split('$').collect();
    assert_eq!(fields.len(), 4, "{value}");
    assert_eq!(fields[0], "{CRYPT}");
    assert_eq!(fields[1], "6");
    assert_eq!(fields[2].len(), 16, "{value}");
    assert_eq!(fields[3].len(), 86, "{value}");

    let rounds = HashParams {
        crypt_rounds: Some(6000),
        ..params.clone()
    };
    let value = hash_password(b"secret", &rounds).unwrap_or_default();
    assert!(value.starts_with("{CRYPT}$6$rounds=6000$"), "{value}");
    assert!(verify(value.as_bytes(), b"secret", false).is_match());

    let too_few = HashParams {
        crypt_rounds: Some(10),
        ..params.clone()
    };
    assert!(matches!(
        hash_password(b"secret", &too_few),
        Err(PasswordError::InvalidParams { .. })
    ));
    assert_eq!(
        hash_password(b"a\0b", &params),
        Err(PasswordError::NulInPassword)
    );
}

#[test]
fn default_is_argon2id_with_the_documented_costs() {
    let params = HashParams::default();
    let value = hash_password(b"secret", &params).unwrap_or_default();
    assert!(
        value.starts_with("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$"),
        "{value}"
    );
    let fields: Vec<&str> = value.split('$').collect();
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    assert_eq!(b64.decode(fields[4]).map(|s| s.len()), Ok(16), "{value}");
    assert_eq!(b64.decode(fields[5]).map(|h| h.len()), Ok(32), "{value}");
    assert!(verify(value.as_bytes(), b"secret", false).is_match());

    let bad = HashParams {
        argon2_parallelism: 0,
        ..params
    };
    assert!(matches!(
        hash_password(b"secret", &bad),
        Err(PasswordError::InvalidParams { .. })
    ));
}

#[test]
fn pbkdf2_output_uses_adapted_base64() {
    for (scheme, key_len) in [
        (PasswordScheme::Pbkdf2, 20),
        (PasswordScheme::Pbkdf2Sha256, 32),
        (PasswordScheme::Pbkdf2Sha512, 64),
    ] {
        let params = HashParams {
            scheme,
            crypt_rounds: Some(2000),
            ..HashParams::default()
        };
        let value = hash_password(b"secret", &params).unwrap_or_default();
        let body = value
            .strip_prefix(&format!("{{{}}}", scheme.tag()))
            .unwrap_or_default();
        let fields: Vec<&str> = body.split('$').collect();
        assert_eq!(fields.len(), 3, "{value}");
        assert_eq!(fields[0], "2000");
        assert!(!body.contains('+') && !body.contains('='), "{value}");
        let key =
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(fields[2].replace('.', "+"));
        assert_eq!(key.map(|k| k.len()), Ok(key_len), "{value}");
    }
}

/// Values that claim a known scheme but cannot be read: each is Malformed, none panics.
#[test]
fn malformed_values_are_reported_not_matched() {
    let cases: &[&[u8]] = &[
        b"{SSHA}!!!!not base64",
        b"{SSHA}c2hvcnQ=",                             // 5 bytes: shorter than SHA-1
        b"{SHA}v4oNpnSZ1gTvgAVFQ8Sv1Ax2D95e4d7k",     // 24 bytes where 20 belong
        b"{SHA256}5en6G6MezRroT3XKqkdPOmY/BfQ=",      // a SHA-1 digest
        b"{MD5}",
        b"{SMD5}\xff\xfe",
        b"{CRYPT}",
        b"{CRYPT}short",
        b"{CRYPT}txhP1hwAnVcr!",
        b"{CRYPT}$1$saltsalt$tooshort",
        b"{CRYPT}$1$saltsalt$9xy1btjgzLYfb7hivXtC//$extra",
        b"{CRYPT}$5$rounds=$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA",
        b"{CRYPT}$5$rounds=x$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA",
        b"{CRYPT}$6$rounds=999999999$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
        b"{CRYPT}$6$rounds=99999999999999999999$s$h",
        b"{CRYPT}$6$salt",
        b"{CRYPT}$6$",
        b"{CRYPT}$",
        b"{CRYPT}$2b$5$5fnytgUTi.ImoaMNJRARPeu61MKNQhsf6ZRiNXWeXS8dYtQl/IIIu",
        b"{CRYPT}$2b$31$5fnytgUTi.ImoaMNJRARPeu61MKNQhsf6ZRiNXWeXS8dYtQl/IIIu",
        b"{CRYPT}$2b$05$5fnytgUTi.ImoaMNJRARPeu61MKNQhsf6ZRiNXWeXS8d",
        b"{CRYPT}$sha1$$SWRMd3YX$yEzhquN2dqBYgg9fZnOuA1jErGqm",
        b"{CRYPT}$y$$$",
        b"{CRYPT}$y$j9T$\xc3\xa9",
        b"{CRYPT}\xc3\xa9",
        b"{ARGON2}",
        b"{ARGON2}$argon2x$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1$c29tZXNhbHRzYWx0$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1,p=1,m=8$c29tZXNhbHRzYWx0$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1,p=1$!!!$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$c29tZXNhbHQ", // salt under 8 bytes
        b"{ARGON2}$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzYWx0$c29tZXNhbHQ", // 4 GiB
        b"{ARGON2}$argon2id$v=19$m=1024,t=1000,p=1$c29tZXNhbHRzYWx0$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=18$m=1024,t=1,p=1$c29tZXNhbHRzYWx0$c29tZXNhbHQ",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzYWx0$c29tZXNhbHQ$more",
        b"{ARGON2}$argon2id$v=19$m=1024,t=1,p=1,data=eA$c29tZXNhbHRzYWx0$c29tZXNhbHQ",
        b"{PBKDF2-SHA256}",
        b"{PBKDF2-SHA256}abc$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
        b"{PBKDF2-SHA256}0$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
        b"{PBKDF2-SHA256}4294967296$I0SoVcpZi1EK4Xzv3Vsr5Q$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
        b"{PBKDF2-SHA256}1000$I0SoVcpZi1EK4Xzv3Vsr5Q$Gzs",
        b"{PBKDF2-SHA256}1000$!!$GzsMwej3Pf.Gmt33uA7ASUmtPtq5MgihK8GZx36OA7U",
        b"{PBKDF2}1000$GeP8n9PaWwvhHGNsbW0tJQ",
        b"{PBKDF2_SHA256}AAAIAAABAgMEBQYHCAkK",
        b"{PBKDF2_SHA256}***",
    ];
    for stored in cases {
        let got = verify(stored, b"secret", true);
        assert!(
            matches!(got, Verification::Malformed(_)),
            "{:?}: {got:?}",
            String::from_utf8_lossy(stored)
        );
    }
}

/// A yescrypt or scrypt value asking for more memory than the limit is refused before
/// libxcrypt allocates it: `$y$jJT$` asked for 16 GiB on every bind (found while
/// bounding the password fuzz target).
#[test]
fn scrypt_family_memory_is_bounded() {
    let started = std::time::Instant::now();
    for stored in [
        &b"{CRYPT}$y$jJT$abcdefgh$XiGRbAwHIxPw4lFNtJ5IbstC4YCj10q4LVNa7W2vnn7"[..],
        b"{CRYPT}$gy$jHT$abcdefgh$XiGRbAwHIxPw4lFNtJ5IbstC4YCj10q4LVNa7W2vnn7",
        b"{CRYPT}$7$K6..../....SodiumChloride$ZNW34rz.GYrisIweeFplmH5OKCxTDg1uMQrvw5YnsP/",
        b"{CRYPT}$y$jzT$abcdefgh$XiGRbAwHIxPw4lFNtJ5IbstC4YCj10q4LVNa7W2vnn7",
    ] {
        let got = verify(stored, b"secret", true);
        assert!(
            matches!(got, Verification::Malformed(_)),
            "{:?}: {got:?}",
            String::from_utf8_lossy(stored)
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Within the limit, the real value still verifies (16 MiB, Debian's default).
    let debian = b"{CRYPT}$y$j9T$abcdefgh$9WNEpu8Mx2S4KNGvbVWKM6clOSoY6.YEl7AYF4DGV04";
    assert!(matches!(verify(debian, b"x", true), Verification::Match));
}

/// A BSDi extended-DES value's 24-bit rounds count is bounded: `_5..u` asked for 15
/// million rounds, about 13 s of CPU per bind (found by fuzzing).
#[test]
fn bsdi_rounds_are_bounded() {
    let started = std::time::Instant::now();
    for stored in [
        &b"{CRYPT}_5..u.kWQ9GYUGgTeYPo"[..],
        b"{CRYPT}_zzzzukWQ9GYUGgTeyPo",
    ] {
        let got = verify(stored, b"secret", true);
        assert!(matches!(got, Verification::Malformed(_)), "{got:?}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

/// Lower work limits refuse what the server's accept, scheme by scheme.
#[test]
fn verify_within_applies_the_given_limits() {
    let tight = WorkLimits {
        argon2_memory_kib: 8,
        argon2_iterations: 1,
        argon2_parallelism: 1,
        sha_crypt_rounds: 1000,
        bsdi_crypt_rounds: 1,
        bcrypt_cost: 4,
        pbkdf2_iterations: 1,
        scrypt_memory_kib: 1024,
    };
    let costly = [
        "argon2i$v=19$m=4096",
        "$5$rounds=10000",
        "$2b$05",
        "{PBKDF2}",
        "$y$j9T",
        "$7$CU",
        "_J9..",
    ];
    for prefix in costly {
        let (stored, _) = VECTORS
            .iter()
            .find(|(v, _)| v.contains(prefix))
            .expect(prefix);
        let stored = stored.as_bytes();
        assert!(verify(stored, b"secret", true).is_match(), "{prefix}");
        let strict = verify_within(stored, b"secret", true, &tight);
        assert!(
            matches!(strict, Verification::Malformed(_)),
            "{prefix}: {strict:?}"
        );
    }
}

/// Every prefix of every cheap vector, and the vector with one character replaced at
/// each position, must give an answer (not a panic) and match only when unchanged.
#[test]
fn damaged_vectors_never_panic_or_match() {
    let slow = ["$y$", "$gy$", "$7$", "$sha1$", "ARGON2", "PBKDF2"];
    for (stored, _) in VECTORS
        .iter()
        .filter(|(s, _)| !slow.iter().any(|x| s.contains(x)))
    {
        let bytes = stored.as_bytes();
        let tag_end = bytes.iter().position(|&b| b == b'}').unwrap_or(0) + 1;
        for cut in tag_end..bytes.len() {
            // Dropping only base64 padding leaves the same value.
            if stored[cut..].bytes().all(|b| b == b'=') {
                continue;
            }
            let got = verify(&bytes[..cut], b"secret", false);
            assert!(!got.is_match(), "prefix {:?} matched", &stored[..cut]);
        }
        for pos in tag_end..bytes.len() {
            for replacement in [b'$', b'A', b'.', b'=', 0u8, 0xff] {
                if bytes[pos] == replacement {
                    continue;
                }
                let mut damaged = bytes.to_vec();
                damaged[pos] = replacement;
                let got = verify(&damaged, b"secret", false);
                assert!(!got.is_match(), "{stored} damaged at {pos} still matched");
            }
        }
    }
}

#[test]
fn crypt_never_matches_a_candidate_cut_at_nul() {
    // crypt(3) would stop at the NUL and see "secret".
    let des = b"{CRYPT}txhP1hwAnVcrs";
    assert_eq!(verify(des, b"secret\0junk", false), Verification::Mismatch);
    let y = b"{CRYPT}$y$j9T$jTASGUJCbkQhiKCizUBsL1$9ohx9TIIL41TA44wLkTxn437/SlsOgTnQpXc4FYcgZ8";
    assert_eq!(verify(y, b"secret\0", false), Verification::Mismatch);
}

#[test]
fn generated_passwords_are_random_and_readable() {
    let a = generate_password();
    let b = generate_password();
    assert_eq!(a.chars().count(), 16);
    assert_ne!(a, b);
    assert!(
        a.chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0O1lI5S".contains(c)),
        "{a}"
    );
}

/// Debian's slappasswd -h {CRYPT} writes bigcrypt for passwords over 8 characters,
/// and bigcrypt, unlike DES, reads past the 8th character.
#[test]
fn slappasswd_bigcrypt_values_verify() {
    for stored in [
        &b"{CRYPT}JyMxj9x1PZ9nAwi10E.G5kfwWDRDyLzkQhI"[..],
        b"{CRYPT}lIHcWT9adc8gAq9jFXJdkHbEIzdBDtBUiLo",
    ] {
        assert_eq!(
            verify(stored, b"secret-longer-than-8", false),
            Verification::Match
        );
        assert_eq!(
            verify(stored, b"secret-longer-than-9", false),
            Verification::Mismatch
        );
        assert_eq!(verify(stored, b"secret-l", false), Verification::Mismatch);
    }
}
