//! Import tests: all or nothing, any order, orphans and legacy data refused with file:line.

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
    let err = import_files(
        &config,
        &[good.clone(), bad.clone()],
        ImportOptions::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:1: dn: o=x,o=hosting", bad.display())),
        "{text}"
    );
    assert!(matches!(err, ImportError::Record { line: 1, .. }));
    // Nothing of good.ldif was kept; importing it alone then works.
    let report = import_files(&config, &[good], ImportOptions::default()).unwrap();
    assert_eq!(report.records, 2);
    assert_eq!(Directory::open(&config).unwrap().len(), 2);
    let missing = tmp.path().join("missing.ldif");
    let err = import_files(&config, &[missing], ImportOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("cannot read "), "{err}");
}

const DOMAIN: &str =
    "dn: o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: d1\n";
const ALIAS: &str = "dn: mail=a@d1,o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: a\nmaildrop: b@d1\n";

/// Write `text` to `name` in `dir` and return its path.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn children_before_parents_load_in_one_import() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path());
    // Grandchild first, then its parent, then the suffix and o=hosting, across files;
    // a modify of the waiting alias waits behind it.
    let modify = "dn: mail=a@d1,o=d1,o=hosting,dc=myhosting,dc=example\nchangetype: modify\nadd: description\ndescription: moved up\n-\n";
    let first = file(
        tmp.path(),
        "first.ldif",
        &format!("{ALIAS}\n{modify}\n{DOMAIN}"),
    );
    let second = file(tmp.path(), "second.ldif", BASE);
    let report = import_files(&config, &[first, second], ImportOptions::default()).unwrap();
    assert_eq!(report.records, 5);
    let dir = Directory::open(&config).unwrap();
    let alias = dir
        .get(&Dn::parse("mail=a@d1,o=d1,o=hosting,dc=myhosting,dc=example").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(alias.first_str("description"), Some("moved up"));
}

#[test]
fn an_entry_whose_parent_is_nowhere_is_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path());
    let orphan = "dn: mail=a@d2,o=d2,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: a\nmaildrop: b\n";
    let path = file(
        tmp.path(),
        "orphan.ldif",
        &format!("{BASE}\n{DOMAIN}\n{orphan}"),
    );
    let err = import_files(
        &config,
        std::slice::from_ref(&path),
        ImportOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ImportError::MissingParent { line: 14, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}:14: dn: mail=a@d2,o=d2,o=hosting,dc=myhosting,dc=example: parent o=d2,o=hosting,dc=myhosting,dc=example is not in the store and appears nowhere in the input",
            path.display()
        )
    );
    assert_eq!(Directory::open(&config).unwrap().len(), 0, "all or nothing");
    // A change to an entry that is nowhere is the directory's noSuchObject, not an orphan.
    let modify = "dn: o=d9,o=hosting,dc=myhosting,dc=example\nchangetype: modify\nadd: description\ndescription: x\n-\n";
    let path = file(tmp.path(), "modify.ldif", &format!("{BASE}\n{modify}"));
    let err = import_files(&config, &[path], ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Record { line: 10, error, .. } if error.code == ResultCode::NoSuchObject),
        "{err}"
    );
}

#[test]
fn entries_without_a_must_attribute_load_only_when_asked_and_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path());
    let legacy = ALIAS.replace("maildrop: b@d1\n", "");
    let path = file(
        tmp.path(),
        "legacy.ldif",
        &format!("{BASE}\n{DOMAIN}\n{legacy}"),
    );
    let err = import_files(
        &config,
        std::slice::from_ref(&path),
        ImportOptions::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:14: dn: mail=a@d1,", path.display()))
            && text.contains("object class 'CourierMailAlias' requires attribute 'maildrop'"),
        "{text}"
    );
    assert_eq!(Directory::open(&config).unwrap().len(), 0, "all or nothing");
    let allow = ImportOptions {
        allow_missing_must: true,
        ..ImportOptions::default()
    };
    let report = import_files(&config, &[path], allow).unwrap();
    assert_eq!(report.records, 4);
    assert_eq!(report.missing_must.len(), 1);
    assert_eq!(report.entries_missing_must(), 1);
    let note = &report.missing_must[0];
    assert_eq!(
        (note.line, note.missing.attribute.as_str()),
        (14, "maildrop")
    );
}
