//! The benchmark's directory: N accounts over ~100 domains in the article's shape
//! (`o=<domain>,o=hosting,dc=myhosting,dc=example`), written once as LDIF that both
//! servers load, plus the address and password lists the workloads draw from.

use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha1::{Digest, Sha1};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Where the hosted domains live.
pub const HOSTING: &str = "o=hosting,dc=myhosting,dc=example";

/// One mail account: what a Postfix lookup asks for and what a Courier bind sends.
pub struct Account {
    pub dn: String,
    pub mail: String,
    pub password: String,
}

/// What was generated.
pub struct Dataset {
    pub accounts: Vec<Account>,
    pub domains: usize,
    pub aliases: usize,
    pub entries: usize,
}

/// `{SSHA}` as slappasswd makes it: base64(SHA1(password + salt) + salt), 4-byte salt.
fn ssha(password: &str, rng: &mut StdRng) -> String {
    let salt: [u8; 4] = rng.gen();
    let mut h = Sha1::new();
    h.update(password.as_bytes());
    h.update(salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(&salt);
    format!(
        "{{SSHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn domain_name(d: usize) -> String {
    format!("d{d:03}.example")
}

/// Writes the LDIF for `n` accounts to `path`. Deterministic (fixed seed), so two runs
/// load the same tree. Every 10th account also gets an alias (`CourierMailAlias`, as in
/// the article's tree), every domain a postmaster role pointing at its first account.
pub fn generate(path: &Path, n: usize) -> std::io::Result<Dataset> {
    let domains = 100.min(n.max(1));
    let mut rng = StdRng::seed_from_u64(2003);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let mut entries = 0;
    writeln!(
        out,
        "dn: dc=myhosting,dc=example\nobjectClass: top\nobjectClass: dcObject\n\
         objectClass: organization\ndc: myhosting\no: myhosting\n\n\
         dn: {HOSTING}\nobjectClass: top\nobjectClass: organization\no: hosting\n"
    )?;
    entries += 2;
    let mut accounts = Vec::with_capacity(n);
    let mut aliases = 0;
    for d in 0..domains {
        let domain = domain_name(d);
        writeln!(
            out,
            "dn: o={domain},{HOSTING}\nobjectClass: top\nobjectClass: organization\no: {domain}\n"
        )?;
        entries += 1;
        // Accounts i with i % domains == d live in this domain.
        let mut first = None;
        for i in (d..n).step_by(domains) {
            let local = format!("user{i}");
            let mail = format!("{local}@{domain}");
            let dn = format!("mail={mail},o={domain},{HOSTING}");
            let password = format!("pw{i}-{}", rng.gen_range(1000..10000));
            writeln!(
                out,
                "dn: {dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n\
                 objectClass: inetOrgPerson\nobjectClass: CourierMailAccount\nmail: {mail}\n\
                 uid: {local}\ncn: User {i}\nsn: {i}\nhomeDirectory: /home/vmail/domains\n\
                 mailbox: {domain}/{local}/\nuidNumber: 125\ngidNumber: 120\n\
                 userPassword: {}\n",
                ssha(&password, &mut rng)
            )?;
            entries += 1;
            if i % 10 == 0 {
                writeln!(
                    out,
                    "dn: mail=alias{i}@{domain},o={domain},{HOSTING}\nobjectClass: top\n\
                     objectClass: organizationalRole\nobjectClass: CourierMailAlias\n\
                     cn: alias{i}\nmail: alias{i}@{domain}\nmaildrop: {mail}\n"
                )?;
                entries += 1;
                aliases += 1;
            }
            first.get_or_insert_with(|| dn.clone());
            accounts.push(Account { dn, mail, password });
        }
        if let Some(first) = first {
            writeln!(
                out,
                "dn: cn=postmaster,o={domain},{HOSTING}\nobjectClass: top\n\
                 objectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: postmaster\n\
                 mail: postmaster@{domain}\nmaildrop: postmaster\nroleOccupant: {first}\n"
            )?;
            entries += 1;
            aliases += 1;
        }
    }
    out.flush()?;
    Ok(Dataset {
        accounts,
        domains,
        aliases,
        entries,
    })
}

/// An address in the tree's domains that no entry has (a Postfix miss).
pub fn missing_address(i: usize, domains: usize) -> String {
    format!("nobody{i}@{}", domain_name(i % domains.max(1)))
}
