//! The LDIF the tests write: one shape of mail account, and change records.

use super::mail_dn;

/// A Courier mail account `addr` in the demo tree's shape (inetOrgPerson +
/// CourierMailAccount, home /home/vmail/domains, uid 125, gid 120) with `mailbox`, then
/// the `extra` lines as given (userPassword, mail, ...). Without `extra` the entry has
/// no mail attribute: the server takes it from the RDN.
pub fn account_ldif(addr: &str, mailbox: &str, extra: &str) -> String {
    let local = addr.split('@').next().unwrap_or(addr);
    format!(
        "dn: {}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\ncn: {local}\nsn: {local}\nhomeDirectory: /home/vmail/domains\nmailbox: {mailbox}\nuidNumber: 125\ngidNumber: 120\n{extra}",
        mail_dn(addr)
    )
}

/// `entry` (an LDIF entry, dn line first) as an ldapmodify `changetype: add` record.
pub fn add_record(entry: &str) -> String {
    let (dn, rest) = entry
        .split_once('\n')
        .expect("an LDIF entry starts with its dn");
    format!("{dn}\nchangetype: add\n{rest}")
}

/// An ldapmodify `changetype: modify` record for `dn`; `changes` are the lines after it
/// (`add: description\ndescription: one\n-\n...`).
pub fn modify_ldif(dn: &str, changes: &str) -> String {
    format!("dn: {dn}\nchangetype: modify\n{changes}")
}

/// A modify record replacing `attr` of `dn` with the one `value`.
pub fn replace_ldif(dn: &str, attr: &str, value: &str) -> String {
    modify_ldif(dn, &format!("replace: {attr}\n{attr}: {value}\n"))
}
