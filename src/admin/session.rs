//! One bound LDAP connection and the operations the commands need, each turning a
//! refusal into the sentence of [`explain`].

use super::connect::{prompt_password, read_password_file, Settings};
use super::error::{explain, AdminError, Op};
use super::output::Progress;
use ldap3::exop::{PasswordModify, PasswordModifyResp};
use ldap3::{LdapConn, LdapConnSettings, LdapResult, Mod, Scope, SearchEntry};
use std::collections::HashSet;
use std::time::Duration;

/// A connection bound as the caller.
pub struct Session {
    ldap: LdapConn,
    /// What the connection was made from.
    pub settings: Settings,
}

/// Attribute values for an add: name and values.
pub type Attrs = Vec<(&'static str, Vec<String>)>;

fn io_error(settings: &Settings, e: ldap3::LdapError) -> AdminError {
    AdminError::Connect(format!("cannot talk to {}: {e}", settings.uri))
}

impl Session {
    /// Connects, does StartTLS when asked, reads the password and binds.
    pub fn open(settings: Settings) -> Result<Session, AdminError> {
        let conn = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(10))
            .set_starttls(settings.starttls);
        let mut ldap = LdapConn::with_settings(conn, &settings.uri)
            .map_err(|e| AdminError::Connect(format!("cannot connect to {}: {e}", settings.uri)))?;
        ldap.with_timeout(Duration::from_secs(120));
        let password = match &settings.password_file {
            Some(f) => read_password_file(f)?,
            None => prompt_password(&format!("Password for {}: ", settings.caller))?,
        };
        let res = ldap
            .simple_bind(&settings.bind_dn, &password)
            .map_err(|e| io_error(&settings, e))?;
        match res.rc {
            0 => Ok(Session { ldap, settings }),
            49 => Err(AdminError::Connect(format!(
                "cannot bind as {}: wrong password, or no such entry ({})",
                settings.caller, settings.bind_dn
            ))),
            13 => Err(AdminError::Connect(format!(
                "cannot bind as {}: the server takes passwords from this address only over \
                 TLS; use an ldaps:// URI, --starttls or ldapi://",
                settings.caller
            ))),
            _ => Err(AdminError::Connect(format!(
                "cannot bind as {}: {} {}",
                settings.caller,
                super::error::code_name(res.rc),
                res.text
            ))),
        }
    }

    fn refused(&self, op: &Op, res: &LdapResult) -> AdminError {
        explain(op, &self.settings.caller, self.settings.is_root(), res)
    }

    /// Entries below `base` matching `filter`; a `base` that does not exist gives
    /// `Ok(None)`. Long listings show progress on the terminal.
    pub fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Option<Vec<SearchEntry>>, AdminError> {
        let mut stream = self
            .ldap
            .streaming_search(base, scope, filter, attrs.to_vec())
            .map_err(|e| io_error(&self.settings, e))?;
        let mut progress = Progress::new(&format!("reading {base}"));
        let mut out = Vec::new();
        while let Some(entry) = stream.next().map_err(|e| io_error(&self.settings, e))? {
            progress.tick();
            out.push(SearchEntry::construct(entry));
        }
        progress.finish();
        let res = stream.result();
        match res.rc {
            0 => Ok(Some(out)),
            32 => Ok(None),
            4 => Err(AdminError::Refused {
                message: format!(
                    "the server's size limit for {} stopped the listing of {base} after {} \
                     entries: list one domain at a time, or raise the limit ([[limits.by]])",
                    self.settings.caller,
                    out.len()
                ),
                rc: 4,
            }),
            rc => Err(AdminError::Refused {
                message: format!(
                    "cannot read {base} as {} (server: {}: {})",
                    self.settings.caller,
                    super::error::code_name(rc),
                    res.text
                ),
                rc,
            }),
        }
    }

    /// The entry at `dn`, or None when it does not exist (or is invisible to the caller).
    pub fn entry(&mut self, dn: &str, attrs: &[&str]) -> Result<Option<SearchEntry>, AdminError> {
        let found = self.search(dn, Scope::Base, "(objectClass=*)", attrs)?;
        Ok(found.and_then(|mut v| v.pop()))
    }

    /// Adds an entry.
    pub fn add(&mut self, dn: &str, attrs: Attrs, op: &Op) -> Result<(), AdminError> {
        let attrs: Vec<(String, HashSet<String>)> = attrs
            .into_iter()
            .map(|(a, v)| (a.to_string(), v.into_iter().collect()))
            .collect();
        let res = self
            .ldap
            .add(dn, attrs)
            .map_err(|e| io_error(&self.settings, e))?;
        self.check(op, res)
    }

    /// Applies modifications to an entry.
    pub fn modify(&mut self, dn: &str, mods: Vec<Mod<String>>, op: &Op) -> Result<(), AdminError> {
        let res = self
            .ldap
            .modify(dn, mods)
            .map_err(|e| io_error(&self.settings, e))?;
        self.check(op, res)
    }

    /// Deletes one entry.
    pub fn delete(&mut self, dn: &str, op: &Op) -> Result<(), AdminError> {
        let res = self
            .ldap
            .delete(dn)
            .map_err(|e| io_error(&self.settings, e))?;
        self.check(op, res)
    }

    /// Password Modify (RFC 3062) for `dn`: the server hashes with its own scheme.
    /// Without `new` the server generates a password, which is returned.
    pub fn set_password(
        &mut self,
        dn: &str,
        new: Option<&str>,
        op: &Op,
    ) -> Result<Option<String>, AdminError> {
        let exop = PasswordModify {
            user_id: Some(dn),
            old_pass: None,
            new_pass: new,
        };
        let res = self
            .ldap
            .extended(exop)
            .map_err(|e| io_error(&self.settings, e))?;
        let (exop, result) = (res.0, res.1);
        self.check(op, result)?;
        if new.is_some() || exop.val.is_none() {
            return Ok(None);
        }
        let generated: PasswordModifyResp = exop.parse();
        Ok(Some(generated.gen_pass))
    }

    fn check(&self, op: &Op, res: LdapResult) -> Result<(), AdminError> {
        if res.rc == 0 {
            Ok(())
        } else {
            Err(self.refused(op, &res))
        }
    }
}

/// The first value of `attr`, if any (attribute names compare case-insensitively).
pub fn first(entry: &SearchEntry, attr: &str) -> Option<String> {
    values(entry, attr).into_iter().next()
}

/// Every value of `attr`.
pub fn values(entry: &SearchEntry, attr: &str) -> Vec<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// True when the entry has `class` among its objectClass values.
pub fn has_class(entry: &SearchEntry, class: &str) -> bool {
    values(entry, "objectClass")
        .iter()
        .any(|c| c.eq_ignore_ascii_case(class))
}
