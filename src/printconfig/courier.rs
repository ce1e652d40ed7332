//! Courier authlib configuration (authdaemonrc + authldaprc) for the served tree.
//!
//! The keys are those of Debian's courier-authlib 0.71 `/etc/courier/authldaprc`. We print
//! only the keys we set: authldaprc has no include mechanism, so the admin replaces the
//! matching lines of the packaged file (or the whole file) with ours.

use super::PrintParams;

/// Header that starts the authdaemonrc part of the output (the shape of `tail`'s
/// multi-file headers, so scripts can split the output with one awk line).
pub const AUTHDAEMONRC_HEADER: &str = "# ==> /etc/courier/authdaemonrc <==";
/// Header that starts the authldaprc part of the output.
pub const AUTHLDAPRC_HEADER: &str = "# ==> /etc/courier/authldaprc <==";

/// Prints the authdaemonrc line and the authldaprc settings for LDAP_AUTHBIND (the
/// article's recommendation), with the service-bind alternative commented out.
pub fn courier(p: &PrintParams) -> String {
    let mut out = String::new();
    out.push_str(AUTHDAEMONRC_HEADER);
    out.push('\n');
    out.push_str("# Only the LDAP module: virtual accounts live in the directory.\n");
    out.push_str("authmodulelist=\"authldap\"\n\n");

    out.push_str(AUTHLDAPRC_HEADER);
    out.push_str("\n# Fields are separated by tabs; no trailing spaces (authldaprc's own rule).\n");
    let kv = |out: &mut String, k: &str, v: &str| {
        out.push_str(k);
        out.push('\t');
        out.push_str(v);
        out.push('\n');
    };
    kv(&mut out, "LDAP_URI", &p.uri);
    kv(&mut out, "LDAP_PROTOCOL_VERSION", "3");
    kv(&mut out, "LDAP_BASEDN", &p.hosting_base);
    kv(&mut out, "LDAP_TIMEOUT", "5");
    out.push_str(
        "# The server checks each password by a bind as the account's DN, so Courier never\n\
         # reads userPassword and any scheme mailldap knows works. LDAP_INITBIND 0: the\n\
         # account search is anonymous (mailldap lets anonymous read the routing attributes).\n",
    );
    kv(&mut out, "LDAP_AUTHBIND", "1");
    kv(&mut out, "LDAP_INITBIND", "0");
    out.push_str(
        "# Alternative: Courier binds as a service DN allowed to read userPassword and\n\
         # compares the hash itself. Then the stored hashes must be ones Courier knows:\n\
         # {SSHA} with a 4-byte salt (slappasswd's default) or {CRYPT} ($1$, $5$, $6$).\n\
         # Replace the two lines above with:\n",
    );
    out.push_str("#LDAP_AUTHBIND\t0\n#LDAP_INITBIND\t1\n");
    out.push_str(&format!("#LDAP_BINDDN\tcn=mailservice,{}\n", p.suffix));
    out.push_str("#LDAP_BINDPW\tsecret\n");
    kv(&mut out, "LDAP_MAIL", "mail");
    kv(&mut out, "LDAP_FILTER", "(objectClass=CourierMailAccount)");
    out.push_str("# Every virtual account is delivered as the one vmail user.\n");
    kv(&mut out, "LDAP_GLOB_UID", &p.vmail_uid.to_string());
    kv(&mut out, "LDAP_GLOB_GID", &p.vmail_gid.to_string());
    out.push_str("# mailbox is relative to homeDirectory, as Postfix virtual(8) sees it.\n");
    kv(&mut out, "LDAP_HOMEDIR", "homeDirectory");
    kv(&mut out, "LDAP_MAILDIR", "mailbox");
    kv(&mut out, "LDAP_FULLNAME", "cn");
    kv(&mut out, "LDAP_CRYPTPW", "userPassword");
    out.push_str(
        "# Per-account switches as account options: `mailldap account disable` sets\n\
         # disableimap and disablepop3 to 1, and Courier's imapd/pop3d then refuse the login.\n",
    );
    let aux: Vec<String> = super::DISABLE_ATTRS
        .iter()
        .map(|a| format!("{a}={a}"))
        .collect();
    kv(&mut out, "LDAP_AUXOPTIONS", &aux.join(","));
    kv(&mut out, "LDAP_DEREF", "never");
    kv(&mut out, "LDAP_TLS", "0");
    out.push('\n');
    // authldap refuses a file without this section ("marker line not found"): it is
    // sysconftool's proof that the file was written for this version.
    out.push_str(MARKER);
    out.push_str(
        "\n#\n# Do not remove this section: Courier requires it at the end of the file.\n",
    );
    out
}

/// The last section of every authldaprc; authldap fails the lookup (TEMPFAIL) without it.
pub const MARKER: &str = "##NAME: MARKER:0";

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> PrintParams {
        PrintParams::article("ldap://127.0.0.1:3389", "dc=myhosting,dc=example")
    }

    /// The value of an active (uncommented) authldaprc key, as Courier would read it.
    fn value<'a>(out: &'a str, key: &str) -> Option<&'a str> {
        let start = out.find(AUTHLDAPRC_HEADER)?;
        out[start..].lines().find_map(|l| {
            let (k, v) = l.split_once(['\t', ' '])?;
            (k == key).then(|| v.trim_start())
        })
    }

    #[test]
    fn authldaprc_has_the_article_settings() {
        let out = courier(&params());
        assert_eq!(value(&out, "LDAP_URI"), Some("ldap://127.0.0.1:3389"));
        assert_eq!(
            value(&out, "LDAP_BASEDN"),
            Some("o=hosting,dc=myhosting,dc=example")
        );
        assert_eq!(value(&out, "LDAP_AUTHBIND"), Some("1"));
        assert_eq!(value(&out, "LDAP_INITBIND"), Some("0"));
        assert_eq!(value(&out, "LDAP_MAIL"), Some("mail"));
        assert_eq!(
            value(&out, "LDAP_FILTER"),
            Some("(objectClass=CourierMailAccount)")
        );
        assert_eq!(value(&out, "LDAP_GLOB_UID"), Some("125"));
        assert_eq!(value(&out, "LDAP_GLOB_GID"), Some("120"));
        assert_eq!(value(&out, "LDAP_HOMEDIR"), Some("homeDirectory"));
        assert_eq!(value(&out, "LDAP_MAILDIR"), Some("mailbox"));
        assert_eq!(value(&out, "LDAP_FULLNAME"), Some("cn"));
        assert_eq!(value(&out, "LDAP_CRYPTPW"), Some("userPassword"));
        assert_eq!(value(&out, "LDAP_DEREF"), Some("never"));
        assert_eq!(
            value(&out, "LDAP_AUXOPTIONS"),
            Some("disableimap=disableimap,disablepop3=disablepop3")
        );
        assert_eq!(value(&out, "LDAP_TLS"), Some("0"));
    }

    #[test]
    fn service_bind_is_only_a_commented_alternative() {
        let out = courier(&params());
        // No active bind DN or password: with LDAP_AUTHBIND nothing secret is stored.
        assert_eq!(value(&out, "LDAP_BINDDN"), None);
        assert_eq!(value(&out, "LDAP_BINDPW"), None);
        assert!(out.contains("#LDAP_BINDDN\tcn=mailservice,dc=myhosting,dc=example\n"));
        assert!(out.contains("#LDAP_AUTHBIND\t0\n"));
        assert!(out.contains("{SSHA} with a 4-byte salt"));
    }

    #[test]
    fn each_key_is_set_once_and_has_no_trailing_space() {
        let out = courier(&params());
        let start = out.find(AUTHLDAPRC_HEADER).unwrap_or(0);
        let mut keys: Vec<&str> = out[start..]
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| l.split('\t').next().unwrap_or(""))
            .collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is set twice");
        assert!(out.lines().all(|l| !l.ends_with(' ') && !l.ends_with('\t')));
    }

    #[test]
    fn ends_with_the_marker_section_courier_requires() {
        let out = courier(&params());
        let last_section = out.rsplit("##NAME: ").next().unwrap_or("");
        assert!(last_section.starts_with("MARKER:0\n"));
        assert!(out.lines().filter(|l| *l == MARKER).count() == 1);
    }

    #[test]
    fn authdaemonrc_enables_only_authldap() {
        let out = courier(&params());
        let daemon = &out[..out.find(AUTHLDAPRC_HEADER).unwrap_or(out.len())];
        assert!(daemon.starts_with(AUTHDAEMONRC_HEADER));
        assert!(daemon.contains("\nauthmodulelist=\"authldap\"\n"));
    }
}
