//! The registry's admission rules without sockets: eviction order, the per-address
//! limit and its exemptions, the ceiling, shutdown's close-all and the wait for it.

use super::*;

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().expect("ip"))
}

fn policy(max: usize, per_address: usize, exempt: &[&str]) -> Admission {
    Admission {
        max,
        per_address,
        exempt: exempt.iter().map(|n| n.parse().expect("cidr")).collect(),
    }
}

#[test]
fn full_server_evicts_the_longest_idle_and_admits() {
    let reg = Registry::new(policy(3, 0, &[]));
    let held: Vec<Registration> = (0..3)
        .map(|i| reg.admit(i, ip("192.0.2.1")).expect("admitted"))
        .collect();
    // As if an hour had passed: connection 0 was active last, connection 1 the
    // longest ago, and the newcomers (stamped at admission, an hour ago) come later.
    let hour = 3_600_000;
    held[1].presence.slot.stamp.store(0, Ordering::Relaxed);
    held[2].presence.slot.stamp.store(5, Ordering::Relaxed);
    held[0].presence.slot.stamp.store(10, Ordering::Relaxed);
    let later = |r: &Registration| r.presence.slot.stamp.store(hour, Ordering::Relaxed);
    let fresh = reg
        .admit(3, ip("192.0.2.2"))
        .expect("a new client is served");
    assert_eq!(fresh.evicted, 1);
    later(&fresh);
    assert!(held[1].presence().close_request().is_some(), "longest idle");
    assert!(held[0].presence().close_request().is_none());
    assert!(held[2].presence().close_request().is_none());
    assert_eq!(reg.len(), 4, "the evicted one counts until it is gone");
    // The next newcomer evicts the next longest idle, not the one already closing.
    let next = reg.admit(4, ip("192.0.2.3")).expect("served");
    assert_eq!(next.evicted, 1);
    assert!(held[2].presence().close_request().is_some());
    drop(held);
    assert_eq!(reg.len(), 2);
    assert_eq!(reg.inner().closing, 0);
}

#[test]
fn per_address_limit_with_exempt_networks() {
    let reg = Registry::new(policy(100, 2, &["127.0.0.0/8"]));
    let a: Vec<Registration> = (0..2)
        .map(|i| reg.admit(i, ip("192.0.2.1")).expect("within the limit"))
        .collect();
    assert_eq!(
        reg.admit(2, ip("192.0.2.1")).unwrap_err(),
        Refused::Address(2)
    );
    // Other addresses, exempt networks and local sockets are not limited.
    let _b = reg.admit(3, ip("192.0.2.2")).expect("another address");
    let local: Vec<Registration> = (10..15)
        .map(|i| reg.admit(i, ip("127.0.0.1")).expect("exempt"))
        .collect();
    let _unix = reg.admit(20, None).expect("a local socket");
    drop(a);
    let _again = reg
        .admit(21, ip("192.0.2.1"))
        .expect("a slot of its own freed");
    assert_eq!(local.len(), 5);
}

#[test]
fn past_the_ceiling_new_connections_are_refused() {
    let p = policy(1, 0, &[]);
    let ceiling = p.ceiling();
    let reg = Registry::new(p);
    let held: Vec<Registration> = (0..ceiling as u64)
        .map(|i| reg.admit(i, None).expect("evicting makes room"))
        .collect();
    assert_eq!(reg.admit(999, None).unwrap_err(), Refused::Full);
    drop(held);
    assert!(reg.admit(1000, None).is_ok());
}

#[tokio::test]
async fn close_all_reaches_every_session_and_the_wait_ends_when_they_go() {
    let reg = Registry::new(policy(10, 0, &[]));
    let held: Vec<Registration> = (0..3).map(|i| reg.admit(i, None).expect("ok")).collect();
    let waiting: Vec<_> = held
        .iter()
        .map(|r| {
            let presence = r.presence();
            tokio::spawn(async move { presence.close_requested().await })
        })
        .collect();
    tokio::task::yield_now().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    reg.close_all("server shutting down", deadline);
    for w in waiting {
        let request = w.await.expect("task");
        assert_eq!(request.why, "server shutting down");
    }
    assert!(!reg.emptied(Instant::now()).await, "still registered");
    let gone = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
    });
    assert!(reg.emptied(deadline).await);
    gone.await.expect("task");
}
