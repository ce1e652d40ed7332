//! Streaming: an input of adds only, each after the add of its parent (when the
//! input adds it), is the order `order::parents_first` would keep as it is. Such an
//! input (what slapcat and the benchmark write) is parsed once to check it and
//! learn its DNs, holding no record, then parsed again piece by piece while it
//! loads: memory holds the files' bytes and the load, not every record.

use super::chunks::for_each_piece;
use super::{order, ImportError};
use crate::dn::Dn;
use crate::ldif::{LdifError, LocatedRecord};
use std::collections::HashSet;
use std::path::PathBuf;

/// One input file, read whole.
pub(super) struct Source {
    /// The file as given (it names the file in messages).
    pub(super) name: String,
    /// Where its relative `file://` URLs are.
    pub(super) base: Option<PathBuf>,
    /// Its bytes.
    pub(super) bytes: Vec<u8>,
}

impl Source {
    /// Parse this file piece by piece (see [`for_each_piece`]).
    pub(super) fn pieces(
        &self,
        take: &mut dyn FnMut(Vec<LocatedRecord>) -> bool,
    ) -> Result<(), LdifError> {
        for_each_piece(&self.bytes, &self.name, self.base.as_deref(), take)
    }
}

/// What the check of the input found: how many records it holds, and, when it can
/// stream, the DNs it adds (normalised).
pub(super) struct Survey {
    /// Records in all files.
    pub(super) records: usize,
    /// The DNs added, when every record is an add that comes after its parent's.
    pub(super) streamable: Option<HashSet<String>>,
}

/// Parse every file once (the first LDIF error stops the import before anything
/// is written, as before), holding only the DNs.
pub(super) fn survey(sources: &[Source]) -> Result<Survey, ImportError> {
    let mut added: HashSet<String> = HashSet::new();
    let mut unseen_parents: Vec<String> = Vec::new();
    let (mut records, mut adds_only) = (0, true);
    for source in sources {
        source.pieces(&mut |piece| {
            records += piece.len();
            for rec in &piece {
                let Some(dn) = order::added_dn(&rec.record) else {
                    adds_only = false;
                    continue;
                };
                let parent = dn.parent().as_ref().map(Dn::normalized);
                if let Some(p) = parent.filter(|p| !added.contains(p)) {
                    unseen_parents.push(p);
                }
                added.insert(dn.normalized());
            }
            true
        })?;
    }
    // A parent added later makes its child wait: the order is not the file's.
    let in_order = unseen_parents.iter().all(|p| !added.contains(p));
    let streamable = (adds_only && in_order).then_some(added);
    Ok(Survey {
        records,
        streamable,
    })
}
