//! The change feed: every committed write, told to the persistent searches
//! (RFC 4533 refreshAndPersist, src/sync/persist.rs) in the order the writes were
//! made. Each subscriber has a bounded queue; a subscriber whose queue is full is
//! dropped (its search ends and the consumer must refresh), so a consumer that does
//! not keep up never makes the server buffer without bound, nor slows a write.

use crate::dn::Dn;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// What a write did to its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A new entry.
    Add,
    /// Attributes changed.
    Modify,
    /// A new name (`old_dn` holds the one it left); a subtree moves with it.
    Rename,
    /// Gone.
    Delete,
}

/// One committed write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The write's CSN.
    pub csn: String,
    /// What it did.
    pub kind: ChangeKind,
    /// The entry's name after the write (before it, for a delete).
    pub dn: Dn,
    /// The name a rename left.
    pub old_dn: Option<Dn>,
    /// The entry's entryUUID.
    pub uuid: [u8; 16],
}

/// The directory's side: one queue per subscriber.
#[derive(Default)]
pub struct ChangeFeed {
    subscribers: Mutex<Vec<SyncSender<Change>>>,
}

/// A persistent search's side of the feed.
pub struct Subscription {
    changes: Receiver<Change>,
}

/// What waiting on a subscription gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// The next change.
    Change(Change),
    /// Nothing within the wait.
    Idle,
    /// The subscriber fell `capacity` changes behind and was dropped (or the
    /// directory is gone): the search must end.
    Ended,
}

impl ChangeFeed {
    /// A new subscriber that may fall `capacity` changes behind before it is dropped.
    pub fn subscribe(&self, capacity: usize) -> Subscription {
        let (tx, changes) = mpsc::sync_channel(capacity.max(1));
        self.lock().push(tx);
        Subscription { changes }
    }

    /// Tell every subscriber; drop those that are full or gone. Never blocks.
    pub fn publish(&self, change: &Change) {
        self.lock().retain(|tx| match tx.try_send(change.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::warn!("a persistent search fell behind the change feed: ended");
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SyncSender<Change>>> {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Subscription {
    /// The next change, waiting at most `wait`.
    pub fn next(&self, wait: Duration) -> Next {
        match self.changes.recv_timeout(wait) {
            Ok(c) => Next::Change(c),
            Err(RecvTimeoutError::Timeout) => Next::Idle,
            Err(RecvTimeoutError::Disconnected) => Next::Ended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: u8) -> Change {
        Change {
            csn: format!("c{n}"),
            kind: ChangeKind::Modify,
            dn: Dn::parse("cn=x,dc=example").unwrap(),
            old_dn: None,
            uuid: [n; 16],
        }
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_ended_and_the_others_keep_up() {
        let feed = ChangeFeed::default();
        let slow = feed.subscribe(2);
        let fast = feed.subscribe(10);
        for n in 0..3 {
            feed.publish(&change(n));
        }
        let wait = Duration::from_millis(10);
        assert_eq!(slow.next(wait), Next::Change(change(0)));
        assert_eq!(slow.next(wait), Next::Change(change(1)));
        assert_eq!(slow.next(wait), Next::Ended);
        for n in 0..3 {
            assert_eq!(fast.next(wait), Next::Change(change(n)));
        }
        assert_eq!(fast.next(wait), Next::Idle);
        drop(fast);
        feed.publish(&change(3));
        assert!(feed.lock().is_empty(), "gone subscribers are dropped");
    }
}
