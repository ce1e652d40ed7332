//! The counters and their exposition.

use super::*;
use crate::error::ResultCode;
use crate::password::pool::PoolLoad;

/// The value of the series `series` (name and labels as rendered) in `text`.
fn series(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn a_timer_counts_its_operation_when_dropped() {
    let m = Metrics::default();
    {
        let mut t = m.operation(OpKind::Search);
        t.entry();
        t.entry();
        t.result(ResultCode::Success);
        assert_eq!(
            (m.initiated(OpKind::Search), m.completed(OpKind::Search)),
            (1, 0)
        );
    }
    drop(m.operation(OpKind::Search));
    let mut t = m.operation(OpKind::Bind);
    t.result(ResultCode::InvalidCredentials);
    drop(t);
    assert_eq!(
        (m.initiated(OpKind::Search), m.completed(OpKind::Search)),
        (2, 2)
    );
    assert_eq!(m.entries_returned.get(), 2);
    let text = render(&m, PoolLoad::default());
    let get = |s: &str| series(&text, s);
    assert_eq!(
        get("mailldap_operations_initiated_total{op=\"search\"}"),
        Some(2.0)
    );
    assert_eq!(
        get("mailldap_operations_completed_total{op=\"bind\"}"),
        Some(1.0)
    );
    assert_eq!(
        get("mailldap_operations_initiated_total{op=\"unbind\"}"),
        Some(0.0)
    );
    assert_eq!(
        get("mailldap_operation_results_total{op=\"search\",code=\"0\",result=\"success\"}"),
        Some(1.0)
    );
    assert_eq!(
        get("mailldap_operation_results_total{op=\"bind\",code=\"49\",result=\"invalidCredentials\"}"),
        Some(1.0)
    );
    assert_eq!(get("mailldap_search_entries_returned_total"), Some(2.0));
    assert_eq!(
        get("mailldap_operation_duration_seconds_count{op=\"search\"}"),
        Some(2.0)
    );
    assert_eq!(
        get("mailldap_operation_duration_seconds_bucket{op=\"search\",le=\"+Inf\"}"),
        Some(2.0)
    );
}

#[test]
fn the_exposition_is_well_formed() {
    let m = Metrics::default();
    let held = m.connections.current.hold();
    m.connections.refused_full.inc();
    let pool = PoolLoad {
        threads: 2,
        running: 1,
        waiting: 3,
        queue_limit: 256,
        rejected: 4,
    };
    let text = render(&m, pool);
    assert_eq!(series(&text, "mailldap_connections"), Some(1.0));
    drop(held);
    assert_eq!(series(&render(&m, pool), "mailldap_connections"), Some(0.0));
    assert_eq!(
        series(
            &text,
            "mailldap_connections_refused_total{reason=\"server_full\"}"
        ),
        Some(1.0)
    );
    assert_eq!(series(&text, "mailldap_hash_pool_queued"), Some(3.0));
    assert_eq!(
        series(&text, "mailldap_hash_pool_rejected_total"),
        Some(4.0)
    );
    assert!(series(&text, "process_start_time_seconds").unwrap() > 1.7e9);
    // Every family is declared once, before its series; every series line parses.
    let mut declared = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(declared.insert(name.to_string()), "{name} declared twice");
        } else if !line.starts_with("# HELP ") {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| declared.contains(*f)))
                .unwrap_or(name);
            assert!(declared.contains(family), "{line}: undeclared");
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}

#[test]
fn latency_buckets_are_cumulative_and_end_at_inf() {
    let m = Metrics::default();
    drop(m.operation(OpKind::Compare));
    let text = render(&m, PoolLoad::default());
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("mailldap_operation_duration_seconds_bucket{op=\"compare\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), LATENCY_BUCKETS.len() + 1);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert_eq!(buckets.last(), Some(&1.0));
}
