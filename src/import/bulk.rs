//! The bulk path: an import of adds only into an empty store (a fresh data
//! directory, the common case) loads through [`BulkAdd`], which checks each entry as
//! the directory's add does but writes without a transaction per entry, files the
//! index keys sorted at the end and makes the store durable once. Anything else (a
//! store holding entries, change records) takes the directory's write path.
//!
//! Two threads: one checks and completes the entries in the order they apply
//! ([`Directory::bulk_prepare`] reads nothing stored), the other loads them in that
//! order, so the first refusal is still that of the first bad record.

use super::stream::Source;
use super::{apply_steps, plan, DnSet, ImportError, ImportOptions, ImportReport, Progress, Step};
use crate::directory::{BulkAdd, Directory, Prepared};
use crate::dn::Dn;
use crate::entry::Entry;
use crate::error::LdapError;
use crate::ldif::{ChangeRecord, LdifRecord, LocatedRecord};
use crate::schema::MissingMust;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

/// Entries checked ahead of the load at most (bounds the memory they hold).
const AHEAD: usize = 1_024;

/// Checked entries sent to the load at a time: sent one by one, each send woke
/// the other thread, and the futex calls took a fifth of the import's time.
const BATCH: usize = 64;

/// What the checks of one entry gave.
type Outcome = Result<Prepared, LdapError>;

/// One record checked ahead of the load: where it is, its DN, the checks' outcome.
struct Checked<'a> {
    file: &'a str,
    line: usize,
    dn: Dn,
    outcome: Outcome,
}

/// The bulk load of records already parsed (adds only; any other record is
/// skipped), parents first.
pub(super) fn apply(
    dir: &Directory,
    load: BulkAdd<'_>,
    actor: &str,
    records: Vec<(&str, LocatedRecord)>,
    options: ImportOptions,
    progress: Progress,
) -> Result<ImportReport, ImportError> {
    let (in_input, ordered) = plan(records);
    run(dir, load, &in_input, options, progress, |sender| {
        for (file, rec) in ordered {
            if let LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) = rec.record {
                if !check(dir, actor, sender, file, rec.line, e) {
                    return;
                }
            }
        }
    })
}

/// The bulk load of files [`super::stream::survey`] found streamable, parsed again
/// piece by piece as they load.
pub(super) fn stream(
    dir: &Directory,
    load: BulkAdd<'_>,
    actor: &str,
    sources: &[Source],
    in_input: &DnSet,
    options: ImportOptions,
    progress: Progress,
) -> Result<ImportReport, ImportError> {
    // The survey read only the records' heads: an error in the rest of a record
    // is the input's, found as it loads, and reported as an LDIF error.
    let mut ldif_error = None;
    let loaded = run(dir, load, in_input, options, progress, |sender| {
        for source in sources {
            let file = source.name.as_str();
            // The checks read nothing stored: pieces are checked in parallel.
            let check_piece = |piece: Vec<LocatedRecord>| -> Vec<Checked<'_>> {
                let adds = piece.into_iter().filter_map(|rec| match rec.record {
                    LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => {
                        Some(checked(dir, actor, file, rec.line, e))
                    }
                    _ => None,
                });
                adds.collect()
            };
            let mut sent = true;
            let parsed = source.map_pieces(&check_piece, &mut |checked| {
                for c in checked {
                    sent = sent && sender.push(c);
                }
                sent
            });
            if let Err(e) = parsed {
                // Stops the load at this record; the error replaces its refusal.
                let _ = sender.push(Checked {
                    file: &source.name,
                    line: e.line,
                    dn: Dn::default(),
                    outcome: Err(LdapError::internal(&e.message)),
                });
                ldif_error = Some(e);
                return;
            }
            if !sent {
                return;
            }
        }
    });
    match ldif_error {
        Some(e) => Err(ImportError::Ldif(e)),
        None => loaded,
    }
}

/// Check `entry` and send it to the load; false once the load stopped listening.
fn check<'a>(
    dir: &Directory,
    actor: &str,
    sender: &mut Outbox<'a>,
    file: &'a str,
    line: usize,
    entry: Entry,
) -> bool {
    sender.push(checked(dir, actor, file, line, entry))
}

/// The checks of `entry`, ready for the load.
fn checked<'a>(
    dir: &Directory,
    actor: &str,
    file: &'a str,
    line: usize,
    entry: Entry,
) -> Checked<'a> {
    let dn = entry.dn.clone();
    let outcome = dir.bulk_prepare(entry, actor, MissingMust::Report);
    Checked {
        file,
        line,
        dn,
        outcome,
    }
}

/// Hand the entries `load` is done with back to the checking thread, [`BATCH`] at a
/// time (once it has ended, they are freed here).
fn give_back_spent(load: &mut BulkAdd<'_>, give_back: &Sender<Vec<Entry>>) {
    if load.spent() >= BATCH {
        let _ = give_back.send(load.take_spent());
    }
}

/// The producing end of the channel to the load, sending [`BATCH`] entries at a
/// time; what is left is sent when it drops.
struct Outbox<'a> {
    sender: SyncSender<Vec<Checked<'a>>>,
    batch: Vec<Checked<'a>>,
    /// Entries the load is done with, freed here (see [`BulkAdd::take_spent`]).
    spent: Receiver<Vec<Entry>>,
}

impl<'a> Outbox<'a> {
    fn new(sender: SyncSender<Vec<Checked<'a>>>, spent: Receiver<Vec<Entry>>) -> Self {
        Outbox {
            sender,
            batch: Vec::with_capacity(BATCH),
            spent,
        }
    }

    /// Queue `checked`; false once the load stopped listening.
    fn push(&mut self, checked: Checked<'a>) -> bool {
        self.batch.push(checked);
        self.batch.len() < BATCH || self.flush()
    }

    /// Send what is queued; false once the load stopped listening.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        while let Ok(spent) = self.spent.try_recv() {
            drop(spent);
        }
        self.sender.send(batch).is_ok()
    }
}

impl Drop for Outbox<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Load what `produce` checks on a second thread, in its order, then finish.
fn run<'a>(
    dir: &Directory,
    mut load: BulkAdd<'_>,
    in_input: &DnSet,
    options: ImportOptions,
    mut progress: Progress,
    produce: impl FnOnce(&mut Outbox<'a>) + Send,
) -> Result<ImportReport, ImportError> {
    load.reserve(in_input.len());
    let mut report = std::thread::scope(|scope| {
        let (sender, checked) = mpsc::sync_channel::<Vec<Checked<'a>>>(AHEAD / BATCH);
        let (give_back, spent) = mpsc::channel::<Vec<Entry>>();
        scope.spawn(move || produce(&mut Outbox::new(sender, spent)));
        let batches = std::iter::from_fn(|| checked.recv().ok());
        let steps = batches.flatten().map(|c| Step {
            file: c.file,
            line: c.line,
            adding: true,
            what: (c.dn, c.outcome),
        });
        let mut apply = |(dn, outcome): (Dn, Outcome)| {
            let added = outcome.and_then(|p| load.add_prepared(p));
            give_back_spent(&mut load, &give_back);
            (dn, added)
        };
        apply_steps(dir, in_input, steps, &mut apply, options, &mut progress)
        // Returning drops the receiver: a producer still running stops at its next send.
    })?;
    progress.phase(&format!(
        "{} entries checked; writing the names and index keys, then syncing",
        report.records
    ));
    load.finish()?;
    report.bulk = true;
    Ok(report)
}
