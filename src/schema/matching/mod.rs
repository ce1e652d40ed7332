//! Matching rules (RFC 4517, RFC 4530, RFC 4518 in short): how values are
//! normalised for equality, ordered, and compared as substrings.

use crate::dn::Dn;
use std::cmp::Ordering;

/// How a rule turns a value into its comparable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// Fold case, map white space to a space, collapse runs, trim (caseIgnore*).
    CaseIgnore,
    /// Like CaseIgnore without the case folding (caseExact*).
    CaseExact,
    /// Drop spaces (numericString*).
    Numeric,
    /// Drop spaces and hyphens, fold case (telephoneNumber*).
    Telephone,
    /// Canonical decimal integer.
    Integer,
    /// TRUE / FALSE.
    Boolean,
    /// GeneralizedTime, compared as an instant.
    Time,
    /// Distinguished name, compared in normalised form.
    Dn,
    /// DN with an optional `#'bits'B` unique identifier.
    UniqueMember,
    /// Object identifiers and descriptors, case-insensitive.
    Oid,
    /// UUIDs, case-insensitive hex.
    Uuid,
    /// The first component (the OID) of a schema description.
    FirstComponent,
    /// Bytes as they are.
    Octet,
}

/// What a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// An equality rule.
    Equality,
    /// An ordering rule.
    Ordering,
    /// A substrings rule.
    Substrings,
    /// integerBitAndMatch: every bit of the assertion is set in the value.
    BitAnd,
    /// integerBitOrMatch: some bit of the assertion is set in the value.
    BitOr,
}

/// One matching rule the server implements.
#[derive(Debug)]
pub struct RuleInfo {
    /// Numeric OID.
    pub oid: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// The assertion syntax OID.
    pub syntax: &'static str,
    /// Equality, ordering, substrings or bitwise.
    pub kind: RuleKind,
    /// The normalisation applied to both sides.
    pub norm: Norm,
}

const DS: &str = "1.3.6.1.4.1.1466.115.121.1.15";
const IA5: &str = "1.3.6.1.4.1.1466.115.121.1.26";
const SUBA: &str = "1.3.6.1.4.1.1466.115.121.1.58";

macro_rules! rule {
    ($oid:expr, $name:expr, $syn:expr, $kind:ident, $norm:ident) => {
        RuleInfo {
            oid: $oid,
            name: $name,
            syntax: $syn,
            kind: RuleKind::$kind,
            norm: Norm::$norm,
        }
    };
}

/// Every matching rule listed in matchingRules and usable in filters.
pub const RULES: &[RuleInfo] = &[
    rule!(
        "2.5.13.0",
        "objectIdentifierMatch",
        "1.3.6.1.4.1.1466.115.121.1.38",
        Equality,
        Oid
    ),
    rule!(
        "2.5.13.1",
        "distinguishedNameMatch",
        "1.3.6.1.4.1.1466.115.121.1.12",
        Equality,
        Dn
    ),
    rule!("2.5.13.2", "caseIgnoreMatch", DS, Equality, CaseIgnore),
    rule!(
        "2.5.13.3",
        "caseIgnoreOrderingMatch",
        DS,
        Ordering,
        CaseIgnore
    ),
    rule!(
        "2.5.13.4",
        "caseIgnoreSubstringsMatch",
        SUBA,
        Substrings,
        CaseIgnore
    ),
    rule!("2.5.13.5", "caseExactMatch", DS, Equality, CaseExact),
    rule!(
        "2.5.13.6",
        "caseExactOrderingMatch",
        DS,
        Ordering,
        CaseExact
    ),
    rule!(
        "2.5.13.7",
        "caseExactSubstringsMatch",
        SUBA,
        Substrings,
        CaseExact
    ),
    rule!(
        "2.5.13.8",
        "numericStringMatch",
        "1.3.6.1.4.1.1466.115.121.1.36",
        Equality,
        Numeric
    ),
    rule!(
        "2.5.13.9",
        "numericStringOrderingMatch",
        "1.3.6.1.4.1.1466.115.121.1.36",
        Ordering,
        Numeric
    ),
    rule!(
        "2.5.13.10",
        "numericStringSubstringsMatch",
        SUBA,
        Substrings,
        Numeric
    ),
    rule!(
        "2.5.13.11",
        "caseIgnoreListMatch",
        "1.3.6.1.4.1.1466.115.121.1.41",
        Equality,
        CaseIgnore
    ),
    rule!(
        "2.5.13.12",
        "caseIgnoreListSubstringsMatch",
        SUBA,
        Substrings,
        CaseIgnore
    ),
    rule!(
        "2.5.13.13",
        "booleanMatch",
        "1.3.6.1.4.1.1466.115.121.1.7",
        Equality,
        Boolean
    ),
    rule!(
        "2.5.13.14",
        "integerMatch",
        "1.3.6.1.4.1.1466.115.121.1.27",
        Equality,
        Integer
    ),
    rule!(
        "2.5.13.15",
        "integerOrderingMatch",
        "1.3.6.1.4.1.1466.115.121.1.27",
        Ordering,
        Integer
    ),
    rule!(
        "2.5.13.16",
        "bitStringMatch",
        "1.3.6.1.4.1.1466.115.121.1.6",
        Equality,
        Octet
    ),
    rule!(
        "2.5.13.17",
        "octetStringMatch",
        "1.3.6.1.4.1.1466.115.121.1.40",
        Equality,
        Octet
    ),
    rule!(
        "2.5.13.18",
        "octetStringOrderingMatch",
        "1.3.6.1.4.1.1466.115.121.1.40",
        Ordering,
        Octet
    ),
    rule!(
        "2.5.13.20",
        "telephoneNumberMatch",
        "1.3.6.1.4.1.1466.115.121.1.50",
        Equality,
        Telephone
    ),
    rule!(
        "2.5.13.21",
        "telephoneNumberSubstringsMatch",
        SUBA,
        Substrings,
        Telephone
    ),
    rule!(
        "2.5.13.23",
        "uniqueMemberMatch",
        "1.3.6.1.4.1.1466.115.121.1.34",
        Equality,
        UniqueMember
    ),
    rule!(
        "2.5.13.27",
        "generalizedTimeMatch",
        "1.3.6.1.4.1.1466.115.121.1.24",
        Equality,
        Time
    ),
    rule!(
        "2.5.13.28",
        "generalizedTimeOrderingMatch",
        "1.3.6.1.4.1.1466.115.121.1.24",
        Ordering,
        Time
    ),
    rule!(
        "2.5.13.29",
        "integerFirstComponentMatch",
        "1.3.6.1.4.1.1466.115.121.1.27",
        Equality,
        Integer
    ),
    rule!(
        "2.5.13.30",
        "objectIdentifierFirstComponentMatch",
        "1.3.6.1.4.1.1466.115.121.1.38",
        Equality,
        FirstComponent
    ),
    rule!(
        "1.3.6.1.4.1.1466.109.114.1",
        "caseExactIA5Match",
        IA5,
        Equality,
        CaseExact
    ),
    rule!(
        "1.3.6.1.4.1.1466.109.114.2",
        "caseIgnoreIA5Match",
        IA5,
        Equality,
        CaseIgnore
    ),
    rule!(
        "1.3.6.1.4.1.1466.109.114.3",
        "caseIgnoreIA5SubstringsMatch",
        IA5,
        Substrings,
        CaseIgnore
    ),
    rule!(
        "1.3.6.1.4.1.4203.1.2.1",
        "caseExactIA5SubstringsMatch",
        IA5,
        Substrings,
        CaseExact
    ),
    rule!(
        "1.3.6.1.1.16.2",
        "uuidMatch",
        "1.3.6.1.1.16.1",
        Equality,
        Uuid
    ),
    rule!(
        "1.3.6.1.1.16.3",
        "uuidOrderingMatch",
        "1.3.6.1.1.16.1",
        Ordering,
        Uuid
    ),
    rule!(
        "1.3.6.1.4.1.4203.666.11.2.2",
        "CSNMatch",
        "1.3.6.1.4.1.4203.666.11.2.1",
        Equality,
        Octet
    ),
    rule!(
        "1.3.6.1.4.1.4203.666.11.2.3",
        "CSNOrderingMatch",
        "1.3.6.1.4.1.4203.666.11.2.1",
        Ordering,
        Octet
    ),
    rule!(
        "1.2.840.113556.1.4.803",
        "integerBitAndMatch",
        "1.3.6.1.4.1.1466.115.121.1.27",
        BitAnd,
        Integer
    ),
    rule!(
        "1.2.840.113556.1.4.804",
        "integerBitOrMatch",
        "1.3.6.1.4.1.1466.115.121.1.27",
        BitOr,
        Integer
    ),
];

/// The rule called `name_or_oid` (case-insensitive), if the server implements it.
pub fn lookup(name_or_oid: &str) -> Option<&'static RuleInfo> {
    let key = name_or_oid.trim();
    RULES
        .iter()
        .find(|r| r.oid == key || r.name.eq_ignore_ascii_case(key))
}

/// Map white space to single spaces and trim, optionally folding case: the
/// insignificant-space handling of RFC 4518 without its full Unicode tables.
fn squash(s: &str, fold: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        if fold {
            out.extend(word.chars().flat_map(char::to_lowercase));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Canonical decimal form of an integer (leading zeros and `+` dropped), or None.
fn canonical_integer(s: &str) -> Option<String> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    Some(match (neg, digits.is_empty()) {
        (_, true) => "0".to_string(),
        (true, false) => format!("-{digits}"),
        (false, false) => digits.to_string(),
    })
}

fn cmp_integers(a: &str, b: &str) -> Ordering {
    let (an, ad) = a.strip_prefix('-').map_or((false, a), |d| (true, d));
    let (bn, bd) = b.strip_prefix('-').map_or((false, b), |d| (true, d));
    let magnitude = ad.len().cmp(&bd.len()).then_with(|| ad.cmp(bd));
    match (an, bn) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// Parse a GeneralizedTime (RFC 4517 3.3.13) into (Unix seconds, nanoseconds).
/// Minutes and seconds are optional; a fraction applies to the last unit given;
/// the zone is `Z` or a `+hh[mm]` / `-hh[mm]` offset.
pub fn parse_generalized_time(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)? as i32;
    let month = num(4, 2)?;
    let day = num(6, 2)?;
    let hour = num(8, 2)?;
    let mut pos = 10;
    let mut minute = 0;
    let mut second = 0;
    // Seconds covered by one unit of the fraction: hour, minute or second.
    let mut unit = 3600u64;
    if let Some(m) = num(pos, 2) {
        minute = m;
        pos += 2;
        unit = 60;
        if let Some(sec) = num(pos, 2) {
            second = sec;
            pos += 2;
            unit = 1;
        }
    }
    let mut frac_nanos: u64 = 0;
    if matches!(b.get(pos), Some(b'.') | Some(b',')) {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        // Keep nine digits of precision: enough for any real timestamp.
        let digits = &s[start..pos.min(start + 9)];
        let scale = 10u64.pow(9 - digits.len() as u32);
        let frac: u64 = digits.parse::<u64>().ok()? * scale;
        frac_nanos = frac * unit;
    }
    let offset_secs: i64 = match b.get(pos) {
        Some(b'Z') if pos + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hh = num(pos + 1, 2)? as i64;
            let mm = if b.len() == pos + 5 {
                num(pos + 3, 2)? as i64
            } else if b.len() == pos + 3 {
                0
            } else {
                return None;
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            let off = hh * 3600 + mm * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    let base = date.and_hms_opt(hour, minute, 0)?.and_utc().timestamp();
    let total_nanos = frac_nanos;
    let secs = base + second as i64 - offset_secs + (total_nanos / 1_000_000_000) as i64;
    Some((secs, (total_nanos % 1_000_000_000) as u32))
}

/// Canonical UTC text of a GeneralizedTime: YYYYMMDDHHMMSS[.fraction]Z.
fn canonical_time(s: &str) -> Option<String> {
    let (secs, nanos) = parse_generalized_time(s.trim())?;
    let dt = chrono::DateTime::from_timestamp(secs, nanos)?;
    let mut out = dt.format("%Y%m%d%H%M%S").to_string();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    Some(out)
}

/// The comparable form of `value` under `norm` (the "equality key").
/// Values a rule cannot parse fall back to their bytes, so they still compare
/// equal to themselves and never panic.
pub fn normalize(norm: Norm, value: &[u8]) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(value) else {
        return value.to_vec();
    };
    let out = match norm {
        Norm::CaseIgnore => squash(s, true),
        Norm::CaseExact => squash(s, false),
        Norm::Numeric => s.chars().filter(|c| *c != ' ').collect(),
        Norm::Telephone => s
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect(),
        Norm::Integer => canonical_integer(s).unwrap_or_else(|| s.trim().to_string()),
        Norm::Boolean => s.trim().to_ascii_uppercase(),
        Norm::Time => canonical_time(s).unwrap_or_else(|| s.trim().to_string()),
        Norm::Dn => match Dn::parse(s) {
            Ok(dn) => dn.normalized(),
            Err(_) => squash(s, true),
        },
        Norm::UniqueMember => {
            let (dn, uid) = match s.rfind("#'") {
                Some(i) if s.ends_with("'B") => (&s[..i], &s[i..]),
                _ => (s, ""),
            };
            let dn = Dn::parse(dn)
                .map(|d| d.normalized())
                .unwrap_or_else(|_| squash(dn, true));
            format!("{dn}{uid}")
        }
        Norm::Oid | Norm::Uuid => s.trim().to_ascii_lowercase(),
        Norm::FirstComponent => {
            let t = s.trim();
            let inner = t.strip_prefix('(').unwrap_or(t);
            inner
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        }
        Norm::Octet => return value.to_vec(),
    };
    out.into_bytes()
}

/// Order two values under `norm`; None when the rule cannot order them
/// (unparsable integers or times, DNs).
pub fn compare(norm: Norm, a: &[u8], b: &[u8]) -> Option<Ordering> {
    match norm {
        Norm::Integer => {
            let a = canonical_integer(std::str::from_utf8(a).ok()?)?;
            let b = canonical_integer(std::str::from_utf8(b).ok()?)?;
            Some(cmp_integers(&a, &b))
        }
        Norm::Time => {
            let a = parse_generalized_time(std::str::from_utf8(a).ok()?.trim())?;
            let b = parse_generalized_time(std::str::from_utf8(b).ok()?.trim())?;
            Some(a.cmp(&b))
        }
        Norm::Dn | Norm::UniqueMember | Norm::Boolean | Norm::FirstComponent => None,
        _ => Some(normalize(norm, a).cmp(&normalize(norm, b))),
    }
}

/// The integer value of `value` for the bitwise rules (i64 range only).
pub fn integer_value(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// A loose "sounds like" key for approximate matching (`~=`), documented here
/// because RFC 4511 leaves the algorithm to the server: fold case, keep letters
/// and digits, and per word keep the first letter, drop later vowels and
/// h/w/y, and collapse doubled letters. "John Smyth" and "Jon Smith" both give
/// "jn smt". Values that reduce to nothing compare by their folded text.
pub fn approx_key(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let folded = squash(&text, true);
    let mut words = Vec::new();
    for word in folded.split(' ') {
        let mut key = String::new();
        let mut last: Option<char> = None;
        for (i, c) in word.chars().filter(|c| c.is_alphanumeric()).enumerate() {
            let skip = i > 0 && matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'w');
            if !skip && last != Some(c) {
                key.push(c);
            }
            if !skip {
                last = Some(c);
            }
        }
        if !key.is_empty() {
            words.push(key);
        }
    }
    if words.is_empty() {
        folded
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ignore_folds_and_squashes_spaces() {
        assert_eq!(
            normalize(Norm::CaseIgnore, b"  Post   Master "),
            b"post master"
        );
        assert_eq!(normalize(Norm::CaseExact, b" Post  Master"), b"Post Master");
    }

    #[test]
    fn integers_and_telephone_numbers_have_canonical_forms() {
        assert_eq!(normalize(Norm::Integer, b"00101"), b"101");
        assert_eq!(normalize(Norm::Integer, b"-0"), b"0");
        assert_eq!(normalize(Norm::Telephone, b"+1 555-0100"), b"+15550100");
        assert_eq!(normalize(Norm::Numeric, b"12 34"), b"1234");
        assert_eq!(compare(Norm::Integer, b"9", b"10"), Some(Ordering::Less));
        assert_eq!(
            compare(Norm::Integer, b"-9", b"-10"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(Norm::Integer, b"x", b"10"), None);
    }

    #[test]
    fn generalized_time_compares_instants_across_zones() {
        assert_eq!(
            normalize(Norm::Time, b"20240131130000+0100"),
            normalize(Norm::Time, b"20240131120000Z")
        );
        assert_eq!(normalize(Norm::Time, b"202401311200Z"), b"20240131120000Z");
        assert_eq!(
            normalize(Norm::Time, b"20240131120000.500Z"),
            b"20240131120000.5Z"
        );
        assert_eq!(
            compare(Norm::Time, b"20240131120000Z", b"20240131120000.5Z"),
            Some(Ordering::Less)
        );
        assert!(parse_generalized_time("20241331120000Z").is_none());
        assert!(parse_generalized_time("20240131120000").is_none());
        assert!(parse_generalized_time("2024013112.5Z").is_some());
    }

    #[test]
    fn dns_compare_in_normalised_form() {
        assert_eq!(
            normalize(Norm::Dn, b"MAIL=User1@Domain1.example, o=hosting"),
            normalize(Norm::Dn, b"mail=user1@domain1.example,O=Hosting")
        );
    }

    #[test]
    fn approx_keys_sound_alike() {
        assert_eq!(approx_key(b"John Smyth"), approx_key(b"jon smith"));
        assert_ne!(approx_key(b"John Smith"), approx_key(b"Jane Doe"));
    }

    #[test]
    fn rules_are_found_by_name_or_oid() {
        assert_eq!(
            lookup("CASEIGNOREIA5MATCH").map(|r| r.oid),
            Some("1.3.6.1.4.1.1466.109.114.2")
        );
        assert_eq!(lookup("2.5.13.14").map(|r| r.name), Some("integerMatch"));
        assert!(lookup("noSuchMatch").is_none());
    }
}
