//! What every write does to an entry before it is stored: attribute names in their
//! schema spelling, the RDN's values present, DN values in their RFC 4514 form, no
//! duplicate values, cleartext passwords hashed, and the schema check.

use super::Directory;
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::password;
use crate::schema::{AttributeType, CheckedEntry, MissingMust, SchemaViolation};

/// The protocol error for a schema violation.
pub(super) fn schema_err(v: SchemaViolation) -> LdapError {
    let (code, msg) = match v {
        SchemaViolation::ObjectClassViolation(m) => (ResultCode::ObjectClassViolation, m),
        SchemaViolation::UndefinedAttributeType(m) => (ResultCode::UndefinedAttributeType, m),
        SchemaViolation::InvalidAttributeSyntax(m) => (ResultCode::InvalidAttributeSyntax, m),
        SchemaViolation::ConstraintViolation(m) => (ResultCode::ConstraintViolation, m),
        SchemaViolation::NamingViolation(m) => (ResultCode::NamingViolation, m),
        SchemaViolation::AttributeOrValueExists(m) => (ResultCode::AttributeOrValueExists, m),
    };
    LdapError::new(code, msg)
}

/// Whether two of `values` are equal under the attribute's equality rule.
pub(super) fn has_duplicates(at: &AttributeType, values: &[Vec<u8>]) -> bool {
    let mut keys: Vec<Vec<u8>> = values.iter().map(|v| at.eq_key(v)).collect();
    keys.sort();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// namingViolation for an RDN type the entry could not keep its value of, as slapd
/// refuses them: an operational attribute (the server sets entryUUID and the
/// timestamps itself, so the RDN value would not be the entry's and its export
/// would not import again) or one without an equality rule to find the value by.
fn check_naming_type(name: &str, at: &AttributeType) -> Result<(), LdapError> {
    let why = if at.is_operational() {
        "is operational"
    } else if !at.has_equality() {
        "has no equality matching rule"
    } else {
        return Ok(());
    };
    Err(LdapError::new(
        ResultCode::NamingViolation,
        format!("naming attribute '{name}' {why}"),
    ))
}

impl Directory {
    /// Resolve attribute names to their schema spelling and merge repeats.
    pub(super) fn canonicalize(&self, entry: Entry) -> Result<Entry, LdapError> {
        let mut out = Entry::new(entry.dn);
        for a in entry.attrs {
            let name = self.schema.canonical_attr_name(&a.name).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("{}: attribute type undefined", a.name),
                )
            })?;
            if a.values.is_empty() {
                return Err(LdapError::new(
                    ResultCode::ProtocolError,
                    format!("{name}: no values given"),
                ));
            }
            out.add_values(&name, a.values);
        }
        Ok(out)
    }

    /// RFC 4511 4.7: the RDN's values belong to the entry even when the client left them out.
    pub(super) fn add_rdn_values(&self, entry: &mut Entry) -> Result<(), LdapError> {
        let Some(rdn) = entry.dn.rdn().cloned() else {
            return Ok(());
        };
        for ava in &rdn.avas {
            let name = self.schema.canonical_attr_name(&ava.attr).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("{}: attribute type undefined in the RDN", ava.attr),
                )
            })?;
            let at = self
                .schema
                .attribute(&name)
                .ok_or_else(|| LdapError::internal("schema"))?;
            check_naming_type(&name, at)?;
            let present = entry
                .values(&name)
                .iter()
                .any(|v| at.values_equal(v, ava.value.as_bytes()));
            if !present {
                entry.add_values(&name, [ava.value.clone().into_bytes()]);
            }
        }
        Ok(())
    }

    /// notAllowedOnRdn unless every value of `dn`'s RDN survives in `entry`.
    pub(super) fn check_rdn_kept(&self, dn: &Dn, entry: &Entry) -> Result<(), LdapError> {
        let Some(rdn) = dn.rdn() else {
            return Ok(());
        };
        for ava in &rdn.avas {
            let name = self
                .schema
                .canonical_attr_name(&ava.attr)
                .unwrap_or_default();
            let kept = self.schema.attribute(&name).is_some_and(|at| {
                entry
                    .values(&name)
                    .iter()
                    .any(|v| at.values_equal(v, ava.value.as_bytes()))
            });
            if !kept {
                return Err(LdapError::new(
                    ResultCode::NotAllowedOnRdn,
                    format!("{name}: cannot remove the value used in the RDN"),
                ));
            }
        }
        Ok(())
    }

    /// DN-valued attributes (member, roleOccupant, uniqueMember ...) in the RFC 4514
    /// form slapd stores and returns. A value that is not a valid DN is left as it is
    /// for the schema check to refuse with its position.
    pub(super) fn pretty_dn_values(&self, entry: &mut Entry) {
        for a in entry.attrs.iter_mut() {
            let Some(at) = self.schema.attribute(&a.name) else {
                continue;
            };
            for v in a.values.iter_mut() {
                match self.schema.pretty_dn_value(at, v) {
                    Ok(Some(pretty)) => *v = pretty,
                    Ok(None) => break,
                    Err(_) => {}
                }
            }
        }
    }

    /// objectClassModsProhibited when `entry`'s stored structuralObjectClass (that of
    /// the entry before a modify, or the one an import gives) is not `structural`,
    /// the class the object classes make it: every later modify would be refused.
    pub(super) fn check_structural_kept(
        &self,
        entry: &Entry,
        structural: &str,
    ) -> Result<(), LdapError> {
        let stored = entry.first_str("structuralObjectClass").unwrap_or("");
        let oid = |name: &str| self.schema.object_class(name).map(|c| c.oid.clone());
        let same = stored.eq_ignore_ascii_case(structural)
            || oid(stored).is_some_and(|o| Some(o) == oid(structural));
        if stored.is_empty() || same {
            return Ok(());
        }
        Err(LdapError::new(
            ResultCode::ObjectClassModsProhibited,
            format!(
                "structural object class modification from '{stored}' to '{structural}' not allowed"
            ),
        ))
    }

    /// attributeOrValueExists when an attribute holds the same value twice.
    pub(super) fn check_duplicates(&self, entry: &Entry) -> Result<(), LdapError> {
        for a in &entry.attrs {
            let Some(at) = self.schema.attribute(&a.name) else {
                continue;
            };
            if has_duplicates(at, &a.values) {
                return Err(LdapError::new(
                    ResultCode::AttributeOrValueExists,
                    format!("{}: duplicate value", a.name),
                ));
            }
        }
        Ok(())
    }

    /// Hash cleartext userPassword values (and `{CLEARTEXT}` ones) when configured:
    /// those of its tagged forms (`userPassword;x`) and subtypes too, which bind
    /// ignores but a reader or an export would see.
    pub(super) fn hash_passwords(&self, entry: &mut Entry) -> Result<(), LdapError> {
        if !self.policy.hash_cleartext {
            return Ok(());
        }
        for a in entry.attrs.iter_mut() {
            if !self.schema.describes("userPassword", &a.name) {
                continue;
            }
            for v in a.values.iter_mut() {
                if !password::is_hashed(v) {
                    let plain = match v.strip_prefix(b"{CLEARTEXT}".as_slice()) {
                        Some(p) => p.to_vec(),
                        None => v.clone(),
                    };
                    *v = password::hash_password(&plain, &self.policy.password)
                        .map_err(LdapError::internal)?
                        .into_bytes();
                }
            }
        }
        Ok(())
    }

    /// Schema check; what lenient mode tolerates is logged, not silently accepted.
    pub(super) fn check_schema(&self, entry: &Entry) -> Result<CheckedEntry, LdapError> {
        self.check_schema_with(entry, MissingMust::Refuse)
    }

    /// Schema check, with `missing` saying whether a missing MUST attribute is
    /// refused or reported back in [`CheckedEntry::missing`] (legacy import only).
    pub(super) fn check_schema_with(
        &self,
        entry: &Entry,
        missing: MissingMust,
    ) -> Result<CheckedEntry, LdapError> {
        let checked = self
            .schema
            .check_entry_with(entry, self.policy.mode, missing)
            .map_err(schema_err)?;
        for w in &checked.warnings {
            tracing::warn!(
                "\"{}\": schema violation tolerated (lenient mode): {w}",
                entry.dn
            );
        }
        Ok(checked)
    }
}
