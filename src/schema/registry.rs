//! The registry: attribute types and object classes in load order, indexed by
//! every OID and name, and the rules for loading a .schema file into it
//! (redefinition across files, SUP inheritance, reference checks).

use super::attribute::Norms;
use super::parser::{self, Parsed};
use super::{base_of, key_of, AttributeType, ClassAttrs, ObjectClass, Schema, SchemaError};
use std::collections::HashSet;

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

/// A definition the registry indexes: one OID and any number of names.
pub(super) trait Definition {
    /// The .schema keyword, for messages (`attributetype`, `objectclass`).
    const KEYWORD: &'static str;
    /// The numeric OID.
    fn oid(&self) -> &str;
    /// The NAMEs.
    fn names(&self) -> &[String];
}

impl Definition for AttributeType {
    const KEYWORD: &'static str = "attributetype";
    fn oid(&self) -> &str {
        &self.oid
    }
    fn names(&self) -> &[String] {
        &self.names
    }
}

impl Definition for ObjectClass {
    const KEYWORD: &'static str = "objectclass";
    fn oid(&self) -> &str {
        &self.oid
    }
    fn names(&self) -> &[String] {
        &self.names
    }
}

/// Where a definition was read: the file given to the loader and its line.
struct Origin<'a> {
    file: &'a str,
    line: usize,
}

/// Definitions of one kind in load order, indexed by OID and by lower-cased name.
#[derive(Debug, Clone)]
pub(super) struct Table<T> {
    /// The definitions, in load order (a redefinition keeps its slot).
    pub(super) items: Vec<T>,
    /// Keys fixed once the schema is loaded, so a fast hash rather than SipHash:
    /// names are looked up several times per entry a search returns. Bytes, so a
    /// name lower-cased on the stack needs no UTF-8 check to be looked up.
    index: rustc_hash::FxHashMap<Vec<u8>, usize>,
    /// The same answers for names spelled as their definitions spell them, which is
    /// how clients and entries nearly always write them: found without lower-casing
    /// (a tenth of the lookups' cost). Built on first use, dropped by any insert.
    exact: std::sync::OnceLock<rustc_hash::FxHashMap<Vec<u8>, usize>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            index: Default::default(),
            exact: Default::default(),
        }
    }
}

/// `name` as [`key_of`] makes it, written into `buf`; None when it does not fit or
/// needs more than ASCII lower-casing (surrounding white space, non-ASCII bytes).
/// Schema lookups by name were an eighth of an import's instructions (callgrind),
/// most of them in `str::trim` and the UTF-8 check of the lowered copy.
fn lowered<'b>(name: &str, buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let bytes = name.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_whitespace() || !b.is_ascii());
    if edge(bytes.first()) || edge(bytes.last()) {
        return None;
    }
    let bytes = match bytes.get(..4) {
        Some(p) if p.eq_ignore_ascii_case(b"oid.") => &bytes[4..],
        _ => bytes,
    };
    let out = buf.get_mut(..bytes.len())?;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

impl<T: Definition> Table<T> {
    /// The slot of the definition called `name` (any alias or OID, case-insensitive).
    pub(super) fn position(&self, name: &str) -> Option<usize> {
        let exact = self.exact.get_or_init(|| self.exact_spellings());
        if let Some(&i) = exact.get(name.as_bytes()) {
            return Some(i);
        }
        // Lower-cased on the stack: the names an entry or a request uses are short.
        let mut buf = [0u8; 64];
        match lowered(name, &mut buf) {
            Some(key) => self.index.get(key).copied(),
            None => self.index.get(key_of(name).as_bytes()).copied(),
        }
    }

    /// The definition called `name` (any alias or OID, case-insensitive).
    pub(super) fn get(&self, name: &str) -> Option<&T> {
        self.position(name).map(|i| &self.items[i])
    }

    /// Each definition's OID and names as written, for those the case-insensitive
    /// index sends to that definition (a name a later one took is not its own).
    fn exact_spellings(&self) -> rustc_hash::FxHashMap<Vec<u8>, usize> {
        let mut exact = rustc_hash::FxHashMap::default();
        for (i, def) in self.items.iter().enumerate() {
            let spellings =
                std::iter::once(def.oid()).chain(def.names().iter().map(String::as_str));
            for n in spellings {
                if self.index.get(key_of(n).as_bytes()) == Some(&i) {
                    exact.insert(n.as_bytes().to_vec(), i);
                }
            }
        }
        exact
    }

    /// Insert a definition, handling redefinition rules; `this_file` holds the
    /// slots the file being loaded has already filled. Returns the slot.
    fn insert(
        &mut self,
        def: T,
        origin: &Origin,
        this_file: &HashSet<usize>,
        warnings: &mut Vec<String>,
    ) -> Result<usize, SchemaError> {
        self.exact = Default::default();
        let keys: Vec<String> = def.names().iter().map(|n| key_of(n)).collect();
        let idx = self.place(def.oid(), &keys, origin, this_file, warnings)?;
        if idx == self.items.len() {
            self.items.push(def);
        } else {
            self.items[idx] = def;
        }
        Ok(idx)
    }

    /// Decide the slot of a definition and point its OID and names at it.
    fn place(
        &mut self,
        oid: &str,
        keys: &[String],
        origin: &Origin,
        this_file: &HashSet<usize>,
        warnings: &mut Vec<String>,
    ) -> Result<usize, SchemaError> {
        let (file, line, what) = (origin.file, origin.line, T::KEYWORD);
        let index = &mut self.index;
        let dup = |msg: String| SchemaError::Duplicate {
            file: file.into(),
            line,
            msg,
        };
        let idx = match index.get(oid.as_bytes()) {
            Some(&i) if this_file.contains(&i) => {
                return Err(dup(format!("duplicate {what} OID {oid}")))
            }
            Some(&i) => {
                warnings.push(format!(
                    "{file}:{line}: {what} {oid} replaces an earlier definition"
                ));
                // The old names no longer belong to this OID.
                index.retain(|k, v| *v != i || k == oid.as_bytes());
                i
            }
            None => self.items.len(),
        };
        for k in keys {
            match index.get(k.as_bytes()) {
                Some(&j) if j != idx && this_file.contains(&j) => {
                    return Err(dup(format!("duplicate {what} name {k:?}")))
                }
                Some(&j) if j != idx => warnings.push(format!(
                    "{file}:{line}: {what} name {k:?} now refers to {oid}"
                )),
                _ => {}
            }
            index.insert(k.clone().into_bytes(), idx);
        }
        index.insert(oid.as_bytes().to_vec(), idx);
        Ok(idx)
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
            let origin = Origin {
                file: source_name,
                line,
            };
            match def {
                Parsed::Attribute(at) => {
                    let done: HashSet<usize> = new_attrs.iter().map(|(i, _)| *i).collect();
                    let idx = next.attrs.insert(at, &origin, &done, &mut next.warnings)?;
                    new_attrs.push((idx, line));
                }
                Parsed::Class(oc) => {
                    let done: HashSet<usize> = new_classes.iter().map(|(i, _)| *i).collect();
                    let idx = next
                        .classes
                        .insert(oc, &origin, &done, &mut next.warnings)?;
                    new_classes.push((idx, line));
                }
            }
        }
        next.resolve();
        next.validate_new(source_name, &new_attrs, &new_classes)?;
        *self = next;
        Ok(())
    }

    /// Fill in each attribute type's effective rules from its SUP chain.
    fn resolve(&mut self) {
        let attrs = &self.attrs;
        let mut effective = Vec::with_capacity(attrs.items.len());
        for at in &attrs.items {
            let mut d = at.declared.clone();
            let mut cur = at.sup.as_deref();
            // The depth bound stops SUP cycles; validate_new reports them.
            for _ in 0..32 {
                let Some(sup) = cur.and_then(|s| attrs.position(s)) else {
                    break;
                };
                let parent = &attrs.items[sup];
                d.equality = d.equality.or_else(|| parent.declared.equality.clone());
                d.ordering = d.ordering.or_else(|| parent.declared.ordering.clone());
                d.substr = d.substr.or_else(|| parent.declared.substr.clone());
                d.syntax = d.syntax.or_else(|| parent.declared.syntax.clone());
                cur = parent.sup.as_deref();
            }
            effective.push(d);
        }
        let derived: Vec<bool> = attrs.items.iter().map(|at| self.derives_from(at)).collect();
        for ((at, d), derived) in self.attrs.items.iter_mut().zip(effective).zip(derived) {
            at.derived_from = derived;
            at.equality = d.equality;
            at.ordering = d.ordering;
            at.substr = d.substr;
            at.syntax = d.syntax;
            at.norms = Norms::of(at);
        }
        self.class_attrs = self
            .classes
            .items
            .iter()
            .map(|c| self.attrs_of(c))
            .collect();
    }

    /// The attribute slots `class` names in MUST and MAY.
    pub(super) fn attrs_of(&self, class: &ObjectClass) -> ClassAttrs {
        let slots = |names: &[String]| {
            let slot = |n: &String| self.attrs.position(base_of(n));
            names.iter().filter_map(slot).collect()
        };
        ClassAttrs {
            must: slots(&class.must),
            may: slots(&class.may),
        }
    }

    /// Check the references of the definitions a file added; `attrs` and
    /// `classes` are (slot, line) pairs.
    fn validate_new(
        &self,
        file: &str,
        attrs: &[(usize, usize)],
        classes: &[(usize, usize)],
    ) -> Result<(), SchemaError> {
        for &(i, line) in attrs {
            self.validate_attr(i, &Origin { file, line })?;
        }
        for &(i, line) in classes {
            self.validate_class(i, &Origin { file, line })?;
        }
        Ok(())
    }

    /// The SUP chain of attribute type `i` is known and acyclic, and it has a syntax.
    fn validate_attr(&self, i: usize, origin: &Origin) -> Result<(), SchemaError> {
        let unknown = |msg: String| SchemaError::UnknownReference {
            file: origin.file.into(),
            line: origin.line,
            msg,
        };
        let at = &self.attrs.items[i];
        if let Some(sup) = &at.sup {
            let mut seen = HashSet::new();
            let mut cur = Some(sup.as_str());
            while let Some(name) = cur {
                let Some(j) = self.attrs.position(name) else {
                    return Err(unknown(format!(
                        "attributetype {}: unknown SUP {name:?}",
                        at.name()
                    )));
                };
                if !seen.insert(j) || j == i {
                    return Err(unknown(format!("attributetype {}: SUP cycle", at.name())));
                }
                cur = self.attrs.items[j].sup.as_deref();
            }
        }
        if at.syntax.is_none() {
            return Err(unknown(format!(
                "attributetype {} has neither SYNTAX nor SUP",
                at.name()
            )));
        }
        Ok(())
    }

    /// Object class `i` names only known superclasses and attribute types.
    fn validate_class(&self, i: usize, origin: &Origin) -> Result<(), SchemaError> {
        let unknown = |msg: String| SchemaError::UnknownReference {
            file: origin.file.into(),
            line: origin.line,
            msg,
        };
        let oc = &self.classes.items[i];
        for sup in &oc.sup {
            if self.classes.position(sup).is_none() {
                return Err(unknown(format!(
                    "objectclass {}: unknown SUP {sup:?}",
                    oc.name()
                )));
            }
        }
        for a in oc.must.iter().chain(&oc.may) {
            if self.attrs.position(a).is_none() {
                return Err(unknown(format!(
                    "objectclass {}: unknown attribute type {a:?} in MUST/MAY",
                    oc.name()
                )));
            }
        }
        Ok(())
    }
}
