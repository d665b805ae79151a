//! Decoding ThreatConnect answers: lenient readers by hand over `serde_json::Value`,
//! and the v2 and v3 envelopes (one path for lists, one for single items, whatever the entity).
//!
//! Why not `#[derive(Deserialize)]` per model: every model would need custom
//! `deserialize_with` helpers (ids as strings, booleans as "true", ratings as
//! "3.00", one-or-many) plus `#[serde(flatten)]` to keep unknown fields, and each
//! derive is monomorphized code in the wasm. One `Value` parser (already linked
//! for the envelopes) plus these few readers is smaller, keeps everything the API
//! sent (`raw`), and reports the JSON path that failed.

use crate::error::{http_error, Error};
use crate::http::HttpResponse;
use serde_json::{Map, Value};

/// A decoding result.
pub(crate) type R<T> = Result<T, Error>;

/// A model reader: `(object, JSON path, v2 entity key)`. Every model has one (`Indicator::read`...).
pub type Reader<T> = fn(&Value, &str, &str) -> Result<T, Error>;

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
        if self.get(key).is_some() {
            self.list(key, f)
        } else {
            self.list(v2_key, f)
        }
    }

    pub fn list<T>(&self, key: &str, f: fn(&Value, &str, &str) -> R<T>) -> R<Vec<T>> {
        let Some(v) = self.get(key) else { return Ok(Vec::new()) };
        let (items, base) = match v.get("data") {
            Some(d) if v.is_object() => (d, format!("{}.data", self.p(key))),
            _ => (v, self.p(key)),
        };
        one_or_many(items).into_iter().enumerate().map(|(i, item)| f(item, &format!("{base}[{i}]"), "")).collect()
    }
}

/// An id given as number or string at a path (`{"batchId": "12"}`).
pub fn read_id(v: &Value, path: &str) -> R<i64> {
    as_i64(v).ok_or_else(|| Error::decode(path, "expected a whole number"))
}

/// Anything with an id that Pivot keeps as ThreatConnect sent it (adversary
/// assets, file occurrences, attribute types, v3 deleted items...).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The id.
    pub id: i64,
    /// The object as ThreatConnect sent it.
    pub raw: Value,
}

impl Record {
    /// Reads a record (any object with an `id`).
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Record> {
        let o = Obj::new(v, path)?;
        Ok(Record { id: o.id("id")?, raw: v.clone() })
    }
}

// ---- envelopes --------------------------------------------------------------

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// v2 `resultCount` (only when `resultStart=0`), v3 `count` (with `count=true`).
    pub result_count: Option<i64>,
    /// v3 `next` link, as ThreatConnect sent it.
    pub next: Option<String>,
}

/// Parses the body as JSON after mapping non-2xx answers to [`Error::Http`].
pub fn json_body(resp: &HttpResponse) -> R<Value> {
    if !resp.is_success() {
        return Err(http_error(resp.status, &resp.body));
    }
    if resp.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&resp.body).map_err(|e| Error::decode("", e.to_string()))
}

fn check_status(body: &Value) -> R<()> {
    match body.get("status").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("Success") => Ok(()),
        None => Ok(()),
        Some(_) => Err(Error::Http {
            status: 200,
            code: body.get("errCode").and_then(Value::as_str).map(str::to_string),
            message: body.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
        }),
    }
}

/// `{"status":"Success"}` with or without data (writes, deletes).
pub fn v2_ok(body: &Value) -> R<()> {
    check_status(body)
}

fn v2_data(body: &Value) -> R<&Map<String, Value>> {
    check_status(body)?;
    match body.get("data") {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(Error::decode("data", "missing")),
    }
}

/// The entity under `data`: the expected key, or else the one other key the
/// answer has (the documentation itself names some lists inconsistently, e.g.
/// `/v2/tasks/{id}/groups` answers under `task`).
fn entity<'a>(data: &'a Map<String, Value>, key: &str) -> R<(&'a str, &'a Value)> {
    if let Some((k, v)) = data.get_key_value(key) {
        return Ok((k, v));
    }
    let mut others = data.iter().filter(|(k, _)| k.as_str() != "resultCount");
    match (others.next(), others.next()) {
        (Some((k, v)), None) => Ok((k, v)),
        _ => Err(Error::decode(&format!("data.{key}"), "missing")),
    }
}

/// Finds a v2 list's items (non-generic, so each model adds only its reader loop).
/// Items with their JSON paths.
type Items<'a> = Vec<(&'a Value, String)>;

fn v2_items<'a>(body: &'a Value, key: &str) -> R<(Items<'a>, &'a str, Option<i64>)> {
    let data = v2_data(body)?;
    let result_count = data.get("resultCount").and_then(as_i64);
    if result_count == Some(0) && !data.contains_key(key) {
        return Ok((Vec::new(), "", result_count));
    }
    let (k, v) = match entity(data, key) {
        Ok(kv) => kv,
        Err(_) if data.len() <= 1 => return Ok((Vec::new(), "", result_count)),
        Err(e) => return Err(e),
    };
    let base = format!("data.{k}");
    let items = match v {
        Value::Array(a) => a.iter().enumerate().map(|(i, x)| (x, format!("{base}[{i}]"))).collect(),
        other => vec![(other, base)],
    };
    Ok((items, k, result_count))
}

/// A v2 list: `{"status":"Success","data":{"resultCount":n,"<key>":[...]}}`.
pub fn v2_list<T>(body: &Value, key: &str, read: Reader<T>) -> R<Page<T>> {
    let (items, k, result_count) = v2_items(body, key)?;
    let items = items.into_iter().map(|(x, p)| read(x, &p, k)).collect::<R<Vec<T>>>()?;
    Ok(Page { items, result_count, next: None })
}

/// A v2 single item: `{"status":"Success","data":{"<key>":{...}}}` (one-element arrays too).
pub fn v2_one<T>(body: &Value, key: &str, read: Reader<T>) -> R<T> {
    let data = v2_data(body)?;
    let (k, v) = entity(data, key)?;
    let base = format!("data.{k}");
    match v {
        Value::Array(a) => match a.first() {
            Some(x) => read(x, &format!("{base}[0]"), k),
            None => Err(Error::decode(&base, "empty")),
        },
        other => read(other, &base, k),
    }
}

/// A v3 single item: `{"data":{...},"status":"Success"}`.
pub fn v3_one<T>(body: &Value, read: Reader<T>) -> R<T> {
    check_status(body)?;
    match body.get("data") {
        Some(d @ Value::Object(_)) => read(d, "data", ""),
        Some(Value::Array(a)) if a.len() == 1 => read(&a[0], "data[0]", ""),
        _ => Err(Error::decode("data", "expected an object")),
    }
}

fn v3_items(body: &Value) -> R<(Items<'_>, Option<i64>, Option<String>)> {
    check_status(body)?;
    let data = body.get("data").unwrap_or(&Value::Null);
    let items = one_or_many(data).into_iter().enumerate().map(|(i, x)| (x, format!("data[{i}]"))).collect();
    let next = body.get("next").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    Ok((items, body.get("count").and_then(as_i64), next))
}

/// A v3 list: `{"data":[...],"next":"<url>","count":n,"status":"Success"}`.
pub fn v3_list<T>(body: &Value, read: Reader<T>) -> R<Page<T>> {
    let (items, result_count, next) = v3_items(body)?;
    let items = items.into_iter().map(|(x, p)| read(x, &p, "")).collect::<R<Vec<T>>>()?;
    Ok(Page { items, result_count, next })
}

/// A v3 list with its items as ThreatConnect sent them, moved out of the answer.
pub fn v3_list_as_sent(body: Value) -> R<Page<Value>> {
    check_status(&body)?;
    let Value::Object(mut m) = body else { return Ok(Page { items: Vec::new(), result_count: None, next: None }) };
    let next = m.get("next").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let result_count = m.get("count").and_then(as_i64);
    let items = match m.remove("data") {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(Error::decode("data", "expected a list")),
    };
    Ok(Page { items, result_count, next })
}

/// `POST /v3/token/api`: `{"status":"Success","data":"<token>"}`.
pub fn v3_token(body: &Value) -> R<String> {
    check_status(body)?;
    match body.get("data") {
        Some(Value::String(t)) if !t.is_empty() => Ok(t.clone()),
        _ => Err(Error::decode("data", "expected the token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Group, Indicator, Tag};
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

    // envelopes

    #[test]
    fn v2_list_one_or_many_and_counts() {
        let b = json!({"status":"Success","data":{"resultCount":1,"tag":{"name":"A"}}});
        let p = v2_list(&b, "tag", Tag::read).unwrap();
        assert_eq!((p.items.len(), p.result_count), (1, Some(1)));
        let b = json!({"status":"Success","data":{"resultCount":0}});
        assert!(v2_list(&b, "tag", Tag::read).unwrap().items.is_empty());
    }

    #[test]
    fn v2_failure_carries_message() {
        let b = json!({"status":"Failure","message":"Owner not found"});
        assert_eq!(v2_list(&b, "tag", Tag::read).unwrap_err(), Error::Http { status: 200, code: None, message: "Owner not found".into() });
    }

    #[test]
    fn v2_documented_misnamed_entity_still_decodes() {
        let b =
            json!({"status":"Success","data":{"resultCount":1,"task":[{"id":"54321","name":"New Incident","type":"Incident","ownerName":"Org"}]}});
        let p = v2_list(&b, "group", Group::read).unwrap();
        assert_eq!(p.items[0].id, 54321);
    }

    #[test]
    fn v3_list_next_and_count() {
        let b = json!({"data":[{"id":1,"ownerName":"O","type":"Host","summary":"a.com"}],"next":"https://x/api/v3/indicators?resultStart=1","count":2,"status":"Success"});
        let p = v3_list(&b, Indicator::read).unwrap();
        assert_eq!(p.items[0].summary, "a.com");
        assert_eq!(p.next.as_deref(), Some("https://x/api/v3/indicators?resultStart=1"));
        assert_eq!(p.result_count, Some(2));
    }

    #[test]
    fn non_2xx_and_garbage_bodies() {
        let r = HttpResponse::new(404, r#"{"status":"Error","errCode":"0x1004","message":"Not found"}"#);
        assert_eq!(json_body(&r).unwrap_err().status(), Some(404));
        let r = HttpResponse::new(200, "{not json");
        assert!(matches!(json_body(&r), Err(Error::Decode { .. })));
        assert_eq!(json_body(&HttpResponse::new(200, "")).unwrap(), Value::Null);
    }
}
