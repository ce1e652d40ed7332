//! Operational attributes: the ones the server keeps on every entry (timestamps,
//! entryCSN, entryUUID, creatorsName, ...), the ones computed when an entry is read,
//! and the rule that clients write neither.

use super::{Directory, Origin};
use crate::entry::Entry;
use crate::error::{LdapError, ResultCode};
use crate::schema::description::same_description;
use crate::schema::Schema;
use chrono::{Datelike, Timelike};
use std::fmt::Write;
use std::sync::{Mutex, PoisonError};

/// Operational attributes a client may never write; slapadd-style imports keep them.
const SERVER_MANAGED: &[&str] = &[
    "entryUUID",
    "entryCSN",
    "createTimestamp",
    "modifyTimestamp",
    "creatorsName",
    "modifiersName",
    "structuralObjectClass",
];

/// The attributes a new entry is stamped with, in the order they are added.
const STAMPED: [&str; 7] = [
    "structuralObjectClass",
    "entryUUID",
    "creatorsName",
    "createTimestamp",
    "entryCSN",
    "modifiersName",
    "modifyTimestamp",
];

/// Attributes computed when an entry is read, never stored.
pub const VIRTUAL_ATTRS: &[&str] = &["hasSubordinates", "entryDN", "subschemaSubentry"];

/// The DN of the subschema subentry.
pub const SUBSCHEMA_DN: &str = "cn=Subschema";

/// Source of entryCSN values: the time in microseconds and a change count within
/// it. Never backwards, even when the clock is (consumers drop a change whose CSN is
/// older than one they hold), and past the stored contextCSN after a restart.
#[derive(Debug, Default)]
pub(super) struct CsnClock {
    /// The last CSN's time (microseconds since the epoch) and change count.
    last: Mutex<(i64, u32)>,
}

impl CsnClock {
    /// A new entryCSN: timestamp, change count, replica id 000, modifier 000000.
    pub(super) fn next(&self) -> String {
        let now = chrono::Utc::now().timestamp_micros();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        *last = match *last {
            (time, count) if time >= now && count < 0xff_ffff => (time, count + 1),
            (time, _) if time >= now => (time + 1, 0),
            _ => (now, 0),
        };
        let (time, count) = *last;
        drop(last);
        let stamp = chrono::DateTime::from_timestamp_micros(time).unwrap_or_default();
        let mut csn = String::with_capacity(40);
        push_generalized(&mut csn, &stamp);
        csn.pop();
        let _ = write!(
            csn,
            ".{:06}Z#{count:06x}#000#000000",
            stamp.timestamp_subsec_micros()
        );
        csn
    }

    /// Make every later CSN newer than `csn` (the contextCSN found at open).
    pub(super) fn advance_past(&self, csn: &str) {
        let time = csn
            .split('#')
            .next()
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S%.6fZ").ok())
            .map(|t| t.and_utc().timestamp_micros());
        if let Some(time) = time {
            let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            if time > last.0 {
                *last = (time, 0xff_ffff);
            }
        }
    }
}

/// GeneralizedTime now, as slapd writes createTimestamp.
fn now_generalized() -> String {
    let mut out = String::with_capacity(15);
    push_generalized(&mut out, &chrono::Utc::now());
    out
}

/// `time` as GeneralizedTime to the second (`20261204211000Z`), written digit by
/// digit: a strftime pattern is parsed again at every call (perf: chrono's
/// formatting was a fiftieth of a bulk import, which stamps every entry).
fn push_generalized(out: &mut String, time: &chrono::DateTime<chrono::Utc>) {
    let _ = write!(
        out,
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
}

/// A random (version 4) UUID from the thread's CSPRNG: uuid's own draws each one
/// from the kernel, a system call per entry of a bulk import.
fn new_uuid() -> String {
    let bytes: [u8; 16] = rand::random();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Whether the server alone writes `name` (listed above, or NO-USER-MODIFICATION in
/// the schema).
pub(super) fn is_server_managed(schema: &Schema, name: &str) -> bool {
    SERVER_MANAGED.iter().any(|m| m.eq_ignore_ascii_case(name))
        || schema
            .attribute(name)
            .is_some_and(|at| at.no_user_modification)
}

/// Whether `name` is computed on read and never stored.
pub(super) fn is_virtual(name: &str) -> bool {
    VIRTUAL_ATTRS.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// The refusal of a client's write to an attribute the server keeps.
pub(super) fn no_user_modification(name: &str) -> LdapError {
    LdapError::new(
        ResultCode::ConstraintViolation,
        format!("{name}: no user modification allowed"),
    )
}

impl Directory {
    /// Refuse a client's add that sets an attribute the server keeps.
    pub(super) fn check_client_managed(&self, entry: &Entry) -> Result<(), LdapError> {
        match entry
            .attrs
            .iter()
            .find(|a| is_server_managed(&self.schema, &a.name))
        {
            Some(a) => Err(no_user_modification(&a.name)),
            None => Ok(()),
        }
    }

    /// The operational attributes of a new entry; an import keeps those it gives.
    pub(super) fn stamp_create(
        &self,
        entry: &mut Entry,
        actor: &str,
        structural: &str,
        origin: Origin,
    ) {
        let keep = origin == Origin::Import;
        // Which of them the entry holds, in one pass (perf: looking each one up
        // was a fiftieth of a bulk import).
        let mut present = [false; STAMPED.len()];
        for attr in &entry.attrs {
            let plain = !attr.name.as_bytes().contains(&b';');
            for (held, name) in present.iter_mut().zip(STAMPED) {
                *held |= if plain {
                    attr.name.eq_ignore_ascii_case(name)
                } else {
                    same_description(&attr.name, name)
                };
            }
        }
        let now = now_generalized();
        entry.attrs.reserve(present.iter().filter(|p| !**p).count());
        for (held, name) in present.into_iter().zip(STAMPED) {
            if held && keep {
                continue;
            }
            let value = match name {
                "entryUUID" => new_uuid(),
                "entryCSN" => self.csn.next(),
                "createTimestamp" | "modifyTimestamp" => now.clone(),
                "creatorsName" | "modifiersName" => actor.to_string(),
                _ => structural.to_string(),
            };
            let values = vec![value.into_bytes()];
            if held {
                entry.set_values(name, values);
            } else {
                // Pushed, not set: set_values would scan the entry again.
                entry.attrs.push(crate::entry::Attribute {
                    name: name.to_string(),
                    values,
                });
            }
        }
    }

    /// A new entryCSN for an entry about to be stored, taken while holding the
    /// store's writer: CSNs then follow the order of the commits.
    pub(super) fn stamp_csn(&self, entry: &mut Entry) {
        entry.set_values("entryCSN", vec![self.csn.next().into_bytes()]);
    }

    /// The operational attributes a modify or rename changes.
    pub(super) fn stamp_modify(&self, entry: &mut Entry, actor: &str) {
        entry.set_values("modifiersName", vec![actor.as_bytes().to_vec()]);
        entry.set_values("modifyTimestamp", vec![now_generalized().into_bytes()]);
        entry.set_values("entryCSN", vec![self.csn.next().into_bytes()]);
    }
}

#[cfg(test)]
mod tests {
    use super::{new_uuid, push_generalized, CsnClock};

    #[test]
    fn stamps_read_as_generalized_time_and_uuids_are_random_version_4() {
        for micros in [0, 1_733_346_600_123_456, 32_503_679_999_999_999] {
            let t = chrono::DateTime::from_timestamp_micros(micros).unwrap();
            let mut s = String::new();
            push_generalized(&mut s, &t);
            assert_eq!(s, t.format("%Y%m%d%H%M%SZ").to_string());
        }
        let (a, b) = (new_uuid(), new_uuid());
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 4, "{a}");
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{a}");
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
    }

    #[test]
    fn csns_only_grow_and_start_past_the_stored_context() {
        let clock = CsnClock::default();
        let future = "29990101000000.000000Z#000000#000#000000";
        clock.advance_past(future);
        let a = clock.next();
        let b = clock.next();
        assert!(a.as_str() > future && b > a, "{a} {b}");
        assert!(a.starts_with("29990101000000.000001Z#000000#000#"), "{a}");
        assert!(b.starts_with("29990101000000.000001Z#000001#000#"), "{b}");
    }
}
