//! Config tests: defaults, unknown keys, validation messages.

use super::*;

#[test]
fn unknown_keys_are_named() {
    let err = Config::from_toml(
        "listen = [\"ldap://127.0.0.1:1\"]\nlisten_port = 3\n",
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("listen_port"), "{err}");
}

#[test]
fn partial_files_keep_defaults() {
    let c = Config::from_toml("suffix = \"dc=example,dc=org\"\n", "t.toml").unwrap();
    assert_eq!(c.suffix, "dc=example,dc=org");
    assert_eq!(c.listen, vec!["ldap://127.0.0.1:3389".to_string()]);
    assert!(c.indexes.contains_key("mail"));
}

#[test]
fn plaintext_networks_default_to_loopback_and_bad_ones_are_named() {
    let c = Config::default();
    let nets = c.plaintext_networks().unwrap();
    let trusted = |ip: &str| nets.iter().any(|n| n.contains(ip.parse().unwrap()));
    assert!(trusted("127.0.0.1") && trusted("::1"));
    assert!(!trusted("192.0.2.1"));
    let err = Config::from_toml(
        "plaintext_bind_networks = [\"10.0.0.0/8\", \"10.0.0.0/40\"]\n",
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("10.0.0.0/40"), "{err}");
    let old = Config::from_toml("plaintext_binds = \"allow\"\n", "t.toml").unwrap_err();
    assert!(old.to_string().contains("plaintext_binds"));
}

#[test]
fn shipped_file_is_the_default() {
    let shipped = Config::from_toml(DEFAULT_CONFIG, "config/mailldap.toml").unwrap();
    let builtin = Config::default();
    assert!(builtin.acl.len() >= 5, "default policy has rules");
    assert_eq!(shipped.acl, builtin.acl);
    assert_eq!(shipped.anonymous_read, builtin.anonymous_read);
    assert_eq!(shipped.suffix, builtin.suffix);
}

#[test]
fn acl_errors_name_the_rule() {
    let cases = [
        ("[[acl]]\ndn_regex = '(unclosed'\nby = [{ who = \"*\", level = \"read\" }]\n", "dn_regex"),
        ("[[acl]]\nby = [{ who = \"somebody\", level = \"read\" }]\n", "unknown who"),
        ("[[acl]]\nby = [{ who = \"*\", level = \"everything\" }]\n", "unknown level"),
        ("[[acl]]\ndn_subtree = \"dc=example\"\nby = [{ who = \"dn:cn=x,o=${domain}\", level = \"read\" }]\n", "${domain}"),
        ("[[acl]]\nfilter = \"(mail=\"\nby = [{ who = \"*\", level = \"read\" }]\n", "filter"),
    ];
    for (text, want) in cases {
        let toml = format!("[[acl]]\nby = [{{ who = \"*\", level = \"read\" }}]\n{text}");
        let err = Config::from_toml(&toml, "t.toml").unwrap_err().to_string();
        assert!(err.contains("acl rule #2"), "{err}");
        assert!(err.contains(want), "{err}");
    }
    let err = Config::from_toml("[[acl]]\nwhat = 1\nby = []\n", "t.toml").unwrap_err();
    assert!(err.to_string().contains("what"), "{err}");
    let err = Config::from_toml(
        "[limits]\n[[limits.by]]\nwho = \"self\"\nsize = 1\n",
        "t.toml",
    )
    .unwrap_err();
    assert!(err.to_string().contains("limits.by #1"), "{err}");
}

#[test]
fn referential_integrity_defaults_to_role_occupant() {
    assert_eq!(
        Config::default().referential_integrity,
        vec!["roleOccupant".to_string()]
    );
    let c = Config::from_toml(
        "referential_integrity = [\"roleOccupant\", \"member\"]\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(c.referential_integrity, vec!["roleOccupant", "member"]);
    let off = Config::from_toml("referential_integrity = []\n", "t.toml").unwrap();
    assert!(off.referential_integrity.is_empty());
}

#[test]
fn bad_index_kind_is_rejected() {
    let err = Config::from_toml("[indexes]\nmail = [\"approx\"]\n", "t.toml").unwrap_err();
    assert!(err.to_string().contains("approx"));
}
