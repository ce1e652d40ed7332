//! The counters as slapd's back-monitor shows them: a read-only `cn=Monitor` tree,
//! made afresh for each search from the same registry the Prometheus text reads, so
//! tools written for slapd (`ldapsearch -b cn=Monitor`) find what they expect.
//!
//! The shape follows slapd's: cn=Connections with cn=Total and cn=Current
//! (monitorCounter), cn=Operations with monitorOpInitiated and monitorOpCompleted for
//! all operations and per type (cn=Bind, cn=Search, ...), cn=Statistics with
//! cn=Entries, and cn=Time with cn=Start, cn=Current and cn=Uptime.

use super::{Metrics, OpKind};
use crate::dn::Dn;
use crate::entry::Entry;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The base of the monitor tree.
pub const MONITOR_DN: &str = "cn=Monitor";

/// Whether `dn` is the monitor tree's base or lies below it: asked of every search
/// base, so it compares one RDN and allocates nothing.
pub fn covers(dn: &Dn) -> bool {
    static BASE: OnceLock<Dn> = OnceLock::new();
    dn.is_within(BASE.get_or_init(|| Dn::parse(MONITOR_DN).unwrap_or_default()))
}

/// The whole tree, parents before children, with the values of this moment.
pub fn tree(metrics: &Metrics) -> Vec<Entry> {
    let mut tree = vec![
        object(
            MONITOR_DN,
            "monitorServer",
            &[
                (
                    "monitoredInfo",
                    format!("mailldap {}", env!("CARGO_PKG_VERSION")),
                ),
                (
                    "description",
                    "The counters of this server; also at [metrics] listen as Prometheus text."
                        .into(),
                ),
            ],
        ),
        container("Connections"),
        counter("Total", "Connections", metrics.connections.accepted.get()),
        counter(
            "Current",
            "Connections",
            metrics.connections.current.get().max(0) as u64,
        ),
    ];
    let (initiated, completed) = OpKind::ALL.iter().fold((0, 0), |(i, c), &k| {
        (i + metrics.initiated(k), c + metrics.completed(k))
    });
    tree.push(operation(
        "cn=Operations,cn=Monitor",
        "monitorContainer",
        initiated,
        completed,
    ));
    for kind in OpKind::ALL {
        let dn = format!("cn={},cn=Operations,cn=Monitor", title(kind.name()));
        tree.push(operation(
            &dn,
            "monitorOperation",
            metrics.initiated(kind),
            metrics.completed(kind),
        ));
    }
    tree.push(container("Statistics"));
    tree.push(counter(
        "Entries",
        "Statistics",
        metrics.entries_returned.get(),
    ));
    tree.push(container("Time"));
    let now = SystemTime::now();
    for (name, at) in [("Start", metrics.started), ("Current", now)] {
        let dn = format!("cn={name},cn=Time,cn=Monitor");
        tree.push(object(
            &dn,
            "monitoredObject",
            &[("monitorTimestamp", generalized_time(at))],
        ));
    }
    let uptime = (metrics.uptime_secs() as u64).to_string();
    tree.push(object(
        "cn=Uptime,cn=Time,cn=Monitor",
        "monitoredObject",
        &[("monitoredInfo", uptime)],
    ));
    tree
}

/// An entry `dn` of `class` with `attrs`, its cn taken from its RDN.
fn object(dn: &str, class: &str, attrs: &[(&str, String)]) -> Entry {
    // The DNs are this file's own: "cn=<value>,...", nothing escaped.
    let cn = dn.split(',').next().and_then(|rdn| rdn.strip_prefix("cn="));
    let mut e = Entry::new(Dn::parse(dn).unwrap_or_default());
    e.add_values("objectClass", [b"top".to_vec(), class.as_bytes().to_vec()]);
    e.add_values("cn", cn.map(|cn| cn.as_bytes().to_vec()));
    for (name, value) in attrs {
        e.add_values(name, [value.as_bytes().to_vec()]);
    }
    e
}

fn container(name: &str) -> Entry {
    object(&format!("cn={name},cn=Monitor"), "monitorContainer", &[])
}

fn counter(name: &str, parent: &str, value: u64) -> Entry {
    let dn = format!("cn={name},cn={parent},cn=Monitor");
    object(
        &dn,
        "monitorCounterObject",
        &[("monitorCounter", value.to_string())],
    )
}

fn operation(dn: &str, class: &str, initiated: u64, completed: u64) -> Entry {
    object(
        dn,
        class,
        &[
            ("monitorOpInitiated", initiated.to_string()),
            ("monitorOpCompleted", completed.to_string()),
        ],
    )
}

/// "search" -> "Search", as slapd names its operation entries.
fn title(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn generalized_time(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y%m%d%H%M%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_slapds_shape_with_live_values() {
        let m = Metrics::default();
        drop(m.operation(OpKind::Search));
        m.connections.accepted.add(3);
        let tree = tree(&m);
        let get = |dn: &str, attr: &str| {
            let dn = Dn::parse(dn).unwrap();
            let e = tree
                .iter()
                .find(|e| e.dn.same_as(&dn))
                .unwrap_or_else(|| panic!("{dn}"));
            String::from_utf8(e.values(attr)[0].clone()).unwrap()
        };
        assert_eq!(
            get("cn=Total,cn=Connections,cn=Monitor", "monitorCounter"),
            "3"
        );
        assert_eq!(
            get("cn=Search,cn=Operations,cn=Monitor", "monitorOpCompleted"),
            "1"
        );
        assert_eq!(get("cn=Operations,cn=Monitor", "monitorOpInitiated"), "1");
        assert_eq!(get("cn=Modrdn,cn=Operations,cn=Monitor", "cn"), "Modrdn");
        assert_eq!(
            get("cn=Start,cn=Time,cn=Monitor", "monitorTimestamp").len(),
            15
        );
        assert!(tree.iter().all(|e| covers(&e.dn)));
        assert!(!covers(&Dn::parse("dc=myhosting,dc=example").unwrap()));
        assert!(!covers(&Dn::root()));
        // Parents first: each entry's parent came before it.
        for (i, e) in tree.iter().enumerate().skip(1) {
            let parent = e.dn.parent().unwrap();
            assert!(tree[..i].iter().any(|p| p.dn.same_as(&parent)), "{}", e.dn);
        }
    }
}
