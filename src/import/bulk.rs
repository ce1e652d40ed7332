//! The bulk path: an import of adds only into an empty store (a fresh data
//! directory, the common case) loads through [`BulkAdd`], which checks each entry as
//! the directory's add does but writes without a transaction per entry, files the
//! index keys sorted at the end and makes the store durable once. Anything else (a
//! store holding entries, change records) takes the directory's write path.
//!
//! Two threads: one checks and completes the entries in the order they apply
//! ([`Directory::bulk_prepare`] reads nothing stored), the other loads them in that
//! order, so the first refusal is still that of the first bad record.

use super::{apply_steps, plan, ImportError, ImportOptions, ImportReport, Progress, Step};
use crate::directory::{BulkAdd, Directory, Prepared};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::ldif::{ChangeRecord, LdifRecord, LocatedRecord};
use crate::schema::MissingMust;
use std::sync::mpsc;

/// Entries prepared ahead of the load at most (bounds the memory they hold).
const AHEAD: usize = 1_024;

/// Apply `records` (adds only; any other record is skipped) through `load`,
/// parents first, then finish it.
pub(super) fn apply(
    dir: &Directory,
    mut load: BulkAdd<'_>,
    actor: &str,
    records: Vec<(&str, LocatedRecord)>,
    options: ImportOptions,
    mut progress: Progress,
) -> Result<ImportReport, ImportError> {
    let (in_input, ordered) = plan(records);
    let mut steps = Vec::with_capacity(ordered.len());
    let mut entries = Vec::with_capacity(ordered.len());
    for (file, rec) in ordered {
        if let LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) = rec.record {
            steps.push(Step {
                file,
                line: rec.line,
                adding: true,
                what: (),
            });
            entries.push(e);
        }
    }
    let mut report = std::thread::scope(|scope| {
        let (sender, prepared) = mpsc::sync_channel::<(Dn, Outcome)>(AHEAD);
        scope.spawn(move || prepare_all(dir, entries, actor, &sender));
        let mut apply = |()| match prepared.recv() {
            Ok((dn, p)) => (dn, p.and_then(|p| load.add_prepared(p))),
            Err(_) => (
                Dn::default(),
                Err(LdapError::internal("the entry checks stopped")),
            ),
        };
        apply_steps(
            dir,
            &in_input,
            steps.into_iter(),
            &mut apply,
            options,
            &mut progress,
        )
        // Returning drops the receiver: a preparer still running stops at its next send.
    })?;
    progress.phase(&format!(
        "{} entries checked; writing the names and index keys, then syncing",
        report.records
    ));
    load.finish()?;
    report.bulk = true;
    Ok(report)
}

/// What the checks of one entry gave.
type Outcome = Result<Prepared, LdapError>;

/// Check and complete each of `entries` in order, sending each outcome with the
/// entry's DN (for messages); stops when the load stops listening (it met a
/// refusal).
fn prepare_all(
    dir: &Directory,
    entries: Vec<Entry>,
    actor: &str,
    sender: &mpsc::SyncSender<(Dn, Outcome)>,
) {
    for entry in entries {
        let dn = entry.dn.clone();
        let prepared = dir.bulk_prepare(entry, actor, MissingMust::Report);
        if sender.send((dn, prepared)).is_err() {
            return;
        }
    }
}
