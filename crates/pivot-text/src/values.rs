//! How API values read on screen: scalars and field labels, links that are only ever
//! http(s), TLP classes, ratings and confidence in ThreatConnect's words, dates
//! ("3 Jun 2025 20:32 UTC · 6 mo ago"), sizes in KB and MB, hash kinds and type names as
//! ThreatConnect writes them, file names. Everything here returns text; nothing is ever
//! turned into HTML.

use crate::escape::escape_controls;
use serde_json::Value;

/// A scalar as text; `None` for objects, arrays and null.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        _ => None,
    }
}

/// `fooBarBaz` as `Foo bar baz`.
pub fn label_of(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        // ASCII case mapping: keys are ASCII, and Unicode's tables would weigh on the wasm.
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The named fields of `raw` that are present, in the order given.
pub fn present(raw: &Value, keys: &[&str]) -> Vec<(String, String)> {
    keys.iter().filter_map(|k| raw.get(*k).and_then(scalar_text).map(|v| (label_of(k), v))).collect()
}

/// Every scalar field of an object (nested objects and lists are skipped).
pub fn all_scalars(raw: &Value) -> Vec<(String, String)> {
    raw.as_object().map(|o| o.iter().filter_map(|(k, v)| scalar_text(v).map(|t| (label_of(k), t))).collect()).unwrap_or_default()
}

/// `{"data": [...]}` (v3 expanded field) or a bare list.
pub fn data_list(v: &Value) -> Vec<Value> {
    match v.get("data").unwrap_or(v) {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![v.get("data").unwrap_or(v).clone()],
        _ => Vec::new(),
    }
}

/// `webLink`s only when they are http(s); anything else (`javascript:`...) is not a link.
pub fn safe_http_link(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| url.to_owned())
}

/// The CSS class for a TLP label; other labels get the neutral style (the
/// label's own `color` from the API is never put into a style attribute).
pub fn tlp_class(name: &str) -> &'static str {
    match name.trim().to_ascii_uppercase().as_str() {
        "TLP:RED" => "chip label tlp-red",
        "TLP:AMBER" | "TLP:AMBER+STRICT" => "chip label tlp-amber",
        "TLP:GREEN" => "chip label tlp-green",
        "TLP:WHITE" | "TLP:CLEAR" => "chip label tlp-clear",
        _ => "chip label",
    }
}

/// A 0-5 rating as five stars (no float formatting: it costs kilobytes of wasm).
pub fn rating_stars(rating: f64) -> String {
    let full = if rating.is_finite() { rating.round().clamp(0.0, 5.0) as usize } else { 0 };
    let mut s = "★".repeat(full);
    s.push_str(&"☆".repeat(5 - full));
    s
}

/// A 0-100 figure (confidence, ThreatAssess score) as a whole number.
pub fn whole(n: f64) -> String {
    if n.is_finite() {
        (n.round() as i64).to_string()
    } else {
        "?".to_owned()
    }
}

/// A Document's or Report's `fileName` as the download is named (and its button
/// says): escaped, so U+202E cannot make `gpj.exe` read as an image.
pub fn document_file_name(raw: &Value) -> Option<String> {
    raw.get("fileName").and_then(Value::as_str).map(|n| escape_controls(n).into_owned())
}

/// ThreatConnect's name for a threat rating (0 to 5 skulls): 1 Suspicious, 2 Low,
/// 3 Moderate, 4 High, 5 Critical; 0 is Unknown.
pub fn rating_words(rating: f64) -> String {
    let n = if rating.is_finite() { rating.round().clamp(0.0, 5.0) as usize } else { 0 };
    let word = ["Unknown", "Suspicious", "Low", "Moderate", "High", "Critical"][n];
    format!("{n}/5 {word}")
}

/// ThreatConnect's name for a confidence rating: 0 Unassessed, 1-25 Improbable,
/// 26-49 Doubtful, 50-69 Possible, 70-89 Probable, 90-100 Confirmed.
pub fn confidence_words(confidence: f64) -> String {
    let n = if confidence.is_finite() { confidence.round().clamp(0.0, 100.0) as i64 } else { 0 };
    let word = match n {
        0 => "Unassessed",
        1..=25 => "Improbable",
        26..=49 => "Doubtful",
        50..=69 => "Possible",
        70..=89 => "Probable",
        _ => "Confirmed",
    };
    format!("{n}% {word}")
}

/// A count with thousands separators: `10001` as `10,001`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A file size as people read it (1 KB = 1,024 bytes, as ThreatConnect and file
/// managers show them): `20480` as `20 KB`, `1536` as `1.5 KB`, one decimal below 10.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    // Whole arithmetic in tenths (float formatting weighs on the wasm).
    let mut unit = 0;
    let mut scale: u64 = 1024;
    while unit + 1 < UNITS.len() && bytes >= scale * 1024 {
        scale *= 1024;
        unit += 1;
    }
    let mut tenths = ((bytes as u128 * 10 + scale as u128 / 2) / scale as u128) as u64;
    // 1,048,575 bytes round to 1024.0 KB: that is 1 MB.
    if tenths >= 10_240 && unit + 1 < UNITS.len() {
        unit += 1;
        tenths = 10;
    }
    if tenths < 100 && !tenths.is_multiple_of(10) {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (tenths + 5) / 10, UNITS[unit])
    }
}

/// ThreatConnect's name for a hash kind: `md5` as `MD5`, `sha256` as `SHA256`.
pub fn hash_label(key: &str) -> String {
    key.to_ascii_uppercase()
}

/// A type's name as ThreatConnect's screens write it (`EmailAddress` is `Email Address`;
/// the others read as their `typeName`).
pub fn type_display(type_name: &str) -> &str {
    match type_name {
        "EmailAddress" => "Email Address",
        other => other,
    }
}

/// The indicator type a free-text value (a WHOIS field) has the shape of: `EmailAddress`
/// (one `@`, a dotted domain), `Address` (dotted IPv4), `Host` (dotted labels of letters,
/// digits and hyphens ending in a letter label); `None` for anything else (names, dates).
pub fn indicator_shape(v: &str) -> Option<&'static str> {
    let host = |h: &str| {
        let labels: Vec<&str> = h.split('.').collect();
        labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
            && labels.last().is_some_and(|l| l.len() >= 2 && l.bytes().all(|c| c.is_ascii_alphabetic()))
    };
    let v = v.trim();
    if v.is_empty() || v.len() > 254 {
        return None;
    }
    if let Some((local, domain)) = v.split_once('@') {
        let local_ok = !local.is_empty() && local.bytes().all(|c| c.is_ascii_graphic() && c != b'@' && c != b'<' && c != b'>');
        return (local_ok && host(domain)).then_some("EmailAddress");
    }
    let octets: Vec<&str> = v.split('.').collect();
    if octets.len() == 4
        && octets.iter().all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|c| c.is_ascii_digit()) && o.parse::<u16>().is_ok_and(|n| n <= 255))
    {
        return Some("Address");
    }
    host(v).then_some("Host")
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, usize, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m as usize, d)
}

/// Seconds since the epoch of an RFC 3339 time as the API writes them
/// (`2025-06-03T20:32:08Z`, with fractions or a `+hh:mm` offset); `None` for anything else.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        rest = &rest[1 + digits..];
    }
    let offset = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest[3] == b':' => {
            let hm = std::str::from_utf8(rest).ok()?;
            let (oh, om): (i64, i64) = (hm[1..3].parse().ok()?, hm[4..6].parse().ok()?);
            if *sign == b'+' {
                oh * 3600 + om * 60
            } else {
                -(oh * 3600 + om * 60)
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// How long before `now` (or after, for a date to come) in one rounded-down unit.
pub fn relative_time(t: i64, now: i64) -> String {
    let delta = now - t;
    let s = delta.abs();
    let amount = match s {
        0..=59 => return "just now".to_owned(),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h", s / 3600),
        86_400..=2_591_999 => format!("{} d", s / 86_400),
        2_592_000..=31_535_999 => format!("{} mo", s / 2_592_000),
        _ => format!("{} y", s / 31_536_000),
    };
    if delta >= 0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

/// An API time as people read it: `3 Jun 2025 20:32 UTC · 6 mo ago` (with `now` in
/// seconds since the epoch). Anything that is not an RFC 3339 time comes back as given,
/// control characters escaped.
pub fn date_text(s: &str, now: i64) -> String {
    let Some(t) = parse_time(s) else { return escape_controls(s).into_owned() };
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!("{d} {} {y} {:02}:{:02} UTC · {}", MONTHS[m - 1], secs / 3600, secs % 3600 / 60, relative_time(t, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_and_scalars() {
        assert_eq!(label_of("eventDate"), "Event date");
        assert_eq!(label_of("fileName"), "File name");
        let raw = json!({"status": "Closed", "fileSize": 12, "nested": {"a": 1}, "empty": "", "ok": true});
        assert_eq!(present(&raw, &["fileSize", "status", "missing"]), vec![("File size".into(), "12".into()), ("Status".into(), "Closed".into())]);
        assert_eq!(all_scalars(&raw).len(), 3);
        assert_eq!(data_list(&json!({"data": [1, 2]})).len(), 2);
        assert_eq!(data_list(&json!({"data": {"x": 1}})).len(), 1);
    }

    #[test]
    fn links_only_http() {
        assert!(safe_http_link("https://app.tc/auth/indicators/details/host.xhtml?host=a").is_some());
        assert!(safe_http_link("HTTP://x.test").is_some());
        for bad in
            ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.test", "http://x.test/a b", "vbscript:x", "https\t://x"]
        {
            assert_eq!(safe_http_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn tlp_classes_and_numbers() {
        assert_eq!(tlp_class("tlp:red"), "chip label tlp-red");
        assert_eq!(tlp_class("<script>"), "chip label");
        assert_eq!(rating_stars(3.0), "★★★☆☆");
        assert_eq!(rating_stars(7.5), "★★★★★");
        assert_eq!(rating_stars(f64::NAN), "☆☆☆☆☆");
        assert_eq!(whole(84.6), "85");
    }

    #[test]
    fn download_names_are_escaped() {
        assert_eq!(document_file_name(&json!({"fileName": "dossier.pdf"})), Some("dossier.pdf".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "invoice\u{202E}fdp.exe"})), Some("invoice\\u{202E}fdp.exe".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "a\r\nb"})), Some("a\\u{000D}\\u{000A}b".to_owned()));
        assert_eq!(document_file_name(&json!({"name": "x"})), None);
    }

    #[test]
    fn ratings_and_confidence_in_threatconnects_words() {
        assert_eq!(rating_words(3.0), "3/5 Moderate");
        assert_eq!(rating_words(0.0), "0/5 Unknown");
        assert_eq!(rating_words(4.6), "5/5 Critical");
        assert_eq!(rating_words(1.0), "1/5 Suspicious");
        assert_eq!(rating_words(f64::NAN), "0/5 Unknown");
        assert_eq!(confidence_words(70.0), "70% Probable");
        assert_eq!(confidence_words(0.0), "0% Unassessed");
        assert_eq!(confidence_words(25.0), "25% Improbable");
        assert_eq!(confidence_words(26.0), "26% Doubtful");
        assert_eq!(confidence_words(50.0), "50% Possible");
        assert_eq!(confidence_words(89.0), "89% Probable");
        assert_eq!(confidence_words(90.0), "90% Confirmed");
        assert_eq!(confidence_words(250.0), "100% Confirmed");
    }

    #[test]
    fn sizes() {
        // The seeded document's 20,480 bytes are 20 KB.
        assert_eq!(size_text(20480), "20 KB");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(1023), "1023 bytes");
        assert_eq!(size_text(1024), "1 KB");
        assert_eq!(size_text(5 * 1024 * 1024 + 512 * 1024), "5.5 MB");
        assert_eq!(size_text(300 * 1024 * 1024), "300 MB");
        assert_eq!(size_text(1024 * 1024 - 1), "1 MB");
        assert_eq!(hash_label("sha256"), "SHA256");
        assert_eq!(type_display("EmailAddress"), "Email Address");
        assert_eq!(type_display("Registry Key"), "Registry Key");
    }

    #[test]
    fn indicator_shapes_of_whois_values() {
        assert_eq!(indicator_shape("abuse@registrar.example"), Some("EmailAddress"));
        assert_eq!(indicator_shape("ns1.bad.example.com"), Some("Host"));
        assert_eq!(indicator_shape(" 203.0.113.66 "), Some("Address"));
        for not in [
            "Example Registrar, Inc.",
            "2020-01-01",
            "1.2.3",
            "256.1.1.1",
            "a@b",
            "<x>@evil.example",
            "evil.example.com/path",
            "x..y.com",
            "",
            "REDACTED",
        ] {
            assert_eq!(indicator_shape(not), None, "{not}");
        }
    }

    #[test]
    fn dates_people_read() {
        // Seconds since the epoch from `date -u -d 2025-06-03T20:32:08Z +%s`.
        assert_eq!(parse_time("2025-06-03T20:32:08Z"), Some(1_748_982_728));
        assert_eq!(parse_time("2025-06-03T20:32:08.123Z"), Some(1_748_982_728));
        assert_eq!(parse_time("2025-06-03T15:32:08-05:00"), Some(1_748_982_728));
        assert_eq!(parse_time("2024-02-29T23:59:59Z"), Some(1_709_251_199));
        for bad in ["", "yesterday", "2025-13-03T20:32:08Z", "2025-06-03T20:32:08Q", "2025-06-03", "２０２５-06-03T20:32:08Z"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        // The example, six months (183 days) later.
        let now = 1_764_793_928; // 2025-12-03T20:32:08Z
        assert_eq!(date_text("2025-06-03T20:32:08Z", now), "3 Jun 2025 20:32 UTC · 6 mo ago");
        assert_eq!(date_text("2025-12-03T20:30:00Z", now), "3 Dec 2025 20:30 UTC · 2 min ago");
        assert_eq!(date_text("2025-12-03T20:32:00Z", now), "3 Dec 2025 20:32 UTC · just now");
        assert_eq!(date_text("2025-12-06T20:32:08Z", now), "6 Dec 2025 20:32 UTC · in 3 d");
        assert_eq!(date_text("2024-02-29T23:59:59Z", now), "29 Feb 2024 23:59 UTC · 1 y ago");
        assert_eq!(date_text("soon\u{202E}", now), "soon\\u{202E}");
    }

    #[test]
    fn thousands_separators() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (10_001, "10,001"),
            (123_456, "123,456"),
            (1_234_567, "1,234,567"),
            (-1234, "-1,234"),
        ];
        for (n, want) in cases {
            assert_eq!(thousands(n), want, "{n}");
        }
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
