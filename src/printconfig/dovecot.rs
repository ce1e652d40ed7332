//! Dovecot 2.3 ldap passdb/userdb configuration for the served tree.

use super::PrintParams;

/// Header that starts the dovecot-ldap.conf.ext part of the output.
pub const LDAP_CONF_HEADER: &str = "# ==> /etc/dovecot/dovecot-ldap.conf.ext <==";
/// Header that starts the conf.d/10-auth.conf part of the output.
pub const AUTH_CONF_HEADER: &str = "# ==> /etc/dovecot/conf.d/10-auth.conf <==";

/// Header that starts the conf.d/10-mail.conf part of the output.
pub const MAIL_CONF_HEADER: &str = "# ==> /etc/dovecot/conf.d/10-mail.conf <==";

/// The filter both passdb and userdb use: the one Courier's LDAP_FILTER builds, plus
/// [`super::ENABLED_TERM`] (Dovecot has no per-account switch of its own, so a disabled
/// account is simply not found; Courier refuses it through disableimap/disablepop3).
const ACCOUNT_FILTER: &str =
    "(&(objectClass=CourierMailAccount)(mail=%u)(!(&(disableimap=1)(disablepop3=1))))";

/// Prints dovecot-ldap.conf.ext with `auth_bind = yes` (the server checks the password by
/// a bind as the account's DN) and the passdb/userdb blocks for 10-auth.conf; the
/// service-DN variant (`auth_bind = no`) is given commented out.
pub fn dovecot(p: &PrintParams) -> String {
    let mut out = String::new();
    out.push_str(LDAP_CONF_HEADER);
    out.push('\n');
    out.push_str(&format!("uris = {}\n", p.uri));
    out.push_str("ldap_version = 3\n");
    out.push_str(
        "# The account is found anonymously, then the password is checked by binding as it:\n\
         # Dovecot never sees userPassword, so any scheme mailldap stores works.\n",
    );
    out.push_str("auth_bind = yes\n");
    out.push_str(&format!("base = {}\n", p.hosting_base));
    out.push_str("scope = subtree\n");
    out.push_str("deref = never\n");
    out.push_str(&format!("pass_filter = {ACCOUNT_FILTER}\n"));
    out.push_str("# The stored spelling of the address becomes the login name.\n");
    out.push_str("pass_attrs = mail=user\n");
    out.push_str(
        "# Alternative: a service DN allowed to read userPassword, Dovecot compares the hash.\n\
         # Replace auth_bind and pass_attrs above with:\n\
         #auth_bind = no\n",
    );
    out.push_str(&format!("#dn = cn=mailservice,{}\n", p.suffix));
    out.push_str("#dnpass = secret\n");
    out.push_str("#pass_attrs = mail=user,userPassword=password\n");
    out.push_str(&format!("user_filter = {ACCOUNT_FILTER}\n"));
    out.push_str(
        "# mailbox is relative to homeDirectory, exactly where Postfix virtual(8) delivers;\n\
         # every account is owned by the one vmail uid/gid.\n",
    );
    out.push_str(&format!(
        "user_attrs = mail=user,\
         =home=%{{ldap:homeDirectory}}/%{{ldap:mailbox}},\
         =mail=maildir:%{{ldap:homeDirectory}}/%{{ldap:mailbox}},\
         =uid={},=gid={}\n",
        p.vmail_uid, p.vmail_gid
    ));
    out.push_str("iterate_filter = (objectClass=CourierMailAccount)\n");
    out.push_str("iterate_attrs = mail=user\n\n");

    out.push_str(AUTH_CONF_HEADER);
    out.push('\n');
    out.push_str("# In place of !include auth-system.conf.ext:\n");
    for db in ["passdb", "userdb"] {
        out.push_str(&format!(
            "{db} {{\n  driver = ldap\n  args = /etc/dovecot/dovecot-ldap.conf.ext\n}}\n"
        ));
    }
    out.push('\n');
    out.push_str(MAIL_CONF_HEADER);
    out.push_str(
        "\n# Dovecot refuses users below first_valid_uid (500 by default) with a temporary\n\
         # failure: the vmail uid must be allowed.\n",
    );
    out.push_str(&format!("first_valid_uid = {}\n", p.vmail_uid));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> PrintParams {
        PrintParams::article("ldap://127.0.0.1:3389", "dc=myhosting,dc=example")
    }

    /// Active `key = value` settings of dovecot-ldap.conf.ext, as Dovecot would read them.
    fn settings(out: &str) -> Vec<(&str, &str)> {
        let end = out.find(AUTH_CONF_HEADER).unwrap_or(out.len());
        out[..end]
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .collect()
    }

    fn value<'a>(out: &'a str, key: &str) -> Option<&'a str> {
        settings(out)
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    #[test]
    fn ldap_conf_binds_as_the_user() {
        let out = dovecot(&params());
        assert!(out.starts_with(LDAP_CONF_HEADER));
        assert_eq!(value(&out, "uris"), Some("ldap://127.0.0.1:3389"));
        assert_eq!(value(&out, "auth_bind"), Some("yes"));
        assert_eq!(
            value(&out, "base"),
            Some("o=hosting,dc=myhosting,dc=example")
        );
        assert_eq!(value(&out, "scope"), Some("subtree"));
        assert_eq!(value(&out, "pass_attrs"), Some("mail=user"));
        // With auth_bind no DN or password of ours is stored in the file.
        assert_eq!(value(&out, "dn"), None);
        assert_eq!(value(&out, "dnpass"), None);
    }

    #[test]
    fn filters_select_courier_accounts_by_mail() {
        let out = dovecot(&params());
        let filter =
            "(&(objectClass=CourierMailAccount)(mail=%u)(!(&(disableimap=1)(disablepop3=1))))";
        assert!(filter.contains(crate::printconfig::ENABLED_TERM));
        assert_eq!(value(&out, "pass_filter"), Some(filter));
        assert_eq!(value(&out, "user_filter"), Some(filter));
        assert_eq!(
            value(&out, "iterate_filter"),
            Some("(objectClass=CourierMailAccount)")
        );
    }

    #[test]
    fn userdb_maps_home_maildir_and_vmail_ids() {
        let out = dovecot(&params());
        let attrs: Vec<&str> = value(&out, "user_attrs").unwrap_or("").split(',').collect();
        assert!(attrs.contains(&"=home=%{ldap:homeDirectory}/%{ldap:mailbox}"));
        assert!(attrs.contains(&"=mail=maildir:%{ldap:homeDirectory}/%{ldap:mailbox}"));
        assert!(attrs.contains(&"=uid=125"));
        assert!(attrs.contains(&"=gid=120"));
    }

    #[test]
    fn mail_conf_admits_the_vmail_uid() {
        let out = dovecot(&params());
        let mail = &out[out.find(MAIL_CONF_HEADER).unwrap_or(0)..];
        assert!(mail.starts_with(MAIL_CONF_HEADER));
        assert!(mail.contains("\nfirst_valid_uid = 125\n"));
    }

    #[test]
    fn service_dn_variant_is_commented_out() {
        let out = dovecot(&params());
        assert!(out.contains("\n#auth_bind = no\n"));
        assert!(out.contains("\n#dn = cn=mailservice,dc=myhosting,dc=example\n"));
        assert!(out.contains("\n#pass_attrs = mail=user,userPassword=password\n"));
    }

    #[test]
    fn auth_conf_declares_ldap_passdb_and_userdb() {
        let out = dovecot(&params());
        let auth = &out[out.find(AUTH_CONF_HEADER).unwrap_or(0)..];
        for db in ["passdb", "userdb"] {
            assert!(auth.contains(&format!(
                "{db} {{\n  driver = ldap\n  args = /etc/dovecot/dovecot-ldap.conf.ext\n}}"
            )));
        }
    }
}
