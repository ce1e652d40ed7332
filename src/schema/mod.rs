//! The directory schema (RFC 4512): attribute types and object classes read from
//! OpenLDAP-format .schema files, with the matching rules and syntaxes behind them.
//!
//! The built-in files (schema/*.schema) are embedded in the binary; admins add
//! third-party files (qmail-LDAP, postfix-book, Jamm) with [`Schema::load_file_text`].

mod check;
pub mod matching;
mod parser;
pub mod syntax;

pub use check::{CheckedEntry, SchemaMode, SchemaViolation};

use matching::Norm;
use parser::Parsed;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// The embedded schema files, in load order (later files use earlier ones).
const BUILTIN_FILES: &[(&str, &str)] = &[
    ("system.schema", include_str!("../../schema/system.schema")),
    ("core.schema", include_str!("../../schema/core.schema")),
    ("cosine.schema", include_str!("../../schema/cosine.schema")),
    ("nis.schema", include_str!("../../schema/nis.schema")),
    (
        "inetorgperson.schema",
        include_str!("../../schema/inetorgperson.schema"),
    ),
    (
        "courier.schema",
        include_str!("../../schema/courier.schema"),
    ),
];

/// Why a schema file could not be loaded: always names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    /// The text does not follow the .schema grammar.
    #[error("{file}:{line}: {msg}")]
    Syntax {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line where the statement starts.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// A SUP, MUST or MAY names something the schema does not define.
    #[error("{file}:{line}: {msg}")]
    UnknownReference {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line where the definition starts.
        line: usize,
        /// What is missing.
        msg: String,
    },
    /// The same OID or name is defined twice in one file.
    #[error("{file}:{line}: {msg}")]
    Duplicate {
        /// File (or source) name given to the loader.
        file: String,
        /// 1-based line of the second definition.
        line: usize,
        /// Which OID or name.
        msg: String,
    },
}

/// RFC 4512 attribute usage: user data, or one of the operational kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Ordinary user attribute.
    UserApplications,
    /// Operational, kept per entry by the server (createTimestamp, entryUUID).
    DirectoryOperation,
    /// Operational, shared among servers.
    DistributedOperation,
    /// Operational, specific to this server (root DSE attributes).
    DsaOperation,
}

/// The rules an attribute type states itself, before SUP inheritance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Declared {
    pub(crate) equality: Option<String>,
    pub(crate) ordering: Option<String>,
    pub(crate) substr: Option<String>,
    pub(crate) syntax: Option<String>,
}

/// An attribute type. The rule and syntax fields are effective values: those
/// not stated by the type itself are inherited from its SUP chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeType {
    /// Numeric OID.
    pub oid: String,
    /// Names, the first being the one the server shows (`cn`, then `commonName`).
    pub names: Vec<String>,
    /// DESC text.
    pub desc: Option<String>,
    /// Supertype name or OID.
    pub sup: Option<String>,
    /// Equality rule name (inherited when not stated).
    pub equality: Option<String>,
    /// Ordering rule name (inherited when not stated).
    pub ordering: Option<String>,
    /// Substrings rule name (inherited when not stated).
    pub substr: Option<String>,
    /// Syntax OID without its length bound (inherited when not stated).
    pub syntax: Option<String>,
    /// The `{len}` bound of SYNTAX, if given.
    pub syntax_len: Option<u32>,
    /// At most one value.
    pub single_value: bool,
    /// COLLECTIVE attribute.
    pub collective: bool,
    /// Clients may not set it.
    pub no_user_modification: bool,
    /// User or operational.
    pub usage: Usage,
    /// OBSOLETE flag.
    pub obsolete: bool,
    pub(crate) declared: Declared,
}

/// The kind of an object class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Only for deriving other classes (top).
    Abstract,
    /// Says what the entry is; each entry has one structural chain.
    Structural,
    /// Adds attributes to an entry of any structural class.
    Auxiliary,
}

/// An object class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectClass {
    /// Numeric OID.
    pub oid: String,
    /// Names, the first being the one the server shows.
    pub names: Vec<String>,
    /// DESC text.
    pub desc: Option<String>,
    /// Superclass names or OIDs.
    pub sup: Vec<String>,
    /// Abstract, structural or auxiliary (structural when the file says nothing).
    pub kind: ClassKind,
    /// Required attributes (names or OIDs as written).
    pub must: Vec<String>,
    /// Allowed attributes (names or OIDs as written).
    pub may: Vec<String>,
    /// OBSOLETE flag.
    pub obsolete: bool,
}

/// The loaded schema: attribute types and object classes, looked up by any
/// name or OID, case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    attrs: Vec<AttributeType>,
    attr_index: HashMap<String, usize>,
    classes: Vec<ObjectClass>,
    class_index: HashMap<String, usize>,
    macros: HashMap<String, String>,
    warnings: Vec<String>,
}

/// Quote a string for an RFC 4512 description (qdstring escapes).
fn qdstring(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\5C").replace('\'', "\\27"))
}

fn qdescrs(names: &[String]) -> String {
    match names {
        [one] => format!(" NAME {}", qdstring(one)),
        _ => format!(
            " NAME ( {} )",
            names
                .iter()
                .map(|n| qdstring(n))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

fn oids(list: &[String]) -> String {
    match list {
        [one] => one.clone(),
        _ => format!("( {} )", list.join(" $ ")),
    }
}

impl AttributeType {
    /// The name the server shows (first NAME, or the OID when unnamed).
    pub fn name(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or(&self.oid)
    }

    /// True for operational attributes (any USAGE other than userApplications).
    pub fn is_operational(&self) -> bool {
        self.usage != Usage::UserApplications
    }

    /// True when the type has an equality rule (inherited or its own).
    pub fn has_equality(&self) -> bool {
        self.equality.is_some()
    }

    /// The normalisation of the equality rule; rules the server does not
    /// implement compare octet by octet.
    fn eq_norm(&self) -> Norm {
        self.equality
            .as_deref()
            .and_then(matching::lookup)
            .map_or(Norm::Octet, |r| r.norm)
    }

    /// The value normalised by the equality rule: two values are equal exactly
    /// when their keys are (also the key of equality indexes).
    pub fn eq_key(&self, value: &[u8]) -> Vec<u8> {
        matching::normalize(self.eq_norm(), value)
    }

    /// Whether two values are equal under the equality rule.
    pub fn values_equal(&self, a: &[u8], b: &[u8]) -> bool {
        self.eq_key(a) == self.eq_key(b)
    }

    /// Order two values by the ORDERING rule. Types with no ORDERING rule but an
    /// integer, time or string equality rule are ordered by that (so
    /// `(uidNumber>=1000)` works with older nis.schema files); otherwise None.
    pub fn ordering_cmp(&self, a: &[u8], b: &[u8]) -> Option<Ordering> {
        let norm = match self.ordering.as_deref() {
            Some(rule) => matching::lookup(rule)?.norm,
            None => match self.equality.as_deref().and_then(matching::lookup)?.norm {
                n @ (Norm::CaseIgnore
                | Norm::CaseExact
                | Norm::Integer
                | Norm::Time
                | Norm::Numeric) => n,
                _ => return None,
            },
        };
        matching::compare(norm, a, b)
    }

    /// The value normalised by the SUBSTR rule, or None when the type has none
    /// (a substring filter on it is then Undefined).
    pub fn substr_normalize(&self, value: &[u8]) -> Option<String> {
        let norm = matching::lookup(self.substr.as_deref()?).map_or(Norm::Octet, |r| r.norm);
        Some(String::from_utf8_lossy(&matching::normalize(norm, value)).into_owned())
    }

    /// The key for approximate matching: the phonetic key of
    /// [`matching::approx_key`] for string types, the equality key otherwise
    /// (an approximately equal integer is an equal one).
    pub fn approx_key(&self, value: &[u8]) -> String {
        match self.eq_norm() {
            Norm::CaseIgnore | Norm::CaseExact | Norm::Telephone => matching::approx_key(value),
            norm => String::from_utf8_lossy(&matching::normalize(norm, value)).into_owned(),
        }
    }

    /// Check a value against the type's syntax.
    pub fn validate(&self, value: &[u8]) -> Result<(), String> {
        match &self.syntax {
            Some(oid) => syntax::validate(oid, value),
            None => Ok(()),
        }
    }

    /// The RFC 4512 AttributeTypeDescription, as cn=Subschema shows it.
    pub fn description(&self) -> String {
        let mut s = format!("( {}", self.oid);
        if !self.names.is_empty() {
            s.push_str(&qdescrs(&self.names));
        }
        if let Some(d) = &self.desc {
            s.push_str(&format!(" DESC {}", qdstring(d)));
        }
        if self.obsolete {
            s.push_str(" OBSOLETE");
        }
        if let Some(sup) = &self.sup {
            s.push_str(&format!(" SUP {sup}"));
        }
        let d = &self.declared;
        for (kw, v) in [
            ("EQUALITY", &d.equality),
            ("ORDERING", &d.ordering),
            ("SUBSTR", &d.substr),
        ] {
            if let Some(v) = v {
                s.push_str(&format!(" {kw} {v}"));
            }
        }
        if let Some(syn) = &d.syntax {
            s.push_str(&format!(" SYNTAX {syn}"));
            if let Some(n) = self.syntax_len {
                s.push_str(&format!("{{{n}}}"));
            }
        }
        if self.single_value {
            s.push_str(" SINGLE-VALUE");
        }
        if self.collective {
            s.push_str(" COLLECTIVE");
        }
        if self.no_user_modification {
            s.push_str(" NO-USER-MODIFICATION");
        }
        match self.usage {
            Usage::UserApplications => {}
            Usage::DirectoryOperation => s.push_str(" USAGE directoryOperation"),
            Usage::DistributedOperation => s.push_str(" USAGE distributedOperation"),
            Usage::DsaOperation => s.push_str(" USAGE dSAOperation"),
        }
        s.push_str(" )");
        s
    }
}

impl ObjectClass {
    /// The name the server shows (first NAME, or the OID when unnamed).
    pub fn name(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or(&self.oid)
    }

    /// The RFC 4512 ObjectClassDescription, as cn=Subschema shows it.
    pub fn description(&self) -> String {
        let mut s = format!("( {}", self.oid);
        if !self.names.is_empty() {
            s.push_str(&qdescrs(&self.names));
        }
        if let Some(d) = &self.desc {
            s.push_str(&format!(" DESC {}", qdstring(d)));
        }
        if self.obsolete {
            s.push_str(" OBSOLETE");
        }
        if !self.sup.is_empty() {
            s.push_str(&format!(" SUP {}", oids(&self.sup)));
        }
        s.push_str(match self.kind {
            ClassKind::Abstract => " ABSTRACT",
            ClassKind::Structural => " STRUCTURAL",
            ClassKind::Auxiliary => " AUXILIARY",
        });
        if !self.must.is_empty() {
            s.push_str(&format!(" MUST {}", oids(&self.must)));
        }
        if !self.may.is_empty() {
            s.push_str(&format!(" MAY {}", oids(&self.may)));
        }
        s.push_str(" )");
        s
    }
}

/// The part of an attribute description before its options (`cn;lang-de` -> `cn`).
fn base_of(desc: &str) -> &str {
    desc.split(';').next().unwrap_or(desc)
}

/// Lookup key for a name or OID (case-insensitive, `OID.` prefix dropped).
fn key_of(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.strip_prefix("oid.") {
        Some(rest) => rest.to_string(),
        None => lower,
    }
}

impl Schema {
    /// An empty schema (no definitions at all).
    pub fn empty() -> Schema {
        Schema::default()
    }

    /// The schema built from every embedded file: system, core, cosine, nis,
    /// inetorgperson and courier.
    pub fn builtin() -> Schema {
        let mut schema = Schema::default();
        for (name, text) in BUILTIN_FILES {
            // The embedded files are part of the program and covered by tests;
            // a failure here is a build defect, not bad input.
            if let Err(e) = schema.load_file_text(text, name) {
                panic!("embedded schema file is invalid: {e}");
            }
        }
        schema
    }

    /// Add the definitions of one .schema file. On error nothing is added.
    /// A definition that reuses an OID or name from an earlier file replaces
    /// it (recorded in [`Schema::warnings`]), so that e.g. qmail.schema's
    /// `mailHost` can take over Courier's `mailhost`; the same OID or name twice
    /// in one file is an error.
    pub fn load_file_text(&mut self, text: &str, source_name: &str) -> Result<(), SchemaError> {
        let mut next = self.clone();
        let defs = parser::parse(text, source_name, &mut next.macros)?;
        let mut new_attrs: Vec<(usize, usize)> = Vec::new();
        let mut new_classes: Vec<(usize, usize)> = Vec::new();
        for (def, line) in defs {
            match def {
                Parsed::Attribute(at) => {
                    let done: HashSet<usize> = new_attrs.iter().map(|(i, _)| *i).collect();
                    let idx = next.insert_attr(at, source_name, line, &done)?;
                    new_attrs.push((idx, line));
                }
                Parsed::Class(oc) => {
                    let done: HashSet<usize> = new_classes.iter().map(|(i, _)| *i).collect();
                    let idx = next.insert_class(oc, source_name, line, &done)?;
                    new_classes.push((idx, line));
                }
            }
        }
        next.resolve();
        next.validate_new(source_name, &new_attrs, &new_classes)?;
        *self = next;
        Ok(())
    }

    /// Insert into one of the two tables, handling redefinition rules.
    fn insert_attr(
        &mut self,
        at: AttributeType,
        file: &str,
        line: usize,
        this_file: &HashSet<usize>,
    ) -> Result<usize, SchemaError> {
        let keys: Vec<String> = at.names.iter().map(|n| key_of(n)).collect();
        let idx = Self::place(
            &mut self.attr_index,
            &mut self.warnings,
            self.attrs.len(),
            &at.oid,
            &keys,
            file,
            line,
            this_file,
            "attributetype",
        )?;
        if idx == self.attrs.len() {
            self.attrs.push(at);
        } else {
            self.attrs[idx] = at;
        }
        Ok(idx)
    }

    fn insert_class(
        &mut self,
        oc: ObjectClass,
        file: &str,
        line: usize,
        this_file: &HashSet<usize>,
    ) -> Result<usize, SchemaError> {
        let keys: Vec<String> = oc.names.iter().map(|n| key_of(n)).collect();
        let idx = Self::place(
            &mut self.class_index,
            &mut self.warnings,
            self.classes.len(),
            &oc.oid,
            &keys,
            file,
            line,
            this_file,
            "objectclass",
        )?;
        if idx == self.classes.len() {
            self.classes.push(oc);
        } else {
            self.classes[idx] = oc;
        }
        Ok(idx)
    }

    /// Decide the slot of a definition and point its OID and names at it.
    #[allow(clippy::too_many_arguments)]
    fn place(
        index: &mut HashMap<String, usize>,
        warnings: &mut Vec<String>,
        len: usize,
        oid: &str,
        keys: &[String],
        file: &str,
        line: usize,
        this_file: &HashSet<usize>,
        what: &str,
    ) -> Result<usize, SchemaError> {
        let dup = |msg: String| SchemaError::Duplicate {
            file: file.into(),
            line,
            msg,
        };
        let idx = match index.get(oid) {
            Some(&i) if this_file.contains(&i) => {
                return Err(dup(format!("duplicate {what} OID {oid}")))
            }
            Some(&i) => {
                warnings.push(format!(
                    "{file}:{line}: {what} {oid} replaces an earlier definition"
                ));
                // The old names no longer belong to this OID.
                index.retain(|k, v| *v != i || k == oid);
                i
            }
            None => len,
        };
        for k in keys {
            match index.get(k) {
                Some(&j) if j != idx && this_file.contains(&j) => {
                    return Err(dup(format!("duplicate {what} name {k:?}")))
                }
                Some(&j) if j != idx => warnings.push(format!(
                    "{file}:{line}: {what} name {k:?} now refers to {oid}"
                )),
                _ => {}
            }
            index.insert(k.clone(), idx);
        }
        index.insert(oid.to_string(), idx);
        Ok(idx)
    }

    /// Fill in each attribute type's effective rules from its SUP chain.
    fn resolve(&mut self) {
        let mut effective = Vec::with_capacity(self.attrs.len());
        for at in &self.attrs {
            let mut d = at.declared.clone();
            let mut cur = at.sup.as_deref();
            // The depth bound stops SUP cycles; validate_new reports them.
            for _ in 0..32 {
                let Some(sup) = cur.and_then(|s| self.attr_index.get(&key_of(s))) else {
                    break;
                };
                let parent = &self.attrs[*sup];
                d.equality = d.equality.or_else(|| parent.declared.equality.clone());
                d.ordering = d.ordering.or_else(|| parent.declared.ordering.clone());
                d.substr = d.substr.or_else(|| parent.declared.substr.clone());
                d.syntax = d.syntax.or_else(|| parent.declared.syntax.clone());
                cur = parent.sup.as_deref();
            }
            effective.push(d);
        }
        for (at, d) in self.attrs.iter_mut().zip(effective) {
            at.equality = d.equality;
            at.ordering = d.ordering;
            at.substr = d.substr;
            at.syntax = d.syntax;
        }
    }

    /// Check the references of the definitions a file added.
    fn validate_new(
        &self,
        file: &str,
        attrs: &[(usize, usize)],
        classes: &[(usize, usize)],
    ) -> Result<(), SchemaError> {
        let unknown = |line: usize, msg: String| SchemaError::UnknownReference {
            file: file.into(),
            line,
            msg,
        };
        for &(i, line) in attrs {
            let at = &self.attrs[i];
            if let Some(sup) = &at.sup {
                let mut seen = HashSet::new();
                let mut cur = Some(sup.as_str());
                while let Some(name) = cur {
                    let Some(&j) = self.attr_index.get(&key_of(name)) else {
                        return Err(unknown(
                            line,
                            format!("attributetype {}: unknown SUP {name:?}", at.name()),
                        ));
                    };
                    if !seen.insert(j) || j == i {
                        return Err(unknown(
                            line,
                            format!("attributetype {}: SUP cycle", at.name()),
                        ));
                    }
                    cur = self.attrs[j].sup.as_deref();
                }
            }
            if at.syntax.is_none() {
                return Err(unknown(
                    line,
                    format!("attributetype {} has neither SYNTAX nor SUP", at.name()),
                ));
            }
        }
        for &(i, line) in classes {
            let oc = &self.classes[i];
            for sup in &oc.sup {
                if !self.class_index.contains_key(&key_of(sup)) {
                    return Err(unknown(
                        line,
                        format!("objectclass {}: unknown SUP {sup:?}", oc.name()),
                    ));
                }
            }
            for a in oc.must.iter().chain(&oc.may) {
                if !self.attr_index.contains_key(&key_of(a)) {
                    return Err(unknown(
                        line,
                        format!(
                            "objectclass {}: unknown attribute type {a:?} in MUST/MAY",
                            oc.name()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Messages about definitions that replaced earlier ones.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The attribute type named `name_or_oid` (any alias, case-insensitive;
    /// options such as `;lang-de` are ignored).
    pub fn attribute(&self, name_or_oid: &str) -> Option<&AttributeType> {
        self.attr_index
            .get(&key_of(base_of(name_or_oid)))
            .map(|&i| &self.attrs[i])
    }

    /// The object class named `name` (any alias or OID, case-insensitive).
    pub fn object_class(&self, name: &str) -> Option<&ObjectClass> {
        self.class_index
            .get(&key_of(name))
            .map(|&i| &self.classes[i])
    }

    /// All attribute types in load order.
    pub fn attribute_types(&self) -> impl Iterator<Item = &AttributeType> {
        self.attrs.iter()
    }

    /// All object classes in load order.
    pub fn object_classes(&self) -> impl Iterator<Item = &ObjectClass> {
        self.classes.iter()
    }

    /// The schema's spelling of an attribute description, options kept in
    /// lower case: `commonName;Lang-DE` -> `cn;lang-de`. None when unknown.
    pub fn canonical_attr_name(&self, desc: &str) -> Option<String> {
        let at = self.attribute(desc)?;
        let mut out = at.name().to_string();
        for opt in desc.split(';').skip(1) {
            out.push(';');
            out.push_str(&opt.to_ascii_lowercase());
        }
        Some(out)
    }

    /// True when `sub` is `sup` or derives from it through SUP.
    pub fn is_subtype(&self, sub: &AttributeType, sup: &AttributeType) -> bool {
        let mut cur = Some(sub);
        for _ in 0..32 {
            match cur {
                Some(at) if at.oid == sup.oid => return true,
                Some(at) => cur = at.sup.as_deref().and_then(|s| self.attribute(s)),
                None => return false,
            }
        }
        false
    }

    /// The class and all its superclasses, the class itself first.
    pub fn class_with_superclasses<'a>(&'a self, class: &'a ObjectClass) -> Vec<&'a ObjectClass> {
        let mut out: Vec<&ObjectClass> = vec![class];
        let mut i = 0;
        while i < out.len() && out.len() < 256 {
            for sup in &out[i].sup {
                if let Some(c) = self.object_class(sup) {
                    if !out.iter().any(|o| o.oid == c.oid) {
                        out.push(c);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// True when class `sub` is `ancestor` or inherits from it.
    pub fn class_is_a(&self, sub: &ObjectClass, ancestor: &ObjectClass) -> bool {
        self.class_with_superclasses(sub)
            .iter()
            .any(|c| c.oid == ancestor.oid)
    }

    /// The values of cn=Subschema: attributeTypes, objectClasses, ldapSyntaxes
    /// and matchingRules, each in RFC 4512 description form.
    pub fn subschema_values(&self) -> Vec<(&'static str, Vec<Vec<u8>>)> {
        let syntaxes = syntax::SYNTAXES
            .iter()
            .map(|s| {
                let extra = if s.human_readable {
                    ""
                } else {
                    " X-NOT-HUMAN-READABLE 'TRUE'"
                };
                format!("( {} DESC {}{extra} )", s.oid, qdstring(s.desc)).into_bytes()
            })
            .collect();
        let rules = matching::RULES
            .iter()
            .map(|r| {
                format!(
                    "( {} NAME {} SYNTAX {} )",
                    r.oid,
                    qdstring(r.name),
                    r.syntax
                )
                .into_bytes()
            })
            .collect();
        vec![
            ("ldapSyntaxes", syntaxes),
            ("matchingRules", rules),
            (
                "attributeTypes",
                self.attrs
                    .iter()
                    .map(|a| a.description().into_bytes())
                    .collect(),
            ),
            (
                "objectClasses",
                self.classes
                    .iter()
                    .map(|c| c.description().into_bytes())
                    .collect(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
