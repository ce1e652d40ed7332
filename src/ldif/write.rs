//! The LDIF writer: the shape slapcat prints, so `mailldap export` output reads the same
//! and round-trips through `parse_ldif`.

use super::{ChangeRecord, LdifRecord};
use crate::entry::{Entry, ModOp};
use base64::Engine;

/// Lines longer than this are folded, as slapcat and ldapsearch do.
const WIDTH: usize = 76;

/// One entry as an LDIF content record: `dn:`, then each attribute value in entry order,
/// then an empty line, so outputs can be concatenated into a file.
pub fn write_entry(entry: &Entry) -> String {
    let mut out = String::new();
    push_entry_body(&mut out, entry, false);
    out
}

/// One change record (`changetype:` add, delete, modify or modrdn), ending with an
/// empty line like [`write_entry`].
pub fn write_change(rec: &ChangeRecord) -> String {
    let mut out = String::new();
    match rec {
        ChangeRecord::Add(entry) => push_entry_body(&mut out, entry, true),
        ChangeRecord::Delete(dn) => {
            push_line(&mut out, "dn", dn.to_string().as_bytes());
            out.push_str("changetype: delete\n\n");
        }
        ChangeRecord::Modify { dn, mods } => {
            push_line(&mut out, "dn", dn.to_string().as_bytes());
            out.push_str("changetype: modify\n");
            for m in mods {
                let op = match m.op {
                    ModOp::Add => "add",
                    ModOp::Delete => "delete",
                    ModOp::Replace => "replace",
                    ModOp::Increment => "increment",
                };
                push_line(&mut out, op, m.attr.as_bytes());
                for v in &m.values {
                    push_line(&mut out, &m.attr, v);
                }
                out.push_str("-\n");
            }
            out.push('\n');
        }
        ChangeRecord::ModRdn {
            dn,
            new_rdn,
            delete_old_rdn,
            new_superior,
        } => {
            push_line(&mut out, "dn", dn.to_string().as_bytes());
            out.push_str("changetype: modrdn\n");
            push_line(&mut out, "newrdn", new_rdn.to_string().as_bytes());
            out.push_str(if *delete_old_rdn {
                "deleteoldrdn: 1\n"
            } else {
                "deleteoldrdn: 0\n"
            });
            if let Some(sup) = new_superior {
                push_line(&mut out, "newsuperior", sup.to_string().as_bytes());
            }
            out.push('\n');
        }
    }
    out
}

/// Either kind of record.
pub fn write_record(rec: &LdifRecord) -> String {
    match rec {
        LdifRecord::Content(entry) => write_entry(entry),
        LdifRecord::Change(change) => write_change(change),
    }
}

fn push_entry_body(out: &mut String, entry: &Entry, as_add: bool) {
    push_line(out, "dn", entry.dn.to_string().as_bytes());
    if as_add {
        out.push_str("changetype: add\n");
    }
    for attr in &entry.attrs {
        for v in &attr.values {
            push_line(out, &attr.name, v);
        }
    }
    out.push('\n');
}

/// RFC 2849 SAFE-STRING, plus no trailing space (the RFC says such values SHOULD be
/// base64 so that editors cannot lose the space).
pub(super) fn is_safe_string(v: &[u8]) -> bool {
    if matches!(v.first(), Some(b' ' | b':' | b'<')) || v.last() == Some(&b' ') {
        return false;
    }
    v.iter()
        .all(|b| *b != 0 && *b != b'\n' && *b != b'\r' && b.is_ascii())
}

fn push_line(out: &mut String, name: &str, value: &[u8]) {
    let line = if value.is_empty() {
        format!("{name}:")
    } else if is_safe_string(value) {
        // Safe strings are ASCII, so this conversion is lossless.
        format!("{name}: {}", String::from_utf8_lossy(value))
    } else {
        format!(
            "{name}:: {}",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    };
    fold(out, &line);
}

/// Fold at WIDTH bytes; each continuation starts with one space (RFC 2849 note 2).
fn fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut width = WIDTH;
    let mut first = true;
    while !rest.is_empty() {
        let mut cut = rest.len().min(width);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 {
            // A single character wider than the room left: take it whole.
            cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push('\n');
        rest = &rest[cut..];
        first = false;
        width = WIDTH - 1;
    }
}
