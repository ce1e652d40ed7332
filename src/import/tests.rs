//! Import tests: all or nothing, any order, orphans and legacy data refused with file:line.

use super::*;
use crate::ldif;
use std::path::Path;

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

/// Accounts, aliases (one naming its occupant, in DN values' other spelling), a
/// child before its parent, several domains: what the bulk path must store as the
/// directory's add does.
fn tree_ldif() -> String {
    tree_in(false)
}

/// [`tree_ldif`], parents first when `in_order` (such a file streams as it loads).
fn tree_in(in_order: bool) -> String {
    let mut text = String::from(BASE);
    for d in 1..=3 {
        let domain = format!("o=d{d},o=hosting,dc=myhosting,dc=example");
        let account = |k: u32| {
            format!(
                "\ndn: mail=u{k}@d{d},{domain}\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\nmail: u{k}@d{d}\ncn: User {k}\nsn: {k}\nuid: u{k}\nhomeDirectory: /home/vmail\nmailbox: d{d}/u{k}/\nuserPassword: {{SSHA}}c2VjcmV0c2FsdHNhbHQ=\n"
            )
        };
        // The first account comes before its domain's entry, unless in order.
        let domain_entry = format!("\ndn: {domain}\nobjectClass: organization\no: d{d}\n");
        if in_order {
            text.push_str(&domain_entry);
        }
        text.push_str(&account(0));
        if !in_order {
            text.push_str(&domain_entry);
        }
        for k in 1..4 {
            text.push_str(&account(k));
        }
        text.push_str(&format!(
            "\ndn: cn=postmaster,{domain}\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: postmaster\nmail: postmaster@d{d}\nmaildrop: u1@d{d}\nroleOccupant: MAIL=u1@d{d}, O=d{d},o=hosting,dc=myhosting,dc=example\n"
        ));
    }
    text
}

/// The store's entries as LDIF, parents first.
fn exported(config: &Config) -> String {
    let dir = Directory::open(config).unwrap();
    let mut text = String::new();
    dir.export(&mut |e| text.push_str(&format!("{}\n", ldif::write_entry(e))))
        .unwrap();
    text
}

/// `text` without the attributes that differ between any two imports (made anew).
fn without_fresh_stamps(text: &str) -> String {
    let fresh = [
        "entryUUID:",
        "entryCSN:",
        "createTimestamp:",
        "modifyTimestamp:",
    ];
    text.lines()
        .filter(|l| !fresh.iter().any(|f| l.starts_with(f)))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Import `text` as one file into a fresh data directory under `dir`, by `route`.
fn import_text(
    dir: &Path,
    text: &str,
    route: Route,
    options: ImportOptions,
) -> (Config, Result<ImportReport, ImportError>) {
    let config = config_in(dir);
    let path = file(dir, "in.ldif", text);
    let outcome = import_by(&config, &[path], options, route);
    (config, outcome)
}

#[test]
fn the_bulk_path_stores_what_the_directory_path_stores() {
    let (bulk_tmp, direct_tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let text = tree_ldif();
    let options = ImportOptions::default();
    let (bulk, report) = import_text(bulk_tmp.path(), &text, Route::Fastest, options);
    let report = report.unwrap();
    assert!(
        report.bulk,
        "an empty store and adds only take the bulk path"
    );
    let (direct, direct_report) = import_text(direct_tmp.path(), &text, Route::Directory, options);
    let direct_report = direct_report.unwrap();
    assert!(!direct_report.bulk);
    assert_eq!((report.records, direct_report.records), (20, 20));
    for config in [&bulk, &direct] {
        let verified = Directory::verify(config).unwrap();
        assert!(verified.is_clean(), "{verified}");
    }
    let bulk_export = exported(&bulk);
    assert_eq!(
        without_fresh_stamps(&bulk_export),
        without_fresh_stamps(&exported(&direct))
    );
    assert!(
        bulk_export.contains("roleOccupant: mail=u1@d2,o=d2,o=hosting,dc=myhosting,dc=example\n")
    );
    let dir = Directory::open(&bulk).unwrap();
    assert_eq!(dir.len(), 20);
    assert!(
        dir.context_csn().unwrap().is_some(),
        "the contextCSN is stored"
    );
    // The export, operational attributes and all, loads again as it is.
    let again_tmp = tempfile::tempdir().unwrap();
    let (again, outcome) = import_text(again_tmp.path(), &bulk_export, Route::Fastest, options);
    assert!(outcome.unwrap().bulk);
    assert_eq!(exported(&again), bulk_export);
    assert_eq!(
        Directory::open(&again).unwrap().context_csn().unwrap(),
        dir.context_csn().unwrap()
    );
}

#[test]
fn the_bulk_path_refuses_what_the_directory_path_refuses_with_the_same_error() {
    let tree = tree_ldif();
    let account = "dn: mail=x@d1,o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: inetOrgPerson\nobjectClass: CourierMailAccount\ncn: x\nsn: x\nhomeDirectory: /home/vmail\n";
    let cases = [
        // A mail address another entry holds (the unique rule), in another case.
        format!("{account}mail: U1@D1\nmailbox: d1/x/\n"),
        // A mailbox another account uses.
        format!("{account}mail: x@d1\nmailbox: d1/u2/\n"),
        // A DN taken, spelled otherwise.
        "dn: O=D1,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\no: d1\n".into(),
        // The parent nowhere.
        "dn: cn=y,o=d9,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\ncn: y\n".into(),
        // Outside the naming context; a schema violation.
        "dn: o=elsewhere\nobjectClass: organization\no: elsewhere\n".into(),
        format!("{account}mail: x@d1\nbogus: 1\n"),
        // A MUST attribute missing (refused unless asked).
        "dn: cn=z,o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: z\n".into(),
    ];
    let in_order = tree_in(true);
    for (tree, case) in cases.iter().flat_map(|c| [(&tree, c), (&in_order, c)]) {
        let text = format!("{tree}\n{case}");
        let (bulk_tmp, direct_tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let options = ImportOptions::default();
        let (bulk, outcome) = import_text(bulk_tmp.path(), &text, Route::Fastest, options);
        let bulk_error = outcome.unwrap_err().to_string();
        let (_, outcome) = import_text(direct_tmp.path(), &text, Route::Directory, options);
        let direct_error = outcome.unwrap_err().to_string();
        let relative = |e: &str, dir: &Path| e.replace(&dir.display().to_string(), "TMP");
        assert_eq!(
            relative(&bulk_error, bulk_tmp.path()),
            relative(&direct_error, direct_tmp.path()),
            "{case}"
        );
        assert!(bulk_error.contains("in.ldif:"), "{bulk_error}");
        assert_eq!(Directory::open(&bulk).unwrap().len(), 0, "all or nothing");
    }
}

#[test]
fn change_records_or_a_store_holding_entries_take_the_directory_path() {
    let tmp = tempfile::tempdir().unwrap();
    let options = ImportOptions::default();
    let (config, outcome) = import_text(tmp.path(), BASE, Route::Fastest, options);
    assert!(outcome.unwrap().bulk);
    let domain = file(tmp.path(), "domain.ldif", DOMAIN);
    let report = import_files(&config, &[domain], options).unwrap();
    assert!(!report.bulk, "the store holds entries");
    let fresh = tempfile::tempdir().unwrap();
    let modify = "dn: o=hosting,dc=myhosting,dc=example\nchangetype: modify\nadd: description\ndescription: x\n-\n";
    let (config, outcome) = import_text(
        fresh.path(),
        &format!("{BASE}\n{modify}"),
        Route::Fastest,
        options,
    );
    let report = outcome.unwrap();
    assert!(!report.bulk, "a change record");
    assert_eq!(Directory::open(&config).unwrap().len(), 2);
}

#[test]
fn a_failed_bulk_import_names_the_bad_line_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path());
    // Streamable (adds only, parents first) into an empty store: the bulk path. The
    // survey reads only the heads, so the bad line is found as the file loads.
    let mut text = format!("{BASE}\n{DOMAIN}\n");
    for i in 0..2_000 {
        text.push_str(&format!(
            "dn: mail=a{i}@d1,o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nobjectClass: CourierMailAlias\ncn: a{i}\nmaildrop: b@d1\n\n"
        ));
    }
    text.push_str("dn: cn=late,o=d1,o=hosting,dc=myhosting,dc=example\nobjectClass: organizationalRole\nthis line has no colon\n");
    let bad_line = text
        .lines()
        .position(|l| l == "this line has no colon")
        .unwrap()
        + 1;
    let bad = file(tmp.path(), "bad.ldif", &text);
    // The survey passes it (it reads only the heads); the load finds the line.
    let survey = stream::survey(&files::read_files(std::slice::from_ref(&bad)).unwrap());
    assert!(survey.unwrap().streamable.is_some());
    let err = import_files(
        &config,
        std::slice::from_ref(&bad),
        ImportOptions::default(),
    )
    .unwrap_err();
    match &err {
        ImportError::Ldif(e) => assert_eq!(e.line, bad_line, "{err}"),
        other => panic!("expected an LDIF error, got {other}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{}:{bad_line}: ", bad.display())),
        "{err}"
    );
    // All or nothing: no store was put in place, and the staging copy is gone.
    assert!(!Directory::store_path(&config).exists());
    let left: Vec<_> = std::fs::read_dir(&config.data_dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // A record the directory refuses during the load leaves no staging copy either.
    let refused = file(
        tmp.path(),
        "refused.ldif",
        &format!("{BASE}\ndn: o=x,o=hosting,dc=myhosting,dc=example\nobjectClass: organization\nbogus: 1\n"),
    );
    let err = import_files(&config, &[refused], ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::Record { .. }), "{err}");
    let left: Vec<_> = std::fs::read_dir(&config.data_dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let report = import_files(
        &config,
        &[file(tmp.path(), "b.ldif", BASE)],
        ImportOptions::default(),
    );
    assert!(report.unwrap().bulk);
}
