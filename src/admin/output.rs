//! How results are shown: aligned tables and sentences for people, `--json` for scripts,
//! and a progress count on the terminal while a long listing is read.

use super::error::AdminError;
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Write};

/// One column of a listing: its JSON key and its table header.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Key in each JSON object.
    pub key: &'static str,
    /// Header in the table.
    pub header: &'static str,
}

/// Shorthand for a [`Column`].
pub const fn col(key: &'static str, header: &'static str) -> Column {
    Column { key, header }
}

/// Where and in which form results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: one JSON document on standard output.
    pub json: bool,
}

/// A value as a table cell: lists are joined with ", ", absent values show as "-".
fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) if s.is_empty() => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Renders rows as a table: a header line, then each row, columns padded to the widest
/// cell (the last column is not padded, so lines carry no trailing spaces).
pub fn render_table(columns: &[Column], rows: &[Map<String, Value>]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| cell(r.get(c.key).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.header.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |items: Vec<&str>| {
        let mut s = String::new();
        for (i, item) in items.iter().enumerate() {
            if i + 1 == items.len() {
                s.push_str(item);
            } else {
                s.push_str(item);
                s.push_str(&" ".repeat(widths[i] - item.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(columns.iter().map(|c| c.header).collect());
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

impl Output {
    /// A listing: a table, or a JSON array of objects.
    pub fn list(&self, columns: &[Column], rows: Vec<Map<String, Value>>) {
        if self.json {
            print_json(&Value::Array(rows.into_iter().map(Value::Object).collect()));
        } else {
            print!("{}", render_table(columns, &rows));
        }
    }

    /// One entry's details: `label: value` lines, or a JSON object.
    pub fn record(&self, fields: &[(Column, Value)]) {
        if self.json {
            let obj: Map<String, Value> = fields
                .iter()
                .map(|(c, v)| (c.key.to_string(), v.clone()))
                .collect();
            print_json(&Value::Object(obj));
            return;
        }
        let width = fields
            .iter()
            .map(|(c, _)| c.header.chars().count())
            .max()
            .unwrap_or(0);
        for (c, v) in fields {
            let pad = " ".repeat(width - c.header.chars().count());
            println!("{}:{pad} {}", c.header, cell(v));
        }
    }

    /// A change that was made: the sentence, or `{"ok": true, "message": ..., details}`.
    pub fn done(&self, message: &str, details: Value) {
        if self.json {
            let mut obj = Map::new();
            obj.insert("ok".into(), Value::Bool(true));
            obj.insert("message".into(), Value::String(message.into()));
            if let Value::Object(d) = details {
                obj.extend(d);
            }
            print_json(&Value::Object(obj));
        } else {
            println!("{message}");
        }
    }

    /// A remark beside the result (a warning, a note): standard error, never in the JSON.
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    /// A failed command: `mailldap: ...` on standard error, and with `--json` also
    /// `{"ok": false, "error": ...}` on standard output for scripts.
    pub fn error(&self, e: &AdminError) {
        eprintln!("mailldap: {e}");
        if self.json {
            print_json(
                &json!({"ok": false, "error": e.to_string(), "result_code": e.result_code()}),
            );
        }
    }
}

fn print_json(v: &Value) {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    println!("{text}");
}

/// A running count on the terminal's standard error while entries arrive; silent when
/// standard error is not a terminal (scripts, tests) and for short listings.
pub struct Progress {
    label: String,
    count: usize,
    shown: bool,
    tty: bool,
}

/// Entries between two progress updates.
const PROGRESS_STEP: usize = 500;

impl Progress {
    /// A counter for a listing described by `label` ("reading domain1.example").
    pub fn new(label: &str) -> Progress {
        Progress {
            label: label.to_string(),
            count: 0,
            shown: false,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// One more entry.
    pub fn tick(&mut self) {
        self.count += 1;
        if self.tty && self.count.is_multiple_of(PROGRESS_STEP) {
            eprint!("\r{}: {} entries", self.label, self.count);
            let _ = std::io::stderr().flush();
            self.shown = true;
        }
    }

    /// Clears the progress line, if one was drawn.
    pub fn finish(&mut self) {
        if self.shown {
            eprint!("\r{}\r", " ".repeat(self.label.len() + 24));
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_join_lists() {
        let cols = [col("a", "ADDRESS"), col("t", "TARGETS")];
        let rows = vec![
            json!({"a": "info@d.example", "t": ["x@d.example"]}),
            json!({"a": "t@d.example", "t": ["x@d.example", "y"]}),
            json!({"a": "z@d.example", "t": []}),
        ]
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect::<Vec<_>>();
        assert_eq!(
            render_table(&cols, &rows),
            "ADDRESS         TARGETS\n\
             info@d.example  x@d.example\n\
             t@d.example     x@d.example, y\n\
             z@d.example     -\n"
        );
    }
}
