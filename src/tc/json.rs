//! Lenient reading of ThreatConnect JSON, by hand over `serde_json::Value`.
//!
//! Why not `#[derive(Deserialize)]` per model: every model would need custom
//! `deserialize_with` helpers (ids as strings, booleans as "true", ratings as
//! "3.00", one-or-many) plus `#[serde(flatten)]` to keep unknown fields, and each
//! derive is monomorphized code in the wasm. One `Value` parser (already linked
//! for the envelopes) plus these few readers is smaller, keeps everything the API
//! sent (`raw`), and reports the JSON path that failed.

use super::error::Error;
use serde_json::{Map, Value};

pub(crate) type R<T> = Result<T, Error>;

/// Integer ids and counts: `12`, `12.0`, `"12"`, `" 12 "`.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>().ok().or_else(|| parse_f64(t).filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
        }
        _ => None,
    }
}

/// Numbers in strings go through serde_json's number parser, which is linked
/// anyway; `str::parse::<f64>` would add core's decimal-to-float code (~6 KB).
fn parse_f64(t: &str) -> Option<f64> {
    match serde_json::from_str::<Value>(t) {
        Ok(Value::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// Ratings and scores: `3`, `3.0`, `"3.00"`.
pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_f64(s.trim()).filter(|f| f.is_finite()),
        _ => None,
    }
}

/// Booleans: `true`, `"true"`, `"TRUE"`, `1`.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// Text: strings as they are, numbers and booleans as written.
pub fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One object or an array of them (null/absent: none).
pub fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// An object being read, with its JSON path for error messages.
pub(crate) struct Obj<'a> {
    pub m: &'a Map<String, Value>,
    pub path: &'a str,
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, path: &'a str) -> R<Self> {
        match v {
            Value::Object(m) => Ok(Obj { m, path }),
            _ => Err(Error::decode(path, "expected an object")),
        }
    }
    #[inline(never)]
    pub fn p(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }
    /// A present, non-null field.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.m.get(key).filter(|v| !v.is_null())
    }
    #[inline(never)]
    pub fn id(&self, key: &str) -> R<i64> {
        match self.get(key) {
            None => Err(Error::decode(&self.p(key), "missing")),
            Some(v) => as_i64(v).ok_or_else(|| Error::decode(&self.p(key), "expected a whole number")),
        }
    }
    #[inline(never)]
    pub fn text(&self, key: &str) -> R<String> {
        match self.get(key) {
            None => Err(Error::decode(&self.p(key), "missing")),
            Some(v) => as_string(v).ok_or_else(|| Error::decode(&self.p(key), "expected text")),
        }
    }
    #[inline(never)]
    pub fn opt_i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(as_i64)
    }
    #[inline(never)]
    pub fn opt_f64(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(as_f64)
    }
    #[inline(never)]
    pub fn opt_bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(as_bool)
    }
    #[inline(never)]
    pub fn opt_text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(as_string).filter(|s| !s.is_empty())
    }
    /// A nested list: v3 wraps them as `{"data":[...]}`, v2 gives one object or an array.
    /// A list under the v3 name or, failing that, the v2 `includes=` name
    /// (`tags`/`tag`, `attributes`/`attribute`, `securityLabels`/`securityLabel`).
    pub fn list_either<T>(&self, key: &str, v2_key: &str, f: fn(&Value, &str, &str) -> R<T>) -> R<Vec<T>> {
        if self.get(key).is_some() { self.list(key, f) } else { self.list(v2_key, f) }
    }

    pub fn list<T>(&self, key: &str, f: fn(&Value, &str, &str) -> R<T>) -> R<Vec<T>> {
        let Some(v) = self.get(key) else { return Ok(Vec::new()) };
        let (items, base) = match v.get("data") {
            Some(d) if v.is_object() => (d, format!("{}.data", self.p(key))),
            _ => (v, self.p(key)),
        };
        one_or_many(items)
            .into_iter()
            .enumerate()
            .map(|(i, item)| f(item, &format!("{base}[{i}]"), ""))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_scalars() {
        assert_eq!(as_i64(&json!("54321")), Some(54321));
        assert_eq!(as_i64(&json!(12.0)), Some(12));
        assert_eq!(as_i64(&json!(12.5)), None);
        assert_eq!(as_i64(&json!("x")), None);
        assert_eq!(as_f64(&json!("3.00")), Some(3.0));
        assert_eq!(as_f64(&json!(4)), Some(4.0));
        assert_eq!(as_f64(&json!("NaN")), None);
        assert_eq!(as_bool(&json!("true")), Some(true));
        assert_eq!(as_bool(&json!("FALSE")), Some(false));
        assert_eq!(as_bool(&json!(false)), Some(false));
        assert_eq!(as_bool(&json!("maybe")), None);
        assert_eq!(one_or_many(&json!({"a":1})).len(), 1);
        assert_eq!(one_or_many(&json!([1, 2])).len(), 2);
        assert_eq!(one_or_many(&json!(null)).len(), 0);
    }

    #[test]
    fn errors_carry_the_path() {
        let v = json!({"id": "abc"});
        let o = Obj::new(&v, "data.indicator[3]").unwrap();
        assert_eq!(o.id("id"), Err(Error::decode("data.indicator[3].id", "expected a whole number")));
        assert_eq!(o.text("name"), Err(Error::decode("data.indicator[3].name", "missing")));
        assert!(Obj::new(&json!([1]), "data").is_err());
    }
}
