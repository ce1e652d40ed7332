//! The access-checked directory: what one identity may see and do. Every operation
//! reads and writes through a `DirectoryView`, so "the entry if this identity may see
//! it, else noSuchObject with the matchedDN it may learn" and slapd's per-operation
//! write requirements are written once, here, and the directory below knows nothing
//! of access control.

mod base_cache;
mod mail_domain;
mod names;
mod search;
mod select;
mod values;
mod write;

pub use search::{Listed, SearchDone, SearchQuery};
pub use select::Selection;
pub use values::keep_matching as keep_returned_values;
pub use write::{ReadBack, WriteControls};

use crate::acl::{AccessControl, AccessLevel, EntryAccess, Identity, Lookup, Target};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::filter::{Filter, Tri};
use crate::schema::Schema;
use crate::state::ServerState;

/// The directory as one identity sees it.
pub struct DirectoryView<'a> {
    state: &'a ServerState,
    who: &'a Identity,
    /// The policy in force when the operation began, kept to its end (SIGHUP swaps).
    acl: std::sync::Arc<AccessControl>,
}

impl<'a> DirectoryView<'a> {
    /// The view of `who` over the server's directory.
    pub fn new(state: &'a ServerState, who: &'a Identity) -> Self {
        let acl = state.acl();
        DirectoryView { state, who, acl }
    }

    /// The identity this view is for.
    pub fn who(&self) -> &Identity {
        self.who
    }

    /// The schema entries are checked and matched with.
    pub fn schema(&self) -> &'a Schema {
        self.state.dir.schema()
    }

    /// The schema's name for an attribute description, or the description as given.
    pub fn canonical(&self, attr: &str) -> String {
        self.schema()
            .canonical_attr_name(attr)
            .unwrap_or_else(|| attr.to_string())
    }

    /// The entry at `dn` if this identity may know it exists (disclose), else
    /// noSuchObject with the matchedDN it may learn.
    pub fn visible(&self, dn: &Dn) -> Result<Entry, LdapError> {
        self.visible_with(dn, |_| ()).map(|(entry, ())| entry)
    }

    /// [`Self::visible`], with `then` asked of the same decisions for the entry (one
    /// rule walk serves both).
    pub fn visible_with<R>(
        &self,
        dn: &Dn,
        then: impl FnOnce(&EntryAccess<'_>) -> R,
    ) -> Result<(Entry, R), LdapError> {
        let Some(entry) = self.state.dir.get(dn)? else {
            return Err(self.no_such_object(dn));
        };
        let decided = self.with_access(dn, Some(&entry), |access| {
            access
                .allows(Target::Entry, AccessLevel::Disclose)
                .then(|| then(access))
        });
        match decided {
            Some(r) => Ok((entry, r)),
            None => Err(self.no_such_object(dn)),
        }
    }

    /// noSuchObject for `dn` as this identity may learn it: the matchedDN is the
    /// deepest existing ancestor it may see; an invisible ancestor answers as if it
    /// did not exist, so the error reveals nothing a search would not.
    pub fn no_such_object(&self, dn: &Dn) -> LdapError {
        // Found top-down, one probe per existing level: a hostile DN of thousands of
        // RDNs costs no more than the tree is deep.
        let mut cur = self.state.dir.deepest_existing_ancestor(dn).ok().flatten();
        let suffix = self.state.dir.suffix();
        while let Some(d) = cur {
            if d.is_root() || !d.is_within(suffix) {
                break;
            }
            if let Ok(Some(e)) = self.state.dir.get(&d) {
                if self.allows(&d, Some(&e), Target::Entry, AccessLevel::Disclose) {
                    return LdapError::no_such_object(d.to_string());
                }
            }
            cur = d.parent();
        }
        LdapError::no_such_object("")
    }

    /// Fail with insufficientAccessRights and `message` unless `granted`.
    pub fn require(&self, granted: bool, message: impl Into<String>) -> Result<(), LdapError> {
        if granted {
            Ok(())
        } else {
            Err(LdapError::new(
                ResultCode::InsufficientAccessRights,
                message,
            ))
        }
    }

    /// May this identity have `level` on `target` of the entry `dn`? `entry` is the
    /// entry when the caller holds it, so filtered rules need no fetch.
    pub fn allows(
        &self,
        dn: &Dn,
        entry: Option<&Entry>,
        target: Target<'_>,
        level: AccessLevel,
    ) -> bool {
        self.with_access(dn, entry, |access| access.allows(target, level))
    }

    /// Run `f` with the policy's decisions for one entry, made once and reused for
    /// all its attributes: the one place the view asks the policy.
    pub fn with_access<R>(
        &self,
        dn: &Dn,
        entry: Option<&Entry>,
        f: impl FnOnce(&EntryAccess<'_>) -> R,
    ) -> R {
        self.with_access_known(dn, None, entry, f)
    }

    /// [`DirectoryView::with_access`], given `dn`'s normalised form when known.
    fn with_access_known<R>(
        &self,
        dn: &Dn,
        normalized: Option<&str>,
        entry: Option<&Entry>,
        f: impl FnOnce(&EntryAccess<'_>) -> R,
    ) -> R {
        let get = |d: &Dn| self.state.dir.get(d).ok().flatten();
        let lookup = Lookup {
            schema: Some(self.schema()),
            get: &get,
        };
        let access = self.acl.for_entry(self.who, dn, entry, &lookup);
        match normalized {
            Some(n) => f(&access.knowing_normalized(n)),
            None => f(&access),
        }
    }

    /// RFC 4528: assertionFailed unless `filter` is true of `entry`, evaluated as a
    /// search filter would be for this identity (attributes it may not search are
    /// absent), so an assertion reveals nothing a search would not.
    pub fn check_assertion(&self, entry: &Entry, filter: &Filter) -> Result<(), LdapError> {
        let holds = self.with_access(&entry.dn, Some(entry), |access| {
            let may_use = |attr: &str| access.allows(Target::Attr(attr), AccessLevel::Search);
            access.allows(Target::Entry, AccessLevel::Search)
                && filter.evaluate(entry, self.schema(), &may_use) == Tri::True
        });
        if holds {
            Ok(())
        } else {
            Err(LdapError::new(
                ResultCode::AssertionFailed,
                "assertion control: the entry does not match",
            ))
        }
    }

    /// The userPassword values a simple bind as `dn` checks: None unless the entry
    /// exists and the policy lets anonymous clients use its userPassword for
    /// authentication. The entry is read with userPassword and the attributes the
    /// policy's filters read (the decision over them is the decision over the whole
    /// entry), and without its stored DN: the bind knows the DN it asked for.
    /// `normalized` is `dn`'s normalised form, as [`Dn::normalized`] gives it.
    pub fn passwords_for_bind(
        &self,
        dn: &Dn,
        normalized: &str,
    ) -> Result<Option<Vec<Vec<u8>>>, LdapError> {
        let read = self.acl.attributes_read().and_then(|names| {
            let schema = self.schema();
            std::iter::once("userPassword")
                .chain(names.iter().map(String::as_str))
                .map(|name| schema.attr_desc(name))
                .collect::<Option<Vec<_>>>()
        });
        let entry = match &read {
            Some(read) => {
                let names = names::NameSet::of_types(read);
                let keep = |name: &[u8]| {
                    names
                        .as_ref()
                        .and_then(|n| n.decides(name))
                        .unwrap_or_else(|| read.iter().any(|d| !d.surely_misses_raw(name)))
                };
                self.state
                    .dir
                    .attrs_where(&Dn::tree_key_of_normalized(normalized), &keep)?
            }
            // A filter reads every attribute, or names one the schema lacks.
            None => self.state.dir.get(dn)?,
        };
        let Some(mut entry) = entry else {
            return Ok(None);
        };
        let may = self.with_access_known(dn, Some(normalized), Some(&entry), |access| {
            access.allows(Target::Attr("userPassword"), AccessLevel::Auth)
        });
        // Taken, not copied: the entry was read for this check alone.
        Ok(may.then(|| {
            entry
                .get_mut("userPassword")
                .map(|a| std::mem::take(&mut a.values))
                .unwrap_or_default()
        }))
    }
}
