//! Writes the tree of [`crate::tree`] as the LDIF file `mailldap import` and
//! `slapadd` load: parents before children, one entry per paragraph.

use crate::tree::{self, Addr, Tree, ALIASES_PER_DOMAIN, HOSTING, SUFFIX};
use std::io::{self, Write};

/// Writes the whole tree to `out`.
pub fn write(t: &Tree, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "dn: {SUFFIX}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n\
         dc: myhosting\no: myhosting\n\n\
         dn: {HOSTING}\nobjectClass: top\nobjectClass: organization\no: hosting\n"
    )?;
    let mut name = String::new();
    for d in 0..t.domains() {
        name.clear();
        tree::domain(d, &mut name);
        writeln!(
            out,
            "dn: o={name},{HOSTING}\nobjectClass: top\nobjectClass: organization\no: {name}\n"
        )?;
        for k in 0..t.accounts_in(d) {
            account(out, d, k, &name)?;
        }
        for j in 0..ALIASES_PER_DOMAIN {
            alias(t, out, Addr::Alias { d, j }, &format!("alias{j}"), None)?;
        }
        let mut first = String::new();
        tree::dn(Addr::Account { d, k: 0 }, &mut first);
        alias(t, out, Addr::Postmaster { d }, "postmaster", Some(&first))?;
        alias(t, out, Addr::Abuse { d }, "abuse", None)?;
        alias(t, out, Addr::CatchAll { d }, "catchall", None)?;
    }
    out.flush()
}

fn account(out: &mut impl Write, d: usize, k: usize, domain: &str) -> io::Result<()> {
    let a = Addr::Account { d, k };
    let (mut dn, mut mail, mut mailbox, mut pw) =
        (String::new(), String::new(), String::new(), String::new());
    tree::dn(a, &mut dn);
    tree::mail(a, &mut mail);
    tree::mailbox(a, &mut mailbox);
    tree::password(d, k, &mut pw);
    // The salt only has to differ between accounts; deriving it keeps the file stable.
    let hash = tree::ssha(&pw, (d * tree::ACCOUNTS_PER_DOMAIN + k) as u32);
    writeln!(
        out,
        "dn: {dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n\
         objectClass: inetOrgPerson\nobjectClass: CourierMailAccount\nmail: {mail}\n\
         uid: user{k}\ncn: User {k} {domain}\nsn: {k}\nhomeDirectory: /home/vmail/domains\n\
         mailbox: {mailbox}\nuidNumber: 125\ngidNumber: 120\nuserPassword: {hash}\n"
    )
}

/// An organizationalRole + CourierMailAlias entry; the postmaster names its occupant.
fn alias(
    t: &Tree,
    out: &mut impl Write,
    a: Addr,
    cn: &str,
    occupant: Option<&str>,
) -> io::Result<()> {
    let (mut dn, mut mail, mut drop) = (String::new(), String::new(), String::new());
    tree::dn(a, &mut dn);
    tree::mail(a, &mut mail);
    t.maildrop(a, &mut drop);
    write!(
        out,
        "dn: {dn}\nobjectClass: top\nobjectClass: organizationalRole\n\
         objectClass: CourierMailAlias\ncn: {cn}\nmail: {mail}\nmaildrop: {drop}\n"
    )?;
    if let Some(o) = occupant {
        writeln!(out, "roleOccupant: {o}")?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_paragraph_per_entry_and_deterministic() {
        let t = Tree::new(130);
        let mut a = Vec::new();
        write(&t, &mut a).expect("write");
        let mut b = Vec::new();
        write(&t, &mut b).expect("write");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("utf8");
        assert_eq!(text.matches("\ndn: ").count() + 1, t.entries());
        assert!(text.contains("dn: cn=catchall,o=d0001.example,"));
        assert!(text.contains("mail: @d0001.example\nmaildrop: user0@d0001.example\n"));
    }
}
