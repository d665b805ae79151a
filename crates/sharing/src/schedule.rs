//! When a scheduled `pivot-share pull` runs next: pure (no clock, no I/O), so every
//! case is tested here. Times are UTC. (In a ThreatConnect Job, ThreatConnect schedules:
//! job mode always runs once.)

use threatconnect::time::{civil_from_days, days_from_civil};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    Once,
    /// hour, minute
    Daily(u32, u32),
    /// weekday (0 = Sunday), hour, minute
    Weekly(u32, u32, u32),
    /// day of the month (1..=31; the last day of a shorter month), hour, minute
    Monthly(u32, u32, u32),
}

pub fn parse_hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// `sun`, `Monday`, `TUE`... (three letters at least, a prefix of the full name).
pub fn parse_weekday(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    const DAYS: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    DAYS.iter().position(|d| s.len() >= 3 && d.starts_with(&s)).map(|i| i as u32)
}

/// A schedule from its kind (`once`, `daily`, `weekly`, `monthly`) and values; the
/// error names the kind as a flag (`--weekly: ...`).
pub fn parse(kind: &str, values: &[String]) -> Result<Schedule, String> {
    let bad = |m: &str| format!("--{kind}: {m}");
    let arity = match kind {
        "once" => 0,
        "daily" => 1,
        "weekly" | "monthly" => 2,
        _ => return Err(format!("unknown schedule {kind:?} (once, daily, weekly, monthly)")),
    };
    if values.len() != arity {
        return Err(bad(&format!("expected {arity} value(s)")));
    }
    let time = |s: &str| parse_hhmm(s).ok_or_else(|| bad(&format!("{s:?} is not a time HH:MM (00:00 to 23:59)")));
    Ok(match kind {
        "once" => Schedule::Once,
        "daily" => {
            let (h, m) = time(&values[0])?;
            Schedule::Daily(h, m)
        }
        "weekly" => {
            let d = parse_weekday(&values[0]).ok_or_else(|| bad(&format!("{:?} is not a day of the week (mon..sun)", values[0])))?;
            let (h, m) = time(&values[1])?;
            Schedule::Weekly(d, h, m)
        }
        _ => {
            let d = values[0]
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| bad(&format!("{:?} is not a day of the month (1..31)", values[0])))?;
            let (h, m) = time(&values[1])?;
            Schedule::Monthly(d, h, m)
        }
    })
}

/// `PIVOT_SCHEDULE`'s form: `daily 02:30`, `weekly mon 02:30`, `monthly 1 02:30`, `once`.
pub fn parse_words(s: &str) -> Result<Schedule, String> {
    let mut parts = s.split_whitespace().map(str::to_string);
    match parts.next() {
        Some(kind) => parse(&kind.to_ascii_lowercase(), &parts.collect::<Vec<_>>()),
        None => Ok(Schedule::Once),
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    (next - days_from_civil(y, m, 1)) as u32
}

/// The first run time strictly after `now` (epoch seconds, UTC); `now` for `Once`.
pub fn next_run(now: u64, s: Schedule) -> u64 {
    let today = (now / 86_400) as i64;
    let at = |day: i64, h: u32, m: u32| (day * 86_400 + (h * 3600 + m * 60) as i64) as u64;
    match s {
        Schedule::Once => now,
        Schedule::Daily(h, m) => (0..=1).map(|k| at(today + k, h, m)).find(|t| *t > now).unwrap_or(now),
        Schedule::Weekly(wd, h, m) => {
            (0..=7).map(|k| today + k).filter(|d| ((d + 4).rem_euclid(7)) as u32 == wd).map(|d| at(d, h, m)).find(|t| *t > now).unwrap_or(now)
        }
        Schedule::Monthly(day, h, m) => {
            let (mut y, mut mo, _) = civil_from_days(today);
            for _ in 0..3 {
                let d = day.min(days_in_month(y, mo));
                let t = at(days_from_civil(y, mo, d), h, m);
                if t > now {
                    return t;
                }
                if mo == 12 {
                    y += 1;
                    mo = 1;
                } else {
                    mo += 1;
                }
            }
            now
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatconnect::time::rfc3339;

    /// Expected instants worked out by hand on a calendar (2026-11-25 is a Wednesday).
    #[test]
    fn next_runs() {
        let now = days_from_civil(2026, 11, 25) as u64 * 86_400 + 14 * 3600 + 20 * 60 + 33;
        assert_eq!(rfc3339(now), "2026-11-25T14:20:33Z");
        let next = |s| rfc3339(next_run(now, s));
        assert_eq!(next(Schedule::Once), "2026-11-25T14:20:33Z");
        assert_eq!(next(Schedule::Daily(15, 0)), "2026-11-25T15:00:00Z");
        assert_eq!(next(Schedule::Daily(14, 20)), "2026-11-26T14:20:00Z");
        assert_eq!(next(Schedule::Daily(2, 0)), "2026-11-26T02:00:00Z");
        assert_eq!(next(Schedule::Weekly(1, 2, 0)), "2026-11-30T02:00:00Z");
        assert_eq!(next(Schedule::Weekly(3, 15, 0)), "2026-11-25T15:00:00Z");
        assert_eq!(next(Schedule::Weekly(3, 14, 0)), "2026-12-02T14:00:00Z");
        assert_eq!(next(Schedule::Monthly(31, 0, 0)), "2026-11-30T00:00:00Z");
        assert_eq!(next(Schedule::Monthly(1, 0, 0)), "2026-12-01T00:00:00Z");
        assert_eq!(next(Schedule::Monthly(25, 14, 0)), "2026-12-25T14:00:00Z");
        // Across a year end, and February in a leap year.
        let dec = days_from_civil(2027, 12, 31) as u64 * 86_400 + 23 * 3600;
        assert_eq!(rfc3339(next_run(dec, Schedule::Daily(22, 0))), "2028-01-01T22:00:00Z");
        assert_eq!(rfc3339(next_run(dec, Schedule::Monthly(30, 0, 0))), "2028-01-30T00:00:00Z");
        let jan = days_from_civil(2028, 1, 31) as u64 * 86_400 + 12 * 3600;
        assert_eq!(rfc3339(next_run(jan, Schedule::Monthly(31, 6, 0))), "2028-02-29T06:00:00Z");
        // At the exact minute: strictly after, so the next day.
        let exact = days_from_civil(2026, 11, 25) as u64 * 86_400 + 15 * 3600;
        assert_eq!(rfc3339(next_run(exact, Schedule::Daily(15, 0))), "2026-11-26T15:00:00Z");
    }

    #[test]
    fn parsing() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_weekday("Monday"), Some(1));
        assert_eq!(parse_weekday("sun"), Some(0));
        assert_eq!(parse_weekday("SAT"), Some(6));
        assert_eq!(parse_weekday("su"), None);
        assert_eq!(parse_weekday("xyz"), None);
        assert_eq!(parse_weekday("mondays"), None);
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("23:59"), Some((23, 59)));
        assert_eq!(parse_hhmm("7:05"), Some((7, 5)));
        assert_eq!(parse_hhmm("12:60"), None);
        assert_eq!(parse("weekly", &v(&["tue", "02:30"])), Ok(Schedule::Weekly(2, 2, 30)));
        assert_eq!(parse("monthly", &v(&["31", "00:00"])), Ok(Schedule::Monthly(31, 0, 0)));
        assert!(parse("monthly", &v(&["32", "00:00"])).unwrap_err().starts_with("--monthly: \"32\""));
        assert!(parse("daily", &v(&[])).is_err());
        assert!(parse("hourly", &v(&["1"])).is_err());
        assert_eq!(parse_words("weekly Sunday 03:15"), Ok(Schedule::Weekly(0, 3, 15)));
        assert_eq!(parse_words("DAILY 01:00"), Ok(Schedule::Daily(1, 0)));
        assert_eq!(parse_words(""), Ok(Schedule::Once));
        assert!(parse_words("daily 25:00").is_err());
    }
}
