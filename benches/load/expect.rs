//! What one search must return, checked message by message as the answers arrive:
//! either no entry, or exactly one whose checked attribute (and optionally DN) is the
//! value the tree holds. Any other answer is a wrong answer and fails the run.

use crate::ber::Tlv;
use crate::conn::Conn;
use crate::ldap::{self, tag, Filter};
use crate::tally::OpError;

/// The expectation for one search; its buffers are reused from one search to the next.
#[derive(Default)]
pub struct Expect {
    /// The attribute whose first value is compared.
    pub attr: &'static str,
    /// True when exactly one entry must come back, false when none may.
    pub found: bool,
    /// The attribute's value in that entry.
    pub value: String,
    /// The entry's DN, compared without case when `check_dn` is set.
    pub dn: String,
    /// Compare the DN too (the Courier login binds with it).
    pub check_dn: bool,
    /// False against the canned server, whose fixed answer is right for no query.
    pub verify: bool,
    entries: u32,
    problem: Option<String>,
}

impl Expect {
    /// An empty expectation; `verify` false accepts any well-formed answer.
    pub fn new(verify: bool) -> Expect {
        Expect {
            verify,
            ..Expect::default()
        }
    }

    /// Readies for a new search's answers.
    pub fn start(&mut self) {
        self.entries = 0;
        self.problem = None;
    }

    /// Takes one answer to the search: Some when it was the final one.
    pub fn on_message(&mut self, op: Tlv<'_>) -> Option<Result<(), OpError>> {
        match op.tag {
            tag::SEARCH_ENTRY => {
                self.entries += 1;
                if self.verify && self.problem.is_none() {
                    self.problem = self.check_entry(op);
                }
                None
            }
            tag::SEARCH_REFERENCE => None,
            tag::SEARCH_DONE => Some(self.finish(op)),
            other => Some(Err(OpError::Protocol(format!(
                "unexpected op 0x{other:02x} in a search's answer"
            )))),
        }
    }

    fn check_entry(&self, op: Tlv<'_>) -> Option<String> {
        let Some((dn, value)) = ldap::entry_value(op, self.attr) else {
            return Some("undecodable entry".into());
        };
        let dn = String::from_utf8_lossy(dn);
        if !self.found {
            return Some(format!("entry {dn} returned, none expected"));
        }
        if self.check_dn && !dn.eq_ignore_ascii_case(&self.dn) {
            return Some(format!("entry {dn} returned, expected {}", self.dn));
        }
        if value != Some(self.value.as_bytes()) {
            let got = value.map(String::from_utf8_lossy);
            return Some(format!(
                "{dn}: {} is {got:?}, expected {:?}",
                self.attr, self.value
            ));
        }
        None
    }

    fn finish(&mut self, op: Tlv<'_>) -> Result<(), OpError> {
        let code = ldap::result_code(op)
            .ok_or_else(|| OpError::Protocol("undecodable SearchResultDone".into()))?;
        if code != ldap::SUCCESS {
            return Err(OpError::Server(format!(
                "search ended with result code {code}: {}",
                ldap::diagnostic(op)
            )));
        }
        if let Some(p) = self.problem.take() {
            return Err(OpError::Wrong(p));
        }
        let want = u32::from(self.found);
        if self.verify && self.entries != want {
            return Err(OpError::Wrong(format!(
                "{} entries for a lookup of {:?}, expected {want}",
                self.entries, self.value
            )));
        }
        Ok(())
    }
}

/// Sends one search on `conn` and checks its answers against `expect`.
pub async fn search(
    conn: &mut Conn,
    base: &str,
    filter: Filter<'_>,
    attrs: &[&str],
    expect: &mut Expect,
) -> Result<(), OpError> {
    let id = conn.msgid();
    ldap::search(&mut conn.out, id, base, filter, attrs);
    conn.flush().await?;
    expect.start();
    loop {
        let frame = conn.recv().await?;
        let msg = ldap::message(frame)
            .ok_or_else(|| OpError::Protocol("undecodable LDAPMessage".into()))?;
        if msg.msgid != id {
            return Err(OpError::Protocol(format!(
                "answer to message {} while waiting for {id}",
                msg.msgid
            )));
        }
        if let Some(done) = expect.on_message(msg.op) {
            return done;
        }
    }
}

/// Sends one request already appended to `conn.out` and waits for its single result
/// (bind, modify, add, delete); returns the result code.
pub async fn single(conn: &mut Conn, id: i32, want_tag: u8) -> Result<i64, OpError> {
    conn.flush().await?;
    let frame = conn.recv().await?;
    let msg =
        ldap::message(frame).ok_or_else(|| OpError::Protocol("undecodable LDAPMessage".into()))?;
    if msg.msgid != id || msg.op.tag != want_tag {
        return Err(OpError::Protocol(format!(
            "got op 0x{:02x} for message {}, expected 0x{want_tag:02x} for {id}",
            msg.op.tag, msg.msgid
        )));
    }
    let code = ldap::result_code(msg.op)
        .ok_or_else(|| OpError::Protocol("undecodable LDAPResult".into()))?;
    if code != ldap::SUCCESS && code != ldap::INVALID_CREDENTIALS {
        return Err(OpError::Server(format!(
            "result code {code}: {}",
            ldap::diagnostic(msg.op)
        )));
    }
    Ok(code)
}
