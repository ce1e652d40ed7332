//! The one task that writes a connection's replies, in the order operations queue
//! them, flushing when nothing more is ready. The queue is bounded, so a client
//! that stops reading stalls its own operations, not the server's memory.

use futures::stream::SplitSink;
use futures::SinkExt;
use ldap3_proto::proto::LdapMsg;
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

/// Messages queued for one connection before its operations wait.
const QUEUE: usize = 64;

/// Start the writer over `sink`; it hands the sink back when every sender is gone
/// (None when the peer went away first).
pub fn start<S>(
    sink: SplitSink<S, LdapMsg>,
) -> (Sender<LdapMsg>, JoinHandle<Option<SplitSink<S, LdapMsg>>>)
where
    S: futures::Sink<LdapMsg> + futures::Stream + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE);
    (tx, tokio::spawn(write_all(sink, rx)))
}

async fn write_all<S>(
    mut sink: SplitSink<S, LdapMsg>,
    mut rx: Receiver<LdapMsg>,
) -> Option<SplitSink<S, LdapMsg>>
where
    S: futures::Sink<LdapMsg> + futures::Stream + Unpin,
{
    while let Some(msg) = rx.recv().await {
        sink.feed(msg).await.ok()?;
        // Batch what is already queued into one flush (one write syscall).
        while let Ok(more) = rx.try_recv() {
            sink.feed(more).await.ok()?;
        }
        sink.flush().await.ok()?;
    }
    Some(sink)
}
