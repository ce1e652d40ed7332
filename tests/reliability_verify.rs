//! `mailldap verify` and `mailldap reindex` against the real binary: a store imported
//! from the demo and the article's LDIF is clean; each kind of damage, made by opening
//! the LMDB store directly as a bug or a bad disk would leave it, is reported as
//! exactly that problem with exit 1; reindex mends what the entries can rebuild, and
//! the server then answers from the mended store.

mod common;
use common::raw_store::{RawStore, Tables};
use common::*;
use mailldap::dn::Dn;

const USER1: &str =
    "mail=user1@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const USER2: &str =
    "mail=user2@domain1.example,o=domain1.example,o=hosting,dc=myhosting,dc=example";
const DOMAIN2: &str = "o=domain2.example,o=hosting,dc=myhosting,dc=example";

/// `mailldap verify` (or `reindex`) on the server's config, the server stopped.
fn offline(s: &Server, command: &str) -> ToolResult {
    let config = s.config_path().display().to_string();
    tools::mailldap(&[command, "--config", &config], None)
}

/// The problem lines of a verify output, sorted.
fn problems(r: &ToolResult) -> Vec<String> {
    let mut lines: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("problem: "))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

/// Verify, expecting exactly `want` (problem lines without the prefix) and exit 1,
/// or exit 0 and a clean summary when `want` is empty.
fn expect_problems(s: &Server, want: &[String]) {
    let r = offline(s, "verify");
    let mut want: Vec<String> = want.iter().map(|w| format!("problem: {w}")).collect();
    want.sort();
    assert_eq!(
        problems(&r),
        want,
        "stdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
    r.expect_code(if want.is_empty() { 0 } else { 1 });
    let summary = r.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(&format!("checked: {} problem(s)", want.len())),
        "{summary}"
    );
}

/// Change the stopped server's store with LMDB itself, bypassing mailldap.
fn damage(s: &Server, change: impl FnOnce(&mut Tables<'_>)) {
    RawStore::open(&s.data_dir()).change(change);
}

/// The raw `index` tree prefix of (attr, kind tag, value): the layout of src/store/index.rs.
fn index_prefix(attr: &str, kind: u8, value: &str) -> Vec<u8> {
    let mut k = (attr.len() as u32).to_be_bytes().to_vec();
    k.extend_from_slice(attr.as_bytes());
    k.push(kind);
    k.extend_from_slice(&(value.len() as u32).to_be_bytes());
    k.extend_from_slice(value.as_bytes());
    k
}

fn dn_key(dn: &str) -> Vec<u8> {
    Dn::parse(dn).expect("DN").tree_key()
}

/// The id the `dn2id` table gives `dn`.
fn id_of(t: &Tables<'_>, dn: &str) -> u64 {
    let v = t.get("dn2id", &dn_key(dn)).expect("stored");
    u64::from_be_bytes(v.try_into().unwrap())
}

fn demo_stopped() -> Server {
    let mut s = Server::imported(&repo().join("ldif/demo.ldif"), "");
    s.kill();
    s
}

#[test]
fn imported_stores_are_clean_and_a_running_server_is_refused() {
    let mut s = Server::imported(&repo().join("ldif/demo.ldif"), "");
    let r = offline(&s, "verify");
    r.expect_code(2);
    assert!(
        r.stderr.contains("in use by another process"),
        "{}",
        r.stderr
    );
    s.kill();
    let r = offline(&s, "verify");
    r.ok();
    assert!(
        r.stdout.starts_with("verify: 17 entries, 17 dn2id keys, "),
        "{}",
        r.stdout
    );

    // The article's LDIF (legacy: loaded with --allow-missing-must), default config.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let files = [
        "base.ldif",
        "domain1.example.ldif",
        "user1.domain1.example.ldif",
    ];
    let files: Vec<String> = files
        .iter()
        .map(|f| repo().join("ldif/article").join(f).display().to_string())
        .collect();
    let mut args = vec!["import", "--data", &data, "--allow-missing-must"];
    args.extend(files.iter().map(String::as_str));
    tools::mailldap(&args, None).ok();
    let r = tools::mailldap(&["verify", "--data", &data], None);
    r.ok();
    assert!(
        r.stdout.ends_with("checked: 0 problem(s)\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn each_damage_is_reported_and_reindex_mends_it() {
    let mut s = demo_stopped();
    expect_problems(&s, &[]);

    // An index key lost: user1's mail equality key.
    damage(&s, |t| {
        let prefix = index_prefix("mail", b'e', "user1@domain1.example");
        let k = t.keys("index", &prefix).into_iter().next().expect("filed");
        t.remove("index", &k);
    });
    let missing =
        format!("index key mail eq \"user1@domain1.example\": missing for entry {USER1:?}");
    expect_problems(&s, std::slice::from_ref(&missing));

    // Keys left over: one naming no entry, one naming user2 for a value it lacks.
    damage(&s, |t| {
        let mut ghost = index_prefix("mail", b'e', "ghost@domain1.example");
        ghost.extend_from_slice(&999_999u64.to_be_bytes());
        t.insert("index", &ghost, b"");
        let mut stale = index_prefix("mail", b'e', "stale@domain1.example");
        stale.extend_from_slice(&id_of(t, USER2).to_be_bytes());
        t.insert("index", &stale, b"");
    });
    let dangling =
        "index key mail eq \"ghost@domain1.example\": names id 999999, which id2entry lacks";
    let stale = format!(
        "index key mail eq \"stale@domain1.example\": entry {USER2:?} has no such value under the index's normalisation"
    );
    expect_problems(&s, &[missing.clone(), dangling.into(), stale.clone()]);

    // A dn2id key lost: user2 can no longer be found by its DN.
    let mut user2_id = 0;
    damage(&s, |t| {
        user2_id = id_of(t, USER2);
        t.remove("dn2id", &dn_key(USER2));
    });
    let no_dn_key = format!("entry {USER2:?} (id {user2_id}): no dn2id key");
    let all = [missing, dangling.into(), stale, no_dn_key];
    expect_problems(&s, &all);

    // What the server makes of the damage: user1 is not found by mail, user2 not at all.
    s.restart();
    let by_mail = |s: &Server, addr: &str| {
        let filter = format!("(mail={addr})");
        let r = s.search_as(ROOTDN, ROOTPW, HOSTING, &filter, &["1.1"]);
        dns(&r.stdout)
    };
    assert!(by_mail(&s, "user1@domain1.example").is_empty());
    assert_eq!(s.read_as_root(USER2, &["1.1"]).code, 32);
    s.kill();

    let r = offline(&s, "reindex");
    r.ok();
    assert!(
        r.stdout.contains("17 entries") && r.stdout.contains("dn2id: 0 keys removed, 1 added"),
        "{}",
        r.stdout
    );
    expect_problems(&s, &[]);

    s.restart();
    assert_eq!(
        by_mail(&s, "user1@domain1.example"),
        vec![USER1.to_string()]
    );
    assert_eq!(
        by_mail(&s, "user2@domain1.example"),
        vec![USER2.to_string()]
    );
    assert!(by_mail(&s, "ghost@domain1.example").is_empty());
    assert!(by_mail(&s, "stale@domain1.example").is_empty());
    let r = s.read_as_root(USER2, &["mail"]);
    assert_eq!(
        values(&r.ok().stdout, "mail"),
        vec!["user2@domain1.example"]
    );
}

#[test]
fn a_removed_parent_is_reported_and_only_its_return_mends_it() {
    let s = demo_stopped();
    // The domain's entry removed cleanly (record, DN key, index keys, count) as a
    // delete of a non-leaf would have: its five children are cut off.
    let mut children = Vec::new();
    damage(&s, |t| {
        let id = id_of(t, DOMAIN2);
        let parent = dn_key(DOMAIN2);
        children = t.keys("dn2id", &parent);
        children.retain(|k| k.len() > parent.len());
        t.remove("dn2id", &parent);
        t.remove("id2entry", &id.to_be_bytes());
        for k in t.keys("index", b"") {
            if k.ends_with(&id.to_be_bytes()) {
                t.remove("index", &k);
            }
        }
        let n = u64::from_be_bytes(t.get("meta", b"entry_count").unwrap().try_into().unwrap());
        t.insert("meta", b"entry_count", &(n - 1).to_be_bytes());
    });
    assert_eq!(children.len(), 5);
    let want: Vec<String> = [
        "cn=postmaster",
        "mail=abuse@domain2.example",
        "mail=user1@domain2.example",
        "mail=Sales@Domain2.example",
        "mail=@domain2.example",
    ]
    .iter()
    .map(|rdn| format!("entry \"{rdn},{DOMAIN2}\": parent {DOMAIN2:?} missing"))
    .collect();
    expect_problems(&s, &want);

    // The entries say nothing of their parent: reindex reports what stays broken.
    let r = offline(&s, "reindex");
    r.expect_code(1);
    assert!(r.stdout.contains("reindex cannot mend"), "{}", r.stdout);
    expect_problems(&s, &want);

    // Adding the parent again (an offline import) mends it.
    let ldif = s.dir.path().join("domain2.ldif");
    let entry =
        format!("dn: {DOMAIN2}\nobjectClass: top\nobjectClass: organization\no: domain2.example\n");
    std::fs::write(&ldif, entry).unwrap();
    let config = s.config_path().display().to_string();
    let ldif = ldif.display().to_string();
    tools::mailldap(&["import", "--config", &config, &ldif], None).ok();
    expect_problems(&s, &[]);
}

#[test]
fn a_changed_index_configuration_is_reported_and_reindex_applies_it() {
    let mut s = demo_stopped();
    let indexes = "[indexes]\nobjectClass = [\"eq\", \"pres\"]\nmail = [\"eq\", \"sub\"]\nmailbox = [\"eq\"]\ncn = [\"eq\"]\nmaildrop = [\"eq\"]\nuid = [\"eq\"]\n";
    let config = std::fs::read_to_string(s.config_path()).unwrap();
    std::fs::write(s.config_path(), format!("{config}\n{indexes}")).unwrap();
    let r = offline(&s, "verify");
    r.expect_code(1);
    let lines = problems(&r);
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].contains("indexes built for another index configuration"),
        "{}",
        lines[0]
    );

    let before: u64 = index_keys_checked(&r.stdout);
    offline(&s, "reindex").ok();
    let r = offline(&s, "verify");
    r.ok();
    assert!(index_keys_checked(&r.stdout) > before, "{}", r.stdout);

    // The substring index now answers the server's substring searches.
    s.restart();
    let r = s.search_as(
        ROOTDN,
        ROOTPW,
        HOSTING,
        "(mail=user*@domain1.example)",
        &["1.1"],
    );
    let mut found = dns(&r.ok().stdout);
    found.sort();
    assert_eq!(found, vec![USER1.to_string(), USER2.to_string()]);
}

/// The index key count of a verify summary line.
fn index_keys_checked(stdout: &str) -> u64 {
    let summary = stdout.lines().last().unwrap_or_default();
    let before = summary.split(" index keys").next().unwrap_or_default();
    before
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .parse()
        .expect(summary)
}
