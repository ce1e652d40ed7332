//! Reading an strace of the server: each write request acknowledged with success, and
//! whether an fsync or fdatasync of the store's files ran between the request's
//! arrival and its acknowledgement.
//!
//! sync_file_range does not count: it writes the data out but neither the file's size
//! nor the disk's cache, so it survives a killed process, not a power loss. sled also
//! fsyncs from a background thread every 500 ms; one of those can fall between a
//! request and its reply by chance, but a server that did not sync before replying
//! would leave most of the hundreds of writes checked here uncovered, never all.
//!
//! The trace is read in its own order: strace prints a syscall's exit while the thread
//! is still stopped in it, so a sync seen completing before a reply's write did
//! complete before the reply was sent.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::process::Command;

/// strace and its options, writing to `trace`: threads followed, descriptors decoded
/// (paths, sockets), every string in hex and whole. Panics when strace is missing.
pub fn wrapper(trace: &Path) -> Vec<String> {
    let found = Command::new("strace").arg("-V").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "strace is missing: scripts/install-deps.sh installs it"
    );
    let calls = "trace=fsync,fdatasync,sync_file_range,msync,read,readv,recvfrom,recvmsg,\
                 write,writev,sendto,sendmsg";
    let trace = trace.display().to_string();
    [
        "strace", "-f", "-yy", "-xx", "-s", "65536", "-o", &trace, "-e", calls,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// What the trace shows.
#[derive(Default)]
pub struct Report {
    /// Write requests acknowledged with success.
    pub acked: u64,
    /// Those acknowledged without an fsync begun after the request arrived.
    pub unsynced: Vec<String>,
    /// fsync and fdatasync calls on the store's files.
    pub syncs: usize,
    /// sync_file_range calls on them.
    pub range_syncs: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} acknowledged writes, {} without an fsync/fdatasync of the store since the \
             request arrived ({} fsync/fdatasync and {} sync_file_range on the store's files)",
            self.acked,
            self.unsynced.len(),
            self.syncs,
            self.range_syncs
        )
    }
}

/// One syscall: its text (an unfinished call joined with its resumption), the line
/// it began on and the line it ended on.
struct Call {
    text: String,
    begun: usize,
    ended: usize,
}

/// The calls of a trace, in the order they began.
fn calls(trace: &str) -> Vec<Call> {
    let mut pending: HashMap<&str, (String, usize)> = HashMap::new();
    let mut out = Vec::new();
    for (n, line) in trace.lines().enumerate() {
        // The pid column is padded to five characters.
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, (head.to_string(), n));
        } else if let Some(tail) = rest.strip_prefix("<... ") {
            let Some((head, begun)) = pending.remove(pid) else {
                continue;
            };
            let tail = tail.split_once("resumed>").map_or("", |(_, t)| t);
            let text = format!("{head}{tail}");
            out.push(Call {
                text,
                begun,
                ended: n,
            });
        } else if !rest.starts_with("+++") && !rest.starts_with("---") {
            let text = rest.to_string();
            out.push(Call {
                text,
                begun: n,
                ended: n,
            });
        }
    }
    out.sort_by_key(|c| c.begun);
    out
}

/// Check every acknowledged write of `trace` against the syncs of files under `store`.
pub fn check(trace: &str, store: &str) -> Report {
    let mut report = Report::default();
    let mut syncs = Vec::new();
    let mut inbound: HashMap<String, Vec<u8>> = HashMap::new();
    let mut outbound: HashMap<String, Vec<u8>> = HashMap::new();
    let mut arrived: HashMap<(String, u64), usize> = HashMap::new();
    for call in calls(trace) {
        let Some((name, fd, data, ret)) = parse(&call.text) else {
            continue;
        };
        let on_store = String::from_utf8_lossy(&unhex(&fd)).contains(store);
        match name.as_str() {
            "fsync" | "fdatasync" if on_store => {
                report.syncs += 1;
                syncs.push((call.begun, call.ended));
            }
            "sync_file_range" if on_store => report.range_syncs += 1,
            _ if !fd.contains("TCP:[") || ret <= 0 => {}
            "read" | "readv" | "recvfrom" | "recvmsg" => {
                let buf = inbound.entry(fd.clone()).or_default();
                buf.extend_from_slice(&data);
                while let Some((id, op, _)) = take_message(buf) {
                    if [0x68, 0x66, 0x4a, 0x6c].contains(&op) {
                        arrived.insert((fd.clone(), id), call.ended);
                    }
                }
            }
            _ => {
                let buf = outbound.entry(fd.clone()).or_default();
                buf.extend_from_slice(&data);
                while let Some((id, op, rc)) = take_message(buf) {
                    if ![0x69, 0x67, 0x6b, 0x6d].contains(&op) || rc != Some(0) {
                        continue;
                    }
                    report.acked += 1;
                    let since = arrived.get(&(fd.clone(), id)).copied();
                    let covered =
                        since.is_some_and(|a| syncs.iter().any(|&(b, e)| b > a && e < call.begun));
                    if !covered {
                        let at = call.begun + 1;
                        let what = format!("message {id} on {fd} (line {at}), arrived {since:?}");
                        report.unsynced.push(what);
                    }
                }
            }
        }
    }
    report
}

/// A call's name, first argument, the bytes of its strings and its return value.
fn parse(text: &str) -> Option<(String, String, Vec<u8>, i64)> {
    let open = text.find('(')?;
    let name = text[..open].to_string();
    let args = &text[open + 1..];
    let fd_end = args.find([',', ')'])?;
    let fd = args[..fd_end].to_string();
    // A resumed call's tail is padded: `)          = 0`.
    let (body, ret) = args.rsplit_once('=')?;
    let body = body.trim_end().strip_suffix(')')?;
    let ret = ret.split_whitespace().next()?.parse().ok()?;
    let mut data = Vec::new();
    for (i, piece) in body.split('"').enumerate() {
        // Odd pieces are inside quotes: \xNN only, with -xx.
        if i % 2 == 1 {
            data.extend(unhex(piece));
        }
    }
    Some((name, fd, data, ret))
}

/// The bytes of `s`, each `\xNN` decoded.
fn unhex(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find("\\x") {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        match rest.get(at + 2..at + 4).map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(b)) => {
                out.push(b);
                rest = &rest[at + 4..];
            }
            _ => {
                out.extend_from_slice(b"\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// The next complete LDAPMessage of `buf`, removed: its message ID, the protocol op's
/// tag and, for a response, its result code.
fn take_message(buf: &mut Vec<u8>) -> Option<(u64, u8, Option<u8>)> {
    let (_, content, rest) = tlv(buf)?;
    let used = buf.len() - rest.len();
    let parsed = (|| {
        let (tag, id, ops) = tlv(content)?;
        let id = id.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
        let (op, body, _) = tlv(ops)?;
        let rc = tlv(body)
            .filter(|(t, _, _)| *t == 0x0a)
            .and_then(|(_, c, _)| c.first().copied());
        (tag == 0x02).then_some((id, op, rc))
    })();
    buf.drain(..used);
    // A message that is not a well-formed LDAPMessage is skipped, not waited on.
    Some(parsed.unwrap_or((0, 0, None)))
}

/// One BER element of `b`: its tag, its content and what follows it.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        let bytes = rest.get(..n)?;
        let len = bytes.iter().fold(0usize, |l, b| l << 8 | usize::from(*b));
        (len, &rest[n..])
    };
    let content = rest.get(..len)?;
    Some((tag, content, &rest[len..]))
}
