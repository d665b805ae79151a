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
