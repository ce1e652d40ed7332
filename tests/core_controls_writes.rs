//! The write controls through ldap-utils: assertion (-e assert=) on every operation
//! that names an entry, pre-read and post-read (-e preread= / -e postread=), and the
//! result codes of the bad cases.

mod common;
use common::*;

const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";

/// A new alias in domain1 forwarding to the postmaster.
fn alias(local: &str) -> String {
    format!(
        "dn: mail={local}@domain1.example,{D1}\nobjectClass: top\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: {local}\nmaildrop: postmaster\n"
    )
}

#[test]
fn assertions_guard_every_operation() {
    let s = Server::demo();
    let user2 = mail_dn("user2@domain1.example");
    let root = ["-x", "-D", ROOTDN, "-w", ROOTPW];
    let with = |extra: &[&str]| -> Vec<String> {
        root.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    let run = |tool: &str, args: Vec<String>, stdin: Option<&str>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s.tool_stdin(tool, &args, stdin)
    };
    let change = format!("dn: {user2}\nchangetype: modify\nreplace: cn\ncn: changed\n");
    run(
        "ldapmodify",
        with(&["-e", "assert=(cn=nomatch)"]),
        Some(&change),
    )
    .expect_code(122);
    run(
        "ldapmodify",
        with(&["-e", "!assert=(cn=user2)"]),
        Some(&change),
    )
    .ok();
    run(
        "ldapmodify",
        with(&["-e", "assert=(cn=user2)"]),
        Some(&change),
    )
    .expect_code(122);
    let cmp = |assert: &str| {
        run(
            "ldapcompare",
            with(&["-e", assert, &user2, "cn:changed"]),
            None,
        )
    };
    cmp("assert=(cn=changed)").expect_code(6);
    cmp("assert=(sn=nomatch)").expect_code(122);
    let srch = |assert: &str| {
        run(
            "ldapsearch",
            with(&["-LLL", "-b", &user2, "-s", "base", "-e", assert, "cn"]),
            None,
        )
    };
    assert_eq!(
        values(&srch("assert=(cn=changed)").stdout, "cn"),
        ["changed"]
    );
    let r = srch("assert=(cn=user2)");
    assert_eq!(r.code, 122);
    assert!(dns(&r.stdout).is_empty());
    // Attributes the identity may not search are absent for the assertion too.
    let anon = s.tool(
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-b",
            &user2,
            "-s",
            "base",
            "-e",
            "assert=(userPassword=*)",
        ],
    );
    assert_eq!(anon.code, 122, "{}", anon.stdout);
    let renamed = "mail=moved@domain1.example";
    run(
        "ldapmodrdn",
        with(&["-e", "assert=(cn=user2)", &user2, renamed]),
        None,
    )
    .expect_code(122);
    run(
        "ldapdelete",
        with(&["-e", "assert=(cn=user2)", &user2]),
        None,
    )
    .expect_code(122);
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        &user2,
        "(objectClass=*)",
        &["-s", "base", "cn"],
    );
    assert_eq!(
        values(&r.stdout, "cn"),
        ["changed"],
        "refused writes changed nothing"
    );
    // On add the assertion is tested on the entry to be added.
    let new = alias("asserted");
    run(
        "ldapadd",
        with(&["-e", "assert=(maildrop=nobody@x.example)"]),
        Some(&new),
    )
    .expect_code(122);
    run(
        "ldapadd",
        with(&["-e", "assert=(maildrop=postmaster)"]),
        Some(&new),
    )
    .ok();
    run(
        "ldapdelete",
        with(&["-e", "assert=(cn=changed)", &user2]),
        None,
    )
    .ok();
}

#[test]
fn read_controls_return_the_entry_before_and_after() {
    let s = Server::demo();
    let user2 = mail_dn("user2@domain1.example");
    let change = format!("dn: {user2}\nchangetype: modify\nreplace: cn\ncn: after\n");
    let r = s.tool_stdin(
        "ldapmodify",
        &[
            "-x",
            "-D",
            ROOTDN,
            "-w",
            ROOTPW,
            "-o",
            "ldif-wrap=no",
            "-e",
            "preread=cn",
            "-e",
            "!postread=cn,mail",
        ],
        Some(&change),
    );
    r.ok();
    let (pre, post) = read_blocks(&r.stdout);
    assert_eq!(values(&pre, "cn"), ["user2"]);
    assert!(values(&pre, "mail").is_empty(), "only what was asked");
    assert_eq!(values(&post, "cn"), ["after"]);
    assert_eq!(values(&post, "mail"), ["user2@domain1.example"]);
    // Only attributes the identity may read: user1, postmaster of domain1, may write
    // user2's password but not read it.
    let pw =
        format!("dn: {user2}\nchangetype: modify\nreplace: userPassword\nuserPassword: fresh\n");
    let postmaster = mail_dn("user1@domain1.example");
    let r = s.tool_stdin(
        "ldapmodify",
        &[
            "-x",
            "-D",
            &postmaster,
            "-w",
            "user1",
            "-o",
            "ldif-wrap=no",
            "-e",
            "postread=userPassword,mail",
            "-e",
            "preread=*",
        ],
        Some(&pw),
    );
    r.ok();
    let (pre, post) = read_blocks(&r.stdout);
    assert_eq!(values(&post, "mail"), ["user2@domain1.example"]);
    assert!(values(&post, "userPassword").is_empty(), "{post}");
    assert!(!pre.to_lowercase().contains("userpassword"), "{pre}");
    // Pre-read does not apply to add: critical, it fails the operation.
    let r = s.tool_stdin(
        "ldapadd",
        &["-x", "-D", ROOTDN, "-w", ROOTPW, "-e", "!preread=cn"],
        Some(&alias("pre")),
    );
    r.expect_code(12);
}

/// The pre-read and post-read entries ldapmodify prints.
fn read_blocks(out: &str) -> (String, String) {
    let block = |name: &str| {
        let start = format!("# ==> {name}");
        let end = format!("# <== {name}");
        out.split(&start)
            .nth(1)
            .and_then(|rest| rest.split(&end).next())
            .unwrap_or_default()
            .to_string()
    };
    (block("preread"), block("postread"))
}
