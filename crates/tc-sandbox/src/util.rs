//! Small helpers: time, percent-coding, a deterministic PRNG, JSON errors.

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn now_s() -> i64 {
    now_ms() / 1000
}

/// ISO 8601 UTC ("2021-11-02T13:07:08Z") from epoch seconds.
pub fn iso(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, secs / 3600, (secs / 60) % 60, secs % 60)
}

fn hexval(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes; invalid escapes are kept literally. `plus` turns '+' into ' ' (form encoding, for query strings).
pub fn pct_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hexval(b[i + 1]), hexval(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        if plus && b[i] == b'+' {
            out.push(b' ');
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but unreserved characters.
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{:02X}", c));
        }
    }
    out
}

/// Decoded query pairs (form decoding: '+' is a space).
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (pct_decode(k, true), pct_decode(v, true)),
            None => (pct_decode(p, true), String::new()),
        })
        .collect()
}

/// Query string with the values of token-bearing parameters replaced, for logs.
pub fn redact_query(q: &str) -> String {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, _)) if is_secret_param(k) => format!("{}=REDACTED", k),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_secret_param(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k.contains("token") || k.contains("signature") || k.contains("secret") || k.contains("authorization")
}

/// splitmix64: deterministic, seedable, no dependencies.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
}

/// An API error; rendered as a v2 or v3 ThreatConnect error body by the router.
#[derive(Debug)]
pub struct ApiErr {
    pub status: u16,
    pub message: String,
    pub code: Option<&'static str>,
}

impl ApiErr {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiErr { status, message: message.into(), code: None }
    }
    pub fn tql(message: impl Into<String>) -> Self {
        ApiErr { status: 400, message: message.into(), code: Some("0x2001") }
    }
}

/// A database error never reaches the client: its text (table names, SQL) goes to the sandbox's
/// stderr and the answer is ThreatConnect's opaque 500.
impl From<rusqlite::Error> for ApiErr {
    fn from(e: rusqlite::Error) -> Self {
        eprintln!("tc-sandbox: internal error: {}", e);
        ApiErr::new(500, INTERNAL_ERROR)
    }
}

/// The message of every 500 the sandbox answers for its own failure.
pub const INTERNAL_ERROR: &str = "An unexpected error occurred. Please contact your system administrator.";

pub type Res<T> = Result<T, ApiErr>;

pub fn bad(msg: impl Into<String>) -> ApiErr {
    ApiErr::new(400, msg)
}
pub fn not_found(msg: impl Into<String>) -> ApiErr {
    ApiErr::new(404, msg)
}

pub fn v3_code(status: u16) -> &'static str {
    match status {
        400 => "0x1001",
        401 => "0x1002",
        403 => "0x1003",
        404 => "0x1004",
        405 => "0x1005",
        409 => "0x1006",
        _ => "0x1007",
    }
}

pub fn err_body(v3: bool, e: &ApiErr) -> Value {
    if v3 {
        json!({"status": "Error", "errCode": e.code.unwrap_or_else(|| v3_code(e.status)), "message": e.message})
    } else {
        json!({"status": "Failure", "message": e.message})
    }
}

/// A number from JSON that may come as a number or a string.
pub fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn int(v: &Value) -> Option<i64> {
    num(v).map(|f| f as i64)
}

pub fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON value that may be one object or an array of them.
pub fn items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => vec![],
        Some(o) => vec![o.clone()],
    }
}

/// Parses "2026-01-02", "2026-01-02T03:04:05Z" (and fractional / offset-less variants) to epoch seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, t),
        None => (s, "00:00:00"),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let mo: i64 = dp.next()?.parse().ok()?;
    let d: i64 = dp.next()?.parse().ok()?;
    if !(1..=9999).contains(&y) || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    // ISO 8601 offsets: `Z`, `+hh:mm`, `-hh:mm`, `+hhmm`, `+hh` (the SDK's examples send `-06:00`).
    let (time, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(k) => (&time[..k], parse_offset(&time[k..])?),
        None => (time, 0),
    };
    let time = time.split('.').next().unwrap_or("0");
    let mut tp = time.split(':');
    let h: i64 = tp.next().unwrap_or("0").parse().ok()?;
    let mi: i64 = tp.next().unwrap_or("0").parse().ok()?;
    let se: i64 = tp.next().unwrap_or("0").parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..61).contains(&se) {
        return None;
    }
    // days_from_civil
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if mo > 2 { mo - 3 } else { mo + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Seconds east of UTC in `Z`, `+05:30`, `-0600`, `+01`.
fn parse_offset(s: &str) -> Option<i64> {
    let sign = match s.as_bytes().first()? {
        b'Z' | b'z' if s.len() == 1 => return Some(0),
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    if h > 23 || m > 59 || (s.len() == 6 && s.as_bytes()[3] != b':') {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_513_703_787), "2017-12-19T17:16:27Z");
    }
    #[test]
    fn decode() {
        assert_eq!(pct_decode("a%2Fb+c%", false), "a/b+c%");
        assert_eq!(pct_decode("a%2Fb+c%4", true), "a/b c%4");
        assert_eq!(pct_encode("a b/?#%+"), "a%20b%2F%3F%23%25%2B");
        assert_eq!(redact_query("expiredToken=abc&x=1"), "expiredToken=REDACTED&x=1");
    }
}

/// A path segment that is `.` to a URL parser: `.` or `%2e` (WHATWG URL "single-dot segment").
fn is_single_dot(seg: &str) -> bool {
    seg == "." || seg.eq_ignore_ascii_case("%2e")
}

/// A path segment that is `..` to a URL parser: `..`, `.%2e`, `%2e.` or `%2e%2e`, any case.
fn is_double_dot(seg: &str) -> bool {
    matches!(seg.to_ascii_lowercase().as_str(), ".." | ".%2e" | "%2e." | "%2e%2e")
}

/// The raw path with its dot segments resolved, as RFC 3986 §5.2.4 (remove_dot_segments)
/// and browsers do, and as a real ThreatConnect front end does before routing: a
/// percent-encoded dot counts as a dot, but nothing else is decoded (`%2F` stays inside
/// its segment). `..` never climbs above `/`. A target that is not an absolute path is kept.
pub fn remove_dot_segments(raw: &str) -> String {
    if !raw.starts_with('/') {
        return raw.to_string();
    }
    let segs: Vec<&str> = raw[1..].split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segs.len());
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if is_single_dot(seg) || is_double_dot(seg) {
            if is_double_dot(seg) {
                out.pop();
            }
            // "/a/b/.." is "/a/": a trailing dot segment leaves the directory's slash.
            if last {
                out.push("");
            }
        } else {
            out.push(seg);
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod dot_segment_tests {
    use super::remove_dot_segments;
    use proptest::prelude::*;

    /// RFC 3986 §5.2.4's own examples, §5.4's normal and abnormal examples that reach
    /// remove_dot_segments (base path /b/c/d;p merged), and WHATWG's percent-encoded dots.
    #[test]
    fn documented_examples() {
        for (raw, want) in [
            ("/a/b/c/./../../g", "/a/g"),
            ("/b/c/g", "/b/c/g"),
            ("/b/c/./g", "/b/c/g"),
            ("/b/c/g/", "/b/c/g/"),
            ("/b/c/.", "/b/c/"),
            ("/b/c/./", "/b/c/"),
            ("/b/c/..", "/b/"),
            ("/b/c/../", "/b/"),
            ("/b/c/../g", "/b/g"),
            ("/b/c/../..", "/"),
            ("/b/c/../../", "/"),
            ("/b/c/../../g", "/g"),
            ("/b/c/../../../g", "/g"),
            ("/b/c/../../../../g", "/g"),
            ("/./g", "/g"),
            ("/../g", "/g"),
            ("/b/c/g.", "/b/c/g."),
            ("/b/c/.g", "/b/c/.g"),
            ("/b/c/g..", "/b/c/g.."),
            ("/b/c/..g", "/b/c/..g"),
            ("/b/c/./../g", "/b/g"),
            ("/b/c/./g/.", "/b/c/g/"),
            ("/b/c/g/./h", "/b/c/g/h"),
            ("/b/c/g/../h", "/b/c/h"),
            // Percent-encoded dots are dots; %2F is not a slash.
            ("/api/v2/indicators/hosts/evil.com/tags/%2e%2e", "/api/v2/indicators/hosts/evil.com/"),
            ("/api/v2/x/.%2E/y", "/api/v2/y"),
            ("/api/v2/x/%2E./y", "/api/v2/y"),
            ("/api/v2/x/%2e/y", "/api/v2/x/y"),
            ("/api/v2/x/..%2F..%2Fowners", "/api/v2/x/..%2F..%2Fowners"),
            ("/api/v2/x/%2e%2e%2e", "/api/v2/x/%2e%2e%2e"),
            ("/", "/"),
            ("*", "*"),
        ] {
            assert_eq!(remove_dot_segments(raw), want, "{raw}");
        }
    }

    proptest! {
        /// A second opinion: the WHATWG URL parser (`url` crate), on paths built from the
        /// pieces that matter (slashes, dots, percent-encoded dots and slashes, letters).
        #[test]
        fn agrees_with_the_whatwg_url_parser(parts in proptest::collection::vec(
            prop_oneof!["/", "\\.", "\\.\\.", "%2e", "%2E", "\\.%2e", "%2e\\.", "%2E%2e", "%2F", "%2f", "a", "b", "a\\.b", "x%2eb"], 0..16)) {
            let raw = format!("/{}", parts.concat());
            let parsed = url::Url::parse(&format!("http://h{raw}")).unwrap();
            prop_assert_eq!(remove_dot_segments(&raw), parsed.path(), "{}", raw);
        }
    }
}
