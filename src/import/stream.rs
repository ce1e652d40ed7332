//! Streaming: an input of adds only, each after the add of its parent (when the
//! input adds it), is the order `order::parents_first` would keep as it is. Such an
//! input (what slapcat and the benchmark write) is surveyed once for the heads of
//! its records (their DNs: 1.7 s at 1M entries, where a whole parse took 4.6 s),
//! then parsed piece by piece while it loads: memory holds the files' bytes and the
//! load, not every record.

use super::chunks::{map_pieces, PieceItem};
use super::{DnSet, ImportError};
use crate::dn::Dn;
use crate::ldif::{LdifError, RecordHead};
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
    /// Parse this file piece by piece, `work` done on each piece by several threads,
    /// the results taken in the file's order (see [`map_pieces`]).
    pub(super) fn map_pieces<R: PieceItem, T: Send>(
        &self,
        work: &(dyn Fn(Vec<R>) -> T + Sync),
        take: &mut dyn FnMut(T) -> bool,
    ) -> Result<(), LdifError> {
        map_pieces(&self.bytes, &self.name, self.base.as_deref(), work, take)
    }
}

/// What the check of the input found: how many records it holds, and, when it can
/// stream, the DNs it adds (normalised).
pub(super) struct Survey {
    /// Records in all files.
    pub(super) records: usize,
    /// The DNs added, when every record is an add that comes after its parent's.
    pub(super) streamable: Option<DnSet>,
}

/// Read the head of every record of every file (an error there stops the import
/// before anything is written), holding only the DNs. The rest of each record is
/// parsed, and any error in it reported, as the record loads.
pub(super) fn survey(sources: &[Source]) -> Result<Survey, ImportError> {
    let mut added: DnSet = DnSet::default();
    let mut unseen_parents: Vec<String> = Vec::new();
    let (mut records, mut adds_only) = (0, true);
    // Per record of a piece: the normalised DN it adds and its parent's, if an add.
    let names = |piece: Vec<RecordHead>| -> Vec<Option<(String, Option<String>)>> {
        piece
            .iter()
            .map(|head| {
                let dn = head.added.as_ref()?;
                Some((dn.normalized(), dn.parent().as_ref().map(Dn::normalized)))
            })
            .collect()
    };
    for source in sources {
        source.map_pieces(&names, &mut |piece| {
            records += piece.len();
            for rec in piece {
                let Some((dn, parent)) = rec else {
                    adds_only = false;
                    continue;
                };
                if let Some(p) = parent.filter(|p| !added.contains(p)) {
                    unseen_parents.push(p);
                }
                added.insert(dn);
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
