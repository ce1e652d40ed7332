//! The input files read and parsed, and the store directory copied for staging.

use super::{chunks, stream, ImportError};
use crate::ldif::LocatedRecord;
use std::path::{Path, PathBuf};

/// Every file read whole, before anything is parsed.
pub(super) fn read_files(files: &[PathBuf]) -> Result<Vec<stream::Source>, ImportError> {
    let mut sources = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|cause| ImportError::Read {
            path: f.display().to_string(),
            cause,
        })?;
        sources.push(stream::Source {
            name: f.display().to_string(),
            base: f.parent().map(Path::to_path_buf),
            bytes,
        });
    }
    Ok(sources)
}

/// Every file parsed, before anything is written; `file://` URLs are relative to
/// the file's own directory.
pub(super) fn parse_sources(
    sources: Vec<stream::Source>,
) -> Result<Vec<(String, Vec<LocatedRecord>)>, ImportError> {
    let mut parsed = Vec::new();
    for source in sources {
        let records = chunks::parse_in_pieces(&source.bytes, &source.name, source.base.as_deref())?;
        parsed.push((source.name, records));
    }
    Ok(parsed)
}

/// Copy the directory tree `from` to `to` (the staged copy of the store).
pub(super) fn copy_dir(from: &Path, to: &Path) -> Result<(), std::io::Error> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
