//! The bulk path: an import of adds only into an empty store (a fresh data
//! directory, the common case) loads through [`BulkAdd`], which checks each entry as
//! the directory's add does but writes without a transaction per entry, files the
//! index keys sorted at the end and makes the store durable once. Anything else (a
//! store holding entries, change records) takes the directory's write path.

use super::{apply_sourced, order, ImportError, ImportOptions, ImportReport, Progress};
use crate::directory::{BulkAdd, Directory};
use crate::error::{LdapError, ResultCode};
use crate::ldif::{ChangeRecord, LdifRecord, LocatedRecord};
use crate::schema::MissingMust;

/// Apply `records` (adds only) through `load`, parents first, then finish it.
pub(super) fn apply(
    dir: &Directory,
    mut load: BulkAdd<'_>,
    actor: &str,
    records: Vec<(&str, LocatedRecord)>,
    options: ImportOptions,
    progress: Progress,
) -> Result<ImportReport, ImportError> {
    let mut apply = |record: LdifRecord| match record {
        LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => {
            (e.dn.clone(), load.add(e, actor, MissingMust::Report))
        }
        change => {
            let dn = order::changed_dn(&change).cloned().unwrap_or_default();
            let refused = LdapError::new(
                ResultCode::UnwillingToPerform,
                "a bulk load takes adds only",
            );
            (dn, Err(refused))
        }
    };
    let mut report = apply_sourced(dir, &mut apply, records, options, progress)?;
    load.finish()?;
    report.bulk = true;
    Ok(report)
}
