//! Finding definitions by name or OID, and walking the SUP chains of attribute
//! types and object classes.

use super::{base_of, AttributeType, ObjectClass, Schema};

impl Schema {
    /// Messages about definitions that replaced earlier ones.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The attribute type named `name_or_oid` (any alias, case-insensitive;
    /// options such as `;lang-de` are ignored).
    pub fn attribute(&self, name_or_oid: &str) -> Option<&AttributeType> {
        self.attrs.get(base_of(name_or_oid))
    }

    /// The object class named `name` (any alias or OID, case-insensitive).
    pub fn object_class(&self, name: &str) -> Option<&ObjectClass> {
        self.classes.get(name)
    }

    /// All attribute types in load order.
    pub fn attribute_types(&self) -> impl Iterator<Item = &AttributeType> {
        self.attrs.items.iter()
    }

    /// All object classes in load order.
    pub fn object_classes(&self) -> impl Iterator<Item = &ObjectClass> {
        self.classes.items.iter()
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

    /// True when some other attribute type derives from `at` (`name`: cn, sn, ...),
    /// as found when the schema was loaded.
    pub fn has_subtypes(&self, at: &AttributeType) -> bool {
        at.derived_from
    }

    /// [`Schema::has_subtypes`] worked out from the SUP chains (when the schema loads).
    pub(super) fn derives_from(&self, at: &AttributeType) -> bool {
        self.attribute_types()
            .any(|t| t.oid != at.oid && self.is_subtype(t, at))
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

    /// True when class `sub` is `ancestor` or inherits from it. Walked up without
    /// collecting the superclasses: a filter on objectClass asks this of every class
    /// value of every candidate (the collected list was 2.5% of a Postfix lookup).
    pub fn class_is_a(&self, sub: &ObjectClass, ancestor: &ObjectClass) -> bool {
        // As many classes as class_with_superclasses visits at most, so a schema
        // whose classes inherit along many paths cannot make this walk long.
        let mut budget = 256;
        self.inherits(sub, ancestor, &mut budget)
    }

    fn inherits(&self, sub: &ObjectClass, ancestor: &ObjectClass, budget: &mut u32) -> bool {
        if sub.oid == ancestor.oid {
            return true;
        }
        for sup in &sub.sup {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            if let Some(c) = self.object_class(sup) {
                if self.inherits(c, ancestor, budget) {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::Schema;

    #[test]
    fn a_class_is_itself_and_each_of_its_ancestors_and_nothing_else() {
        let schema = Schema::builtin();
        let class = |n: &str| schema.object_class(n).unwrap();
        let inet = class("inetOrgPerson");
        for ancestor in ["inetOrgPerson", "organizationalPerson", "person", "top"] {
            assert!(schema.class_is_a(inet, class(ancestor)), "{ancestor}");
        }
        assert!(!schema.class_is_a(class("person"), inet));
        assert!(!schema.class_is_a(inet, class("organization")));
    }
}
