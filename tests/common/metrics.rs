//! Reading the server's `[metrics]` listener: one HTTP/1.1 request over a plain socket,
//! and a parser for the Prometheus text exposition format (0.0.4) it answers.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An HTTP answer: status code, headers (names lowercased) and body.
#[derive(Debug)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// Header name (lowercase) -> value.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: String,
}

/// Send `request` (raw bytes) to 127.0.0.1:`port` and read until the server closes.
pub fn http_raw(port: u16, request: &[u8]) -> HttpAnswer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to metrics");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let text = String::from_utf8(raw).expect("utf-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpAnswer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// `GET path` on 127.0.0.1:`port`.
pub fn http_get(port: u16, path: &str) -> HttpAnswer {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    http_raw(port, request.as_bytes())
}

/// One series: its name and labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Series {
    /// The metric name (`_bucket`, `_sum`, `_count` included for histograms).
    pub name: String,
    /// Label name -> value, sorted by name.
    pub labels: Vec<(String, String)>,
}

/// A parsed exposition: every series' value and every family's declared type.
#[derive(Debug, Default)]
pub struct Exposition {
    /// Series -> value.
    pub values: HashMap<Series, f64>,
    /// Family name -> "counter", "gauge", "histogram", ...
    pub types: HashMap<String, String>,
}

impl Exposition {
    /// Parse exposition text; panics, naming the line, on anything malformed.
    pub fn parse(text: &str) -> Exposition {
        let mut e = Exposition::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                let old = e.types.insert(name.to_string(), kind.to_string());
                assert!(old.is_none(), "{name} declared twice");
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (series, value) = parse_series(line);
            let family = family_of(&series.name, &e.types);
            assert!(
                e.types.contains_key(family),
                "{line}: no TYPE line before it"
            );
            let old = e.values.insert(series, value);
            assert!(old.is_none(), "{line}: series repeated");
        }
        e
    }

    /// The value of `name` with exactly `labels`; None when absent.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        self.values
            .get(&Series {
                name: name.to_string(),
                labels,
            })
            .copied()
    }

    /// Like [`get`](Self::get), 0 when absent (a counter not yet incremented).
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels).unwrap_or(0.0)
    }
}

/// The family a series belongs to: histograms' series carry a suffix.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    ["_bucket", "_sum", "_count"]
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .find(|f| types.get(*f).is_some_and(|t| t == "histogram"))
        .unwrap_or(name)
}

/// `name{a="x",b="y"} value [timestamp]`.
fn parse_series(line: &str) -> (Series, f64) {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("{line}: no value"));
    let name = &line[..name_end];
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "{line}: bad metric name"
    );
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner, line);
        labels = parsed;
        rest = after;
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().unwrap_or_else(|| panic!("{line}: no value"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("{line}: bad value")),
    };
    if let Some(ts) = fields.next() {
        ts.parse::<i64>()
            .unwrap_or_else(|_| panic!("{line}: bad timestamp"));
    }
    assert!(fields.next().is_none(), "{line}: trailing text");
    labels.sort();
    (
        Series {
            name: name.to_string(),
            labels,
        },
        value,
    )
}

/// The labels up to the closing brace, and the text after it.
fn parse_labels<'a>(mut s: &'a str, line: &str) -> (Vec<(String, String)>, &'a str) {
    let mut labels = Vec::new();
    loop {
        if let Some(after) = s.strip_prefix('}') {
            return (labels, after);
        }
        let (key, after) = s
            .split_once("=\"")
            .unwrap_or_else(|| panic!("{line}: bad label"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => panic!("{line}: unterminated label"),
                },
                Some((_, c)) => value.push(c),
                None => panic!("{line}: unterminated label"),
            }
        };
        labels.push((key.trim_start_matches(',').to_string(), value));
        s = &after[end + 1..];
        s = s.strip_prefix(',').unwrap_or(s);
    }
}

/// Scrape `GET /metrics` on `port` and parse it (asserting the 200 and content type).
pub fn scrape(port: u16) -> Exposition {
    let answer = http_get(port, "/metrics");
    assert_eq!(answer.status, 200, "{answer:?}");
    let ct = answer
        .headers
        .get("content-type")
        .cloned()
        .unwrap_or_default();
    assert!(
        ct.starts_with("text/plain; version=0.0.4"),
        "content type {ct:?}"
    );
    Exposition::parse(&answer.body)
}
