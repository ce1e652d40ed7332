//! The read workloads: Postfix's two table lookups, an unindexed scan, and Dovecot's
//! userdb lookups pipelined on one connection.

use crate::conn::Conn;
use crate::expect::{self, Expect};
use crate::ldap::{self, Filter};
use crate::tally::{Clock, OpError, Tally};
use crate::tree::{self, Addr, HOSTING};
use crate::workload::{Target, Workload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::time::Instant;

/// Share of lookups for addresses the tree has (Postfix and Dovecot).
const EXISTING: f64 = 0.8;

/// A session of a read workload: a persistent anonymous connection.
pub struct Reader {
    conn: Conn,
    rng: StdRng,
    mail: String,
    expect: Expect,
}

async fn open_reader(t: &Target, index: usize) -> Result<Reader, OpError> {
    Ok(Reader {
        conn: Conn::connect(t.addr).await?,
        rng: StdRng::seed_from_u64(index as u64 + 1),
        mail: String::new(),
        expect: Expect::new(t.verify),
    })
}

/// Postfix: `(&(mail=A)(objectClass=CourierMailAlias))` for maildrop (virtual_alias_maps)
/// or `(&(mail=A)(objectClass=CourierMailAccount))` for mailbox (virtual_mailbox_maps),
/// half each, 80% of addresses existing.
pub struct Postfix(pub Target);

impl Workload for Postfix {
    type Session = Reader;

    async fn open(&self, index: usize) -> Result<Reader, OpError> {
        open_reader(&self.0, index).await
    }

    async fn op(&self, s: &mut Reader) -> Result<(), OpError> {
        let a = self.0.tree.pick_mix(&mut s.rng, EXISTING);
        s.mail.clear();
        tree::mail(a, &mut s.mail);
        let (class, attr) = if s.rng.gen_bool(0.5) {
            s.expect.found = self.0.tree.maildrop(a, &mut s.expect.value);
            ("CourierMailAlias", "maildrop")
        } else {
            s.expect.found = tree::mailbox(a, &mut s.expect.value);
            ("CourierMailAccount", "mailbox")
        };
        s.expect.attr = attr;
        if !s.expect.found {
            // Names the address in the report of an unexpected entry count.
            s.expect.value.push_str(&s.mail);
        }
        let f = Filter::AndEq("mail", &s.mail, "objectClass", class);
        expect::search(&mut s.conn, HOSTING, f, &[attr], &mut s.expect).await
    }
}

/// An unindexed search below o=hosting that matches nothing: every entry is read.
pub struct Scan(pub Target);

impl Workload for Scan {
    type Session = Reader;

    async fn open(&self, index: usize) -> Result<Reader, OpError> {
        open_reader(&self.0, index).await
    }

    async fn op(&self, s: &mut Reader) -> Result<(), OpError> {
        s.expect.found = false;
        s.expect.attr = "description";
        s.expect.value.clear();
        s.expect
            .value
            .push_str("(description=mailldap-load-nothing)");
        let f = Filter::Eq("description", "mailldap-load-nothing");
        expect::search(&mut s.conn, HOSTING, f, &["1.1"], &mut s.expect).await
    }
}

/// Dovecot's userdb lookup for one address: its filter and what it must find.
fn dovecot_request(t: &Target, rng: &mut StdRng, mail: &mut String, e: &mut Expect) {
    let a: Addr = if rng.gen_bool(EXISTING) {
        let (d, k) = t.tree.pick_account(rng);
        Addr::Account { d, k }
    } else {
        t.tree.pick_unknown(rng)
    };
    mail.clear();
    tree::mail(a, mail);
    e.attr = "mailbox";
    e.found = tree::mailbox(a, &mut e.value);
    if !e.found {
        e.value.push_str(mail);
    }
}

/// Attributes Dovecot's user_attrs ask for.
const DOVECOT_ATTRS: [&str; 4] = ["homeDirectory", "mailbox", "uidNumber", "gidNumber"];

/// Dovecot: one connection with up to `depth` lookups outstanding; each is answered
/// by message id, in whatever order the server finishes them.
pub async fn dovecot(t: Target, mut conn: Conn, depth: usize, clock: Clock) -> Tally {
    let mut tally = Tally::default();
    let mut rng = StdRng::seed_from_u64(1);
    let mut mail = String::new();
    let mut pending: HashMap<i32, (Instant, Expect)> = HashMap::with_capacity(depth * 2);
    let mut spare: Vec<Expect> = Vec::new();
    loop {
        let now = Instant::now();
        while pending.len() < depth && now < clock.stop_at {
            let mut e = spare.pop().unwrap_or_else(|| Expect::new(t.verify));
            dovecot_request(&t, &mut rng, &mut mail, &mut e);
            e.start();
            let id = conn.msgid();
            let f = Filter::AndEq("objectClass", "CourierMailAccount", "mail", &mail);
            ldap::search(&mut conn.out, id, HOSTING, f, &DOVECOT_ATTRS);
            pending.insert(id, (now, e));
        }
        if pending.is_empty() {
            return tally;
        }
        if let Err(e) = pipeline_step(&mut conn, &mut pending, &mut spare, &mut tally, &clock).await
        {
            // The one connection is gone: what was outstanding is lost, the run ends.
            tally.errors += pending.len() as u64;
            tally.first_problem.get_or_insert_with(|| e.to_string());
            return tally;
        }
    }
}

/// Writes what is queued, then handles one answer.
async fn pipeline_step(
    conn: &mut Conn,
    pending: &mut HashMap<i32, (Instant, Expect)>,
    spare: &mut Vec<Expect>,
    tally: &mut Tally,
    clock: &Clock,
) -> Result<(), OpError> {
    conn.flush().await?;
    let frame = conn.recv().await?;
    let msg =
        ldap::message(frame).ok_or_else(|| OpError::Protocol("undecodable LDAPMessage".into()))?;
    let Some((_, e)) = pending.get_mut(&msg.msgid) else {
        return Err(OpError::Protocol(format!(
            "answer to unknown message {}",
            msg.msgid
        )));
    };
    if let Some(done) = e.on_message(msg.op) {
        let (t0, e) = pending.remove(&msg.msgid).expect("present");
        tally.record(clock, t0, Instant::now(), &done);
        spare.push(e);
    }
    Ok(())
}
