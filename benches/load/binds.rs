//! The authentication workloads: rebinding persistent connections as random accounts
//! (an IMAP server's auth pool), and Courier authlib's LDAP_AUTHBIND login (a new
//! connection per login: search the account, bind as it, unbind).

use crate::conn::Conn;
use crate::expect::{self, Expect};
use crate::ldap::{self, tag, Filter};
use crate::tally::OpError;
use crate::tree::{self, Addr, HOSTING};
use crate::workload::{Target, Workload};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// Simple bind as `dn` with `password` on `conn`; invalidCredentials is a wrong answer.
async fn bind_as(conn: &mut Conn, dn: &str, password: &str, verify: bool) -> Result<(), OpError> {
    let id = conn.msgid();
    ldap::bind(&mut conn.out, id, dn, password);
    let code = expect::single(conn, id, tag::BIND_RESPONSE).await?;
    if code != ldap::SUCCESS && verify {
        return Err(OpError::Wrong(format!(
            "bind as {dn} refused (result code {code})"
        )));
    }
    Ok(())
}

/// Picks a random account into `dn` and `password`.
fn pick_login(t: &Target, rng: &mut StdRng, dn: &mut String, password: &mut String) -> Addr {
    let (d, k) = t.tree.pick_account(rng);
    let a = Addr::Account { d, k };
    dn.clear();
    tree::dn(a, dn);
    tree::password(d, k, password);
    a
}

/// A bind session's state.
pub struct Binder {
    conn: Option<Conn>,
    rng: StdRng,
    dn: String,
    password: String,
    mail: String,
    expect: Expect,
}

impl Binder {
    fn new(t: &Target, index: usize, conn: Option<Conn>) -> Binder {
        Binder {
            conn,
            rng: StdRng::seed_from_u64(index as u64 + 1),
            dn: String::new(),
            password: String::new(),
            mail: String::new(),
            expect: Expect::new(t.verify),
        }
    }
}

/// `bind`: persistent connections, each op a simple bind as a random account.
pub struct Bind(pub Target);

impl Workload for Bind {
    type Session = Binder;

    async fn open(&self, index: usize) -> Result<Binder, OpError> {
        let conn = Conn::connect(self.0.addr).await?;
        Ok(Binder::new(&self.0, index, Some(conn)))
    }

    async fn op(&self, s: &mut Binder) -> Result<(), OpError> {
        pick_login(&self.0, &mut s.rng, &mut s.dn, &mut s.password);
        let conn = s
            .conn
            .as_mut()
            .expect("bind sessions keep their connection");
        bind_as(conn, &s.dn, &s.password, self.0.verify).await
    }
}

/// Attributes Courier authlib asks for when it binds as the user (LDAP_AUTHBIND 1).
const COURIER_ATTRS: [&str; 6] = [
    "homeDirectory",
    "mailbox",
    "uidNumber",
    "gidNumber",
    "cn",
    "quota",
];

/// `authbind`: each op is one login on a new connection.
pub struct AuthBind(pub Target);

impl Workload for AuthBind {
    type Session = Binder;

    async fn open(&self, index: usize) -> Result<Binder, OpError> {
        // Connections are per login; check now that the server accepts them at all.
        drop(Conn::connect(self.0.addr).await?);
        Ok(Binder::new(&self.0, index, None))
    }

    async fn op(&self, s: &mut Binder) -> Result<(), OpError> {
        let a = pick_login(&self.0, &mut s.rng, &mut s.dn, &mut s.password);
        s.mail.clear();
        tree::mail(a, &mut s.mail);
        s.expect.attr = "mailbox";
        s.expect.found = tree::mailbox(a, &mut s.expect.value);
        s.expect.check_dn = true;
        std::mem::swap(&mut s.expect.dn, &mut s.dn);
        let mut conn = Conn::connect(self.0.addr).await?;
        let f = Filter::Eq("mail", &s.mail);
        let found = expect::search(&mut conn, HOSTING, f, &COURIER_ATTRS, &mut s.expect).await;
        std::mem::swap(&mut s.expect.dn, &mut s.dn);
        found?;
        bind_as(&mut conn, &s.dn, &s.password, self.0.verify).await?;
        let id = conn.msgid();
        ldap::unbind(&mut conn.out, id);
        conn.flush().await?;
        Ok(())
    }
}
