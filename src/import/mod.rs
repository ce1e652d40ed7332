//! Offline import, like slapadd, all or nothing: the LDIF files are parsed first, the
//! records go into a copy of the store, and the copy replaces the real one only when
//! every record applied. Records apply parents first whatever their order in the
//! input (`order`), and an entry whose parent is nowhere is refused with its file:line.

mod bulk;
mod chunks;
mod files;
mod order;
mod progress;
mod stream;

use crate::config::Config;
use crate::directory::{Directory, Origin};
use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::ldif::{ChangeRecord, LdifError, LdifRecord, LocatedRecord};
use crate::schema::{MissingAttribute, MissingMust};
pub use progress::summary;
use progress::Progress;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Normalised DNs an import adds. A fast hash: a million-entry import looks each
/// DN up several times, and SipHash was a thirtieth of its time (perf); the input
/// is the admin's own file, not a remote client's.
type DnSet = rustc_hash::FxHashSet<String>;

/// Why an import stopped; the store is then as it was before.
#[derive(Debug, Error)]
pub enum ImportError {
    /// An input file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file as given.
        path: String,
        /// The I/O error.
        #[source]
        cause: std::io::Error,
    },
    /// An input file is not valid LDIF (the error names file and line).
    #[error(transparent)]
    Ldif(#[from] LdifError),
    /// A server holds the live store.
    #[error("the store is in use (stop the server before importing)")]
    InUse(#[source] LdapError),
    /// The staged copy could not be opened.
    #[error(transparent)]
    Directory(#[from] LdapError),
    /// A record was refused: where it is in which file, and why.
    #[error("{file}:{line}: dn: {dn}: {error}")]
    Record {
        /// The file the record came from.
        file: String,
        /// The line of its `dn:`.
        line: usize,
        /// The record's DN.
        dn: String,
        /// Why the directory refused it.
        error: LdapError,
    },
    /// An entry's parent is neither stored nor added anywhere in the input.
    #[error("{file}:{line}: dn: {dn}: parent {parent} is not in the store and appears nowhere in the input")]
    MissingParent {
        /// The file the record came from.
        file: String,
        /// The line of its `dn:`.
        line: usize,
        /// The record's DN.
        dn: String,
        /// The parent DN looked for.
        parent: String,
    },
    /// An entry lacks a MUST attribute and the import was not asked to load such data.
    #[error("{0} (add the attribute, or load legacy data with --allow-missing-must)")]
    MissingMust(MissingMustNote),
    /// Copying or swapping the store directories failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What the caller allows beyond the schema in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Load entries that lack a MUST attribute of one of their classes (legacy LDIF
    /// written under OpenLDAP 2.0), each reported in [`ImportReport::missing_must`].
    pub allow_missing_must: bool,
    /// Draw a progress line on stderr while records apply (the CLI sets it when
    /// stderr is a terminal).
    pub progress: bool,
}

/// A record that left its entry without a MUST attribute: where, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingMustNote {
    /// The file the record came from.
    pub file: String,
    /// The line of its `dn:`.
    pub line: usize,
    /// The entry's DN.
    pub dn: String,
    /// The class and the attribute it lacks.
    pub missing: MissingAttribute,
}

impl fmt::Display for MissingMustNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: dn: {}: {}",
            self.file, self.line, self.dn, self.missing
        )
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records applied.
    pub records: usize,
    /// Every missing MUST attribute loaded (only with `allow_missing_must`).
    pub missing_must: Vec<MissingMustNote>,
    /// How long the import took, reading the files included.
    pub elapsed: Duration,
    /// Whether the records went through the bulk path (an empty store, adds only).
    pub bulk: bool,
}

impl ImportReport {
    /// How many distinct entries the missing MUST attributes belong to.
    pub fn entries_missing_must(&self) -> usize {
        let dns: DnSet = self
            .missing_must
            .iter()
            .filter_map(|n| Dn::parse(&n.dn).ok().map(|d| d.normalized()))
            .collect();
        dns.len()
    }
}

/// Import `files` into the store under `config.data_dir`, all or nothing.
pub fn import_files(
    config: &Config,
    files: &[PathBuf],
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    import_by(config, files, options, Route::Fastest)
}

/// Which write path an import may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The bulk path when the store is empty and every record is an add.
    Fastest,
    /// Always the directory's write path (the tests compare the two).
    #[cfg_attr(not(test), allow(dead_code))]
    Directory,
}

/// [`import_files`] by `route`.
fn import_by(
    config: &Config,
    files: &[PathBuf],
    options: ImportOptions,
    route: Route,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let sources = files::read_files(files)?;
    let survey = stream::survey(&sources)?;
    std::fs::create_dir_all(&config.data_dir)?;
    let live = Directory::store_path(config);
    let staging = config.data_dir.join("store.importing");
    let old = config.data_dir.join("store.replaced");
    let _ = std::fs::remove_dir_all(&staging);
    let _ = std::fs::remove_dir_all(&old);
    if live.exists() {
        // Opening the live store first fails cleanly if a server holds its lock.
        drop(Directory::open(config).map_err(ImportError::InUse)?);
        files::copy_dir(&live, &staging)?;
    }
    let loaded = (|| {
        let dir = Directory::open_at(&staging, config)?;
        // One fsync at the end instead of one per entry: until the swap below nobody
        // sees the staging copy, and a failed import throws it away.
        dir.defer_durability();
        load_staging(&dir, &config.rootdn, sources, &survey, options, route)
    })();
    let mut report = loaded.inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    report.elapsed = started.elapsed();
    if live.exists() {
        std::fs::rename(&live, &old)?;
    }
    std::fs::rename(&staging, &live)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(report)
}

/// Load `sources` into the staging copy `dir` as `actor`: streamed when the survey
/// allows it and the copy is empty, else parsed whole and applied by `route`.
fn load_staging(
    dir: &Directory,
    actor: &str,
    sources: Vec<stream::Source>,
    survey: &stream::Survey,
    options: ImportOptions,
    route: Route,
) -> Result<ImportReport, ImportError> {
    if let (Route::Fastest, Some(in_input)) = (route, &survey.streamable) {
        if let Some(load) = dir.bulk_add()? {
            let progress = Progress::new(options.progress, survey.records);
            return bulk::stream(dir, load, actor, &sources, in_input, options, progress);
        }
    }
    let parsed = files::parse_sources(sources)?;
    apply_staged(dir, actor, parsed, options, route)
}

/// Apply the parsed files to the staging copy `dir` as `actor`, by `route`, and
/// make it durable.
fn apply_staged(
    dir: &Directory,
    actor: &str,
    parsed: Vec<(String, Vec<LocatedRecord>)>,
    options: ImportOptions,
    route: Route,
) -> Result<ImportReport, ImportError> {
    let (names, files): (Vec<String>, Vec<Vec<LocatedRecord>>) = parsed.into_iter().unzip();
    let sourced: Vec<(&str, LocatedRecord)> = names
        .iter()
        .zip(files)
        .flat_map(|(file, recs)| recs.into_iter().map(move |r| (file.as_str(), r)))
        .collect();
    let progress = Progress::new(options.progress, sourced.len());
    let all_adds = sourced
        .iter()
        .all(|(_, r)| order::added_dn(&r.record).is_some());
    let load = match route {
        Route::Fastest if all_adds => dir.bulk_add()?,
        _ => None,
    };
    if let Some(load) = load {
        return bulk::apply(dir, load, actor, sourced, options, progress);
    }
    let mut apply = |r: LdifRecord| apply_record(dir, actor, r);
    let mut progress = progress;
    let report = apply_sourced(dir, &mut apply, sourced, options, &mut progress)?;
    progress.phase("syncing");
    dir.flush()?;
    Ok(report)
}

/// Apply parsed LDIF records of one source as `actor`, keeping the operational
/// attributes they carry; the first failure names `source`, the line and the DN.
pub fn apply_records(
    dir: &Directory,
    actor: &str,
    records: Vec<LocatedRecord>,
    source: &str,
) -> Result<usize, ImportError> {
    let sourced = records.into_iter().map(|r| (source, r)).collect();
    let mut apply = |r: LdifRecord| apply_record(dir, actor, r);
    let mut quiet = Progress::new(false, 0);
    let report = apply_sourced(
        dir,
        &mut apply,
        sourced,
        ImportOptions::default(),
        &mut quiet,
    )?;
    Ok(report.records)
}

/// How one record is applied: its DN (for messages) and the MUST attributes the
/// entry lacks, or why it was refused.
type ApplyFn<'a, T> = dyn FnMut(T) -> (Dn, Result<Vec<MissingAttribute>, LdapError>) + 'a;

/// Apply records from any number of sources, parents first, each with `apply`.
fn apply_sourced(
    dir: &Directory,
    apply: &mut ApplyFn<'_, LdifRecord>,
    records: Vec<(&str, LocatedRecord)>,
    options: ImportOptions,
    progress: &mut Progress,
) -> Result<ImportReport, ImportError> {
    let (in_input, ordered) = plan(records);
    let steps = ordered.into_iter().map(|(file, rec)| Step {
        file,
        line: rec.line,
        adding: order::added_dn(&rec.record).is_some(),
        what: rec.record,
    });
    apply_steps(dir, &in_input, steps, apply, options, progress)
}

/// The DNs the records add, and the records in the order to apply them.
fn plan(records: Vec<(&str, LocatedRecord)>) -> (DnSet, Vec<(&str, LocatedRecord)>) {
    let plain: Vec<&LdifRecord> = records.iter().map(|(_, r)| &r.record).collect();
    let in_input = order::added_anywhere(plain.iter().copied());
    let sequence = order::parents_first(&plain);
    let mut slots: Vec<Option<(&str, LocatedRecord)>> = records.into_iter().map(Some).collect();
    let ordered = sequence
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect();
    (in_input, ordered)
}

/// One record to apply: where it is, whether it adds, and what `apply` takes.
struct Step<'a, T> {
    file: &'a str,
    line: usize,
    adding: bool,
    what: T,
}

/// Apply `steps` in order with `apply`: the first refusal stops the import with its
/// file:line, and missing MUST attributes are refused or reported as asked.
fn apply_steps<'a, T>(
    dir: &Directory,
    in_input: &DnSet,
    steps: impl Iterator<Item = Step<'a, T>>,
    apply: &mut ApplyFn<'_, T>,
    options: ImportOptions,
    progress: &mut Progress,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    for step in steps {
        let (file, line, adding) = (step.file, step.line, step.adding);
        let (dn, outcome) = apply(step.what);
        let missing = outcome.map_err(|error| {
            let attempt = Attempt {
                file,
                line,
                dn: &dn,
                adding,
            };
            refusal(dir, in_input, attempt, error)
        })?;
        for m in missing {
            let note = MissingMustNote {
                file: file.to_string(),
                line,
                dn: dn.to_string(),
                missing: m,
            };
            if !options.allow_missing_must {
                return Err(ImportError::MissingMust(note));
            }
            report.missing_must.push(note);
        }
        report.records += 1;
        progress.tick(report.records);
    }
    Ok(report)
}

/// A record that was applied: where it is, its DN, and whether it was an add.
struct Attempt<'a> {
    file: &'a str,
    line: usize,
    dn: &'a Dn,
    adding: bool,
}

/// The import error for a refused record: MissingParent when an add failed for want
/// of a parent that the input does not add either.
fn refusal(dir: &Directory, in_input: &DnSet, at: Attempt, error: LdapError) -> ImportError {
    let parent = at.dn.parent().unwrap_or_default();
    let orphan = at.adding
        && error.code == ResultCode::NoSuchObject
        && at.dn.is_within(dir.suffix())
        && !at.dn.same_as(dir.suffix())
        && !in_input.contains(&parent.normalized());
    if orphan {
        return ImportError::MissingParent {
            file: at.file.to_string(),
            line: at.line,
            dn: at.dn.to_string(),
            parent: parent.to_string(),
        };
    }
    ImportError::Record {
        file: at.file.to_string(),
        line: at.line,
        dn: at.dn.to_string(),
        error,
    }
}

/// Apply one record; returns its DN (for messages) and the MUST attributes the entry
/// lacks (the directory reports them; [`apply_sourced`] decides).
fn apply_record(
    dir: &Directory,
    actor: &str,
    record: LdifRecord,
) -> (Dn, Result<Vec<MissingAttribute>, LdapError>) {
    let report = MissingMust::Report;
    match record {
        LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => {
            (e.dn.clone(), dir.add_with(e, actor, Origin::Import, report))
        }
        LdifRecord::Change(ChangeRecord::Delete(dn)) => {
            let outcome = dir.delete(&dn).map(|_| Vec::new());
            (dn, outcome)
        }
        LdifRecord::Change(ChangeRecord::Modify { dn, mods }) => {
            let outcome = dir.modify_with(&dn, &mods, actor, report);
            (dn, outcome)
        }
        LdifRecord::Change(ChangeRecord::ModRdn {
            dn,
            new_rdn,
            delete_old_rdn,
            new_superior,
        }) => {
            let outcome = dir
                .modrdn(&dn, &new_rdn, delete_old_rdn, new_superior.as_ref(), actor)
                .map(|_| Vec::new());
            (dn, outcome)
        }
    }
}

#[cfg(test)]
mod tests;
