//! Offline import, like slapadd, all or nothing: the LDIF files are parsed first, the
//! records go into a copy of the store, and the copy replaces the real one only when
//! every record applied.

use crate::config::Config;
use crate::directory::{Directory, Origin};
use crate::error::LdapError;
use crate::ldif::{self, ChangeRecord, LdifError, LdifRecord, LocatedRecord};
use std::path::{Path, PathBuf};
use thiserror::Error;

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
    /// Copying or swapping the store directories failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Import `files` into the store under `config.data_dir`, all or nothing; returns the
/// number of records applied.
pub fn import_files(config: &Config, files: &[PathBuf]) -> Result<usize, ImportError> {
    let parsed = parse_files(files)?;
    std::fs::create_dir_all(&config.data_dir)?;
    let live = config.data_dir.join("store");
    let staging = config.data_dir.join("store.importing");
    let old = config.data_dir.join("store.replaced");
    let _ = std::fs::remove_dir_all(&staging);
    let _ = std::fs::remove_dir_all(&old);
    if live.exists() {
        // Opening the live store first fails cleanly if a server holds its lock.
        drop(Directory::open(config).map_err(ImportError::InUse)?);
        copy_dir(&live, &staging)?;
    }
    let n = {
        let dir = Directory::open_at(&staging, config)?;
        let mut n = 0;
        for (source, records) in parsed {
            n += apply_records(&dir, &config.rootdn, records, &source)?;
        }
        n
    };
    if live.exists() {
        std::fs::rename(&live, &old)?;
    }
    std::fs::rename(&staging, &live)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(n)
}

/// Apply parsed LDIF records as `actor`, keeping the operational attributes they
/// carry; the first failure names `source`, the line and the DN.
pub fn apply_records(
    dir: &Directory,
    actor: &str,
    records: Vec<LocatedRecord>,
    source: &str,
) -> Result<usize, ImportError> {
    let mut n = 0;
    for rec in records {
        let line = rec.line;
        let (dn, outcome) = apply_record(dir, actor, rec.record);
        outcome.map_err(|error| ImportError::Record {
            file: source.to_string(),
            line,
            dn,
            error,
        })?;
        n += 1;
    }
    Ok(n)
}

/// Apply one record; returns its DN (for the error message) and the outcome.
fn apply_record(
    dir: &Directory,
    actor: &str,
    record: LdifRecord,
) -> (String, Result<(), LdapError>) {
    match record {
        LdifRecord::Content(e) | LdifRecord::Change(ChangeRecord::Add(e)) => {
            (e.dn.to_string(), dir.add(e, actor, Origin::Import))
        }
        LdifRecord::Change(ChangeRecord::Delete(dn)) => (dn.to_string(), dir.delete(&dn)),
        LdifRecord::Change(ChangeRecord::Modify { dn, mods }) => {
            (dn.to_string(), dir.modify(&dn, &mods, actor))
        }
        LdifRecord::Change(ChangeRecord::ModRdn {
            dn,
            new_rdn,
            delete_old_rdn,
            new_superior,
        }) => (
            dn.to_string(),
            dir.modrdn(&dn, &new_rdn, delete_old_rdn, new_superior.as_ref(), actor)
                .map(|_| ()),
        ),
    }
}

/// Every file parsed, before anything is written; `file://` URLs are relative to
/// the file's own directory.
fn parse_files(files: &[PathBuf]) -> Result<Vec<(String, Vec<LocatedRecord>)>, ImportError> {
    let mut parsed = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|cause| ImportError::Read {
            path: f.display().to_string(),
            cause,
        })?;
        let base = f.parent().map(Path::to_path_buf);
        let records = ldif::parse_ldif(&bytes, &f.display().to_string(), base.as_deref())?;
        parsed.push((f.display().to_string(), records));
    }
    Ok(parsed)
}

/// Copy the directory tree `from` to `to` (the staged copy of the store).
fn copy_dir(from: &Path, to: &Path) -> Result<(), std::io::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "dn: dc=myhosting,dc=example\nobjectClass: dcObject\nobjectClass: organization\no: myhosting\n\ndn: o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: hosting\n";

    fn config_in(dir: &Path) -> Config {
        Config {
            data_dir: dir.join("data"),
            ..Config::default()
        }
    }

    #[test]
    fn all_or_nothing_with_file_line_and_dn_in_the_error() {
        let tmp = tempfile::tempdir().unwrap();
        let config = config_in(tmp.path());
        let good = tmp.path().join("good.ldif");
        let bad = tmp.path().join("bad.ldif");
        std::fs::write(&good, BASE).unwrap();
        std::fs::write(
            &bad,
            "dn: o=x,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\nbogus: 1\n",
        )
        .unwrap();
        let err = import_files(&config, &[good.clone(), bad.clone()]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{}:1: dn: o=x,o=hosting", bad.display())),
            "{text}"
        );
        assert!(matches!(err, ImportError::Record { line: 1, .. }));
        // Nothing of good.ldif was kept; importing it alone then works.
        assert_eq!(import_files(&config, &[good]).unwrap(), 2);
        assert_eq!(Directory::open(&config).unwrap().len(), 2);
        let err = import_files(&config, &[tmp.path().join("missing.ldif")]).unwrap_err();
        assert!(err.to_string().starts_with("cannot read "), "{err}");
    }
}
