//! The subtree part of the crash test: one more writer renames a container with
//! CHILDREN entries below it back and forth (modrdn of a non-leaf: the top entry and a
//! journal in one transaction, the descendants in chunks of 1,000, see
//! src/store/subtree.rs). Renamed back to back, it is most often mid-move when the
//! server is killed; after the restart the container must be at its acknowledged (or
//! in-doubt) DN with every child below it, and none at the other.
//! `journal_left` tells how many kills landed mid-move.

use super::common::{repo, Server, ROOTDN, ROOTPW};
use super::SUFFIX;
use ldap3::{LdapConn, LdapConnSettings, Scope};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Entries below the container: more than one chunk of a subtree move.
pub const CHILDREN: usize = 1_100;

/// The container's DN, renamed or not.
fn container(renamed: bool) -> String {
    let suffix = if renamed { "-r" } else { "" };
    format!("ou=crash-tree{suffix},{SUFFIX}")
}

/// The demo tree plus the container and its children, as LDIF in `dir`.
pub fn ldif(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(repo().join("ldif/demo.ldif")).expect("demo");
    let top = container(false);
    text.push_str(&format!(
        "\ndn: {top}\nobjectClass: organizationalUnit\nou: crash-tree\n"
    ));
    for n in 0..CHILDREN {
        text.push_str(&format!(
            "\ndn: cn=c{n},{top}\nobjectClass: organizationalRole\ncn: c{n}\n"
        ));
    }
    let path = dir.join("crash-tree.ldif");
    std::fs::write(&path, text).expect("write LDIF");
    path
}

/// What the mover did: the last acknowledged state, the count of acknowledged
/// renames, and the state its unanswered rename would have led to.
pub struct Moves {
    pub renamed: bool,
    pub acked: u64,
    pub in_doubt: Option<bool>,
}

/// Rename the container back and forth from `renamed` until the server dies or `until`.
pub fn mover(uri: &str, renamed: bool, until: Instant) -> Moves {
    let mut moves = Moves {
        renamed,
        acked: 0,
        in_doubt: None,
    };
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(5));
    let Ok(mut c) = LdapConn::with_settings(settings, uri) else {
        return moves;
    };
    if !matches!(c.simple_bind(ROOTDN, ROOTPW), Ok(r) if r.rc == 0) {
        return moves;
    }
    while Instant::now() < until {
        let to = !moves.renamed;
        let rdn = container(to);
        let rdn = rdn.split(',').next().expect("RDN");
        match c.modifydn(&container(moves.renamed), rdn, true, None) {
            Ok(r) if r.rc == 0 => {
                moves.renamed = to;
                moves.acked += 1;
            }
            Ok(r) => panic!("subtree rename refused by a live server: rc {}", r.rc),
            Err(_) => {
                moves.in_doubt = Some(to);
                break;
            }
        }
    }
    moves
}

/// Whether the killed server's store holds the journal of an unfinished subtree move
/// (read with LMDB itself; the `meta` key of src/store/subtree.rs).
pub fn journal_left(s: &Server) -> bool {
    let store = crate::common::raw_store::RawStore::open(&s.data_dir());
    store.change(|t| t.get("meta", b"move_from").is_some())
}

/// Where the container is after the restart (asserting it is where `moves` allows,
/// whole, and not also at its other DN).
pub fn check(s: &Server, moves: &Moves) -> bool {
    let mut c = LdapConn::new(&s.uri).expect("connect");
    c.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();
    let mut below = |renamed: bool| {
        let found = c.search(&container(renamed), Scope::OneLevel, "(cn=*)", vec!["1.1"]);
        match found.unwrap().success() {
            Ok((entries, _)) => Some(entries.len()),
            Err(_) => None,
        }
    };
    let (plain, renamed) = (below(false), below(true));
    let at = match (plain, renamed) {
        (Some(n), None) | (None, Some(n)) => {
            assert_eq!(
                n, CHILDREN,
                "children below the container after the restart"
            );
            renamed.is_some()
        }
        other => panic!("container at both DNs or neither: {other:?}"),
    };
    assert!(
        at == moves.renamed || Some(at) == moves.in_doubt,
        "container acknowledged renamed={} (in doubt: {:?}), found renamed={at}",
        moves.renamed,
        moves.in_doubt
    );
    at
}
