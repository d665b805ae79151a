//! Dates as ThreatConnect and HTTP write them, with no date crate: RFC 3339
//! (`2026-11-25T14:20:33Z`, what the API sends and takes), HTTP-dates (`Retry-After`),
//! and the civil-calendar arithmetic under both.

/// Epoch seconds as RFC 3339 UTC (`2026-11-25T14:20:33Z`).
pub fn rfc3339(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) -> days since 1970-01-01 (the inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An RFC 3339 date-time as (epoch seconds, nanoseconds), offsets applied, so two
/// spellings of one instant compare equal; `None` if [`is_rfc3339`] refuses it.
pub fn rfc3339_instant(s: &str) -> Option<(i64, u32)> {
    if !is_rfc3339(s) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(5..7)? as u32, n(8..10)? as u32);
    let mut secs = days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?;
    let rest = &s[19..];
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len())),
        None => ("", rest),
    };
    let nanos = format!("{frac:0<9}")[..9].parse::<u32>().ok()?;
    if let Some(sign) = zone.chars().next().filter(|c| *c == '+' || *c == '-') {
        let off = n(s.len() - 5..s.len() - 3)? * 3600 + n(s.len() - 2..s.len())? * 60;
        secs -= if sign == '+' { off } else { -off };
    }
    Some((secs, nanos))
}

/// `2026-11-25T14:20:33Z`, `2026-11-25T14:20:33.123+01:00`: RFC 3339 date-time (shape and ranges).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return false;
    }
    if !(matches!(b[10], b'T' | b't') && digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19)) {
        return false;
    }
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) || num(11..13) > 23 || num(14..16) > 59 || num(17..19) > 60 {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &s[i..] {
        "Z" | "z" => true,
        off => {
            let o = off.as_bytes();
            o.len() == 6
                && matches!(o[0], b'+' | b'-')
                && o[1..3].iter().all(u8::is_ascii_digit)
                && o[3] == b':'
                && o[4..6].iter().all(u8::is_ascii_digit)
        }
    }
}

/// IMF-fixdate to epoch seconds.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: u64 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|x| x.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    // The year is four digits (RFC 9110's IMF-fixdate): a longer one would overflow the arithmetic below.
    if it.next()? != "GMT" || !(0..=9999).contains(&year) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day as u32);
    if days < 0 {
        return None;
    }
    Some(days as u64 * 86400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_080_433), "2025-11-25T14:20:33Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn rfc3339_instants_apply_offsets_and_fractions() {
        // 2026-11-25T14:20:33Z is 1_795_616_433 (date -d 2026-11-25T14:20:33Z +%s).
        assert_eq!(rfc3339_instant("2026-11-25T14:20:33Z"), Some((1_795_616_433, 0)));
        assert_eq!(rfc3339_instant("2026-11-25T15:20:33+01:00"), Some((1_795_616_433, 0)));
        assert_eq!(rfc3339_instant("2026-11-25T08:20:33.5-06:00"), Some((1_795_616_433, 500_000_000)));
        assert_eq!(rfc3339_instant("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(rfc3339_instant("yesterday"), None);
    }

    #[test]
    fn rfc3339_shapes() {
        assert!(is_rfc3339("2026-11-25T14:20:33Z"));
        assert!(is_rfc3339("2026-11-25T14:20:33.5+01:00"));
        assert!(!is_rfc3339("2026-13-25T14:20:33Z"));
        assert!(!is_rfc3339("1764080433"));
        assert!(!is_rfc3339("2026-11-25 14:20:33"));
        assert!(!is_rfc3339("2026-11-25T14:20:33+0100"));
        // Non-ASCII input never panics (slicing stays on char boundaries).
        for s in ["2026-11-25T14:20:33Zé", "2026-11-25T14:20:33.5é", "2026-11-25T14:20:33.é", "éééééééééééééééééééé", "2026-11-25T14:2é:33Z"]
        {
            assert!(!is_rfc3339(s), "{s}");
        }
    }

    #[test]
    fn http_dates() {
        // 1445412480 = Wed, 21 Oct 2015 07:28:00 GMT (python3: calendar.timegm((2015,10,21,7,28,0)))
        assert_eq!(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1445412480));
        assert_eq!(parse_http_date("garbage"), None);
        assert_eq!(parse_http_date("Wed, 99 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), Some(253402300799));
        // A year past four digits is no HTTP date (it overflowed: a panic in debug builds).
        assert_eq!(parse_http_date("Wed, 21 Oct 584554051224 07:28:00 GMT"), None);
        assert_eq!(parse_http_date("Wed, 21 Oct -9223372036854775808 07:28:00 GMT"), None);
    }
}
