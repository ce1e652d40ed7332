//! The identities and helpers of the access-policy tests (acl_matrix.rs, acl_writes.rs):
//! who binds how, and the ldap-utils calls whose exit codes the tests compare.

use super::{account_ldif, add_record, repo, Server, ToolResult, ROOTDN, ROOTPW};

/// The demo tree's first hosted domain.
pub const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
/// The demo tree's second hosted domain.
pub const D2: &str = "o=domain2.example,o=hosting,dc=myhosting,dc=example";
/// The service DN the mail servers may bind as (config/mailldap.toml's commented rule).
pub const SERVICE: &str = "cn=mailservice,dc=myhosting,dc=example";
/// Its password.
pub const SERVICE_PW: &str = "service";
/// user2's stored hash in ldif/demo.ldif.
pub const USER2_HASH: &str = "{SSHA}owpb8cIkh90wvW5Wo15eR+jnf/H9avOs";

/// ldap-utils exit codes (the LDAP result codes): success.
pub const OK: i32 = 0;
/// sizeLimitExceeded.
pub const SIZE_LIMIT: i32 = 4;
/// compareFalse.
pub const COMPARE_FALSE: i32 = 5;
/// compareTrue.
pub const COMPARE_TRUE: i32 = 6;
/// insufficientAccessRights.
pub const INSUFFICIENT: i32 = 50;

/// A bound identity for ldap-utils: (dn, password); anonymous is ("", "").
#[derive(Clone, Copy, Debug)]
pub struct Id(pub &'static str, pub &'static str);

/// Anonymous.
pub const ANON: Id = Id("", "");
/// user1, postmaster of domain1 (roleOccupant of its postmaster entry).
pub const PM: Id = Id(
    "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
    "user1",
);
/// user2, a plain account of domain1.
pub const USER2: Id = Id(
    "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example",
    "user2",
);
/// Sales, an account of domain2.
pub const SALES: Id = Id(
    "mail=Sales@Domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
    "sales",
);
/// user1 of domain2, postmaster of domain2 in the demo tree.
pub const PM2: Id = Id(
    "mail=user1@domain2.example,o=domain2.example,o=hosting,dc=myhosting,dc=example",
    "user1d2",
);
/// The service DN.
pub const SVC: Id = Id(SERVICE, SERVICE_PW);
/// The rootdn.
pub const ROOT: Id = Id(ROOTDN, ROOTPW);

/// ldap-utils bind options for `id` (simple bind; anonymous: none).
pub fn bind_args(id: Id) -> Vec<&'static str> {
    if id.0.is_empty() {
        vec!["-x"]
    } else {
        vec!["-x", "-D", id.0, "-w", id.1]
    }
}

/// ldapsearch as `id`; returns the tool result.
pub fn search(
    s: &Server,
    id: Id,
    base: &str,
    scope: &str,
    filter: &str,
    attrs: &[&str],
) -> ToolResult {
    let mut args = bind_args(id);
    args.extend([
        "-LLL",
        "-o",
        "ldif-wrap=no",
        "-s",
        scope,
        "-b",
        base,
        filter,
    ]);
    args.extend_from_slice(attrs);
    s.tool("ldapsearch", &args)
}

/// ldapmodify (or ldapadd / ldapdelete LDIF via changetype) as `id`; exit code.
pub fn change(s: &Server, id: Id, ldif: &str) -> i32 {
    s.tool_stdin("ldapmodify", &bind_args(id), Some(ldif)).code
}

/// An add record for account `addr` (under its own domain), password pw-LOCAL.
pub fn account(addr: &str) -> String {
    let local = addr.split('@').next().unwrap_or(addr);
    add_record(&account_ldif(
        addr,
        &format!("x/{local}/"),
        &format!("mail: {addr}\nuserPassword: pw-{local}\n"),
    ))
}

/// A `changetype: delete` record.
pub fn delete(dn: &str) -> String {
    format!("dn: {dn}\nchangetype: delete\n")
}

/// A `changetype: modrdn` record (deleteoldrdn 1), moved under `superior` if given.
pub fn modrdn(dn: &str, newrdn: &str, superior: Option<&str>) -> String {
    let mut s = format!("dn: {dn}\nchangetype: modrdn\nnewrdn: {newrdn}\ndeleteoldrdn: 1\n");
    if let Some(sup) = superior {
        s.push_str(&format!("newsuperior: {sup}\n"));
    }
    s
}

/// ldappasswd as `id` setting `target`'s password to `new`; the LDAP result code.
pub fn passwd(s: &Server, id: Id, target: &str, new: &str) -> i32 {
    let mut args = bind_args(id);
    args.extend(["-s", new, target]);
    result_code(&s.tool("ldappasswd", &args))
}

/// ldappasswd exits 1 on any refusal; the result code is in its "Result: ... (N)" line.
pub fn result_code(r: &ToolResult) -> i32 {
    if r.code == 0 {
        return 0;
    }
    let text = format!("{}{}", r.stdout, r.stderr);
    text.lines()
        .find(|l| l.starts_with("Result:"))
        .and_then(|l| {
            l.rsplit_once('(')
                .map(|(_, n)| n.trim_end_matches(')').trim().to_string())
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(r.code)
}

/// ldapwhoami bound as `dn`/`pw`; its exit code (the bind's result code).
pub fn whoami(s: &Server, dn: &str, pw: &str) -> i32 {
    s.tool("ldapwhoami", &["-x", "-D", dn, "-w", pw]).code
}

/// The shipped policy with its commented service-DN line switched on.
pub fn policy_with_service() -> String {
    let text = std::fs::read_to_string(repo().join("config/mailldap.toml")).expect("policy");
    let line = "# { who = \"dn:cn=mailservice,${suffix}\", level = \"read\" },";
    assert!(
        text.contains(line),
        "the service line is in config/mailldap.toml"
    );
    text.replace(
        line,
        "{ who = \"dn:cn=mailservice,${suffix}\", level = \"read\" },",
    )
}

/// A demo server with the service-DN rule on and the service entry added.
pub fn server_with_service() -> Server {
    let s = Server::start_with(&policy_with_service(), true);
    s.add_root(&format!(
        "dn: {SERVICE}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: mailservice\nuserPassword: {SERVICE_PW}\n"
    ))
    .ok();
    s
}
