//! Stored attribute names judged by their spelling alone: whether a stored name is
//! one of a few attribute types, told without a schema lookup for the names entries
//! hold (plain type names). Decoding an entry asks this of each stored name.

use crate::schema::AttrDesc;

/// Names compared case-insensitively, with a quick refusal of most others: a bit per
/// (length, first letter) present (Dovecot asks for eight types, and each stored
/// name compared with every one of their names was 4% of its lookup).
pub struct NameSet<'q> {
    names: Vec<&'q str>,
    starts: [u32; 64],
}

impl<'q> NameSet<'q> {
    /// The set of `names`.
    pub fn new(names: Vec<&'q str>) -> Self {
        let mut starts = [0; 64];
        for n in &names {
            if let Some(slot) = starts.get_mut(n.len()) {
                *slot |= first_bit(n.as_bytes());
            }
        }
        NameSet { names, starts }
    }

    /// Every name of the types `descs` describe, when each is a type without options
    /// that nothing derives from (so a stored name is of one of them exactly when its
    /// type's name is one of these); None otherwise.
    pub fn of_types(descs: &[AttrDesc<'q>]) -> Option<Self> {
        let mut names = Vec::new();
        for d in descs {
            if !d.options.tags.is_empty() || d.at.derived_from {
                return None;
            }
            names.extend(d.at.names.iter().map(String::as_str));
        }
        Some(NameSet::new(names))
    }

    /// The names, as given.
    pub fn names(&self) -> &[&'q str] {
        &self.names
    }

    /// Whether `name` is one of the names.
    pub fn contains(&self, name: &[u8]) -> bool {
        let maybe = self
            .starts
            .get(name.len())
            .is_none_or(|bits| bits & first_bit(name) != 0);
        maybe
            && self
                .names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Whether the stored description `name` is of one of the types, as far as its
    /// spelling tells: None for an OID or anything else that does not start with a
    /// letter (resolve it and see). A type is named by its OID or one of its names,
    /// so a name that starts with a letter is of these types exactly when the part
    /// before its options is one of theirs (malformed ones are of none).
    pub fn decides(&self, name: &[u8]) -> Option<bool> {
        if !name.first().is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        // Most stored names have no options: the whole name is tried first.
        if self.contains(name) {
            return Some(true);
        }
        Some(match name.iter().position(|b| *b == b';') {
            Some(end) => self.contains(&name[..end]),
            None => false,
        })
    }
}

/// The bit of a name's first letter (case folded); bit 31 for anything else.
fn first_bit(name: &[u8]) -> u32 {
    match name.first() {
        Some(b) if b.is_ascii_alphabetic() => 1 << (b.to_ascii_lowercase() - b'a'),
        _ => 1 << 31,
    }
}

/// A stored description that is a type name alone: a letter, then letters, digits
/// and hyphens (no options, no OID).
pub fn is_plain_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    #[test]
    fn a_stored_name_is_judged_by_its_type_whatever_its_case_or_options() {
        let schema = Schema::builtin();
        let descs: Vec<_> = ["userPassword", "objectClass"]
            .iter()
            .map(|n| schema.attr_desc(n).unwrap())
            .collect();
        let set = NameSet::of_types(&descs).unwrap();
        assert_eq!(set.decides(b"USERPASSWORD"), Some(true));
        assert_eq!(set.decides(b"objectclass"), Some(true));
        assert_eq!(set.decides(b"userPassword;x-tag"), Some(true));
        assert_eq!(set.decides(b"mail"), Some(false));
        assert_eq!(set.decides(b"cn;lang-de"), Some(false));
        // An OID spelling is not decided by name.
        assert_eq!(set.decides(b"2.5.4.35"), None);
    }

    #[test]
    fn a_type_with_subtypes_is_not_judged_by_name() {
        let schema = Schema::builtin();
        let descs = vec![schema.attr_desc("name").unwrap()];
        assert!(NameSet::of_types(&descs).is_none());
    }
}
