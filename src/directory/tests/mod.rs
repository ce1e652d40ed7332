//! In-process tests of the directory against a temporary store: the four writes, the
//! index spec and the planner.

mod index_spec;
mod plan;
mod refint;
mod rename;
mod replicated;
mod tagged;
mod writes;

use super::{Directory, Origin};
use crate::config::Config;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::store::Store;

const SUFFIX: &str = "dc=myhosting,dc=example";
const D1: &str = "o=domain1.example,o=hosting,dc=myhosting,dc=example";
const ACTOR: &str = "cn=Manager,dc=myhosting,dc=example";

fn dn(s: &str) -> Dn {
    Dn::parse(s).expect("test DN")
}

fn entry(dn_str: &str, attrs: &[(&str, &[&str])]) -> Entry {
    let mut e = Entry::new(dn(dn_str));
    for (name, values) in attrs {
        e.add_values(name, values.iter().map(|v| v.as_bytes().to_vec()));
    }
    e
}

/// A directory on a temporary store with the given configuration.
fn directory_with(config: &Config) -> Directory {
    Directory::with_store(Store::open_temporary().expect("store"), config).expect("directory")
}

/// The account `local@domain1.example` with its own mailbox.
fn account(local: &str) -> Entry {
    let mail = format!("{local}@domain1.example");
    entry(
        &format!("mail={mail},{D1}"),
        &[
            (
                "objectClass",
                &["top", "inetOrgPerson", "CourierMailAccount"],
            ),
            ("cn", &[local]),
            ("sn", &[local]),
            ("homeDirectory", &["/home/vmail/domains"]),
            ("mailbox", &[&format!("domain1.example/{local}/")]),
        ],
    )
}

/// The alias `local@domain1.example` forwarding to `to`.
fn alias(local: &str, to: &str) -> Entry {
    entry(
        &format!("mail={local}@domain1.example,{D1}"),
        &[
            (
                "objectClass",
                &["top", "organizationalRole", "CourierMailAlias"],
            ),
            ("cn", &[local]),
            ("maildrop", &[to]),
        ],
    )
}

/// The suffix, o=hosting and domain1.example: the top of every test tree.
fn hosting_top() -> [Entry; 3] {
    let org =
        |d: &str, o: &str| entry(d, &[("objectClass", &["top", "organization"]), ("o", &[o])]);
    let suffix = entry(
        SUFFIX,
        &[
            ("objectClass", &["top", "dcObject", "organization"]),
            ("o", &["myhosting"]),
            ("dc", &["myhosting"]),
        ],
    );
    [
        suffix,
        org("o=hosting,dc=myhosting,dc=example", "hosting"),
        org(D1, "domain1.example"),
    ]
}

/// Suffix, o=hosting, domain1.example with accounts user1, user2 and alias abuse.
fn hosting(config: &Config) -> Directory {
    let dir = directory_with(config);
    let leaves = [
        account("user1"),
        account("user2"),
        alias("abuse", "user1@domain1.example"),
    ];
    for e in hosting_top().into_iter().chain(leaves) {
        dir.add(e, ACTOR, Origin::Client).expect("add");
    }
    dir
}

fn hosting_default() -> Directory {
    hosting(&Config::default())
}
