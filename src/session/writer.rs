//! The one task that writes a connection's replies, in the order operations queue
//! them, flushing when nothing more is ready. The queue is bounded, so a client
//! that stops reading stalls its own operations, not the server's memory; one that
//! reads nothing for the write timeout is given up on.

use futures::stream::SplitSink;
use futures::{Sink, SinkExt, Stream};
use ldap3_proto::proto::LdapMsg;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::JoinHandle;

/// Messages queued for one connection before its operations wait.
const QUEUE: usize = 64;

/// The writer's handle on the socket, handed back when it ends well.
type Half<S> = SplitSink<S, LdapMsg>;

/// Start the writer over `sink`; it hands the sink back when every sender is gone
/// (None when the peer went away or accepted nothing for `timeout`, after which
/// the operations' sends fail and the connection closes).
pub fn start<S>(sink: Half<S>, timeout: Duration) -> (Sender<LdapMsg>, JoinHandle<Option<Half<S>>>)
where
    S: Sink<LdapMsg> + Stream + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE);
    (tx, tokio::spawn(write_all(sink, rx, timeout)))
}

async fn write_all<S>(
    mut sink: Half<S>,
    mut rx: Receiver<LdapMsg>,
    timeout: Duration,
) -> Option<Half<S>>
where
    S: Sink<LdapMsg> + Stream + Unpin,
{
    while let Some(msg) = rx.recv().await {
        let written = tokio::time::timeout(timeout, async {
            sink.feed(msg).await?;
            // Batch what is already queued into one flush (one write syscall).
            while let Ok(more) = rx.try_recv() {
                sink.feed(more).await?;
            }
            sink.flush().await
        });
        match written.await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return None,
            Err(_) => {
                tracing::info!(
                    "closing a connection whose client read no replies for {} s",
                    timeout.as_secs()
                );
                return None;
            }
        }
    }
    Some(sink)
}

/// The writer's sink once it has written everything, or None when it failed or
/// `deadline` came first (then it is stopped, and the socket closes with it).
pub async fn done<W>(mut writer: JoinHandle<Option<W>>, deadline: Option<Instant>) -> Option<W> {
    let Some(deadline) = deadline else {
        return writer.await.ok().flatten();
    };
    let deadline = tokio::time::Instant::from_std(deadline);
    match tokio::time::timeout_at(deadline, &mut writer).await {
        Ok(done) => done.ok().flatten(),
        Err(_) => {
            writer.abort();
            None
        }
    }
}
