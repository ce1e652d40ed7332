//! The metrics listener: `GET /metrics` answers the exposition text, anything else
//! 404 (405 for another method on /metrics), one request per connection.
//!
//! Written by hand over tokio rather than with an HTTP crate: it is one route with no
//! body, no keep-alive and no header worth reading, and what matters is what it
//! refuses. A general server (hyper) would add a large dependency whose defaults
//! (keep-alive, no deadline on the request head, no cap on its clients) would all have
//! to be turned off to keep it from becoming a way for a hostile client to hold the
//! server's resources. Here a request head is at most [`MAX_REQUEST_BYTES`], must
//! arrive complete within [`REQUEST_TIMEOUT`], and at most [`MAX_CLIENTS`] are served
//! at once (more are closed unanswered).

use super::exposition::{render, CONTENT_TYPE};
use super::Metrics;
use crate::password::pool::HashPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Largest request head read; a longer one is answered 431 and closed.
pub const MAX_REQUEST_BYTES: usize = 4096;
/// Time a request head has to arrive complete; a slower one is answered 408 and closed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Time the scraper has to take the answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Scrapes served at once; a Prometheus server makes one at a time.
pub const MAX_CLIENTS: usize = 8;

/// What a scrape reads.
#[derive(Clone)]
pub struct Exporter {
    /// The server's counters.
    pub metrics: Arc<Metrics>,
    /// The hashing pool, whose load is read at each scrape.
    pub pool: Arc<HashPool>,
}

/// Serve scrapes on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, exporter: Exporter) {
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors: wait rather than spin.
                tracing::warn!("metrics: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!("metrics: {MAX_CLIENTS} scrapes running, one more closed");
            continue;
        };
        let exporter = exporter.clone();
        tokio::spawn(async move {
            answer(stream, &exporter).await;
            drop(slot);
        });
    }
}

/// What a request head turned out to be.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// Complete: its request line.
    Line(String),
    /// Longer than MAX_REQUEST_BYTES.
    TooLarge,
    /// The client closed or failed before finishing it.
    Gone,
}

async fn answer(mut stream: TcpStream, exporter: &Exporter) {
    let head = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await;
    let (status, content_type, body) = match head {
        Err(_) => (
            408,
            "text/plain",
            "request not complete in time\n".to_string(),
        ),
        Ok(Head::Gone) => return,
        Ok(Head::TooLarge) => (431, "text/plain", "request too large\n".to_string()),
        Ok(Head::Line(line)) => route(&line, exporter),
    };
    let reply = response(status, content_type, &body);
    let write = async {
        stream.write_all(&reply).await?;
        stream.shutdown().await
    };
    if tokio::time::timeout(WRITE_TIMEOUT, write).await.is_ok() {
        drain(&mut stream).await;
    }
}

/// Read up to the blank line ending the request head; only its first line matters.
async fn read_head(stream: &mut TcpStream) -> Head {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Head::Gone,
            Ok(n) => n,
        };
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&head, b"\r\n\r\n").or_else(|| find(&head, b"\n\n")) {
            if end > MAX_REQUEST_BYTES {
                return Head::TooLarge;
            }
            let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
            return Head::Line(String::from_utf8_lossy(line).trim_end().to_string());
        }
        if head.len() > MAX_REQUEST_BYTES {
            return Head::TooLarge;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The status and body for request line `line` ("GET /metrics HTTP/1.1").
fn route(line: &str, exporter: &Exporter) -> (u16, &'static str, String) {
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return (400, "text/plain", "bad request line\n".into());
    };
    if !version.starts_with("HTTP/1.") {
        return (400, "text/plain", "HTTP/1.x only\n".into());
    }
    let path = target.split('?').next().unwrap_or_default();
    if path != "/metrics" {
        return (
            404,
            "text/plain",
            "not found: the metrics are at /metrics\n".into(),
        );
    }
    if method != "GET" {
        return (405, "text/plain", "only GET\n".into());
    }
    let text = render(&exporter.metrics, exporter.pool.load());
    (200, CONTENT_TYPE, text)
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        _ => "Request Header Fields Too Large",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body.as_bytes()].concat()
}

/// Read and drop what the client still sends, a moment and a little at most, so the
/// kernel does not answer unread bytes with a reset that destroys the answer.
async fn drain(stream: &mut TcpStream) {
    let mut chunk = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    let drain = async {
        while left > 0 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exporter() -> Exporter {
        Exporter {
            metrics: Arc::default(),
            pool: Arc::new(HashPool::new(Default::default())),
        }
    }

    #[test]
    fn only_get_metrics_is_served() {
        let e = exporter();
        assert_eq!(route("GET /metrics HTTP/1.1", &e).0, 200);
        assert_eq!(route("GET /metrics?x=1 HTTP/1.0", &e).0, 200);
        assert_eq!(route("GET / HTTP/1.1", &e).0, 404);
        assert_eq!(route("GET /metrics/ HTTP/1.1", &e).0, 404);
        assert_eq!(route("POST /metrics HTTP/1.1", &e).0, 405);
        assert_eq!(route("GET /metrics", &e).0, 400);
        assert_eq!(route("GET /metrics SPDY/3", &e).0, 400);
    }
}
