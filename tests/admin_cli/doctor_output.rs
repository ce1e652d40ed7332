//! `doctor` findings and their fixes, `--json`, the client config file and where passwords
//! may come from.

use super::*;

#[test]
fn doctor_is_quiet_on_the_demo_tree() {
    let s = Server::demo();
    let r = root(&s, &["doctor"]);
    r.ok();
    assert_eq!(r.stdout, "no findings in 2 domain(s)\n");
}

#[test]
fn doctor_reports_each_problem_with_the_command_that_fixes_it() {
    // Duplicate mailboxes get past the server only with its guard off (old data does).
    let s = Server::start_with("mailbox_guard = false", true);
    let acct = |addr: &str, mailbox: &str, pw: &str| {
        let (local, domain) = addr.split_once('@').unwrap_or_default();
        format!(
            "dn: mail={addr},o={domain},{HOSTING}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\n\
             cn: {local}\nsn: {local}\nmail: {addr}\nhomeDirectory: /home/vmail/domains\nmailbox: {mailbox}\n{pw}\n"
        )
    };
    let ldif = [
        format!("dn: o=bare.example,{HOSTING}\nobjectClass: organization\no: bare.example\n"),
        format!("dn: mail=old@domain1.example,o=domain1.example,{HOSTING}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: old\nmail: old@domain1.example\nmaildrop: gone@domain1.example\n"),
        acct("nopw@domain1.example", "domain1.example/nopw/", ""),
        acct("noslash@domain1.example", "domain1.example/noslash", "userPassword: {SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4"),
        acct("twin@domain1.example", "domain1.example/user1/", "userPassword: {SSHA}3JAanfVDcXAi7KVSbq3SL5YwD798SFq4"),
        acct("modern@domain2.example", "domain2.example/modern/", "userPassword: modern-pw"),
    ]
    .join("\n");
    s.add_root(&ldif).ok();
    s.modify_root(&format!(
        "dn: cn=postmaster,o=domain2.example,{HOSTING}\nchangetype: modify\nadd: roleOccupant\nroleOccupant: mail=left@domain2.example,o=domain2.example,{HOSTING}\n"
    ))
    .ok();
    let r = root(&s, &["doctor", "--courier-mode", "servicebind"]);
    r.expect_code(1);
    let pairs = [
        ("[postmaster] bare.example has no cn=postmaster entry", "fix: mailldap domain repair bare.example"),
        ("[abuse] bare.example has no abuse@bare.example (RFC 2142)", "fix: mailldap domain repair bare.example"),
        ("[dangling-target] old@domain1.example forwards to gone@domain1.example, which resolves nowhere", "fix: mailldap alias add old@domain1.example NEW-TARGET; mailldap alias remove old@domain1.example gone@domain1.example"),
        ("[password] nopw@domain1.example has no password", "fix: mailldap account passwd nopw@domain1.example"),
        ("[mailbox] noslash@domain1.example: mailbox domain1.example/noslash does not end in '/'", "replace: mailbox\\nmailbox: domain1.example/noslash/\\n' | ldapmodify"),
        ("[duplicate-mailbox] ", "Maildir /home/vmail/domains/domain1.example/user1/"),
        ("[password] modern@domain2.example has a {ARGON2} password, which Courier with LDAP_AUTHBIND 0 cannot verify", "set [password] scheme = \"SSHA\""),
        (
            "[dangling-postmaster] cn=postmaster,o=domain2.example,o=hosting,dc=myhosting,dc=example names mail=left@domain2.example",
            "fix: mailldap postmaster revoke 'mail=left@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example' --domain domain2.example",
        ),
    ];
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (problem, fix) in pairs {
        let i = lines.iter().position(|l| l.contains(problem));
        let i = i.unwrap_or_else(|| panic!("no {problem:?} in:\n{}", r.stdout));
        let next = lines.get(i + 1).copied().unwrap_or("");
        assert!(
            next.contains(fix) || lines[i].contains(fix),
            "{problem}: fix {fix:?} not in {next:?}\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.ends_with("\n8 finding(s) in 3 domain(s)\n"),
        "{}",
        r.stdout
    );
    // Authbind (the article's set-up): the server checks ARGON2 itself, no finding.
    let r = root(&s, &["doctor", "--domain", "domain2.example"]);
    assert!(!r.stdout.contains("modern@domain2.example"), "{}", r.stdout);
    // The fixes it names work.
    root(&s, &["domain", "repair", "bare.example"]).ok();
    root(
        &s,
        &[
            "postmaster",
            "revoke",
            &format!("mail=left@domain2.example,o=domain2.example,{HOSTING}"),
            "--domain",
            "domain2.example",
        ],
    )
    .ok();
    let r = root(
        &s,
        &[
            "doctor",
            "--domain",
            "bare.example",
            "--domain",
            "domain2.example",
        ],
    );
    r.ok();
    assert_eq!(r.stdout, "no findings in 2 domain(s)\n");
}

#[test]
fn json_output_for_scripts() {
    let s = Server::demo();
    let r = root(&s, &["account", "list", "--json", "domain2.example"]);
    r.ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let addrs: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["address"].as_str())
        .collect();
    assert_eq!(addrs, ["Sales@Domain2.example", "user1@domain2.example"]);
    assert_eq!(
        v[0]["maildir"],
        "/home/vmail/domains/domain2.example/sales/"
    );
    let r = root(&s, &["alias", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let team = v
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["address"] == "team@domain1.example");
    assert_eq!(
        team.map(|t| t["targets"].clone()),
        Some(serde_json::json!([
            "user1@domain1.example",
            "user2@domain1.example"
        ]))
    );
    let r = root(&s, &["domain", "add", "domain1.example", "--json"]);
    r.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON error");
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap_or("").contains("exists already"));
}

#[test]
fn client_config_file_and_password_sources() {
    let s = Server::demo();
    let pw = admin::password_file(s.dir.path(), "pm-pw", "user1");
    let cfg = s.dir.path().join("client.toml");
    std::fs::write(
        &cfg,
        format!(
            "uri = \"{}\"\nbind = \"user1@domain1.example\"\npassword_file = {:?}\n",
            s.uri, pw
        ),
    )
    .expect("config");
    let r = admin::run(
        {
            let mut c = std::process::Command::new(common::bin());
            c.args(["postmaster", "list", "domain1.example", "--client-config"])
                .arg(&cfg)
                .env_remove("MAILLDAP_URI")
                .env_remove("MAILLDAP_BIND")
                .env_remove("MAILLDAP_PASSWORD_FILE");
            c
        },
        None,
    );
    r.ok();
    assert!(r.stdout.contains("user1@domain1.example"), "{}", r.stdout);
    // A password file others may read is refused; there is no password flag.
    let open = s.dir.path().join("open-pw");
    std::fs::write(&open, "secret\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut c = admin::command(&s, None, ROOTPW, &["domain", "list"]);
    c.env("MAILLDAP_PASSWORD_FILE", &open);
    refused(
        &admin::run(c, None),
        2,
        "readable by others (mode 644): chmod 600 it",
    );
    let r = root(&s, &["domain", "list", "--password", "secret"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("unexpected argument '--password'"),
        "{}",
        r.stderr
    );
    let mut c = admin::command(&s, None, ROOTPW, &["domain", "list"]);
    c.env(
        "MAILLDAP_URI",
        format!("ldap://127.0.0.1:{}", common::free_port()),
    );
    refused(
        &admin::run(c, None),
        2,
        "cannot connect to ldap://127.0.0.1:",
    );
}

#[test]
fn connects_over_ldaps_starttls_and_ldapi() {
    let dir = tempfile::tempdir().expect("tempdir");
    admin::make_tls_files(dir.path());
    let ldaps = format!("ldaps://127.0.0.1:{}", common::free_port());
    let sock = dir.path().join("ldapi.sock");
    let ldapi = format!("ldapi://{}", sock.display().to_string().replace('/', "%2F"));
    let tls = format!(
        "[tls]\ncert = {:?}\nkey = {:?}\n",
        dir.path().join("cert.pem"),
        dir.path().join("cert.key")
    );
    let ca = dir.path().join("ca.pem");
    let s = Server::start_in(dir, &[ldaps.clone(), ldapi.clone()], &tls, true);
    let list = |uri: &str, extra: &[&str]| {
        let mut args = vec!["domain", "list"];
        args.extend_from_slice(extra);
        let mut c = admin::command(&s, None, ROOTPW, &args);
        c.env("MAILLDAP_URI", uri);
        admin::run(c, None)
    };
    let ca = ca.to_str().unwrap_or("");
    for (uri, extra) in [
        (ldaps.as_str(), vec!["--ca-file", ca]),
        (s.uri.as_str(), vec!["--starttls", "--ca-file", ca]),
        (ldapi.as_str(), vec![]),
    ] {
        let r = list(uri, &extra);
        r.ok();
        assert!(
            r.stdout.contains("\ndomain1.example  2"),
            "{uri}: {}",
            r.stdout
        );
    }
    // Without the CA the certificate is not trusted: nothing is sent, exit 2.
    refused(&list(&ldaps, &[]), 2, "cannot connect to ldaps://");
}
