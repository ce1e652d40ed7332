//! `write`: the rootdn's changes, each session cycling through a password change (a
//! fresh `{SSHA}` of the same password, so later bind runs still succeed), the add of
//! an alias and its delete. Every op is one request; the tree is unchanged afterwards.

use crate::conn::Conn;
use crate::expect;
use crate::ldap::{self, tag};
use crate::tally::OpError;
use crate::tree::{self, Addr};
use crate::workload::{Target, Workload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A write session: a connection bound as the rootdn.
pub struct Writer {
    conn: Conn,
    rng: StdRng,
    /// 0: password change, 1: add, 2: delete.
    step: u8,
    /// The alias added and not yet deleted.
    added: Option<String>,
    /// Names the aliases of this process and session apart from any other run's.
    tag: String,
    counter: u64,
    dn: String,
    password: String,
}

/// The write workload.
pub struct Write(pub Target);

impl Write {
    async fn change_password(&self, s: &mut Writer) -> Result<(), OpError> {
        let (d, k) = self.0.tree.pick_account(&mut s.rng);
        s.dn.clear();
        tree::dn(Addr::Account { d, k }, &mut s.dn);
        tree::password(d, k, &mut s.password);
        let hash = tree::ssha(&s.password, s.rng.gen());
        let id = s.conn.msgid();
        ldap::modify_replace(&mut s.conn.out, id, &s.dn, "userPassword", hash.as_bytes());
        succeed(&mut s.conn, id, tag::MODIFY_RESPONSE, "modify", &s.dn).await
    }

    async fn add_alias(&self, s: &mut Writer) -> Result<(), OpError> {
        let d = s.rng.gen_range(0..self.0.tree.domains());
        s.counter += 1;
        let cn = format!("load-{}-{}", s.tag, s.counter);
        let (mut domain, mut target) = (String::new(), String::new());
        tree::domain(d, &mut domain);
        tree::mail(Addr::Account { d, k: 0 }, &mut target);
        let mail = format!("{cn}@{domain}");
        let dn = format!("mail={mail},o={domain},{}", tree::HOSTING);
        let id = s.conn.msgid();
        let classes = ["top", "organizationalRole", "CourierMailAlias"];
        let attrs: [(&str, &[&str]); 4] = [
            ("objectClass", &classes),
            ("cn", &[&cn]),
            ("mail", &[&mail]),
            ("maildrop", &[&target]),
        ];
        ldap::add(&mut s.conn.out, id, &dn, &attrs);
        succeed(&mut s.conn, id, tag::ADD_RESPONSE, "add", &dn).await?;
        s.added = Some(dn);
        Ok(())
    }
}

/// Waits for the result of request `id` and requires success.
async fn succeed(conn: &mut Conn, id: i32, want: u8, what: &str, dn: &str) -> Result<(), OpError> {
    match expect::single(conn, id, want).await? {
        ldap::SUCCESS => Ok(()),
        code => Err(OpError::Server(format!("{what} {dn}: result code {code}"))),
    }
}

async fn delete(conn: &mut Conn, dn: &str) -> Result<(), OpError> {
    let id = conn.msgid();
    ldap::delete(&mut conn.out, id, dn);
    succeed(conn, id, tag::DEL_RESPONSE, "delete", dn).await
}

impl Workload for Write {
    type Session = Writer;

    async fn open(&self, index: usize) -> Result<Writer, OpError> {
        let mut conn = Conn::connect(self.0.addr).await?;
        let id = conn.msgid();
        ldap::bind(&mut conn.out, id, &self.0.rootdn, &self.0.rootpw);
        succeed(&mut conn, id, tag::BIND_RESPONSE, "bind", &self.0.rootdn).await?;
        let run: u32 = rand::random();
        Ok(Writer {
            conn,
            rng: StdRng::seed_from_u64(index as u64 + 1),
            step: 0,
            added: None,
            tag: format!("{run:08x}-{index}"),
            counter: 0,
            dn: String::new(),
            password: String::new(),
        })
    }

    async fn op(&self, s: &mut Writer) -> Result<(), OpError> {
        let step = s.step;
        s.step = (s.step + 1) % 3;
        match step {
            1 => self.add_alias(s).await,
            2 => match s.added.take() {
                Some(dn) => delete(&mut s.conn, &dn).await,
                // The add failed: nothing to delete.
                None => self.change_password(s).await,
            },
            _ => self.change_password(s).await,
        }
    }

    async fn close(&self, mut s: Writer) {
        if let Some(dn) = s.added.take() {
            if let Err(e) = delete(&mut s.conn, &dn).await {
                eprintln!("mailldap-load: could not delete {dn} after the run: {e}");
            }
        }
    }
}
