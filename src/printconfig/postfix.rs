//! `mailldap print-config postfix`: the article's Postfix LDAP lookups as ldap_table(5)
//! files plus the main.cf lines that use them.
//!
//! The output is several files in one text: each starts at a `# --- /abs/path ---`
//! header line and runs to the next one. Table paths are absolute because Postfix reads
//! a relative `ldap:name` as main.cf parameters (`name_server_host`, ...) and silently
//! falls back to ldap://localhost:389.

use super::PrintParams;

/// Where the generated files are meant to live; the main.cf lines name these paths.
const DIR: &str = "/etc/postfix";

/// The article's account lookup filter, shared by `accounts` and `accountsmap`, plus
/// [`super::ENABLED_TERM`]: a disabled account is not found in either, so its mail is
/// rejected at RCPT (or taken by the domain's catch-all) instead of bouncing later.
const ACCOUNT_FILTER: &str =
    "(&(mail=%s)(objectClass=CourierMailAccount)(!(&(disableimap=1)(disablepop3=1))))";
/// The article's alias lookup filter.
const ALIAS_FILTER: &str = "(&(mail=%s)(objectClass=CourierMailAlias))";
/// Hosted domains are the organizations directly below the hosting base.
const DOMAIN_FILTER: &str = "(&(o=%s)(objectClass=organization))";

/// One ldap_table(5) file.
struct Table {
    /// File name under [`DIR`].
    name: &'static str,
    /// Why the table exists (printed as a comment).
    about: &'static str,
    query_filter: &'static str,
    result_attribute: &'static str,
    /// `sub` for mail entries at any depth, `one` for the domains just below the base.
    scope: &'static str,
}

const TABLES: [Table; 4] = [
    Table {
        name: "ldap-aliases.cf",
        about: "Virtual aliases (CourierMailAlias): the address forwards to every maildrop\n\
                # value (Postfix joins several with \",\"). mail=@domain is a catch-all.",
        query_filter: ALIAS_FILTER,
        result_attribute: "maildrop",
        scope: "sub",
    },
    Table {
        name: "ldap-accounts.cf",
        about: "Virtual mailboxes (CourierMailAccount): mailbox is the Maildir path,\n\
                # relative to virtual_mailbox_base; a trailing \"/\" means Maildir format.",
        query_filter: ACCOUNT_FILTER,
        result_attribute: "mailbox",
        scope: "sub",
    },
    Table {
        name: "ldap-accountsmap.cf",
        about: "Every account as an alias of itself (user@domain -> user@domain), looked\n\
                # up before ldap-aliases.cf so a catch-all (mail=@domain) does not swallow\n\
                # the mail of real accounts (Postfix VIRTUAL_README, catch-all addresses).",
        query_filter: ACCOUNT_FILTER,
        result_attribute: "mail",
        scope: "sub",
    },
    Table {
        name: "ldap-domains.cf",
        about: "Hosted domains: the o=<domain> entries directly below the hosting base, so\n\
                # a new domain is live as soon as its entry is added (no static list).",
        query_filter: DOMAIN_FILTER,
        result_attribute: "o",
        scope: "one",
    },
];

/// Path of a generated table file.
fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// The header line that starts each generated file in the output.
fn header(path: &str) -> String {
    format!("# --- {path} ---\n")
}

/// Prints the Postfix configuration for the tree described by `p`: four ldap_table
/// files (`ldap-aliases.cf`, `ldap-accounts.cf`, `ldap-accountsmap.cf`,
/// `ldap-domains.cf` under /etc/postfix) and the main.cf lines, each after a
/// `# --- /path ---` header.
pub fn postfix(p: &PrintParams) -> String {
    let mut out = String::new();
    out.push_str(
        "# Postfix configuration for mailldap (mailldap print-config postfix).\n\
         # Several files follow, each starting at its \"# --- /path ---\" line: save the\n\
         # tables, add the main.cf lines to your main.cf, then `postfix reload`.\n\
         # Check a table with: postmap -q user@example.org ldap:/etc/postfix/ldap-accounts.cf\n\n",
    );
    for t in &TABLES {
        out.push_str(&header(&path(t.name)));
        out.push_str(&format!("# {}\n", t.about));
        out.push_str(&format!("server_host = {}\n", p.uri));
        out.push_str(&format!("search_base = {}\n", p.hosting_base));
        out.push_str(&format!("scope = {}\n", t.scope));
        out.push_str(&format!("query_filter = {}\n", t.query_filter));
        out.push_str(&format!("result_attribute = {}\n", t.result_attribute));
        // Anonymous lookups, as in the article: the default access policy lets
        // anonymous read the mail-routing attributes. For a service DN use
        // bind = yes, bind_dn = ..., bind_pw = ...
        out.push_str("bind = no\n");
        out.push_str("version = 3\n\n");
    }

    let aliases = path("ldap-aliases.cf");
    let accounts = path("ldap-accounts.cf");
    let accountsmap = path("ldap-accountsmap.cf");
    let domains = path("ldap-domains.cf");
    out.push_str(&header(&path("main.cf")));
    out.push_str(&format!(
        "# Add these lines to main.cf. Hosted domains are virtual mailbox domains,\n\
         # looked up in LDAP; keep them out of mydestination.\n\
         virtual_mailbox_domains = ldap:{domains}\n\
         # Empty: every hosted domain is a mailbox domain already (the default,\n\
         # $virtual_alias_maps, would look bare domain names up in the alias tables).\n\
         virtual_alias_domains =\n\
         # accountsmap first: real accounts map to themselves before a catch-all is tried.\n\
         virtual_alias_maps = ldap:{accountsmap}, ldap:{aliases}\n\
         virtual_mailbox_maps = ldap:{accounts}\n\
         virtual_mailbox_base = {base}\n\
         virtual_minimum_uid = {uid}\n\
         virtual_uid_maps = static:{uid}\n\
         virtual_gid_maps = static:{gid}\n",
        base = p.vmail_base,
        uid = p.vmail_uid,
        gid = p.vmail_gid,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> PrintParams {
        PrintParams::article("ldap://127.0.0.1:3389", "dc=myhosting,dc=example")
    }

    /// Splits the output at its `# --- path ---` headers, as a user saving it would.
    fn files(out: &str) -> Vec<(String, Vec<String>)> {
        let mut files: Vec<(String, Vec<String>)> = Vec::new();
        for line in out.lines() {
            if let Some(path) = line
                .strip_prefix("# --- ")
                .and_then(|l| l.strip_suffix(" ---"))
            {
                files.push((path.to_string(), Vec::new()));
            } else if let Some((_, lines)) = files.last_mut() {
                lines.push(line.to_string());
            }
        }
        files
    }

    /// The `name = value` settings of one file, comments and blanks left out.
    fn settings(out: &str, path: &str) -> Vec<(String, String)> {
        let all = files(out);
        let Some((_, lines)) = all.iter().find(|(p, _)| p == path) else {
            panic!("no file {path} in the output:\n{out}");
        };
        lines
            .iter()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(" ="))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect()
    }

    fn get(s: &[(String, String)], key: &str) -> String {
        s.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{key} missing in {s:?}"))
    }

    #[test]
    fn prints_five_absolute_files_in_order() {
        let out = postfix(&params());
        let paths: Vec<String> = files(&out).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "/etc/postfix/ldap-aliases.cf",
                "/etc/postfix/ldap-accounts.cf",
                "/etc/postfix/ldap-accountsmap.cf",
                "/etc/postfix/ldap-domains.cf",
                "/etc/postfix/main.cf",
            ]
        );
    }

    #[test]
    fn tables_carry_the_articles_filters_and_attributes() {
        let out = postfix(&params());
        let cases = [
            (
                "/etc/postfix/ldap-aliases.cf",
                "(&(mail=%s)(objectClass=CourierMailAlias))",
                "maildrop",
                "sub",
            ),
            (
                "/etc/postfix/ldap-accounts.cf",
                "(&(mail=%s)(objectClass=CourierMailAccount)(!(&(disableimap=1)(disablepop3=1))))",
                "mailbox",
                "sub",
            ),
            (
                "/etc/postfix/ldap-accountsmap.cf",
                "(&(mail=%s)(objectClass=CourierMailAccount)(!(&(disableimap=1)(disablepop3=1))))",
                "mail",
                "sub",
            ),
            (
                "/etc/postfix/ldap-domains.cf",
                "(&(o=%s)(objectClass=organization))",
                "o",
                "one",
            ),
        ];
        for (path, filter, attr, scope) in cases {
            let s = settings(&out, path);
            assert_eq!(get(&s, "query_filter"), filter, "{path}");
            assert_eq!(get(&s, "result_attribute"), attr, "{path}");
            assert_eq!(get(&s, "scope"), scope, "{path}");
            assert_eq!(get(&s, "server_host"), "ldap://127.0.0.1:3389", "{path}");
            assert_eq!(
                get(&s, "search_base"),
                "o=hosting,dc=myhosting,dc=example",
                "{path}"
            );
            assert_eq!(get(&s, "bind"), "no", "{path}");
            assert_eq!(get(&s, "version"), "3", "{path}");
        }
    }

    #[test]
    fn account_filters_carry_the_enabled_term() {
        assert!(ACCOUNT_FILTER.contains(crate::printconfig::ENABLED_TERM));
    }

    #[test]
    fn main_cf_puts_accountsmap_before_aliases() {
        let out = postfix(&params());
        let s = settings(&out, "/etc/postfix/main.cf");
        assert_eq!(
            get(&s, "virtual_alias_maps"),
            "ldap:/etc/postfix/ldap-accountsmap.cf, ldap:/etc/postfix/ldap-aliases.cf"
        );
        assert_eq!(
            get(&s, "virtual_mailbox_maps"),
            "ldap:/etc/postfix/ldap-accounts.cf"
        );
        assert_eq!(
            get(&s, "virtual_mailbox_domains"),
            "ldap:/etc/postfix/ldap-domains.cf"
        );
        assert_eq!(get(&s, "virtual_alias_domains"), "");
    }

    #[test]
    fn main_cf_uses_the_vmail_owner_and_base() {
        let mut p = params();
        p.vmail_uid = 5000;
        p.vmail_gid = 5001;
        p.vmail_base = "/srv/vmail".into();
        p.uri = "ldap://mail.example:389".into();
        let out = postfix(&p);
        let s = settings(&out, "/etc/postfix/main.cf");
        assert_eq!(get(&s, "virtual_mailbox_base"), "/srv/vmail");
        assert_eq!(get(&s, "virtual_minimum_uid"), "5000");
        assert_eq!(get(&s, "virtual_uid_maps"), "static:5000");
        assert_eq!(get(&s, "virtual_gid_maps"), "static:5001");
        let t = settings(&out, "/etc/postfix/ldap-accounts.cf");
        assert_eq!(get(&t, "server_host"), "ldap://mail.example:389");
    }

    #[test]
    fn every_comment_line_in_a_table_starts_with_hash() {
        // Postfix would read a wrapped comment line without '#' as a bad setting.
        let out = postfix(&params());
        for (path, lines) in files(&out) {
            for l in lines {
                let l = l.trim();
                assert!(
                    l.is_empty() || l.starts_with('#') || l.contains(" ="),
                    "{path}: stray line {l:?}"
                );
            }
        }
    }
}
