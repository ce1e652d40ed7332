//! A connection's replies on their way out. Operations running beside the reader
//! queue theirs for the one writer task, which writes them in order, flushing when
//! nothing more is ready. An operation the reader answers itself writes its reply at
//! once when nothing is queued or being written: a hand-off to the writer task (a
//! queue push, a task wake-up, a timer) cost about a twentieth of a lookup's
//! instructions (callgrind). The queue is bounded, so a client that stops reading
//! stalls its own operations, not the server's memory; one that reads nothing for
//! the write timeout is given up on.

use futures::stream::SplitSink;
use futures::{Sink, SinkExt, Stream};
use ldap3_proto::proto::LdapMsg;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// Messages queued for one connection before its operations wait.
const QUEUE: usize = 64;

/// The writer's handle on the socket, handed back when it ends well.
type Half<S> = SplitSink<S, LdapMsg>;

/// The connection is gone: the client went away or read nothing for the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

/// What the writer task and the senders share.
struct Shared<S> {
    /// The socket's writing half; None once a write failed or timed out.
    sink: Mutex<Option<Half<S>>>,
    /// Messages queued and not yet written: counted before they are queued and
    /// uncounted once flushed, so a sender holding `sink` that reads 0 knows no
    /// earlier reply is still on its way.
    pending: AtomicUsize,
    timeout: Duration,
}

/// Where a connection's replies go (cloned for each operation that runs beside the
/// reader).
pub struct Replies<S> {
    queue: Sender<LdapMsg>,
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Replies<S> {
    fn clone(&self) -> Self {
        Replies {
            queue: self.queue.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// Start the writer over `sink`; it hands the sink back when every sender is gone
/// (None when the peer went away or accepted nothing for `timeout`, after which
/// sends fail and the connection closes).
pub fn start<S>(sink: Half<S>, timeout: Duration) -> (Replies<S>, JoinHandle<Option<Half<S>>>)
where
    S: Sink<LdapMsg> + Stream + Unpin + Send + 'static,
{
    let (queue, rx) = mpsc::channel(QUEUE);
    let shared = Arc::new(Shared {
        sink: Mutex::new(Some(sink)),
        pending: AtomicUsize::new(0),
        timeout,
    });
    let writer = tokio::spawn(write_all(shared.clone(), rx));
    (Replies { queue, shared }, writer)
}

impl<S> Replies<S>
where
    S: Sink<LdapMsg> + Stream + Unpin,
{
    /// Queue `msg` for the writer task, waiting while the queue is full.
    pub async fn send(&self, msg: LdapMsg) -> Result<(), Gone> {
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        self.queue.send(msg).await.map_err(|_| self.unqueued())
    }

    /// [`Replies::send`] from a blocking thread.
    pub fn blocking_send(&self, msg: LdapMsg) -> Result<(), Gone> {
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        self.queue.blocking_send(msg).map_err(|_| self.unqueued())
    }

    fn unqueued(&self) -> Gone {
        self.shared.pending.fetch_sub(1, Ordering::SeqCst);
        Gone
    }

    /// Write `msgs` now, in this task, when no queued reply would be overtaken;
    /// queue them otherwise.
    pub async fn send_now(&self, msgs: impl IntoIterator<Item = LdapMsg>) -> Result<(), Gone> {
        let mut sink = self.shared.sink.lock().await;
        if sink.is_none() || self.shared.pending.load(Ordering::SeqCst) != 0 {
            drop(sink);
            for msg in msgs {
                self.send(msg).await?;
            }
            return Ok(());
        }
        let written = match sink.as_mut() {
            Some(half) => write_batch(half, msgs, self.shared.timeout).await,
            None => Err(Gone),
        };
        if written.is_err() {
            *sink = None;
        }
        written
    }

    /// Whether the writer is gone (a persistent search asks before going on).
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// Wait until the writer is gone.
    pub async fn closed(&self) {
        self.queue.closed().await
    }
}

/// Feed `msgs` and flush them, within `timeout`.
async fn write_batch<S>(
    sink: &mut Half<S>,
    msgs: impl IntoIterator<Item = LdapMsg>,
    timeout: Duration,
) -> Result<(), Gone>
where
    S: Sink<LdapMsg> + Stream + Unpin,
{
    let written = tokio::time::timeout(timeout, async {
        for msg in msgs {
            sink.feed(msg).await?;
        }
        sink.flush().await
    });
    match written.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Gone),
        Err(_) => {
            tracing::info!(
                "closing a connection whose client read no replies for {} s",
                timeout.as_secs()
            );
            Err(Gone)
        }
    }
}

async fn write_all<S>(shared: Arc<Shared<S>>, mut rx: Receiver<LdapMsg>) -> Option<Half<S>>
where
    S: Sink<LdapMsg> + Stream + Unpin,
{
    while let Some(msg) = rx.recv().await {
        let mut sink = shared.sink.lock().await;
        let half = sink.as_mut()?;
        // Batch what is already queued into one flush (one write syscall).
        let mut n = 0;
        let batch = std::iter::once(msg)
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
            .inspect(|_| n += 1);
        if write_batch(half, batch, shared.timeout).await.is_err() {
            *sink = None;
            return None;
        }
        shared.pending.fetch_sub(n, Ordering::SeqCst);
    }
    shared.sink.lock().await.take()
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
