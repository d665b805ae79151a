//! Canonical JSON (sorted keys, no whitespace) and lenient readers of v3 JSON.

use serde_json::Value;

/// Canonical serialization: object keys sorted by their UTF-8 bytes, no
/// whitespace, strings escaped as serde_json escapes them, numbers as
/// serde_json prints them (integers stay integers, floats keep their `.0`).
/// The same `Value` always gives the same bytes, whatever map order serde_json uses.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_else(|_| "\"\"".into()));
                out.push(':');
                if let Some(x) = m.get(k) {
                    write(x, out);
                }
            }
            out.push('}');
        }
    }
}

/// A v3 related list: `{"data": [...]}` (how `fields=` expands), a bare array, or nothing.
pub(crate) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key) {
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => match o.get("data") {
            Some(Value::Array(a)) => a,
            _ => &[],
        },
        _ => &[],
    }
}

/// A non-empty string field (surrounding whitespace trimmed).
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// Ids: `12`, `12.0`, `"12"`.
pub(crate) fn id(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// Numbers as ThreatConnect sends them: `3`, `3.0`, `"3.00"`.
pub(crate) fn number(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// Booleans: `true`, `"true"`, `1`.
pub(crate) fn boolean(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// An RFC 3339 date-time as (epoch seconds, nanoseconds), offsets applied, so two
/// spellings of one instant compare equal; `None` if [`is_rfc3339`] refuses it.
pub(crate) fn rfc3339_instant(s: &str) -> Option<(i64, u32)> {
    if !is_rfc3339(s) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    let days = super::exec::days_from_civil(n(0..4)?, n(5..7)? as u32, n(8..10)? as u32);
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
pub(crate) fn is_rfc3339(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"y": [1, 2.0, "x"], "x": null}});
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[1,2.0,"x"]},"b":1}"#);
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
        for s in ["2026-11-25T14:20:33Zé", "2026-11-25T14:20:33.5é", "2026-11-25T14:20:33.é", "éééééééééééééééééééé", "2026-11-25T14:2é:33Z"] {
            assert!(!is_rfc3339(s), "{s}");
        }
    }

    #[test]
    fn lenient_readers() {
        let v = json!({"a": "12", "b": 3.0, "c": "true", "l": {"data": [1]}, "m": [2]});
        assert_eq!(id(&v, "a"), Some(12));
        assert_eq!(id(&v, "b"), Some(3));
        assert_eq!(boolean(&v, "c"), Some(true));
        assert_eq!(list(&v, "l").len(), 1);
        assert_eq!(list(&v, "m").len(), 1);
        assert!(list(&v, "zz").is_empty());
    }
}
