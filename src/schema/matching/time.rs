//! The time family: GeneralizedTime parsed to an instant, so generalizedTimeMatch
//! and generalizedTimeOrderingMatch compare moments rather than text.

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
pub(super) fn canonical_time(s: &str) -> Option<String> {
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
