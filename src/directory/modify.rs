//! Modify (RFC 4511 4.6): a list of changes applied to one entry, all or nothing.

use super::feed::ChangeKind;
use super::operational::{is_server_managed, is_virtual, no_user_modification};
use super::prepare::{has_duplicates, schema_err};
use super::replication::entry_csn;
use super::{store_err, Directory};
use crate::dn::Dn;
use crate::entry::{Entry, ModOp, Modification};
use crate::error::{LdapError, ResultCode};
use crate::schema::{AttributeType, MissingAttribute, MissingMust};

impl Directory {
    /// Apply modifications to an entry (RFC 4511 4.6), all or nothing.
    pub fn modify(&self, dn: &Dn, mods: &[Modification], actor: &str) -> Result<(), LdapError> {
        self.modify_with(dn, mods, actor, MissingMust::Refuse)
            .map(|_| ())
    }

    /// [`Directory::modify`], with `missing` saying whether an absent MUST attribute
    /// is refused or kept and returned (an offline import of legacy LDIF that asked).
    pub fn modify_with(
        &self,
        dn: &Dn,
        mods: &[Modification],
        actor: &str,
        missing: MissingMust,
    ) -> Result<Vec<MissingAttribute>, LdapError> {
        let mut writer = self.store.writer();
        let (id, old) = self.fetch(dn)?;
        let mut new = old.clone();
        for m in mods {
            self.apply_modification(&mut new, m)?;
        }
        self.pretty_dn_values(&mut new);
        self.hash_passwords(&mut new)?;
        self.check_rdn_kept(dn, &new)?;
        let checked = self.check_schema_with(&new, missing)?;
        self.check_structural_kept(&old, &checked.structural)?;
        self.guard_write(&new, Some((id, &old)))?;
        self.stamp_modify(&mut new, actor);
        let old_keys = self.index_keys(&old);
        let new_keys = self.index_keys(&new);
        self.retire_mailbox(&writer, &old, Some(&new))?;
        let csn = entry_csn(&new).unwrap_or_default().to_string();
        self.note_change(&mut writer, (ChangeKind::Modify, &new, None), csn, &[]);
        writer
            .replace(id, &new, &old_keys, &new_keys)
            .map_err(store_err)?;
        Ok(checked.missing)
    }

    /// Apply one change to `entry`.
    fn apply_modification(&self, entry: &mut Entry, m: &Modification) -> Result<(), LdapError> {
        let (name, at) = self.modifiable_attribute(&m.attr)?;
        if matches!(m.op, ModOp::Add | ModOp::Replace) {
            // Positions as the client numbered them, as slapd reports them.
            self.schema
                .check_values(at, &name, &m.values)
                .map_err(schema_err)?;
        }
        let current = entry.values(&name);
        let values = match m.op {
            ModOp::Add => Some(add_values(&name, at, current, &m.values)?),
            ModOp::Delete => delete_values(&name, at, current, &m.values)?,
            ModOp::Replace => Some(replace_values(&name, at, &m.values)?),
            ModOp::Increment => Some(increment_values(&name, current, &m.values)?),
        };
        match values {
            Some(values) => entry.set_values(&name, values),
            None => {
                entry.remove(&name);
            }
        }
        Ok(())
    }

    /// The schema name and type of an attribute a client may modify.
    fn modifiable_attribute(&self, attr: &str) -> Result<(String, &AttributeType), LdapError> {
        let name = self.schema.canonical_attr_name(attr).ok_or_else(|| {
            LdapError::new(
                ResultCode::UndefinedAttributeType,
                format!("{attr}: attribute type undefined"),
            )
        })?;
        if is_server_managed(&self.schema, &name) || is_virtual(&name) {
            return Err(no_user_modification(&name));
        }
        let at = self
            .schema
            .attribute(&name)
            .ok_or_else(|| LdapError::internal("schema lookup"))?;
        Ok((name, at))
    }
}

/// modify/add: `current` plus `added`, none of which may be there already.
fn add_values(
    name: &str,
    at: &AttributeType,
    current: &[Vec<u8>],
    added: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, LdapError> {
    if added.is_empty() {
        return Err(LdapError::new(
            ResultCode::ProtocolError,
            format!("modify/add: {name}: no values given"),
        ));
    }
    let mut all = current.to_vec();
    for (i, v) in added.iter().enumerate() {
        if all.iter().any(|c| at.values_equal(c, v)) {
            return Err(LdapError::new(
                ResultCode::AttributeOrValueExists,
                format!("modify/add: {name}: value #{i} already exists"),
            ));
        }
        all.push(v.clone());
    }
    Ok(all)
}

/// modify/delete: the values left, or None when the attribute goes (no values named).
fn delete_values(
    name: &str,
    at: &AttributeType,
    current: &[Vec<u8>],
    deleted: &[Vec<u8>],
) -> Result<Option<Vec<Vec<u8>>>, LdapError> {
    if current.is_empty() {
        return Err(LdapError::new(
            ResultCode::NoSuchAttribute,
            format!("modify/delete: {name}: no such attribute"),
        ));
    }
    if deleted.is_empty() {
        return Ok(None);
    }
    let mut rest = current.to_vec();
    for (i, v) in deleted.iter().enumerate() {
        let before = rest.len();
        rest.retain(|c| !at.values_equal(c, v));
        if rest.len() == before {
            return Err(LdapError::new(
                ResultCode::NoSuchAttribute,
                format!("modify/delete: {name}: value #{i} does not exist"),
            ));
        }
    }
    Ok(Some(rest))
}

/// modify/replace: the new values, which must be distinct.
fn replace_values(
    name: &str,
    at: &AttributeType,
    values: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, LdapError> {
    if has_duplicates(at, values) {
        return Err(LdapError::new(
            ResultCode::AttributeOrValueExists,
            format!("modify/replace: {name}: duplicate value"),
        ));
    }
    Ok(values.to_vec())
}

/// modify/increment (RFC 4525): every stored integer plus the one given.
fn increment_values(
    name: &str,
    current: &[Vec<u8>],
    by: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, LdapError> {
    let by: i64 = by.first().and_then(|v| parse_integer(v)).ok_or_else(|| {
        LdapError::new(
            ResultCode::InvalidAttributeSyntax,
            format!("modify/increment: {name}: value is not an integer"),
        )
    })?;
    if current.is_empty() {
        return Err(LdapError::new(
            ResultCode::NoSuchAttribute,
            format!("modify/increment: {name}: no such attribute"),
        ));
    }
    current
        .iter()
        .map(|v| {
            let n = parse_integer(v).ok_or_else(|| {
                LdapError::new(
                    ResultCode::ConstraintViolation,
                    format!("modify/increment: {name}: stored value is not an integer"),
                )
            })?;
            Ok(n.saturating_add(by).to_string().into_bytes())
        })
        .collect()
}

/// An INTEGER value, surrounding spaces allowed.
fn parse_integer(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}
