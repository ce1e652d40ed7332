//! Closing a connection politely: a refused client is told why, and a closing
//! socket is drained a moment so the kernel does not destroy the last notice.

use super::framing::Framing;
use super::{Conn, Transport};
use crate::error::ResultCode;
use crate::ops::wire;
use crate::state::ServerState;
use std::time::Duration;
use tokio_util::codec::Framed;

/// Answer a connection the server will not serve with a Notice of Disconnection
/// saying why (within a second), then close it politely.
pub async fn refuse(stream: Box<dyn Transport>, state: &ServerState, why: &str) {
    use futures::SinkExt;
    let limits = state.limits();
    let codec = Framing::new(
        limits.max_message_bytes,
        limits.max_ber_depth,
        state.request_budget.clone(),
    );
    let mut framed = Framed::new(stream, codec);
    let notice = wire::notice_of_disconnection(ResultCode::Unavailable, why);
    let sent = tokio::time::timeout(Duration::from_secs(1), framed.send(notice)).await;
    if matches!(sent, Ok(Ok(()))) {
        linger(framed).await;
    }
}

/// Close politely: stop writing, then read and drop what the client still sends for
/// a moment, so the kernel does not answer unread data with a reset that would
/// destroy the Notice of Disconnection before the client reads it.
pub(super) async fn linger(framed: Conn) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const DRAIN_BYTES: usize = 1 << 20;
    let mut io = framed.into_parts().io;
    let _ = io.shutdown().await;
    let drain = async {
        // On the heap: an array here would sit in every session's future (16 KiB
        // each, allocated and copied for every connection; -Zprint-type-sizes).
        // Not zeroed (read_buf fills spare capacity): clearing 16 KiB was a
        // twentieth of a Courier login's instructions (callgrind).
        let mut chunk = Vec::with_capacity(16 * 1024);
        let mut seen = 0;
        while seen < DRAIN_BYTES {
            chunk.clear();
            match io.read_buf(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen += n,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}
