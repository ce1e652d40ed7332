//! What the metrics count of an operation: its type, the entries it sends and the
//! result code of its final reply (src/metrics/ keeps the counters).

use super::request::{Operation, Reply};
use crate::metrics::{OpKind, OpTimer};

/// The type `op` is counted under; None for a PDU a client may not send.
pub fn kind(op: &Operation) -> Option<OpKind> {
    Some(match op {
        Operation::Bind(_) => OpKind::Bind,
        Operation::Unbind => OpKind::Unbind,
        Operation::Search(_) => OpKind::Search,
        Operation::Modify(_) => OpKind::Modify,
        Operation::Add(_) => OpKind::Add,
        Operation::Delete(_) => OpKind::Delete,
        Operation::ModDn(_) => OpKind::Modrdn,
        Operation::Compare(_) => OpKind::Compare,
        Operation::Abandon(_) => OpKind::Abandon,
        Operation::Extended(_) => OpKind::Extended,
        Operation::Unexpected(_) => return None,
    })
}

/// Count `reply`, about to be sent, on the operation's timer.
pub fn observe(timer: &mut OpTimer<'_>, reply: &Reply) {
    match reply {
        Reply::Entry(_) => timer.entry(),
        Reply::Done(_, result) | Reply::Extended { result, .. } => timer.result(result.code),
        Reply::WithControls { reply, .. } => observe(timer, reply),
        // A Sync Info message (RFC 4533) and a persistent search's check are no result.
        Reply::SyncInfo(_) | Reply::KeepAlive => {}
    }
}
