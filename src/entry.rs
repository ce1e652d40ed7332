//! Directory entries and modifications in the project's own terms (no BER, no sled).

use crate::dn::Dn;
use crate::schema::description::same_description;

/// One attribute of an entry: its name as the schema spells it, and its values as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute description: the canonical schema name, plus options such as
    /// `;lang-de` or `;binary` (see `Schema::canonical_attr_name`).
    pub name: String,
    /// Values in the order they were added; never empty inside a stored entry.
    pub values: Vec<Vec<u8>>,
}

/// A directory entry: a DN and its attributes (user and operational alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's distinguished name.
    pub dn: Dn,
    /// Attributes in insertion order; each description once (case, option order and
    /// the binary option aside). `cn` and `cn;lang-de` are two attributes.
    pub attrs: Vec<Attribute>,
}

/// What a single modification does (RFC 4511 4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModOp {
    /// Add values (or create the attribute).
    Add,
    /// Delete the listed values, or the whole attribute when none are listed.
    Delete,
    /// Replace all values (an empty list removes the attribute).
    Replace,
    /// RFC 4525 increment of an INTEGER attribute.
    Increment,
}

/// One change of a modify request or an LDIF `changetype: modify` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modification {
    /// Add, delete, replace or increment.
    pub op: ModOp,
    /// The attribute description the client named.
    pub attr: String,
    /// The values the change carries.
    pub values: Vec<Vec<u8>>,
}

impl Entry {
    /// An entry with no attributes yet.
    pub fn new(dn: Dn) -> Self {
        Entry {
            dn,
            attrs: Vec::new(),
        }
    }

    /// The attribute with exactly the description `name` (case-insensitive; `cn`
    /// does not find `cn;lang-de`: subtypes are the schema's, see
    /// `Schema::described_values`), if present.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attrs.iter().find(|a| same_description(&a.name, name))
    }

    /// Mutable access to the attribute with the description `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Attribute> {
        self.attrs
            .iter_mut()
            .find(|a| same_description(&a.name, name))
    }

    /// The values of `name`, or an empty slice.
    pub fn values(&self, name: &str) -> &[Vec<u8>] {
        self.get(name).map(|a| a.values.as_slice()).unwrap_or(&[])
    }

    /// The first value of `name` as UTF-8 text, if any.
    pub fn first_str(&self, name: &str) -> Option<&str> {
        self.values(name)
            .first()
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Whether any value of `objectClass` equals `class` (case-insensitive).
    pub fn has_object_class(&self, class: &str) -> bool {
        self.values("objectClass")
            .iter()
            .any(|v| v.eq_ignore_ascii_case(class.as_bytes()))
    }

    /// Append values to `name`, creating the attribute when missing. Exact duplicates are
    /// the caller's to reject; this only stores.
    pub fn add_values(&mut self, name: &str, values: impl IntoIterator<Item = Vec<u8>>) {
        // The last attribute first: LDIF writes an attribute's values on consecutive
        // lines, and each description is in the entry once, so no other can match.
        let last = self.attrs.last().is_some_and(|a| a.name == name);
        let found = match last {
            true => self.attrs.last_mut(),
            false => self.get_mut(name),
        };
        match found {
            Some(a) => a.values.extend(values),
            None => {
                let values: Vec<Vec<u8>> = values.into_iter().collect();
                if !values.is_empty() {
                    self.attrs.push(Attribute {
                        name: name.to_string(),
                        values,
                    });
                }
            }
        }
    }

    /// Set `name` to exactly `values` (removing it when `values` is empty).
    pub fn set_values(&mut self, name: &str, values: Vec<Vec<u8>>) {
        self.remove(name);
        if !values.is_empty() {
            self.attrs.push(Attribute {
                name: name.to_string(),
                values,
            });
        }
    }

    /// Remove the attribute with the description `name` entirely; true if it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.attrs.len();
        self.attrs.retain(|a| !same_description(&a.name, name));
        before != self.attrs.len()
    }
}
