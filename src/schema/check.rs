//! Entry checking against the schema (RFC 4512 section 2.4 and 3.3): object
//! classes, MUST / MAY, SINGLE-VALUE, value syntax and naming.

use super::description::Options;
use super::{base_of, AttributeType, ClassAttrs, ClassKind, ObjectClass, Schema};
use crate::entry::Entry;
use std::borrow::Cow;
use thiserror::Error;
use SchemaViolation::*;

/// How strictly entries are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaMode {
    /// RFC 4512: every entry has exactly one structural object class chain and
    /// all MUST attributes of all its classes.
    Strict,
    /// For directories written under OpenLDAP 2.0, like the 2003 article's LDIF:
    /// an entry may name no structural class (then any attribute the schema
    /// defines is allowed; reported in [`CheckedEntry::warnings`]). Everything
    /// else is as strict: the MUST attributes of every class, unknown classes
    /// and attributes, bad syntax and SINGLE-VALUE are errors.
    Lenient,
}

/// What a check does with an entry that lacks a MUST attribute of one of its
/// classes (structural or auxiliary, superclasses included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingMust {
    /// objectClassViolation: every write over the wire, and import by default.
    Refuse,
    /// Listed in [`CheckedEntry::missing`]: an offline import of legacy data that
    /// asked for it (the article's `cn=postmaster` is a CourierMailAlias without
    /// `mail`).
    Report,
}

/// A MUST attribute an entry lacks, tolerated only by [`MissingMust::Report`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("object class '{class}' requires attribute '{attribute}'")]
pub struct MissingAttribute {
    /// The class whose MUST list names it (schema spelling).
    pub class: String,
    /// The attribute (schema spelling).
    pub attribute: String,
}

/// A schema rule an entry breaks; each maps to the LDAP result code of its name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaViolation {
    /// objectClassViolation (65).
    #[error("{0}")]
    ObjectClassViolation(String),
    /// undefinedAttributeType (17).
    #[error("{0}")]
    UndefinedAttributeType(String),
    /// invalidAttributeSyntax (21).
    #[error("{0}")]
    InvalidAttributeSyntax(String),
    /// constraintViolation (19), e.g. two values of a SINGLE-VALUE attribute.
    #[error("{0}")]
    ConstraintViolation(String),
    /// namingViolation (64): an RDN value is not in the entry.
    #[error("{0}")]
    NamingViolation(String),
    /// attributeOrValueExists (20): the same value twice in one attribute.
    #[error("{0}")]
    AttributeOrValueExists(String),
}

/// What checking learned about a valid entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEntry {
    /// The structuralObjectClass value: the most specific structural class; in
    /// lenient mode with none, the first auxiliary class named, else `top`.
    pub structural: String,
    /// Every class of the entry with its superclasses (schema spelling), in
    /// the order first met.
    pub classes: Vec<String>,
    /// Problems tolerated in lenient mode, for the caller to log.
    pub warnings: Vec<String>,
    /// MUST attributes the entry lacks (empty unless checked with
    /// [`MissingMust::Report`]).
    pub missing: Vec<MissingAttribute>,
}

/// Attributes of an entry grouped by type and options, so that `cn` and
/// `commonName` count as one attribute.
struct Group<'a> {
    at: &'a AttributeType,
    /// `at`'s slot in the schema (one per OID), compared rather than OIDs.
    slot: usize,
    shown: &'a str,
    values: Vec<&'a [u8]>,
}

impl Schema {
    /// Check an entry against the schema. The caller adds the RDN values first
    /// (RFC 4511 4.7); the naming check here is a safety net. Operational
    /// attributes are checked for syntax but not against MUST/MAY. A missing MUST
    /// attribute is an objectClassViolation naming the class and the attribute.
    pub fn check_entry(
        &self,
        entry: &Entry,
        mode: SchemaMode,
    ) -> Result<CheckedEntry, SchemaViolation> {
        self.check_entry_with(entry, mode, MissingMust::Refuse)
    }

    /// [`Schema::check_entry`], with `missing` saying whether a missing MUST
    /// attribute is refused or only reported.
    pub fn check_entry_with(
        &self,
        entry: &Entry,
        mode: SchemaMode,
        missing: MissingMust,
    ) -> Result<CheckedEntry, SchemaViolation> {
        let mut warnings = Vec::new();
        let named = self.named_classes(entry)?;
        let all = self.with_superclasses(&named);
        let groups = self.attribute_groups(entry)?;
        check_group_values(&groups)?;
        let structural = self.structural_class(&all, mode, &mut warnings)?;
        let free =
            structural.is_none() || all.iter().any(|c| c.oid == "1.3.6.1.4.1.1466.101.120.111");
        if !free {
            self.check_allowed(&all, &groups)?;
        }
        let missing = self.check_required(&all, &groups, missing)?;
        self.check_naming(entry, &groups)?;
        let structural = match structural {
            Some(c) => c.name().to_string(),
            None => named
                .iter()
                .find(|c| c.kind == ClassKind::Auxiliary)
                .map_or("top".to_string(), |c| c.name().to_string()),
        };
        Ok(CheckedEntry {
            structural,
            classes: all.iter().map(|c| c.name().to_string()).collect(),
            warnings,
            missing,
        })
    }

    /// The classes the entry's objectClass values name, each once, all known.
    fn named_classes(&self, entry: &Entry) -> Result<Vec<&ObjectClass>, SchemaViolation> {
        let oc_values = entry
            .attrs
            .iter()
            .filter(|a| self.attribute(&a.name).is_some_and(|t| t.oid == "2.5.4.0"))
            .flat_map(|a| a.values.iter())
            .collect::<Vec<_>>();
        if oc_values.is_empty() {
            return Err(ObjectClassViolation("no objectClass attribute".into()));
        }
        let mut named: Vec<&ObjectClass> = Vec::new();
        for v in &oc_values {
            let name = String::from_utf8_lossy(v);
            let oc = self.object_class(name.trim()).ok_or_else(|| {
                ObjectClassViolation(format!("unrecognized objectClass '{name}'"))
            })?;
            if !named.iter().any(|c| c.oid == oc.oid) {
                named.push(oc);
            }
        }
        Ok(named)
    }

    /// The named classes with their superclasses implied, each once, in the
    /// order first met.
    fn with_superclasses<'a>(&'a self, named: &[&'a ObjectClass]) -> Vec<&'a ObjectClass> {
        let mut all: Vec<&ObjectClass> = Vec::new();
        for oc in named {
            for c in self.class_with_superclasses(oc) {
                if !all.iter().any(|x| x.oid == c.oid) {
                    all.push(c);
                }
            }
        }
        all
    }

    /// The entry's attributes grouped by type and options, each known and each
    /// value valid for its syntax.
    fn attribute_groups<'a>(&'a self, entry: &'a Entry) -> Result<Vec<Group<'a>>, SchemaViolation> {
        let mut groups: Vec<Group> = Vec::new();
        for attr in &entry.attrs {
            let slot = self.attrs.position(base_of(&attr.name)).ok_or_else(|| {
                UndefinedAttributeType(format!("{}: attribute type undefined", attr.name))
            })?;
            let at = &self.attrs.items[slot];
            // A language range (cn;lang-en-) selects values; none can be stored under it.
            if Options::parse(&attr.name).is_none_or(|o| o.has_range()) {
                return Err(UndefinedAttributeType(format!(
                    "{}: not an attribute description values can be stored under",
                    attr.name
                )));
            }
            self.check_values(at, &attr.name, &attr.values)?;
            let tags = Options::parse(&attr.name).map(|o| o.tags);
            let same =
                |g: &Group| g.slot == slot && Options::parse(g.shown).map(|o| o.tags) == tags;
            match groups.iter_mut().find(|g| same(g)) {
                Some(g) => g.values.extend(attr.values.iter().map(Vec::as_slice)),
                None => groups.push(Group {
                    at,
                    slot,
                    shown: &attr.name,
                    values: attr.values.iter().map(Vec::as_slice).collect(),
                }),
            }
        }
        Ok(groups)
    }

    /// InvalidAttributeSyntax unless each of `values` is valid for `at` (DN values
    /// against the schema too); the message names `shown` and the value's position
    /// among `values`, as slapd's does.
    pub fn check_values(
        &self,
        at: &AttributeType,
        shown: &str,
        values: &[Vec<u8>],
    ) -> Result<(), SchemaViolation> {
        for (i, v) in values.iter().enumerate() {
            self.validate_value(at, v).map_err(|why| {
                InvalidAttributeSyntax(format!("{shown}: value #{i} invalid per syntax ({why})"))
            })?;
        }
        Ok(())
    }

    /// Exactly one structural chain: one class every other structural one is an
    /// ancestor of. None when there is no structural class (lenient mode only).
    fn structural_class<'a>(
        &self,
        all: &[&'a ObjectClass],
        mode: SchemaMode,
        warnings: &mut Vec<String>,
    ) -> Result<Option<&'a ObjectClass>, SchemaViolation> {
        let structurals: Vec<&ObjectClass> = all
            .iter()
            .copied()
            .filter(|c| c.kind == ClassKind::Structural)
            .collect();
        let most_specific = structurals
            .iter()
            .copied()
            .find(|cand| structurals.iter().all(|o| self.class_is_a(cand, o)));
        match (most_specific, structurals.is_empty()) {
            (Some(c), _) => Ok(Some(c)),
            (None, false) => {
                let names: Vec<&str> = structurals.iter().map(|c| c.name()).collect();
                Err(ObjectClassViolation(format!(
                    "invalid structural object class chain ({})",
                    names.join("/")
                )))
            }
            (None, true) if mode == SchemaMode::Strict => Err(ObjectClassViolation(
                "no structural object class provided".into(),
            )),
            (None, true) => {
                warnings.push("no structural object class provided".into());
                Ok(None)
            }
        }
    }

    /// Every user attribute is in some class's MUST or MAY (operational
    /// attributes are the server's, not the classes').
    fn check_allowed(&self, all: &[&ObjectClass], groups: &[Group]) -> Result<(), SchemaViolation> {
        let lists: Vec<_> = all.iter().map(|c| self.class_attrs(c)).collect();
        for g in groups {
            if g.at.is_operational() {
                continue;
            }
            let listed = |l: &[usize]| l.contains(&g.slot);
            if !lists.iter().any(|c| listed(&c.must) || listed(&c.may)) {
                return Err(ObjectClassViolation(format!(
                    "attribute '{}' not allowed",
                    g.shown
                )));
            }
        }
        Ok(())
    }

    /// The MUST and MAY slots of `class` (worked out here if the load did not).
    fn class_attrs(&self, class: &ObjectClass) -> Cow<'_, ClassAttrs> {
        let slot = self.classes.position(&class.oid);
        match slot.and_then(|i| self.class_attrs.get(i)) {
            Some(attrs) => Cow::Borrowed(attrs),
            None => Cow::Owned(self.attrs_of(class)),
        }
    }

    /// Every MUST attribute of every class is present, whatever the class's kind
    /// and the mode; the ones missing are returned when `missing` says Report.
    fn check_required(
        &self,
        all: &[&ObjectClass],
        groups: &[Group],
        missing: MissingMust,
    ) -> Result<Vec<MissingAttribute>, SchemaViolation> {
        let mut absent = Vec::new();
        for c in all {
            for &slot in &self.class_attrs(c).must {
                if groups.iter().any(|g| g.slot == slot) {
                    continue;
                }
                let at = &self.attrs.items[slot];
                let gap = MissingAttribute {
                    class: c.name().to_string(),
                    attribute: at.name().to_string(),
                };
                match missing {
                    MissingMust::Refuse => return Err(ObjectClassViolation(gap.to_string())),
                    MissingMust::Report => absent.push(gap),
                }
            }
        }
        Ok(absent)
    }

    /// Naming: each RDN value must be a value of the entry.
    fn check_naming(&self, entry: &Entry, groups: &[Group]) -> Result<(), SchemaViolation> {
        let Some(rdn) = entry.dn.rdn() else {
            return Ok(());
        };
        for ava in &rdn.avas {
            let at = self.attribute(&ava.attr).ok_or_else(|| {
                UndefinedAttributeType(format!("{}: naming attribute type undefined", ava.attr))
            })?;
            let key = at.eq_key(ava.value.as_bytes());
            let present = groups
                .iter()
                .filter(|g| g.at.oid == at.oid)
                .flat_map(|g| g.values.iter())
                .any(|v| at.eq_key(v) == key);
            if !present {
                return Err(NamingViolation(format!(
                    "value of naming attribute '{}' is not present in entry",
                    ava.attr
                )));
            }
        }
        Ok(())
    }
}

/// SINGLE-VALUE holds and no value appears twice (under the equality rule).
fn check_group_values(groups: &[Group]) -> Result<(), SchemaViolation> {
    for g in groups {
        if g.at.single_value && g.values.len() > 1 {
            return Err(ConstraintViolation(format!(
                "attribute '{}' cannot have multiple values",
                g.shown
            )));
        }
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(g.values.len());
        for (i, v) in g.values.iter().enumerate() {
            let k = g.at.eq_key(v);
            if keys.contains(&k) {
                return Err(AttributeOrValueExists(format!(
                    "{}: value #{i} provided more than once",
                    g.shown
                )));
            }
            keys.push(k);
        }
    }
    Ok(())
}
